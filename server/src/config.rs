//! Server configuration, layered: built-in defaults, then an optional TOML file
//! (`YINLING_CONFIG`, or `yinling.toml` in the working directory if present),
//! then environment variables. Later layers override earlier ones field by field.

use serde::Deserialize;
use std::{fmt, net::SocketAddr, path::PathBuf, time::Duration};

#[derive(Clone)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub listen_addr: SocketAddr,
    /// `sqlite://path/to/file.db` (default) or `postgres://user:pass@host/db`.
    pub database_url: String,
    /// Where cargo-leptos put the site (`target/site`): wasm, js, css, public assets.
    pub site_root: PathBuf,
    /// The URL users reach us at. When it is https, cookies get `Secure` and the
    /// `__Host-` prefix and responses carry HSTS.
    pub public_url: String,
    /// Load the demo county on start-up when the database has no stations.
    pub seed_demo_on_empty: bool,
    /// How long a login stays valid without use.
    pub session_ttl: Duration,
    /// Trust `X-Forwarded-For` for the client address (only behind our own proxy).
    pub trust_proxy: bool,
    /// Override the app-shell version the service worker caches under
    /// (normally a hash of the built site files).
    pub build_id: Option<String>,
}

impl Config {
    pub fn behind_tls(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen_addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            database_url: "sqlite://data/yinling.db".into(),
            site_root: PathBuf::from("target/site"),
            public_url: "http://127.0.0.1:3000".into(),
            seed_demo_on_empty: true,
            session_ttl: Duration::from_secs(12 * 3600),
            trust_proxy: false,
            build_id: None,
        }
    }
}

/// Debug output goes to logs: never print a database password.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen_addr", &self.listen_addr)
            .field("database_url", &redact_url(&self.database_url))
            .field("site_root", &self.site_root)
            .field("public_url", &self.public_url)
            .field("seed_demo_on_empty", &self.seed_demo_on_empty)
            .field("session_ttl", &self.session_ttl)
            .field("trust_proxy", &self.trust_proxy)
            .field("build_id", &self.build_id)
            .finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((creds, host)) => {
            let user = creds.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_string(),
    }
}

/// The file layer: every field optional so a file may set only what it needs.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileLayer {
    listen_addr: Option<SocketAddr>,
    database_url: Option<String>,
    site_root: Option<PathBuf>,
    public_url: Option<String>,
    seed_demo_on_empty: Option<bool>,
    session_ttl_minutes: Option<u64>,
    trust_proxy: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("config file {0} is not valid: {1}")]
    Parse(PathBuf, toml::de::Error),
    #[error("environment variable {0} has an invalid value {1:?}")]
    Env(&'static str, String),
}

/// `true/false`, `1/0`, `yes/no`, `on/off` (any case): what people write.
fn parse_flag(key: &'static str, v: String) -> Result<bool, ConfigError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::Env(key, v)),
    }
}

impl Config {
    /// Defaults → file → environment, reading the real process environment.
    pub fn load() -> Result<Self, ConfigError> {
        let file = std::env::var_os("YINLING_CONFIG").map(PathBuf::from).or_else(|| {
            let p = PathBuf::from("yinling.toml");
            p.exists().then_some(p)
        });
        Self::load_from(file, |k| std::env::var(k).ok())
    }

    /// Same as [`Config::load`] with the file and environment supplied (for tests).
    pub fn load_from(file: Option<PathBuf>, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut cfg = Config::default();
        if let Some(path) = file {
            let text = std::fs::read_to_string(&path).map_err(|e| ConfigError::Read(path.clone(), e))?;
            let layer: FileLayer = toml::from_str(&text).map_err(|e| ConfigError::Parse(path, e))?;
            cfg.apply_file(layer);
        }
        cfg.apply_env(env)?;
        Ok(cfg)
    }

    fn apply_file(&mut self, l: FileLayer) {
        if let Some(v) = l.listen_addr {
            self.listen_addr = v;
        }
        if let Some(v) = l.database_url {
            self.database_url = v;
        }
        if let Some(v) = l.site_root {
            self.site_root = v;
        }
        if let Some(v) = l.public_url {
            self.public_url = v;
        }
        if let Some(v) = l.seed_demo_on_empty {
            self.seed_demo_on_empty = v;
        }
        if let Some(v) = l.session_ttl_minutes {
            self.session_ttl = Duration::from_secs(v * 60);
        }
        if let Some(v) = l.trust_proxy {
            self.trust_proxy = v;
        }
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(name: &'static str, v: String) -> Result<T, ConfigError> {
            v.parse().map_err(|_| ConfigError::Env(name, v))
        }
        // LEPTOS_SITE_ADDR / LEPTOS_SITE_ROOT are what cargo-leptos sets when it runs us.
        for name in ["LEPTOS_SITE_ADDR", "YINLING_LISTEN_ADDR"] {
            if let Some(v) = env(name) {
                self.listen_addr = parse(name, v)?;
            }
        }
        for name in ["LEPTOS_SITE_ROOT", "YINLING_SITE_ROOT"] {
            if let Some(v) = env(name) {
                self.site_root = PathBuf::from(v);
            }
        }
        if let Some(v) = env("DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = env("YINLING_PUBLIC_URL") {
            self.public_url = v;
        }
        if let Some(v) = env("YINLING_SEED_DEMO") {
            self.seed_demo_on_empty = parse_flag("YINLING_SEED_DEMO", v)?;
        }
        if let Some(v) = env("YINLING_SESSION_TTL_MINUTES") {
            let mins: u64 = parse("YINLING_SESSION_TTL_MINUTES", v)?;
            self.session_ttl = Duration::from_secs(mins * 60);
        }
        if let Some(v) = env("YINLING_BUILD_ID") {
            self.build_id = Some(v);
        }
        if let Some(v) = env("YINLING_TRUST_PROXY") {
            self.trust_proxy = parse_flag("YINLING_TRUST_PROXY", v)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn env_overrides_file_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("y.toml");
        std::fs::write(&path, "database_url = \"sqlite://from-file.db\"\npublic_url = \"https://a.example\"\n")
            .unwrap();
        let env: HashMap<&str, &str> = [("DATABASE_URL", "postgres://u:pw@h/db")].into();
        let cfg = Config::load_from(Some(path), |k| env.get(k).map(|s| s.to_string())).unwrap();
        assert_eq!(cfg.database_url, "postgres://u:pw@h/db");
        assert_eq!(cfg.public_url, "https://a.example");
        assert!(cfg.behind_tls());
        assert_eq!(cfg.listen_addr, Config::default().listen_addr);
    }

    #[test]
    fn debug_redacts_database_password() {
        let cfg = Config { database_url: "postgres://yl:hunter2@db/yl".into(), ..Config::default() };
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("postgres://yl:***@db/yl"));
    }

    #[test]
    fn bad_env_value_is_an_error_not_a_default() {
        let err = Config::load_from(None, |k| (k == "YINLING_SEED_DEMO").then(|| "maybe".into())).unwrap_err();
        assert!(err.to_string().contains("YINLING_SEED_DEMO"));
    }

    #[test]
    fn unknown_file_keys_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("y.toml");
        std::fs::write(&path, "databse_url = \"typo\"\n").unwrap();
        assert!(matches!(Config::load_from(Some(path), |_| None), Err(ConfigError::Parse(..))));
    }
}

//! Test harness: a real server on port 0 over a real database — a fresh
//! SQLite file, or a fresh database on the PostgreSQL server the test command
//! started (`YINLING_TEST_PG_URL`) — and an HTTP client with its own cookies.
#![allow(dead_code)]

use reqwest::{cookie::CookieStore, header, redirect::Policy, Client, Response};
use sqlx::Connection;
use std::{path::PathBuf, sync::Arc};
use tokio::sync::oneshot;
use yinling_server::{storage::Store, AppState, Config};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Every backend the suite must pass on. PostgreSQL is required: set
/// `YINLING_SKIP_PG=1` to leave it out deliberately during local work.
pub fn backends() -> Vec<Db> {
    let skip_pg = std::env::var("YINLING_SKIP_PG").is_ok_and(|v| v == "1");
    if !skip_pg && std::env::var("YINLING_TEST_PG_URL").is_err() {
        panic!("YINLING_TEST_PG_URL is not set: run the suite through .ci/test (it starts PostgreSQL), or set YINLING_SKIP_PG=1");
    }
    if skip_pg {
        vec![Db::Sqlite]
    } else {
        vec![Db::Sqlite, Db::Postgres]
    }
}

/// A fresh, empty database of the given kind; the guard keeps it alive.
pub async fn fresh_database(db: Db) -> (String, Option<tempfile::TempDir>) {
    match db {
        Db::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("yinling.db").display());
            (url, Some(dir))
        }
        Db::Postgres => {
            let admin = std::env::var("YINLING_TEST_PG_URL").unwrap();
            let name = format!("yl_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect to the test PostgreSQL");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
            let base = admin.rsplit_once('/').unwrap().0;
            (format!("{base}/{name}"), None)
        }
    }
}

pub fn site_root() -> PathBuf {
    std::env::var("YINLING_SITE_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/site"))
}

pub struct TestServer {
    pub base: String,
    pub state: AppState,
    pub db: Db,
    shutdown: Option<oneshot::Sender<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl TestServer {
    pub async fn start(db: Db) -> Self {
        Self::start_with(db, |_| {}).await
    }

    pub async fn start_with(db: Db, tweak: impl FnOnce(&mut Config)) -> Self {
        let (url, dir) = fresh_database(db).await;
        let mut config = Config {
            database_url: url,
            site_root: site_root(),
            build_id: Some("test-build".into()),
            ..Config::default()
        };
        tweak(&mut config);
        let state = yinling_server::prepare(config).await.expect("server state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel();
        let s = state.clone();
        tokio::spawn(async move {
            yinling_server::launch_with_listener(s, listener, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        TestServer { base, state, db, shutdown: Some(tx), _dir: dir }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.state.store
    }

    /// A browser-like client with its own cookie jar, having visited the start page.
    pub async fn visitor(&self) -> Visitor {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = Client::builder().cookie_provider(jar.clone()).redirect(Policy::none()).build().unwrap();
        let v = Visitor { client, jar, base: self.base.clone() };
        let r = v.get("/").await;
        assert!(r.status().is_success(), "start page answered {}", r.status());
        v
    }

    /// A visitor signed in with the given phone and password.
    pub async fn signed_in(&self, phone: &str, password: &str) -> Visitor {
        let v = self.visitor().await;
        let r = v.login(phone, password).await;
        assert_eq!(r.status(), 200, "login of {phone} failed");
        v
    }

    /// Station ids of the demo county, in a stable order (by street, then name).
    pub async fn station_ids(&self) -> Vec<String> {
        self.store().stations().await.unwrap().into_iter().map(|s| s.id).collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub struct Visitor {
    pub client: Client,
    pub jar: Arc<reqwest::cookie::Jar>,
    pub base: String,
}

impl Visitor {
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = self.base.parse().unwrap();
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split(';')
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }

    pub fn csrf(&self) -> String {
        self.cookie("yl_csrf").expect("the first visit sets the CSRF cookie")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    pub async fn get_html(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base)).header(header::ACCEPT, "text/html").send().await.unwrap()
    }

    /// Post a form with this visitor's CSRF token, asking for JSON back.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all: Vec<(&str, String)> = fields.iter().map(|(k, v)| (*k, v.to_string())).collect();
        all.push(("csrf_token", self.csrf()));
        self.client
            .post(format!("{}{path}", self.base))
            .header(header::ACCEPT, "application/json")
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    /// Post with the CSRF header, as the app's scripts do.
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> Response {
        self.client
            .post(format!("{}{path}", self.base))
            .header("x-csrf-token", self.csrf())
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// PUT raw bytes with the CSRF header (photo uploads).
    pub async fn put_bytes(&self, path: &str, bytes: Vec<u8>) -> Response {
        self.client
            .put(format!("{}{path}", self.base))
            .header("x-csrf-token", self.csrf())
            .header(header::CONTENT_TYPE, "image/jpeg")
            .body(bytes)
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, phone: &str, password: &str) -> Response {
        self.post_form("/api/v1/login", &[("phone", phone), ("password", password)]).await
    }
}

/// The JSON error body's Chinese message.
pub async fn message(r: Response) -> (u16, String, String) {
    let status = r.status().as_u16();
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    (status, v["error"].as_str().unwrap_or("").to_string(), v["message"].as_str().unwrap_or("").to_string())
}
pub mod phone;

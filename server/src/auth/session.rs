//! Session tokens: 256 random bits in an HttpOnly cookie; the database keeps
//! only their SHA-256, so a leaked database holds no live logins.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use sha2::{Digest, Sha256};

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Cookie names: the `__Host-` prefix (which browsers only accept with Secure,
/// Path=/ and no Domain) is used whenever we are served over TLS.
pub struct CookieNames {
    pub session: &'static str,
    pub csrf: &'static str,
}

pub fn cookie_names(tls: bool) -> CookieNames {
    if tls {
        CookieNames { session: "__Host-yl_session", csrf: "__Host-yl_csrf" }
    } else {
        CookieNames { session: "yl_session", csrf: "yl_csrf" }
    }
}

pub fn session_cookie(tls: bool, token: &str, max_age_secs: u64) -> String {
    let name = cookie_names(tls).session;
    let secure = if tls { "; Secure" } else { "" };
    format!("{name}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}")
}

pub fn clear_session_cookie(tls: bool) -> String {
    let name = cookie_names(tls).session;
    let secure = if tls { "; Secure" } else { "" };
    format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}

/// The CSRF cookie is readable by our own script (it copies it into a header);
/// SameSite=Strict keeps other sites from sending it.
pub fn csrf_cookie(tls: bool, token: &str) -> String {
    let name = cookie_names(tls).csrf;
    let secure = if tls { "; Secure" } else { "" };
    format!("{name}={token}; Path=/; SameSite=Strict; Max-Age=31536000{secure}")
}

/// Read one cookie from a request's `Cookie` headers.
pub fn read_cookie<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hash_is_stable() {
        let a = new_token();
        assert_ne!(a, new_token());
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn tls_cookies_use_host_prefix_and_secure() {
        let c = session_cookie(true, "t", 60);
        assert!(c.starts_with("__Host-yl_session=t;"));
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"));
        assert!(!session_cookie(false, "t", 60).contains("Secure"));
    }

    #[test]
    fn reads_cookie_among_many() {
        let mut h = http::HeaderMap::new();
        h.append(http::header::COOKIE, "a=1; yl_session=abc".parse().unwrap());
        h.append(http::header::COOKIE, "b=2".parse().unwrap());
        assert_eq!(read_cookie(&h, "yl_session"), Some("abc"));
        assert_eq!(read_cookie(&h, "b"), Some("2"));
        assert_eq!(read_cookie(&h, "c"), None);
    }
}

//! CSRF protection for every state-changing request (anything but GET/HEAD/OPTIONS).
//!
//! Two independent checks, both required:
//! 1. Where the browser tells us (`Sec-Fetch-Site`, `Origin`), the request
//!    must come from our own origin.
//! 2. Double-submit token: the `yl_csrf` cookie (SameSite=Strict, set on the
//!    first visit) must be repeated in an `X-CSRF-Token` header (scripts) or a
//!    `csrf_token` form field (plain HTML forms, which work without JS).

use super::session::{cookie_names, csrf_cookie, new_token, read_cookie};
use crate::{error::ApiError, AppState};
use axum::{
    body::{to_bytes, Body},
    extract::{Request, State},
    http::{header, HeaderValue, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};
pub use yinling_app::prefs::CsrfToken;

pub const HEADER: &str = "x-csrf-token";
pub const FORM_FIELD: &str = "csrf_token";
const MAX_FORM_BYTES: usize = 1 << 20;

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let tls = state.config.behind_tls();
    let existing = read_cookie(req.headers(), cookie_names(tls).csrf).map(str::to_string);
    let mut req = req;
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        match check(req, existing.as_deref()).await {
            Ok(r) => req = r,
            Err(e) => return e.into_response(),
        }
    }
    let token = existing.as_deref().map_or_else(new_token, str::to_string);
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut resp = next.run(req).await;
    if existing.is_none() {
        if let Ok(v) = HeaderValue::from_str(&csrf_cookie(tls, &token)) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

async fn check(req: Request, expected: Option<&str>) -> Result<Request, ApiError> {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site != "same-origin" && site != "none" {
            return Err(ApiError::csrf());
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
        if origin_host != host {
            return Err(ApiError::csrf());
        }
    }
    let expected = expected.ok_or_else(ApiError::csrf)?;
    if let Some(presented) = headers.get(HEADER).and_then(|v| v.to_str().ok()) {
        return if same(presented, expected) { Ok(req) } else { Err(ApiError::csrf()) };
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(ApiError::csrf());
    }
    // Buffer the (small) form to read the token, then hand the same bytes on.
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| ApiError::bad("提交的内容过大。", "The form is too large."))?;
    let presented = form_urlencoded_field(&bytes, FORM_FIELD);
    match presented {
        Some(p) if same(&p, expected) => Ok(Request::from_parts(parts, Body::from(bytes))),
        _ => Err(ApiError::csrf()),
    }
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Constant-time comparison, so response timing does not leak the token.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_form_field_and_compares_in_constant_time() {
        assert_eq!(super::form_urlencoded_field(b"a=1&csrf_token=xy%3D", "csrf_token").as_deref(), Some("xy="));
        assert_eq!(super::form_urlencoded_field(b"a=1", "csrf_token"), None);
        assert!(super::same("abc", "abc"));
        assert!(!super::same("abc", "abd"));
        assert!(!super::same("abc", "abcd"));
    }
}

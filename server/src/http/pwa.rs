//! The progressive-web-app plumbing: the versioned service worker, the health
//! check the offline indicator asks, and the no-JS preference switch.

use crate::AppState;
use axum::{
    extract::{Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Where the field app's bundle is, under the site root (`envoy` project).
const FIELD_PKG: &str = yinling_app::field_app::BUNDLE_DIR;

/// The app shell's version: a hash of the built wasm, JS and CSS (the site's
/// and the field app's), so every build gets a fresh cache and the page can
/// offer "有新版本，点此更新".
pub fn build_id(site_root: &Path) -> String {
    let mut hasher = Sha256::new();
    for dir in ["pkg", FIELD_PKG] {
        let mut files: Vec<_> = std::fs::read_dir(site_root.join(dir))
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for f in files {
            if let Ok(bytes) = std::fs::read(&f) {
                hasher.update(dir.as_bytes());
                hasher.update(f.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default());
                hasher.update(&bytes);
            }
        }
    }
    for extra in ["pwa.js", "manifest.webmanifest", "sw.js"] {
        if let Ok(bytes) = std::fs::read(site_root.join(extra)) {
            hasher.update(&bytes);
        }
    }
    hasher.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The field app's bundle as `cargo leptos build --split` leaves it: its JS
/// and main wasm, one wasm chunk per page split out of it (and chunks they
/// share), and the loader script. The service worker caches them with the
/// shell, so every field page opens offline. A JSON array of paths.
pub fn field_assets(site_root: &Path) -> String {
    let names: Vec<String> = std::fs::read_dir(site_root.join(FIELD_PKG))
        .map(|d| d.filter_map(Result::ok).filter_map(|e| e.file_name().into_string().ok()).collect())
        .unwrap_or_default();
    let mut paths: Vec<String> =
        names.into_iter().filter(|name| is_code(name)).map(|name| format!("/{FIELD_PKG}/{name}")).collect();
    paths.sort();
    serde_json::to_string(&paths).unwrap_or_else(|_| "[]".into())
}

/// What the browser runs (not type declarations or the split manifest).
fn is_code(name: &str) -> bool {
    name.ends_with(".wasm") || (name.ends_with(".js") && !name.ends_with(".d.ts"))
}

/// `public/sw.js` with this build's version and the field app's files filled
/// in. Served with no-cache so browsers look for a new version on every visit.
pub async fn service_worker(State(state): State<AppState>) -> Response {
    let template = match tokio::fs::read_to_string(state.config.site_root.join("sw.js")).await {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "service worker template missing from the site root");
            return StatusCode::NOT_FOUND.into_response();
        }
    };
    let body = template
        .replace("__YINLING_BUILD_ID__", &state.build_id)
        .replace("[/*__YINLING_FIELD_ASSETS__*/]", &state.field_assets);
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.is_empty().await {
        Ok(_) => ([(header::CACHE_CONTROL, "no-store")], "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, [(header::CACHE_CONTROL, "no-store")], "database unavailable")
                .into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct PrefsQuery {
    lang: Option<String>,
    elder: Option<String>,
}

/// Without JavaScript the language and 长辈模式 switches are links here; the
/// hydrated page sets the same cookies itself.
pub async fn prefs(headers: HeaderMap, Query(q): Query<PrefsQuery>) -> Response {
    let mut resp = Redirect::to(&super::referer_path(&headers, "/")).into_response();
    let mut set = |name: &str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(&format!("{name}={value}; Path=/; Max-Age=31536000; SameSite=Strict")) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    };
    if let Some(v @ ("zh" | "en")) = q.lang.as_deref() {
        set(yinling_app::prefs::LANG_COOKIE, v);
    }
    if let Some(v @ ("0" | "1")) = q.elder.as_deref() {
        set(yinling_app::prefs::ELDER_COOKIE, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_assets_are_the_field_bundles_code_only() {
        let dir = std::env::temp_dir().join(format!("yinling-field-assets-{}", std::process::id()));
        let (site, field) = (dir.join("pkg"), dir.join(FIELD_PKG));
        std::fs::create_dir_all(&site).unwrap();
        std::fs::create_dir_all(&field).unwrap();
        std::fs::write(site.join("yinling.wasm"), b"x").unwrap();
        std::fs::write(site.join("chunk_1.wasm"), b"x").unwrap();
        for f in [
            "envoy.wasm",
            "envoy.js",
            "envoy.d.ts",
            "envoy_bg.wasm.d.ts",
            "__wasm_split_manifest.json",
            "__wasm_split.______________________.js",
            "split_page_field_case.wasm",
            "chunk_1.wasm",
        ] {
            std::fs::write(field.join(f), b"x").unwrap();
        }
        let got: Vec<String> = serde_json::from_str(&field_assets(&dir)).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            got,
            [
                "/envoy/pkg/__wasm_split.______________________.js",
                "/envoy/pkg/chunk_1.wasm",
                "/envoy/pkg/envoy.js",
                "/envoy/pkg/envoy.wasm",
                "/envoy/pkg/split_page_field_case.wasm",
            ]
        );
    }

    #[test]
    fn field_assets_of_a_site_without_the_field_app_are_none() {
        assert_eq!(field_assets(Path::new("/nonexistent/yinling")), "[]");
    }
}

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

/// The app shell's version: a hash of the built wasm, JS and CSS, so every
/// build gets a fresh cache and the page can offer "有新版本，点此更新".
pub fn build_id(site_root: &Path) -> String {
    let mut hasher = Sha256::new();
    let pkg = site_root.join("pkg");
    let mut files: Vec<_> =
        std::fs::read_dir(&pkg).map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect()).unwrap_or_default();
    files.sort();
    for f in files {
        if let Ok(bytes) = std::fs::read(&f) {
            hasher.update(f.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default());
            hasher.update(&bytes);
        }
    }
    for extra in ["pwa.js", "manifest.webmanifest", "sw.js"] {
        if let Ok(bytes) = std::fs::read(site_root.join(extra)) {
            hasher.update(&bytes);
        }
    }
    hasher.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The files `cargo leptos build --split` adds next to the main wasm and JS:
/// one wasm chunk per lazily loaded page (and chunks they share) and the
/// loader script. The service worker caches them with the shell, so a page
/// split out of the main module opens offline too. A JSON array of paths.
pub fn split_assets(site_root: &Path) -> String {
    let names: Vec<String> = std::fs::read_dir(site_root.join("pkg"))
        .map(|d| d.filter_map(Result::ok).filter_map(|e| e.file_name().into_string().ok()).collect())
        .unwrap_or_default();
    let mut paths: Vec<String> =
        names.into_iter().filter(|name| is_split_asset(name)).map(|name| format!("/pkg/{name}")).collect();
    paths.sort();
    serde_json::to_string(&paths).unwrap_or_else(|_| "[]".into())
}

fn is_split_asset(name: &str) -> bool {
    let main = name == "yinling.wasm" || name == "yinling.js";
    !main && (name.ends_with(".wasm") || (name.starts_with("__wasm_split") && name.ends_with(".js")))
}

/// `public/sw.js` with this build's version and lazily loaded files filled
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
        .replace("[/*__YINLING_SPLIT_ASSETS__*/]", &state.split_assets);
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
    fn split_assets_lists_chunks_and_their_loader_only() {
        let dir = std::env::temp_dir().join(format!("yinling-split-assets-{}", std::process::id()));
        let pkg = dir.join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        for f in [
            "yinling.wasm",
            "yinling.js",
            "yinling.css",
            "yinling.d.ts",
            "__wasm_split_manifest.json",
            "__wasm_split.______________________.js",
            "station_route_view_123.wasm",
            "__wasm_split_shared0_1.wasm",
        ] {
            std::fs::write(pkg.join(f), b"x").unwrap();
        }
        let got: Vec<String> = serde_json::from_str(&split_assets(&dir)).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            got,
            [
                "/pkg/__wasm_split.______________________.js",
                "/pkg/__wasm_split_shared0_1.wasm",
                "/pkg/station_route_view_123.wasm"
            ]
        );
    }

    #[test]
    fn split_assets_of_an_unsplit_build_is_empty() {
        assert_eq!(split_assets(Path::new("/nonexistent/yinling")), "[]");
    }
}

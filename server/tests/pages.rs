//! Server-rendered pages, headers and the PWA files, as a browser receives them.

mod common;
use common::*;
use yinling_server::demo::{envoy_phone, staff_phone, ENVOY_PASSWORD, STAFF_PASSWORD};

#[tokio::test]
async fn pages_carry_strict_security_headers() {
    let s = TestServer::start(Db::Sqlite).await;
    let v = s.visitor().await;
    let r = v.get_html("/login").await;
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(r.headers().get("strict-transport-security").is_none(), "no HSTS over plain http");
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_string();
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the hydration script carries this response's nonce");
    assert!(html.contains("name=\"csrf_token\""), "the login form works without JavaScript");
    assert!(html.contains("lang=\"zh-CN\""));
}

#[tokio::test]
async fn responses_are_compressed_for_slow_phones() {
    let s = TestServer::start(Db::Sqlite).await;
    let r =
        s.visitor().await.client.get(format!("{}/login", s.base)).header("accept-encoding", "br").send().await.unwrap();
    assert_eq!(r.headers()["content-encoding"], "br");
}

#[tokio::test]
async fn a_release_builds_precompressed_files_go_out_as_they_are() {
    // `cargo leptos build --release --precompress` leaves a .br (brotli at its
    // best quality) beside each file; it must reach the phone untouched, not
    // be compressed again or replaced by a faster, larger encoding.
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("envoy/pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("envoy.wasm"), vec![7u8; 64 * 1024]).unwrap();
    std::fs::write(pkg.join("envoy.wasm.br"), b"the build's own brotli").unwrap();
    let s = TestServer::start_with(Db::Sqlite, |c| c.site_root = site.path().to_path_buf()).await;
    let url = format!("{}/envoy/pkg/envoy.wasm", s.base);
    let v = s.visitor().await;
    let r = v.client.get(&url).header("accept-encoding", "br").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-encoding"], "br");
    assert_eq!(&r.bytes().await.unwrap()[..], b"the build's own brotli");
    // A client without brotli gets the file itself (compressed on the fly if
    // it takes gzip, as any response).
    let r = v.client.get(&url).header("accept-encoding", "identity").send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap().len(), 64 * 1024);
}

#[tokio::test]
async fn english_is_one_cookie_away() {
    let s = TestServer::start(Db::Sqlite).await;
    let v = s.visitor().await;
    let r = v.get("/prefs?lang=en").await;
    assert_eq!(r.status(), 303);
    let html = v.get_html("/login").await.text().await.unwrap();
    assert!(html.contains("lang=\"en\"") && html.contains("Sign in"), "English login page");
}

#[tokio::test]
async fn desk_pages_send_anonymous_visitors_to_login() {
    let s = TestServer::start(Db::Sqlite).await;
    let v = s.visitor().await;
    for path in ["/station", "/county"] {
        let r = v.get_html(path).await;
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(r.headers()["location"], "/login");
    }
}

#[tokio::test]
async fn station_page_renders_the_roster_masked() {
    let s = TestServer::start(Db::Sqlite).await;
    let staff = s.signed_in(&staff_phone(1, 1), STAFF_PASSWORD).await;
    let html = staff.get_html("/station").await.text().await.unwrap();
    assert!(html.contains("东关社区银龄解忧工作室"), "server-rendered station name");
    assert!(html.contains("138****0001"));
    assert!(!html.contains(&envoy_phone(1, 1)), "no full phone number in the page");
}

#[tokio::test]
async fn field_shell_is_the_same_for_every_route_and_user() {
    let s = TestServer::start(Db::Sqlite).await;
    let envoy = s.signed_in(&envoy_phone(1, 1), ENVOY_PASSWORD).await;
    let anon = s.visitor().await;
    let body = |html: String| {
        // Only the nonce differs between two renders.
        let start = html.find("<body").unwrap();
        html[start..].to_string()
    };
    let a = body(envoy.get_html("/field").await.text().await.unwrap());
    let b = body(envoy.get_html("/field/cases/0193a1b2-0000-7000-8000-000000000000").await.text().await.unwrap());
    let c = body(anon.get_html("/field/visits/new").await.text().await.unwrap());
    // The CSRF token belongs to the browser (not the user or the route): blank it.
    let (a, b) = (a.replace(&envoy.csrf(), ""), b.replace(&envoy.csrf(), ""));
    let c = c.replace(&anon.csrf(), "");
    assert!(a.contains("正在打开"));
    let strip = |s: &str| s.split("nonce=\"").map(|p| p.split_once('"').map(|x| x.1).unwrap_or(p)).collect::<String>();
    assert_eq!(strip(&a), strip(&b), "deep links render the same shell");
    assert_eq!(strip(&a), strip(&c), "the shell holds nothing about the user");
}

#[tokio::test]
async fn field_pages_load_the_field_apps_bundle_and_the_site_its_own() {
    let s = TestServer::start(Db::Sqlite).await;
    let envoy = s.signed_in(&envoy_phone(1, 1), ENVOY_PASSWORD).await;
    let field = envoy.get_html("/field/cases/0193a1b2-0000-7000-8000-000000000000").await.text().await.unwrap();
    assert!(field.contains("import init, { start } from '/envoy/pkg/envoy.js'"), "field page starts the field app");
    assert!(field.contains("module_or_path: '/envoy/pkg/envoy.wasm'"), "with its own wasm");
    assert!(!field.contains("/pkg/yinling.js") && !field.contains("hydrate"), "and not the site's bundle: {field}");
    let login = s.visitor().await.get_html("/login").await.text().await.unwrap();
    assert!(
        login.contains("/pkg/yinling.js") && login.contains("hydrate"),
        "site pages hydrate with the site's bundle"
    );
    assert!(!login.contains("/envoy/pkg/"), "and never load the field app's");
}

#[tokio::test]
async fn pwa_files_are_served() {
    let s = TestServer::start(Db::Sqlite).await;
    let v = s.visitor().await;
    let sw = v.get("/sw.js").await;
    assert_eq!(sw.headers()["cache-control"], "no-cache");
    let sw = sw.text().await.unwrap();
    assert!(sw.contains("yinling-shell-") && sw.contains("\"test-build\""), "build id filled in");
    let manifest: serde_json::Value = v.get("/manifest.webmanifest").await.json().await.unwrap();
    assert_eq!(manifest["name"], "银龄解忧");
    assert_eq!(manifest["lang"], "zh-CN");
    assert_eq!(manifest["display"], "standalone");
    let icons = manifest["icons"].as_array().unwrap();
    assert!(icons.iter().any(|i| i["sizes"] == "512x512" && i["purpose"] == "maskable"));
    assert!(icons.iter().any(|i| i["sizes"] == "192x192"));
    assert_eq!(v.get("/healthz").await.text().await.unwrap(), "ok");
    assert_eq!(v.get("/icons/icon-192.png").await.status(), 200);
}

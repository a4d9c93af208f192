//! The envoys' field app as its own bundle (`app/envoy`): drawn in the
//! browser over the shell the server sends for every /field/* URL, with a
//! small router of its own (`route`, `nav`) instead of leptos_router, and its
//! pages split out of the bundle (`pages`). What an envoy's phone downloads
//! first is this and nothing of the residents', staff or county pages.

pub mod nav;
pub mod pages;
pub mod route;

use crate::{components::connection::provide_connection, pages::field::FieldShell, prefs::Prefs};
use leptos::prelude::*;

/// Where `cargo leptos build --project envoy` puts the field app's bundle,
/// under the site root (its own site root is `target/site/envoy`, see
/// Cargo.toml), and the URLs of its JS and main wasm.
pub const BUNDLE_DIR: &str = "envoy/pkg";
pub const BUNDLE_JS: &str = "/envoy/pkg/envoy.js";
pub const BUNDLE_WASM: &str = "/envoy/pkg/envoy.wasm";

/// Is the page being rendered one of the field app's? (Server only.)
pub fn is_field_request() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>().is_some_and(|p| route::is_field_path(p.uri.path()))
    }
    #[cfg(not(feature = "ssr"))]
    {
        false
    }
}

/// In a field page's head, in place of Leptos's hydration scripts: fetch the
/// field app's bundle (its JS and wasm in parallel) and start it.
#[component]
pub fn FieldScripts() -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    let script = format!(
        "import init, {{ start }} from '{BUNDLE_JS}'; init({{ module_or_path: '{BUNDLE_WASM}' }}).then(() => start());"
    );
    view! {
        <link rel="modulepreload" href=BUNDLE_JS/>
        <link rel="preload" href=BUNDLE_WASM r#as="fetch" r#type="application/wasm" crossorigin=""/>
        <script type="module" nonce=nonce>{script}</script>
    }
}

/// The field app's root in the browser: what `App` provides around a page,
/// then the field shell.
#[component]
pub fn FieldApp() -> impl IntoView {
    provide_context(Prefs::from_cookies());
    provide_connection();
    view! { <FieldShell/> }
}

/// Draw the field app in place of the server's shell. Both show the same
/// frame and "正在打开…" line, and it happens in one task, so the swap is
/// never seen.
#[cfg(feature = "csr")]
pub fn start() {
    console_error_panic_hook::set_once();
    let body = leptos::tachys::dom::body();
    body.set_text_content(None);
    leptos::mount::mount_to(body, FieldApp).forget();
    crate::components::connection::start_monitor();
}

//! Residents' pages hydrate on the first touch, key or focus instead of at
//! load: they are whole and usable as HTML (links and plain forms), so a
//! resident who only reads the station list never pays for the app's
//! WebAssembly (half a megabyte, and most of a cheap phone's first second of
//! CPU). The moment they start using the booking form, the app loads and
//! hydrates in the background; values typed meanwhile stay in place.

use leptos::prelude::*;

/// Paths rendered for residents (no account), which hydrate on interaction.
pub fn is_resident_path(path: &str) -> bool {
    path == "/stations" || path.starts_with("/stations/") || path == "/booking" || path.starts_with("/b/")
}

/// True while rendering a resident page on the server.
pub fn lazy_hydration() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>().is_some_and(|p| is_resident_path(p.uri.path()))
    }
    #[cfg(not(feature = "ssr"))]
    {
        false
    }
}

/// Like Leptos's `HydrationScripts`, but the app's JS and WebAssembly are
/// fetched and run only after the first `pointerdown`, `touchstart`,
/// `keydown` or `focusin` on the page.
#[component]
pub fn HydrateOnInteraction(options: LeptosOptions) -> impl IntoView {
    let pkg = options.site_pkg_dir.to_string();
    let name = options.output_name.to_string();
    let nonce = leptos::nonce::use_nonce();
    let script = format!(
        "(function(){{var started=false;function go(){{if(started)return;started=true;\
         import('/{pkg}/{name}.js').then(function(m){{return m.default({{module_or_path:'/{pkg}/{name}.wasm'}})\
         .then(function(){{m.hydrate();document.body.classList.remove('lazy-hydrate');}});}});}}\
         ['pointerdown','touchstart','keydown','focusin'].forEach(function(e){{\
         window.addEventListener(e,go,{{once:true,passive:true,capture:true}});}});}})();"
    );
    view! { <script type="module" nonce=nonce>{script}</script> }
}

#[cfg(test)]
mod tests {
    #[test]
    fn resident_paths() {
        for p in ["/stations", "/stations/x/book", "/booking", "/b/token", "/b/token/reschedule"] {
            assert!(super::is_resident_path(p), "{p}");
        }
        for p in ["/", "/login", "/station", "/station/bookings", "/field", "/bookings"] {
            assert!(!super::is_resident_path(p), "{p}");
        }
    }
}

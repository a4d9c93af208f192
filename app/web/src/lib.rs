//! The WebAssembly entry of yinling: exports `hydrate()` and links
//! everything it reaches from yinling-app. cargo-leptos builds this crate for
//! the browser; see Cargo.toml for why it is a crate of its own.

/// Hydrate the server-rendered page (called by Leptos's hydration script).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    yinling_app::hydrate();
}

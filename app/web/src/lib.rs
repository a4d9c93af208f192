//! The WebAssembly entry of yinling: `hydrate()` (exported by yinling-app
//! with `#[wasm_bindgen]`) and everything it reaches. cargo-leptos builds this
//! crate for the browser; see Cargo.toml for why it is a crate of its own.

#[cfg(target_arch = "wasm32")]
pub use yinling_app::hydrate;

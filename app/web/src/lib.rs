//! The WebAssembly entry of yinling: exports `hydrate()` and links
//! everything it reaches from yinling-app. cargo-leptos builds this crate for
//! the browser; see Cargo.toml for why it is a crate of its own.

/// Hydrate the server-rendered page (called by Leptos's hydration script).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    yinling_app::hydrate();
}

/// Benchmark hook (`tests/e2e/bench-save.mjs`): save `n` visits as the visit
/// form does and return each save's milliseconds.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = ylBenchSaveVisits)]
pub async fn bench_save_visits(n: u32) -> Vec<f64> {
    yinling_app::field::engine::bench_save_visits(n).await
}

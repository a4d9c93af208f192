//! The WebAssembly entry of the envoys' field app: exports `start()`, which
//! the field shell's script calls, and links only what the field app
//! reaches. cargo-leptos builds it as the `envoy` project (see Cargo.toml).

/// Draw the field app over the server's shell.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn start() {
    yinling_app::field_app::start();
}

/// Benchmark hook (`tests/e2e/bench-save.mjs`): save `n` visits as the visit
/// form does and return each save's milliseconds.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = ylBenchSaveVisits)]
pub async fn bench_save_visits(n: u32) -> Vec<f64> {
    yinling_app::field::engine::bench_save_visits(n).await
}

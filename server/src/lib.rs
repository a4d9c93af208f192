//! yinling's server: the Leptos pages, the REST and sync API, and storage.
//!
//! Tests and the binary both start it through [`launch_with_listener`], so a
//! test can bind port 0 and talk to a real server over real HTTP.

#![recursion_limit = "256"]

pub mod audit;
pub mod auth;
pub mod bookings;
pub mod config;
pub mod demo;
pub mod error;
pub mod http;
pub mod service;
pub mod storage;
pub mod sync;

use std::{future::Future, sync::Arc};

pub use config::Config;
use storage::Store;

/// Everything a request handler may need. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub login_limits: Arc<auth::rate_limit::LoginLimits>,
    pub booking_limits: Arc<bookings::limits::BookingLimits>,
    pub leptos: leptos::config::LeptosOptions,
    /// Version of the app shell the service worker caches (hash of the site's files).
    pub build_id: Arc<str>,
    /// The lazily loaded parts of the app (wasm chunks and their loader) the
    /// service worker caches with the shell, as a JSON array of paths.
    pub field_assets: Arc<str>,
    /// Pull pages read ahead for the devices that are pulling.
    pub pull_ahead: Arc<sync::pull::ReadAhead>,
}

impl axum::extract::FromRef<AppState> for leptos::config::LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos.clone()
    }
}

/// Open the store, load the demo county if configured and empty, and build the state.
pub async fn prepare(config: Config) -> anyhow::Result<AppState> {
    let store = storage::connect(&config.database_url).await?;
    if config.seed_demo_on_empty && store.is_empty().await? {
        let county = demo::county();
        store.insert_county(&county).await?;
        store.insert_slot_templates(&demo::slot_templates(&county)).await?;
        tracing::info!(stations = county.stations.len(), users = county.users.len(), "loaded the demo county");
    }
    let leptos = leptos_options(&config);
    let build_id = config.build_id.clone().unwrap_or_else(|| http::pwa::build_id(&config.site_root)).into();
    let field_assets = http::pwa::field_assets(&config.site_root).into();
    Ok(AppState {
        config: Arc::new(config),
        store,
        login_limits: Arc::default(),
        booking_limits: Arc::default(),
        leptos,
        build_id,
        field_assets,
        pull_ahead: Arc::default(),
    })
}

fn leptos_options(config: &Config) -> leptos::config::LeptosOptions {
    leptos::config::LeptosOptions::builder()
        .output_name("yinling")
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.listen_addr)
        .build()
}

/// Serve on `listener` until `shutdown` resolves, then finish in-flight requests.
pub async fn launch_with_listener(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = http::router(state);
    tracing::info!(addr = %listener.local_addr()?, "yinling is listening");
    // TCP_NODELAY: a reply leaves as soon as it is written. Without it the
    // last segment of a multi-segment reply (a pull page) can wait for the
    // client's delayed ACK (up to 40 ms on Linux).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

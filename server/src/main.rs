//! `yinling-server [serve|seed-demo|migrate]` — serve (default), or load the
//! demo county into an empty database, or only bring the schema up to date.

use tokio::signal;

// The sync path allocates many small JSON values; mimalloc handles that
// churn markedly better than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use tracing_subscriber::EnvFilter;
use yinling_server::{launch_with_listener, prepare, storage, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .init();
    let config = Config::load()?;
    tracing::info!(?config, "configuration");
    match std::env::args().nth(1).as_deref() {
        None | Some("serve") => {
            let state = prepare(config.clone()).await?;
            let listener = tokio::net::TcpListener::bind(config.listen_addr).await?;
            launch_with_listener(state, listener, shutdown_signal()).await
        }
        Some("migrate") => {
            storage::connect(&config.database_url).await?;
            println!("schema is up to date");
            Ok(())
        }
        Some("seed-demo") => {
            let store = storage::connect(&config.database_url).await?;
            if !store.is_empty().await? {
                anyhow::bail!("the database already has stations; the demo county is only loaded into an empty one");
            }
            let county = yinling_server::demo::county();
            store.insert_county(&county).await?;
            store.insert_slot_templates(&yinling_server::demo::slot_templates(&county)).await?;
            println!("demo county loaded");
            Ok(())
        }
        Some(other) => anyhow::bail!("unknown command {other:?}; use serve, migrate or seed-demo"),
    }
}

/// Ctrl-C or SIGTERM: stop accepting, finish what is in flight, exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = signal::ctrl_c().await;
    };
    let term = async {
        match signal::unix::signal(signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

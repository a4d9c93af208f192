//! Storage: one trait, one implementation per backend.
//!
//! SQLite (a single file, WAL) is the embedded default; PostgreSQL serves
//! deployments that outgrow one machine. Both schemas keep ids as UUID text and
//! times as unix milliseconds, so the SQL text is shared (see `sql_store!`) and
//! each backend keeps only what truly differs: how it connects and migrates.

mod bookings;
mod photos;
mod rows;
mod sql;
mod sync;

use async_trait::async_trait;
pub use bookings::*;
pub use photos::PhotoStore;
pub use rows::*;
use std::sync::Arc;
pub use sync::{ConflictRow, DeviceRow, PullPage, PushBatch, RejectionRow, SyncStore};

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported DATABASE_URL (expected sqlite:// or postgres://): {0}")]
    UnsupportedUrl(String),
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[async_trait]
pub trait Store: BookingStore + SyncStore + PhotoStore + Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// True when the county has no stations yet (a fresh database).
    async fn is_empty(&self) -> StoreResult<bool>;
    /// Write a whole county (streets, stations, compounds, buildings, users) in one transaction.
    async fn insert_county(&self, county: &NewCounty) -> StoreResult<()>;

    async fn user_by_phone(&self, phone: &str) -> StoreResult<Option<UserRow>>;
    async fn user_by_id(&self, id: &str) -> StoreResult<Option<UserRow>>;
    /// Returns false when no such user exists.
    async fn set_user_active(&self, id: &str, active: bool) -> StoreResult<bool>;

    async fn create_session(&self, token_hash: &str, user_id: &str, now_ms: i64, expires_ms: i64) -> StoreResult<()>;
    /// The active user behind a live (unexpired) session.
    async fn session_user(&self, token_hash: &str, now_ms: i64) -> StoreResult<Option<UserRow>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    async fn delete_user_sessions(&self, user_id: &str) -> StoreResult<u64>;

    async fn station(&self, id: &str) -> StoreResult<Option<StationRow>>;
    async fn stations(&self) -> StoreResult<Vec<StationRow>>;
    async fn station_users(&self, station_id: &str) -> StoreResult<Vec<UserRow>>;
    async fn address_book(&self, station_id: &str) -> StoreResult<AddressBook>;

    async fn audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    async fn audit_entries(&self, station_id: Option<&str>, limit: i64) -> StoreResult<Vec<AuditEntry>>;
}

/// Open the store `DATABASE_URL` names and bring its schema up to date.
pub async fn connect(url: &str) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sql::SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(sql::PgStore::connect(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(crate::config::redact_url(url)))
    }
}

//! Storage of photo bytes, by photo record id. Written once: the same bytes
//! sent again (a retried upload) change nothing.

use super::{
    sql::{PgStore, SqliteStore},
    StoreResult,
};
use async_trait::async_trait;
use sqlx::Row;

#[async_trait]
pub trait PhotoStore {
    /// Keep a photo's bytes; false if they were already kept.
    async fn put_photo_bytes(
        &self,
        id: &str,
        station_id: &str,
        bytes: &[u8],
        by: &str,
        now_ms: i64,
    ) -> StoreResult<bool>;
    async fn photo_bytes(&self, id: &str) -> StoreResult<Option<Vec<u8>>>;
}

macro_rules! photo_store {
    ($store:ident) => {
        #[async_trait]
        impl PhotoStore for $store {
            async fn put_photo_bytes(
                &self,
                id: &str,
                station_id: &str,
                bytes: &[u8],
                by: &str,
                now_ms: i64,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "INSERT INTO photo_bytes (id, station_id, bytes, uploaded_by, uploaded_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
                )
                .bind(id)
                .bind(station_id)
                .bind(bytes)
                .bind(by)
                .bind(now_ms)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn photo_bytes(&self, id: &str) -> StoreResult<Option<Vec<u8>>> {
                let row = sqlx::query("SELECT bytes FROM photo_bytes WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|r| r.try_get::<Vec<u8>, _>("bytes")).transpose()?)
            }
        }
    };
}

photo_store!(SqliteStore);
photo_store!(PgStore);

//! The SQL backends. Query text is shared: both schemas use `$n` placeholders,
//! TEXT ids, BIGINT milliseconds and BOOLEAN, which SQLite and PostgreSQL read
//! alike. `sql_store!` stamps the one implementation out per backend type.

use super::*;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions, PgRow},
    sqlite::{
        SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
    },
    ConnectOptions, Row,
};
use std::{str::FromStr, time::Duration};
use yinling_app::model::Role;

pub struct SqliteStore {
    pub(super) pool: sqlx::SqlitePool,
    /// The connection sync pushes write through (see [`Writer`]).
    pub(super) writer: Writer,
    /// The background WAL checkpointer, stopped with the store.
    checkpointer: tokio::task::AbortHandle,
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.checkpointer.abort();
    }
}

/// How often the WAL is copied back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Copy committed WAL frames into the database file every
/// [`CHECKPOINT_EVERY`], on a connection of its own. Left to SQLite, the
/// commit that takes the WAL past 1000 pages does it before its reply: a
/// push every ~4 MB written waited for a checkpoint and its sync. PASSIVE
/// never blocks readers or writers; committed data is durable in the WAL
/// either way.
fn spawn_checkpointer(pool: sqlx::SqlitePool) -> tokio::task::AbortHandle {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                break;
            }
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
        }
    })
    .abort_handle()
}

impl SqliteStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a reply is only sent after the commit reached the disk.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Reads (a pull pages through every record) come from a mapping of
            // the file instead of a read() per page. Durability is unchanged.
            // The page cache stays at SQLite's 2 MB: writes touch the right
            // edges of the b-trees, and a bigger cache only made each
            // connection spend its first megabytes of writes growing it
            // (16 MB measured ~7% slower on the push benchmark).
            .pragma("mmap_size", "268435456")
            .pragma("temp_store", "memory")
            // Checkpoints run in the background (`spawn_checkpointer`); a
            // writer checkpoints itself only if the WAL passes 32 MB (that
            // task stalled), and a WAL file grown past that is cut back.
            .pragma("wal_autocheckpoint", "8192")
            .pragma("journal_size_limit", "33554432")
            // A pull page (≤ 501 rows) crosses from the connection's thread
            // in one go instead of 50 rows at a time, each a thread hand-off.
            .row_buffer_size(1024);
        if let Some(parent) = opts.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| StoreError::Corrupt(format!("cannot create {parent:?}: {e}")))?;
            }
        }
        // No ping before a connection is handed out: a SQLite connection is
        // an open file, not a socket that can go stale, and each ping is a
        // round trip to the connection's thread (two per push otherwise).
        let pool =
            SqlitePoolOptions::new().max_connections(8).test_before_acquire(false).connect_with(opts.clone()).await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        let checkpointer = spawn_checkpointer(pool.clone());
        Ok(Self { pool, writer: Writer::new(opts), checkpointer })
    }
}

/// One connection of its own for sync pushes, outside the pool, with the
/// transaction written by hand: `BEGIN IMMEDIATE` goes to SQLite together
/// with the batch's reads, and `COMMIT` together with its writes, so a push
/// is two round trips to the connection's thread instead of five (begin,
/// read, write, commit, and the ping sqlx sends when a connection goes back
/// to its pool). Pushes queue for it in order on a mutex instead of polling
/// SQLite's lock with the busy handler's sleeps. Durability is unchanged:
/// the reply is still built only after `COMMIT` returned (synchronous=FULL).
///
/// A push that does not reach its `COMMIT` — an error, or the request
/// dropped half way (a phone going out of range) — closes the connection
/// (see [`WriterTx`]): SQLite rolls back what a closed connection left
/// open, so no abandoned transaction ever keeps the write lock. The next
/// push opens a new connection.
pub(super) struct Writer {
    opts: SqliteConnectOptions,
    conn: tokio::sync::Mutex<Option<SqliteConnection>>,
}

impl Writer {
    fn new(opts: SqliteConnectOptions) -> Self {
        Writer { opts, conn: tokio::sync::Mutex::new(None) }
    }

    /// Wait for the writer, connecting it if the last push closed it.
    pub(super) async fn lock(&self) -> Result<WriterTx<'_>, sqlx::Error> {
        let mut slot = self.conn.lock().await;
        if slot.is_none() {
            *slot = Some(self.opts.connect().await?);
        }
        Ok(WriterTx { slot, committed: false })
    }
}

/// The writer held by one push. Unless [`WriterTx::committed`] is called,
/// dropping it closes the connection, rolling back whatever it left open.
pub(super) struct WriterTx<'a> {
    slot: tokio::sync::MutexGuard<'a, Option<SqliteConnection>>,
    committed: bool,
}

impl WriterTx<'_> {
    pub(super) fn conn(&mut self) -> &mut SqliteConnection {
        // Only `Drop` empties the slot, and `lock` filled it.
        self.slot.as_mut().expect("writer connection")
    }

    /// The push's `COMMIT` returned: keep the connection for the next one.
    pub(super) fn committed(mut self) {
        self.committed = true;
    }
}

impl Drop for WriterTx<'_> {
    fn drop(&mut self) {
        if !self.committed {
            // Dropping a sqlx SQLite connection ends its thread once the
            // statement in hand (if any) is done, and closes the database
            // handle: SQLite rolls back an open transaction on close.
            self.slot.take();
        }
    }
}

/// A transaction opened with a custom BEGIN (SQLite's `BEGIN IMMEDIATE`,
/// which holds the write lock from the first statement so a read-then-write
/// never fails half way on a lock upgrade).
///
/// Started on its own task because it must not be cancelled: sqlx 0.8
/// acknowledges a custom BEGIN before it builds the `Transaction`, and a
/// request dropped between the two (a phone going out of range mid sync)
/// put the connection back in the pool still inside the transaction —
/// holding the write lock, so every later write waited out the busy timeout
/// and failed with "database is locked". On its own task the begin always
/// completes; if nobody is left to use it, the `Transaction` is dropped and
/// rolled back.
pub(super) async fn begin_with<DB: sqlx::Database>(
    pool: &sqlx::Pool<DB>,
    statement: &'static str,
) -> Result<sqlx::Transaction<'static, DB>, sqlx::Error> {
    let pool = pool.clone();
    tokio::spawn(async move { pool.begin_with(statement).await })
        .await
        .map_err(|e| sqlx::Error::Io(std::io::Error::other(e)))?
}

pub struct PgStore {
    pub(super) pool: sqlx::PgPool,
}

impl PgStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        // A statement waiting on another transaction's lock gives up after
        // 10 s (like SQLite's busy timeout) with an error, instead of hanging
        // the request — and the phone's sync — for ever.
        let opts = PgConnectOptions::from_str(url)?.options([("lock_timeout", "10s")]);
        let pool = PgPoolOptions::new().max_connections(16).connect_with(opts).await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }
}

fn role_of(s: &str) -> StoreResult<Role> {
    Role::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown role {s:?}")))
}

const USER_COLS: &str = "id, phone, name, role, station_id, password_hash, active, former_field, specialties";
const STATION_COLS: &str =
    "s.id, s.street_id, st.name AS street_name, s.name, s.community, s.address, s.opening_hours, s.services";

/// Append one audit entry through any executor (a pool, or a transaction
/// when the audited change must commit together with its record).
macro_rules! insert_audit {
    ($ex:expr, $e:expr) => {{
        let e: &AuditEntry = $e;
        sqlx::query(
            "INSERT INTO audit_log (id, at, actor_id, station_id, action, object_kind, object_id, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&e.id)
        .bind(e.at_ms)
        .bind(&e.actor_id)
        .bind(&e.station_id)
        .bind(&e.action)
        .bind(&e.object_kind)
        .bind(&e.object_id)
        .bind(&e.detail)
        .execute($ex)
        .await?
    }};
}
pub(super) use insert_audit;

macro_rules! sql_store {
    ($store:ident, $row:ty, $backend:expr) => {
        impl $store {
            fn user(row: &$row) -> StoreResult<UserRow> {
                Ok(UserRow {
                    id: row.try_get("id")?,
                    phone: row.try_get("phone")?,
                    name: row.try_get("name")?,
                    role: role_of(row.try_get::<&str, _>("role")?)?,
                    station_id: row.try_get("station_id")?,
                    password_hash: row.try_get("password_hash")?,
                    active: row.try_get("active")?,
                    former_field: row.try_get("former_field")?,
                    specialties: row.try_get("specialties")?,
                })
            }

            fn station_row(row: &$row) -> StoreResult<StationRow> {
                Ok(StationRow {
                    id: row.try_get("id")?,
                    street_id: row.try_get("street_id")?,
                    street_name: row.try_get("street_name")?,
                    name: row.try_get("name")?,
                    community: row.try_get("community")?,
                    address: row.try_get("address")?,
                    opening_hours: row.try_get("opening_hours")?,
                    services: row.try_get("services")?,
                })
            }
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn is_empty(&self) -> StoreResult<bool> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stations").fetch_one(&self.pool).await?;
                Ok(n == 0)
            }

            async fn insert_county(&self, c: &NewCounty) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                let now = chrono::Utc::now().timestamp_millis();
                for s in &c.streets {
                    sqlx::query("INSERT INTO streets (id, name) VALUES ($1, $2)")
                        .bind(&s.id).bind(&s.name).execute(&mut *tx).await?;
                }
                for s in &c.stations {
                    sqlx::query(
                        "INSERT INTO stations (id, street_id, name, community, address, opening_hours, services, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(&s.id).bind(&s.street_id).bind(&s.name).bind(&s.community)
                    .bind(&s.address).bind(&s.opening_hours).bind(&s.services).bind(now)
                    .execute(&mut *tx).await?;
                }
                for x in &c.compounds {
                    sqlx::query("INSERT INTO compounds (id, station_id, name) VALUES ($1, $2, $3)")
                        .bind(&x.id).bind(&x.station_id).bind(&x.name).execute(&mut *tx).await?;
                }
                for b in &c.buildings {
                    sqlx::query("INSERT INTO buildings (id, compound_id, name, units, floors) VALUES ($1, $2, $3, $4, $5)")
                        .bind(&b.id).bind(&b.compound_id).bind(&b.name).bind(b.units).bind(b.floors)
                        .execute(&mut *tx).await?;
                }
                for u in &c.users {
                    sqlx::query(
                        "INSERT INTO users (id, phone, name, role, station_id, password_hash, active, former_field, specialties, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(&u.id).bind(&u.phone).bind(&u.name).bind(u.role.as_str()).bind(&u.station_id)
                    .bind(&u.password_hash).bind(u.active).bind(&u.former_field).bind(&u.specialties).bind(now)
                    .execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn user_by_phone(&self, phone: &str) -> StoreResult<Option<UserRow>> {
                let q = format!("SELECT {USER_COLS} FROM users WHERE phone = $1");
                let row = sqlx::query(&q).bind(phone).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::user).transpose()
            }

            async fn user_by_id(&self, id: &str) -> StoreResult<Option<UserRow>> {
                let q = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
                let row = sqlx::query(&q).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::user).transpose()
            }

            async fn set_user_active(&self, id: &str, active: bool) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE users SET active = $1 WHERE id = $2").bind(active).bind(id).execute(&self.pool).await?;
                Ok(r.rows_affected() == 1)
            }

            async fn create_session(&self, token_hash: &str, user_id: &str, now_ms: i64, expires_ms: i64) -> StoreResult<()> {
                sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(token_hash).bind(user_id).bind(now_ms).bind(expires_ms)
                    .execute(&self.pool).await?;
                Ok(())
            }

            async fn session_user(&self, token_hash: &str, now_ms: i64) -> StoreResult<Option<UserRow>> {
                let q = format!(
                    "SELECT {} FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = TRUE",
                    USER_COLS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
                );
                let row = sqlx::query(&q).bind(token_hash).bind(now_ms).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::user).transpose()
            }

            async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
                Ok(())
            }

            async fn delete_user_sessions(&self, user_id: &str) -> StoreResult<u64> {
                let r = sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&self.pool).await?;
                Ok(r.rows_affected())
            }

            async fn station(&self, id: &str) -> StoreResult<Option<StationRow>> {
                let q = format!("SELECT {STATION_COLS} FROM stations s JOIN streets st ON st.id = s.street_id WHERE s.id = $1");
                let row = sqlx::query(&q).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::station_row).transpose()
            }

            async fn stations(&self) -> StoreResult<Vec<StationRow>> {
                let q = format!("SELECT {STATION_COLS} FROM stations s JOIN streets st ON st.id = s.street_id ORDER BY st.name, s.name");
                let rows = sqlx::query(&q).fetch_all(&self.pool).await?;
                rows.iter().map(Self::station_row).collect()
            }

            async fn station_users(&self, station_id: &str) -> StoreResult<Vec<UserRow>> {
                let q = format!("SELECT {USER_COLS} FROM users WHERE station_id = $1 ORDER BY role DESC, name");
                let rows = sqlx::query(&q).bind(station_id).fetch_all(&self.pool).await?;
                rows.iter().map(Self::user).collect()
            }

            async fn address_book(&self, station_id: &str) -> StoreResult<AddressBook> {
                let compounds = sqlx::query("SELECT id, station_id, name FROM compounds WHERE station_id = $1 ORDER BY name")
                    .bind(station_id).fetch_all(&self.pool).await?
                    .iter()
                    .map(|r| Ok(Compound { id: r.try_get("id")?, station_id: r.try_get("station_id")?, name: r.try_get("name")? }))
                    .collect::<StoreResult<Vec<_>>>()?;
                let buildings = sqlx::query(
                    "SELECT b.id, b.compound_id, b.name, b.units, b.floors FROM buildings b \
                     JOIN compounds c ON c.id = b.compound_id WHERE c.station_id = $1 ORDER BY b.name",
                )
                .bind(station_id).fetch_all(&self.pool).await?
                .iter()
                .map(|r| Ok(Building {
                    id: r.try_get("id")?, compound_id: r.try_get("compound_id")?, name: r.try_get("name")?,
                    units: r.try_get("units")?, floors: r.try_get("floors")?,
                }))
                .collect::<StoreResult<Vec<_>>>()?;
                Ok(AddressBook { compounds, buildings })
            }

            async fn audit(&self, e: &AuditEntry) -> StoreResult<()> {
                insert_audit!(&self.pool, e);
                Ok(())
            }

            async fn audit_entries(&self, station_id: Option<&str>, limit: i64) -> StoreResult<Vec<AuditEntry>> {
                let rows = sqlx::query(
                    "SELECT id, at, actor_id, station_id, action, object_kind, object_id, detail FROM audit_log \
                     WHERE ($1 IS NULL OR station_id = $1) ORDER BY at DESC, id DESC LIMIT $2",
                )
                .bind(station_id).bind(limit).fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| Ok(AuditEntry {
                        id: r.try_get("id")?, at_ms: r.try_get("at")?, actor_id: r.try_get("actor_id")?,
                        station_id: r.try_get("station_id")?, action: r.try_get("action")?,
                        object_kind: r.try_get("object_kind")?, object_id: r.try_get("object_id")?,
                        detail: r.try_get("detail")?,
                    }))
                    .collect()
            }
        }
    };
}

sql_store!(SqliteStore, SqliteRow, Backend::Sqlite);
sql_store!(PgStore, PgRow, Backend::Postgres);

//! Sync storage: the records phones push and pull, op results, the review
//! queue and the devices seen.
//!
//! The rules are not here: every op is decided by `yinling_protocol::decide`;
//! this file only loads what a decision needs and persists what it says. A
//! push batch is one transaction: the counter row is locked first (serialising
//! writers so revisions become visible in allocation order), prior results
//! and current states are loaded in two queries, every op is decided in
//! memory in request order (a later op of the batch sees the earlier ones),
//! and the outcome is written with a handful of multi-row statements. The
//! reply is only built after COMMIT, so "applied" always means "on disk".

use super::{sql::PgStore, sql::SqliteStore, AuditEntry, StoreError, StoreResult};
use async_trait::async_trait;
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;
use uuid::Uuid;
use yinling_protocol::{
    decide,
    rules::{page_of, PullMeta},
    Caller, Conflict, Op, OpResult, Outcome, RecordKind, RecordState, RejectReason, Role,
};

/// One push, as the server hands it to storage (caller from the session).
pub struct PushBatch<'a> {
    pub caller: &'a Caller,
    pub device_id: Uuid,
    pub app_version: &'a str,
    /// Outbox entries still waiting on the phone once this batch is through.
    pub pending_after: u32,
    pub ops: &'a [Op],
    pub now_ms: i64,
    /// Put refused ops in the station's review queue (phones: yes; the staff
    /// desk: no, staff see the refusal at once).
    pub queue_rejections: bool,
}

/// One pull page with the records' stored JSON passed through unparsed.
#[derive(Clone, Debug)]
pub struct PullPage {
    pub changes: Vec<String>,
    pub next_cursor: u64,
    pub has_more: bool,
}

impl PullPage {
    /// The `PullResponse` JSON, built without re-serializing the records.
    pub fn to_json(&self) -> String {
        let size: usize = self.changes.iter().map(|c| c.len() + 1).sum();
        let mut out = String::with_capacity(size + 64);
        out.push_str("{\"changes\":[");
        for (i, c) in self.changes.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(c);
        }
        out.push_str(&format!("],\"next_cursor\":{},\"has_more\":{}}}", self.next_cursor, self.has_more));
        out
    }
}

/// A phone of the station, as it last reported itself.
#[derive(Clone, Debug, Serialize)]
pub struct DeviceRow {
    pub user_id: String,
    pub device_id: String,
    pub app_version: String,
    pub first_seen: i64,
    pub last_seen: i64,
    pub last_push: Option<i64>,
    pub last_pull: Option<i64>,
    pub pending_count: i64,
    pub ops_received: i64,
}

/// A review-queue conflict with its bookkeeping.
#[derive(Clone, Debug, Serialize)]
pub struct ConflictRow {
    pub conflict: Conflict,
    pub created_at: i64,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<i64>,
}

/// An op the server refused, kept for the station to see, fix or dismiss.
#[derive(Clone, Debug, Serialize)]
pub struct RejectionRow {
    pub op: Op,
    pub station_id: String,
    pub user_id: String,
    pub reason: RejectReason,
    pub created_at: i64,
    pub closed_by: Option<String>,
    pub closed_at: Option<i64>,
    /// "fixed" or "dismissed".
    pub closed_how: Option<String>,
}

#[async_trait]
pub trait SyncStore {
    /// Decide and persist one batch in one transaction; results in request
    /// order. `audit` (a staff action causing the push) commits with it.
    async fn push(&self, batch: &PushBatch<'_>, audit: Option<&AuditEntry>) -> StoreResult<Vec<OpResult>>;
    /// One page of changes visible to `caller` after `cursor`. The device's
    /// last-pull time is recorded when the page is the last one.
    async fn pull(
        &self,
        caller: &Caller,
        device_id: Uuid,
        cursor: u64,
        limit: u32,
        now_ms: i64,
    ) -> StoreResult<PullPage>;
    async fn record(&self, id: Uuid) -> StoreResult<Option<RecordState>>;
    /// Op results by id (what the phone was told), for tests and support.
    async fn op_result(&self, op_id: Uuid) -> StoreResult<Option<OpResult>>;
    /// How many records exist of each kind (for figures and tests).
    async fn record_count(&self, kind: Option<&str>) -> StoreResult<i64>;

    async fn devices(&self, station_id: &str) -> StoreResult<Vec<DeviceRow>>;
    async fn open_conflicts(&self, station_id: &str) -> StoreResult<Vec<ConflictRow>>;
    async fn conflict(&self, id: Uuid) -> StoreResult<Option<ConflictRow>>;
    async fn open_rejections(&self, station_id: &str) -> StoreResult<Vec<RejectionRow>>;
    async fn rejection(&self, op_id: Uuid) -> StoreResult<Option<RejectionRow>>;
    /// Close an open rejection ("fixed" or "dismissed"); false if it was not open.
    async fn close_rejection(
        &self,
        op_id: Uuid,
        by: &str,
        how: &str,
        now_ms: i64,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn to_json<T: Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| corrupt("serialize", e))
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> StoreResult<T> {
    serde_json::from_str(s).map_err(|e| corrupt(what, e))
}

/// `$from, $from+1, …` for `n` values: an IN list or a VALUES row.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(",")
}

/// `($1,…,$w),($w+1,…)` for `rows` rows of `width` columns.
fn value_rows(rows: usize, width: usize) -> String {
    (0..rows).map(|r| format!("({})", placeholders(r * width + 1, width))).collect::<Vec<_>>().join(",")
}

/// ' uid1 uid2 ' so `LIKE '% uid %'` finds a handler; '' for no handlers.
fn handlers_column(state: &RecordState) -> String {
    if state.handlers.is_empty() {
        String::new()
    } else {
        let ids: Vec<String> = state.handlers.iter().map(Uuid::to_string).collect();
        format!(" {} ", ids.join(" "))
    }
}

/// Everything one batch writes, gathered while deciding.
#[derive(Default)]
struct BatchWrites {
    records: HashMap<Uuid, RecordState>,
    results: Vec<(Uuid, String)>,
    conflicts: Vec<Conflict>,
    resolved: Vec<yinling_protocol::rules::ResolvedConflict>,
    rejections: Vec<(usize, RejectReason)>,
}

/// Decide every op of a batch in order against what storage holds, keeping
/// in-memory views current so later ops of the batch see earlier ones.
fn decide_batch(
    batch: &PushBatch<'_>,
    mut stored: HashMap<Uuid, RecordState>,
    mut prior: HashMap<Uuid, OpResult>,
    rev: &mut u64,
) -> StoreResult<(Vec<OpResult>, BatchWrites)> {
    let mut out = Vec::with_capacity(batch.ops.len());
    let mut w = BatchWrites::default();
    for (i, op) in batch.ops.iter().enumerate() {
        let d = decide(batch.caller, op, stored.get(&op.record_id), prior.get(&op.op_id), rev);
        if let Some(state) = d.record {
            stored.insert(state.id, state.clone());
            w.records.insert(state.id, state);
        }
        w.conflicts.extend(d.conflicts);
        w.resolved.extend(d.resolved_conflicts);
        if d.store_result {
            if let Outcome::Rejected { reason } = &d.result.outcome {
                w.rejections.push((i, reason.clone()));
            }
            w.results.push((op.op_id, to_json(&d.result)?));
            prior.insert(op.op_id, d.result.clone());
        }
        out.push(d.result);
    }
    Ok((out, w))
}

/// The station a refused op is queued under: the caller's own, so staff of
/// the envoy's station see it (a forged foreign station id must not put it
/// in someone else's queue).
fn rejection_station(caller: &Caller, op: &Op) -> Uuid {
    caller.station_id.unwrap_or(op.station_id)
}

/// The `json` column of every row whose id is in `ids`, for a query written
/// as `SELECT … AS json FROM … WHERE id IN` (the list is appended).
macro_rules! json_by_ids {
    ($ex:expr, $select:literal, $ids:expr) => {{
        let ids: Vec<String> = $ids.map(|id: Uuid| id.to_string()).collect();
        let sql = format!("{} ({})", $select, placeholders(1, ids.len()));
        let mut q = sqlx::query(&sql);
        for id in &ids {
            q = q.bind(id);
        }
        q.fetch_all($ex).await?.iter().map(|row| row.try_get::<String, _>("json")).collect::<Result<Vec<_>, _>>()?
    }};
}

macro_rules! sync_store {
    ($store:ident, $row:ty) => {
        impl $store {
            fn conflict_row(row: &$row) -> StoreResult<ConflictRow> {
                Ok(ConflictRow {
                    conflict: from_json("conflict", row.try_get::<&str, _>("body")?)?,
                    created_at: row.try_get("created_at")?,
                    resolved_by: row.try_get("resolved_by")?,
                    resolved_at: row.try_get("resolved_at")?,
                })
            }

            fn rejection_row(row: &$row) -> StoreResult<RejectionRow> {
                Ok(RejectionRow {
                    op: from_json("rejected op", row.try_get::<&str, _>("op")?)?,
                    station_id: row.try_get("station_id")?,
                    user_id: row.try_get("user_id")?,
                    reason: from_json("rejection reason", row.try_get::<&str, _>("reason")?)?,
                    created_at: row.try_get("created_at")?,
                    closed_by: row.try_get("closed_by")?,
                    closed_at: row.try_get("closed_at")?,
                    closed_how: row.try_get("closed_how")?,
                })
            }
        }

        #[async_trait]
        impl SyncStore for $store {
            async fn push(&self, batch: &PushBatch<'_>, audit: Option<&AuditEntry>) -> StoreResult<Vec<OpResult>> {
                let mut tx = self.pool.begin().await?;
                // A write first: takes SQLite's write lock / PostgreSQL's row
                // lock before anything is read, so the reads below are current.
                let mut rev: u64 = sqlx::query("UPDATE sync_counter SET rev = rev WHERE id = 1 RETURNING rev")
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get::<i64, _>("rev")? as u64;
                let start_rev = rev;

                let mut prior = HashMap::new();
                let mut stored = HashMap::new();
                if !batch.ops.is_empty() {
                    let op_ids = batch.ops.iter().map(|op| op.op_id);
                    for json in json_by_ids!(&mut *tx, "SELECT result AS json FROM op_results WHERE op_id IN", op_ids) {
                        let r: OpResult = from_json("op result", &json)?;
                        prior.insert(r.op_id, r);
                    }
                    let record_ids = batch.ops.iter().map(|op| op.record_id);
                    for json in json_by_ids!(&mut *tx, "SELECT state AS json FROM records WHERE id IN", record_ids) {
                        let s: RecordState = from_json("record", &json)?;
                        stored.insert(s.id, s);
                    }
                }

                let (results, w) = decide_batch(batch, stored, prior, &mut rev)?;

                if !w.records.is_empty() {
                    let sql = format!(
                        "INSERT INTO records (id, kind, station_id, rev, deleted, handlers, state) VALUES {} \
                         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, station_id = excluded.station_id, \
                         rev = excluded.rev, deleted = excluded.deleted, handlers = excluded.handlers, \
                         state = excluded.state",
                        value_rows(w.records.len(), 7)
                    );
                    let mut q = sqlx::query(&sql);
                    for s in w.records.values() {
                        q = q
                            .bind(s.id.to_string())
                            .bind(s.kind.code())
                            .bind(s.station_id.to_string())
                            .bind(s.rev as i64)
                            .bind(s.deleted)
                            .bind(handlers_column(s))
                            .bind(to_json(s)?);
                    }
                    q.execute(&mut *tx).await?;
                }
                if !w.results.is_empty() {
                    let sql = format!(
                        "INSERT INTO op_results (op_id, device_id, result, created_at) VALUES {}",
                        value_rows(w.results.len(), 4)
                    );
                    let mut q = sqlx::query(&sql);
                    for (op_id, json) in &w.results {
                        q = q.bind(op_id.to_string()).bind(batch.device_id.to_string()).bind(json).bind(batch.now_ms);
                    }
                    q.execute(&mut *tx).await?;
                }
                for c in &w.conflicts {
                    sqlx::query(
                        "INSERT INTO conflicts (id, station_id, record_id, field, body, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
                    )
                    .bind(c.id.to_string())
                    .bind(c.station_id.to_string())
                    .bind(c.record_id.to_string())
                    .bind(&c.field)
                    .bind(to_json(c)?)
                    .bind(batch.now_ms)
                    .execute(&mut *tx)
                    .await?;
                }
                for r in &w.resolved {
                    sqlx::query(
                        "UPDATE conflicts SET resolved_by = $1, resolved_op = $2, resolved_at = $3 \
                         WHERE id = $4 AND record_id = $5 AND field = $6 AND resolved_at IS NULL",
                    )
                    .bind(r.resolved_by.to_string())
                    .bind(r.op_id.to_string())
                    .bind(batch.now_ms)
                    .bind(r.conflict_id.to_string())
                    .bind(r.record_id.to_string())
                    .bind(&r.field)
                    .execute(&mut *tx)
                    .await?;
                }
                for (i, reason) in w.rejections.iter().filter(|_| batch.queue_rejections) {
                    let op = &batch.ops[*i];
                    sqlx::query(
                        "INSERT INTO rejections (op_id, station_id, user_id, device_id, op, reason, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (op_id) DO NOTHING",
                    )
                    .bind(op.op_id.to_string())
                    .bind(rejection_station(batch.caller, op).to_string())
                    .bind(batch.caller.user_id.to_string())
                    .bind(batch.device_id.to_string())
                    .bind(to_json(op)?)
                    .bind(to_json(reason)?)
                    .bind(batch.now_ms)
                    .execute(&mut *tx)
                    .await?;
                }
                if rev != start_rev {
                    sqlx::query("UPDATE sync_counter SET rev = $1 WHERE id = 1")
                        .bind(rev as i64)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(
                    "INSERT INTO devices (user_id, device_id, station_id, app_version, first_seen, last_seen, \
                     last_push, pending_count, ops_received) VALUES ($1, $2, $3, $4, $5, $5, $5, $6, $7) \
                     ON CONFLICT (user_id, device_id) DO UPDATE SET station_id = excluded.station_id, \
                     app_version = excluded.app_version, last_seen = excluded.last_seen, \
                     last_push = excluded.last_push, pending_count = excluded.pending_count, \
                     ops_received = devices.ops_received + excluded.ops_received",
                )
                .bind(batch.caller.user_id.to_string())
                .bind(batch.device_id.to_string())
                .bind(batch.caller.station_id.map(|s| s.to_string()))
                .bind(batch.app_version)
                .bind(batch.now_ms)
                .bind(i64::from(batch.pending_after))
                .bind(batch.ops.len() as i64)
                .execute(&mut *tx)
                .await?;
                if let Some(e) = audit {
                    super::sql::insert_audit!(&mut *tx, e);
                }
                tx.commit().await?;
                Ok(results)
            }

            async fn pull(
                &self,
                caller: &Caller,
                device_id: Uuid,
                cursor: u64,
                limit: u32,
                now_ms: i64,
            ) -> StoreResult<PullPage> {
                // Candidates mirror `rules::visible_to`; `pull_page` applies
                // the exact rule and pages (one extra row tells `has_more`).
                let cursor_i = cursor as i64;
                let fetch = i64::from(limit) + 1;
                let station = caller.station_id.map(|s| s.to_string()).unwrap_or_default();
                let rows = match caller.role {
                    Role::Admin => {
                        sqlx::query("SELECT rev, kind, station_id, handlers, state FROM records WHERE rev > $1 ORDER BY rev LIMIT $2")
                            .bind(cursor_i)
                            .bind(fetch)
                            .fetch_all(&self.pool)
                            .await?
                    }
                    Role::Staff => {
                        sqlx::query(
                            "SELECT rev, kind, station_id, handlers, state FROM records \
                             WHERE rev > $1 AND station_id = $2 ORDER BY rev LIMIT $3",
                        )
                        .bind(cursor_i)
                        .bind(station)
                        .bind(fetch)
                        .fetch_all(&self.pool)
                        .await?
                    }
                    Role::Envoy => {
                        sqlx::query(
                            "SELECT rev, kind, station_id, handlers, state FROM records WHERE rev > $1 AND (station_id = $2 OR \
                             (kind = 'case' AND handlers LIKE $3)) ORDER BY rev LIMIT $4",
                        )
                        .bind(cursor_i)
                        .bind(station)
                        .bind(format!("% {} %", caller.user_id))
                        .bind(fetch)
                        .fetch_all(&self.pool)
                        .await?
                    }
                };
                // Metadata from the columns, the JSON passed through as stored.
                let mut metas = Vec::with_capacity(rows.len());
                for row in &rows {
                    let handlers = row
                        .try_get::<&str, _>("handlers")?
                        .split_whitespace()
                        .map(Uuid::parse_str)
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| corrupt("handlers", e))?;
                    let station = Uuid::parse_str(row.try_get::<&str, _>("station_id")?).map_err(|e| corrupt("station", e))?;
                    let kind = RecordKind::from_code(row.try_get::<&str, _>("kind")?).unwrap_or(RecordKind::Unknown);
                    metas.push((row.try_get::<i64, _>("rev")? as u64, kind, station, handlers, row.try_get::<String, _>("state")?));
                }
                let candidates = metas.iter().map(|(rev, kind, station_id, handlers, state)| {
                    (PullMeta { rev: *rev, kind: *kind, station_id: *station_id, handlers }, state)
                });
                let (picked, next_cursor, has_more) = page_of(caller, cursor, limit, candidates);
                let page = PullPage { changes: picked.into_iter().cloned().collect(), next_cursor, has_more };
                if !page.has_more {
                    sqlx::query(
                        "INSERT INTO devices (user_id, device_id, station_id, app_version, first_seen, last_seen, \
                         last_pull, pending_count, ops_received) VALUES ($1, $2, $3, '', $4, $4, $4, 0, 0) \
                         ON CONFLICT (user_id, device_id) DO UPDATE SET last_seen = excluded.last_seen, \
                         last_pull = excluded.last_pull",
                    )
                    .bind(caller.user_id.to_string())
                    .bind(device_id.to_string())
                    .bind(caller.station_id.map(|s| s.to_string()))
                    .bind(now_ms)
                    .execute(&self.pool)
                    .await?;
                }
                Ok(page)
            }

            async fn record(&self, id: Uuid) -> StoreResult<Option<RecordState>> {
                let row = sqlx::query("SELECT state FROM records WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| from_json("record", r.try_get::<&str, _>("state")?)).transpose()
            }

            async fn op_result(&self, op_id: Uuid) -> StoreResult<Option<OpResult>> {
                let row = sqlx::query("SELECT result FROM op_results WHERE op_id = $1")
                    .bind(op_id.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| from_json("op result", r.try_get::<&str, _>("result")?)).transpose()
            }

            async fn record_count(&self, kind: Option<&str>) -> StoreResult<i64> {
                let row = match kind {
                    Some(k) => {
                        sqlx::query("SELECT count(*) AS n FROM records WHERE kind = $1")
                            .bind(k)
                            .fetch_one(&self.pool)
                            .await?
                    }
                    None => sqlx::query("SELECT count(*) AS n FROM records").fetch_one(&self.pool).await?,
                };
                Ok(row.try_get("n")?)
            }

            async fn devices(&self, station_id: &str) -> StoreResult<Vec<DeviceRow>> {
                let rows = sqlx::query(
                    "SELECT user_id, device_id, app_version, first_seen, last_seen, last_push, last_pull, \
                     pending_count, ops_received FROM devices WHERE station_id = $1 ORDER BY last_seen DESC",
                )
                .bind(station_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(DeviceRow {
                            user_id: r.try_get("user_id")?,
                            device_id: r.try_get("device_id")?,
                            app_version: r.try_get("app_version")?,
                            first_seen: r.try_get("first_seen")?,
                            last_seen: r.try_get("last_seen")?,
                            last_push: r.try_get("last_push")?,
                            last_pull: r.try_get("last_pull")?,
                            pending_count: r.try_get("pending_count")?,
                            ops_received: r.try_get("ops_received")?,
                        })
                    })
                    .collect()
            }

            async fn open_conflicts(&self, station_id: &str) -> StoreResult<Vec<ConflictRow>> {
                let rows = sqlx::query(
                    "SELECT body, created_at, resolved_by, resolved_at FROM conflicts \
                     WHERE station_id = $1 AND resolved_at IS NULL ORDER BY created_at, id",
                )
                .bind(station_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::conflict_row).collect()
            }

            async fn conflict(&self, id: Uuid) -> StoreResult<Option<ConflictRow>> {
                let row = sqlx::query("SELECT body, created_at, resolved_by, resolved_at FROM conflicts WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::conflict_row).transpose()
            }

            async fn open_rejections(&self, station_id: &str) -> StoreResult<Vec<RejectionRow>> {
                let rows = sqlx::query(
                    "SELECT op, station_id, user_id, reason, created_at, closed_by, closed_at, closed_how \
                     FROM rejections WHERE station_id = $1 AND closed_at IS NULL ORDER BY created_at, op_id",
                )
                .bind(station_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::rejection_row).collect()
            }

            async fn rejection(&self, op_id: Uuid) -> StoreResult<Option<RejectionRow>> {
                let row = sqlx::query(
                    "SELECT op, station_id, user_id, reason, created_at, closed_by, closed_at, closed_how \
                     FROM rejections WHERE op_id = $1",
                )
                .bind(op_id.to_string())
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(Self::rejection_row).transpose()
            }

            async fn close_rejection(
                &self,
                op_id: Uuid,
                by: &str,
                how: &str,
                now_ms: i64,
                audit: &AuditEntry,
            ) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "UPDATE rejections SET closed_by = $1, closed_at = $2, closed_how = $3 \
                     WHERE op_id = $4 AND closed_at IS NULL",
                )
                .bind(by)
                .bind(now_ms)
                .bind(how)
                .bind(op_id.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if done {
                    super::sql::insert_audit!(&mut *tx, audit);
                }
                tx.commit().await?;
                Ok(done)
            }
        }
    };
}

sync_store!(SqliteStore, sqlx::sqlite::SqliteRow);
sync_store!(PgStore, sqlx::postgres::PgRow);

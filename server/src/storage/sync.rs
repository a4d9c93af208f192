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
use std::collections::{HashMap, HashSet};
use uuid::Uuid;
use yinling_protocol::{
    rules::{decide_hashed, page_of, PullMeta, Pulled},
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
    /// One page of changes visible to `caller` after `cursor` (reads only).
    async fn pull(&self, caller: &Caller, cursor: u64, limit: u32) -> StoreResult<PullPage>;
    /// Record that `device_id` has pulled everything (its last page).
    async fn pulled(&self, caller: &Caller, device_id: Uuid, now_ms: i64) -> StoreResult<()>;
    async fn record(&self, id: Uuid) -> StoreResult<Option<RecordState>>;
    /// The stored records among `ids`, in no particular order.
    async fn records(&self, ids: &[Uuid]) -> StoreResult<Vec<RecordState>>;
    /// The station's newest `limit` records of one kind, newest first
    /// (tombstones included: the caller decides what to show).
    async fn records_of_kind(&self, station_id: Uuid, kind: RecordKind, limit: u32) -> StoreResult<Vec<RecordState>>;
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

/// How a backend takes a batch's many values.
///
/// * SQLite: anonymous `?` parameters, one per value. (sqlx looks every
///   parameter up by name; for `$n` names SQLite scans its name list each
///   time, so hundreds of `$n` cost quadratic time, while `?` costs nothing.
///   Parsing one JSON parameter with `json_each` was measured slower too.)
/// * PostgreSQL: one JSON array parameter expanded in SQL, so the statement
///   text is the same for every batch size.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Binds {
    Anonymous,
    JsonArray,
}

impl Binds {
    /// `IN (…)` contents for `n` ids (bound with [`Binds::bind_ids`]).
    fn in_list(self, n: usize) -> String {
        match self {
            Binds::Anonymous => vec!["?"; n].join(","),
            Binds::JsonArray => "SELECT value FROM json_array_elements_text($1::json)".into(),
        }
    }
}

/// A JSON array of ids as text.
fn id_list(ids: &[String]) -> String {
    let mut out = String::with_capacity(2 + 39 * ids.len());
    out.push('[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(id);
        out.push('"');
    }
    out.push(']');
    out
}

/// `(?,…,?),(?,…)`: `rows` rows of `width` anonymous parameters.
fn anonymous_rows(rows: usize, width: usize) -> String {
    let row = format!("({})", vec!["?"; width].join(","));
    vec![row.as_str(); rows].join(",")
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
    /// Changed records (their new states stay in the batch's `stored` map).
    records: Vec<Uuid>,
    changed: HashSet<Uuid>,
    results: Vec<(Uuid, String)>,
    conflicts: Vec<Conflict>,
    resolved: Vec<yinling_protocol::rules::ResolvedConflict>,
    rejections: Vec<(usize, RejectReason)>,
}

/// Decide every op of a batch in order against what storage holds, keeping
/// in-memory views current so later ops of the batch see earlier ones.
///
/// `hashes`: each op's content hash ([`content_hashes`]), worked out while
/// the database read what the batch needs.
fn decide_batch(
    batch: &PushBatch<'_>,
    hashes: Vec<Option<String>>,
    mut stored: HashMap<Uuid, RecordState>,
    mut prior: HashMap<Uuid, OpResult>,
    rev: &mut u64,
) -> StoreResult<(Vec<OpResult>, BatchWrites, HashMap<Uuid, RecordState>)> {
    let mut out = Vec::with_capacity(batch.ops.len());
    let mut w = BatchWrites::default();
    for ((i, op), hash) in batch.ops.iter().enumerate().zip(hashes) {
        let d = decide_hashed(batch.caller, op, hash, stored.get(&op.record_id), prior.get(&op.op_id), rev);
        if let Some(state) = d.record {
            let id = state.id;
            stored.insert(id, state);
            if w.changed.insert(id) {
                w.records.push(id);
            }
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
    Ok((out, w, stored))
}

/// The content hash of every create of a batch (the costliest pure part of
/// deciding it), worked out while the database reads what the batch needs:
/// the two run at once.
fn content_hashes(batch: &PushBatch<'_>) -> Vec<Option<String>> {
    batch.ops.iter().map(Op::content_hash).collect()
}

/// A pulled record's JSON: as stored, or (rarely: a mediation an envoy does
/// not handle) parsed and sent as its redacted tombstone.
fn stored_or_redacted(picked: Pulled<&String>) -> StoreResult<String> {
    match picked {
        Pulled::Whole(json) => Ok(json.clone()),
        Pulled::Revoked(json) => to_json(&from_json::<RecordState>("record", json)?.redacted()),
    }
}

/// The station a refused op is queued under: the caller's own, so staff of
/// the envoy's station see it (a forged foreign station id must not put it
/// in someone else's queue).
fn rejection_station(caller: &Caller, op: &Op) -> Uuid {
    caller.station_id.unwrap_or(op.station_id)
}

/// The `json` column of every row whose id is in `ids`, for a query written
/// as `SELECT … AS json FROM … WHERE id IN` (the list follows).
macro_rules! json_by_ids {
    ($ex:expr, $binds:expr, $select:literal, $ids:expr) => {{
        let ids: Vec<String> = $ids.map(|id: Uuid| id.to_string()).collect();
        let sql = format!("{} ({})", $select, $binds.in_list(ids.len()));
        let mut q = sqlx::query(&sql);
        match $binds {
            Binds::Anonymous => {
                for id in &ids {
                    q = q.bind(id);
                }
            }
            Binds::JsonArray => q = q.bind(id_list(&ids)),
        }
        q.fetch_all($ex).await?.iter().map(|row| row.try_get::<String, _>("json")).collect::<Result<Vec<_>, _>>()?
    }};
}

/// The rows of a batch write as one JSON array of arrays (one parameter).
#[derive(Serialize)]
struct RecordRow<'a>(String, &'a str, String, i64, bool, String, String);

#[derive(Serialize)]
struct ResultRow<'a>(String, &'a str);

const RECORDS_UPSERT: &str = " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, \
     station_id = excluded.station_id, rev = excluded.rev, deleted = excluded.deleted, \
     handlers = excluded.handlers, state = excluded.state";

/// Insert the review-queue entries of a batch (conflicts, resolutions,
/// refused ops) through any executor. Rare: most batches have none.
macro_rules! write_review_queue {
    ($ex:expr, $batch:expr, $w:expr) => {{
        let batch: &PushBatch<'_> = $batch;
        let w: &BatchWrites = $w;
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
            .execute(&mut *$ex)
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
            .execute(&mut *$ex)
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
            .execute(&mut *$ex)
            .await?;
        }
    }};
}

/// The changed records of a batch as rows to write.
fn record_rows<'a>(w: &BatchWrites, stored: &'a HashMap<Uuid, RecordState>) -> StoreResult<Vec<RecordRow<'a>>> {
    w.records
        .iter()
        .filter_map(|id| stored.get(id))
        .map(|s| {
            Ok(RecordRow(
                s.id.to_string(),
                s.kind.code(),
                s.station_id.to_string(),
                s.rev as i64,
                s.deleted,
                handlers_column(s),
                to_json(s)?,
            ))
        })
        .collect()
}

const RECORDS_INSERT: &str = "INSERT INTO records (id, kind, station_id, rev, deleted, handlers, state)";
const RESULTS_INSERT: &str = "INSERT INTO op_results (op_id, device_id, result, created_at)";

/// The upsert of the pushing device's row, with `values` as its VALUES.
fn devices_sql(values: &str) -> String {
    format!(
        "INSERT INTO devices (user_id, device_id, station_id, app_version, first_seen, last_seen, \
         last_push, pending_count, ops_received) VALUES {values} \
         ON CONFLICT (user_id, device_id) DO UPDATE SET station_id = excluded.station_id, \
         app_version = excluded.app_version, last_seen = excluded.last_seen, \
         last_push = excluded.last_push, pending_count = excluded.pending_count, \
         ops_received = devices.ops_received + excluded.ops_received"
    )
}

impl SqliteStore {
    /// A push on the writer connection (see `sql::Writer`): two round trips
    /// to SQLite's thread, `BEGIN IMMEDIATE` with the reads and `COMMIT`
    /// with the writes. Anonymous `?` parameters (see [`Binds`]).
    async fn push_batch(&self, batch: &PushBatch<'_>, audit: Option<&AuditEntry>) -> StoreResult<Vec<OpResult>> {
        let mut tx = self.writer.lock().await?;
        // BEGIN IMMEDIATE takes the write lock before anything is read; the
        // counter, the prior results and the stored records come back with it.
        let in_list = Binds::Anonymous.in_list(batch.ops.len());
        let sql = format!(
            "BEGIN IMMEDIATE; \
             SELECT 0 AS t, CAST(rev AS TEXT) AS json FROM sync_counter WHERE id = 1 \
             UNION ALL SELECT 1, result FROM op_results WHERE op_id IN ({in_list}) \
             UNION ALL SELECT 2, state FROM records WHERE id IN ({in_list})"
        );
        let mut q = sqlx::query(&sql);
        for op in batch.ops {
            q = q.bind(op.op_id.to_string());
        }
        for op in batch.ops {
            q = q.bind(op.record_id.to_string());
        }
        let mut prior = HashMap::new();
        let mut stored = HashMap::new();
        let mut rev = None;
        // `biased`: the read is polled first, which hands it to SQLite's
        // thread; the hashes are then worked out here meanwhile.
        let (rows, hashes) = tokio::join!(biased; q.fetch_all(tx.conn()), async { content_hashes(batch) });
        for row in rows? {
            let json = row.try_get::<&str, _>("json")?;
            match row.try_get::<i64, _>("t")? {
                0 => rev = Some(json.parse::<u64>().map_err(|e| corrupt("sync counter", e))?),
                1 => {
                    let r: OpResult = from_json("op result", json)?;
                    prior.insert(r.op_id, r);
                }
                _ => {
                    let s: RecordState = from_json("record", json)?;
                    stored.insert(s.id, s);
                }
            }
        }
        let mut rev = rev.ok_or_else(|| corrupt("sync counter", "row missing"))?;
        let start_rev = rev;

        let (results, w, stored) = decide_batch(batch, hashes, stored, prior, &mut rev)?;

        write_review_queue!(tx.conn(), batch, &w);
        if let Some(e) = audit {
            super::sql::insert_audit!(tx.conn(), e);
        }
        let rows = record_rows(&w, &stored)?;
        let device = batch.device_id.to_string();
        // Every write of the batch and the COMMIT in one multi-statement
        // query: one round trip, anonymous parameters bound in order. It
        // returns once COMMIT has (synchronous=FULL: the WAL is on disk).
        let mut sql = String::new();
        if !rows.is_empty() {
            sql += &format!("{RECORDS_INSERT} VALUES {}{RECORDS_UPSERT};", anonymous_rows(rows.len(), 7));
        }
        if !w.results.is_empty() {
            sql += &format!("{RESULTS_INSERT} VALUES {};", anonymous_rows(w.results.len(), 4));
        }
        if rev != start_rev {
            sql += "UPDATE sync_counter SET rev = ? WHERE id = 1;";
        }
        sql += &devices_sql("(?, ?, ?, ?, ?, ?, ?, ?, ?)");
        sql += "; COMMIT";
        let mut q = sqlx::query(&sql);
        for RecordRow(id, kind, station, rev, deleted, handlers, state) in rows {
            q = q.bind(id).bind(kind).bind(station).bind(rev).bind(deleted).bind(handlers).bind(state);
        }
        for (op_id, json) in &w.results {
            q = q.bind(op_id.to_string()).bind(&device).bind(json).bind(batch.now_ms);
        }
        if rev != start_rev {
            q = q.bind(rev as i64);
        }
        q.bind(batch.caller.user_id.to_string())
            .bind(&device)
            .bind(batch.caller.station_id.map(|s| s.to_string()))
            .bind(batch.app_version)
            .bind(batch.now_ms)
            .bind(batch.now_ms)
            .bind(batch.now_ms)
            .bind(i64::from(batch.pending_after))
            .bind(batch.ops.len() as i64)
            .execute(tx.conn())
            .await?;
        tx.committed();
        Ok(results)
    }
}

impl PgStore {
    /// A push in one PostgreSQL transaction; the rows as JSON parameters.
    async fn push_batch(&self, batch: &PushBatch<'_>, audit: Option<&AuditEntry>) -> StoreResult<Vec<OpResult>> {
        let mut prior = HashMap::new();
        let mut stored = HashMap::new();
        let mut tx = self.pool.begin().await?;
        // A write first: takes PostgreSQL's row lock before anything is
        // read, so the reads below are current.
        let counter = sqlx::query("UPDATE sync_counter SET rev = rev WHERE id = 1 RETURNING rev").fetch_one(&mut *tx);
        let (counter, hashes) = tokio::join!(biased; counter, async { content_hashes(batch) });
        let mut rev = counter?.try_get::<i64, _>("rev")? as u64;
        if !batch.ops.is_empty() {
            let op_ids = batch.ops.iter().map(|op| op.op_id);
            for json in
                json_by_ids!(&mut *tx, Binds::JsonArray, "SELECT result AS json FROM op_results WHERE op_id IN", op_ids)
            {
                let r: OpResult = from_json("op result", &json)?;
                prior.insert(r.op_id, r);
            }
            let record_ids = batch.ops.iter().map(|op| op.record_id);
            for json in
                json_by_ids!(&mut *tx, Binds::JsonArray, "SELECT state AS json FROM records WHERE id IN", record_ids)
            {
                let s: RecordState = from_json("record", &json)?;
                stored.insert(s.id, s);
            }
        }
        let start_rev = rev;

        let (results, w, stored) = decide_batch(batch, hashes, stored, prior, &mut rev)?;

        write_review_queue!(&mut *tx, batch, &w);
        let rows = record_rows(&w, &stored)?;
        let device = batch.device_id.to_string();
        // Each statement on its own (a prepared statement holds one), the
        // rows as one JSON parameter.
        if !rows.is_empty() {
            let sql = format!(
                "{RECORDS_INSERT} SELECT value->>0, value->>1, value->>2, CAST(value->>3 AS BIGINT), \
                 CAST(value->>4 AS BOOLEAN), value->>5, value->>6 \
                 FROM json_array_elements($1::json){RECORDS_UPSERT}"
            );
            sqlx::query(&sql).bind(to_json(&rows)?).execute(&mut *tx).await?;
        }
        if !w.results.is_empty() {
            let rows: Vec<ResultRow> =
                w.results.iter().map(|(op_id, json)| ResultRow(op_id.to_string(), json)).collect();
            sqlx::query(&format!(
                "{RESULTS_INSERT} SELECT value->>0, $2, value->>1, $3 FROM json_array_elements($1::json)"
            ))
            .bind(to_json(&rows)?)
            .bind(&device)
            .bind(batch.now_ms)
            .execute(&mut *tx)
            .await?;
        }
        if rev != start_rev {
            sqlx::query("UPDATE sync_counter SET rev = $1 WHERE id = 1").bind(rev as i64).execute(&mut *tx).await?;
        }
        sqlx::query(&devices_sql("($1, $2, $3, $4, $5, $5, $5, $6, $7)"))
            .bind(batch.caller.user_id.to_string())
            .bind(&device)
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
}

macro_rules! sync_store {
    ($store:ident, $row:ty, $binds:expr) => {
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
                self.push_batch(batch, audit).await
            }

            async fn pull(&self, caller: &Caller, cursor: u64, limit: u32) -> StoreResult<PullPage> {
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
                        // The pattern is built in SQL, not bound whole: SQLite
                        // re-prepares a statement whenever a parameter used
                        // directly as a LIKE pattern is bound anew (it might
                        // allow an index), i.e. on every page.
                        sqlx::query(
                            "SELECT rev, kind, station_id, handlers, state FROM records WHERE rev > $1 AND (station_id = $2 OR \
                             (kind = 'case' AND handlers LIKE ('% ' || $3 || ' %'))) ORDER BY rev LIMIT $4",
                        )
                        .bind(cursor_i)
                        .bind(station)
                        .bind(caller.user_id.to_string())
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
                let changes = picked.into_iter().map(stored_or_redacted).collect::<StoreResult<Vec<_>>>()?;
                Ok(PullPage { changes, next_cursor, has_more })
            }

            async fn pulled(&self, caller: &Caller, device_id: Uuid, now_ms: i64) -> StoreResult<()> {
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
                Ok(())
            }

            async fn record(&self, id: Uuid) -> StoreResult<Option<RecordState>> {
                let row = sqlx::query("SELECT state FROM records WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| from_json("record", r.try_get::<&str, _>("state")?)).transpose()
            }

            async fn records(&self, ids: &[Uuid]) -> StoreResult<Vec<RecordState>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let found = json_by_ids!(&self.pool, $binds, "SELECT state AS json FROM records WHERE id IN", ids.iter().copied());
                found.iter().map(|json| from_json("record", json)).collect()
            }

            async fn records_of_kind(&self, station_id: Uuid, kind: RecordKind, limit: u32) -> StoreResult<Vec<RecordState>> {
                let rows = sqlx::query(
                    "SELECT state FROM records WHERE station_id = $1 AND kind = $2 ORDER BY rev DESC LIMIT $3",
                )
                .bind(station_id.to_string())
                .bind(kind.code())
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(|r| from_json("record", r.try_get::<&str, _>("state")?)).collect()
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

sync_store!(SqliteStore, sqlx::sqlite::SqliteRow, Binds::Anonymous);
sync_store!(PgStore, sqlx::postgres::PgRow, Binds::JsonArray);

//! Server-side rules, as pure functions.
//!
//! The server's storage layer does, per op and in ONE transaction:
//!
//! 1. load `prior` = the result remembered under `op.op_id` (if any) and
//!    `current` = the stored state of `op.record_id` (if any);
//! 2. call [`decide`] with a [`RevAllocator`] backed by the revision counter
//!    (allocation must serialize writers, e.g. `UPDATE counter SET rev = rev+1
//!    RETURNING rev` in the same transaction; SQLite is single-writer anyway);
//! 3. persist exactly what the [`Decision`] says: upsert `record`, insert
//!    `conflicts`, mark `resolved_conflicts`, and, if `store_result`, store
//!    `result` under `op_id`;
//! 4. commit, then put `result` in the push response.
//!
//! A crash before commit loses nothing: the phone still has the op and
//! retries. A crash after commit but before the reply makes the retry a
//! `Duplicate`. An applied create of an append-only record (a visit, a
//! timeline entry, a mediation session, a photo) is remembered by the
//! record itself rather than a stored result: its fields never change, so a
//! retry finds the record (same id, same content hash) and gets the first
//! answer back, `Applied` at the revision that created it. Most of what
//! phones push is such creates; each costs one row instead of two. Revisions come from one global counter, so a record's `rev`
//! is also its position in the pull order (see [`pull`]).

mod apply;
mod auth;
pub mod pull;
pub mod resolve;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::hlc::Hlc;
use crate::op::{Op, OpBody};
use crate::reason::{RejectCode, RejectReason};
use crate::record::{FieldState, FieldValue, RecordKind, RecordState};
use crate::wire::{OpResult, Outcome, MAX_OP_BYTES};

pub use pull::{page_of, pull_page, revoked, visible, visible_to, PullMeta, Pulled};
pub use resolve::{resolve_conflict, Resolution};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 银龄使者: works in their station; changes cases they handle.
    Envoy,
    /// Station staff: everything in their station, resolves conflicts.
    Staff,
    /// Everything everywhere.
    Admin,
}

/// The authenticated user making a request (from the session, not the op).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    pub user_id: Uuid,
    pub role: Role,
    /// Home station (required for envoys and staff).
    pub station_id: Option<Uuid>,
}

impl Caller {
    pub fn can_resolve_conflicts(&self) -> bool {
        matches!(self.role, Role::Staff | Role::Admin)
    }
}

/// Hands out fresh, strictly increasing server revisions.
pub trait RevAllocator {
    fn next_rev(&mut self) -> u64;
}

/// A plain counter holding the last revision handed out.
impl RevAllocator for u64 {
    fn next_rev(&mut self) -> u64 {
        *self += 1;
        *self
    }
}

/// An entry for the station's review queue: a field edit that was made
/// without seeing the stored value. Both sides, with who and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// Derived from `(op_id, field)`, so deciding the same op twice gives the
    /// same id (safe to upsert).
    pub id: Uuid,
    pub station_id: Uuid,
    pub kind: RecordKind,
    pub record_id: Uuid,
    pub field: String,
    /// The value that stayed, with its author, HLC and revision.
    pub stored: FieldState,
    pub incoming_value: FieldValue,
    /// The field revision the incoming edit was based on.
    pub incoming_base_rev: u64,
    pub incoming_author: Uuid,
    pub incoming_hlc: Hlc,
    pub incoming_device: Uuid,
    pub op_id: Uuid,
}

/// A conflict closed by a staff resolution. Storage should only mark it if
/// it belongs to `record_id`/`field`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedConflict {
    pub conflict_id: Uuid,
    pub record_id: Uuid,
    pub field: String,
    pub resolved_by: Uuid,
    pub op_id: Uuid,
}

/// Everything the storage layer must persist for one op.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// New full state of the record to upsert (None: record unchanged).
    pub record: Option<RecordState>,
    /// Review-queue entries to insert.
    pub conflicts: Vec<Conflict>,
    /// Review-queue entries to mark resolved.
    pub resolved_conflicts: Vec<ResolvedConflict>,
    /// The result for the phone.
    pub result: OpResult,
    /// Store `result` under `op_id`. False for duplicates (their result is
    /// already stored) and for an applied create of an append-only record
    /// (the record answers a retry; see the module's notes).
    pub store_result: bool,
}

/// What an accepted op does (before becoming a `Decision`).
struct Effect {
    record: Option<RecordState>,
    conflicts: Vec<Conflict>,
    resolved: Vec<ResolvedConflict>,
    outcome: Outcome,
}

/// Decide one pushed op. Pure: same inputs, same decision.
///
/// * `prior` — the result stored for `op.op_id`, if the op was seen before;
///   then the answer is that result as `Duplicate` and nothing changes.
/// * `current` — the stored state of `op.record_id`.
/// * `revs` — called at most once, only if something is written.
pub fn decide(
    caller: &Caller,
    op: &Op,
    current: Option<&RecordState>,
    prior: Option<&OpResult>,
    revs: &mut impl RevAllocator,
) -> Decision {
    decide_hashed(caller, op, None, current, prior, revs)
}

/// [`decide`] with the op's [`Op::content_hash`] already worked out (the
/// server does it for a whole batch while it waits for the database);
/// `None` works it out when needed.
pub fn decide_hashed(
    caller: &Caller,
    op: &Op,
    content_hash: Option<String>,
    current: Option<&RecordState>,
    prior: Option<&OpResult>,
    revs: &mut impl RevAllocator,
) -> Decision {
    if let Some(prior) = prior {
        return Decision {
            record: None,
            conflicts: Vec::new(),
            resolved_conflicts: Vec::new(),
            result: OpResult { op_id: op.op_id, outcome: prior.outcome.as_duplicate() },
            store_result: false,
        };
    }
    let effect = evaluate(caller, op, content_hash, current, revs).unwrap_or_else(|reason| Effect {
        record: None,
        conflicts: Vec::new(),
        resolved: Vec::new(),
        outcome: Outcome::Rejected { reason },
    });
    let remembered_by_record = op.kind.is_append_only()
        && matches!(op.body, OpBody::Create { .. })
        && matches!(effect.outcome, Outcome::Applied { .. });
    Decision {
        record: effect.record,
        conflicts: effect.conflicts,
        resolved_conflicts: effect.resolved,
        result: OpResult { op_id: op.op_id, outcome: effect.outcome },
        store_result: !remembered_by_record,
    }
}

fn evaluate(
    caller: &Caller,
    op: &Op,
    content_hash: Option<String>,
    current: Option<&RecordState>,
    revs: &mut impl RevAllocator,
) -> Result<Effect, RejectReason> {
    if op.kind == RecordKind::Unknown {
        return Err(RejectReason::new(RejectCode::UnknownKind));
    }
    if op.author != caller.user_id {
        return Err(RejectReason::new(RejectCode::AuthorMismatch));
    }
    if op.wire_size_exceeds(MAX_OP_BYTES) {
        return Err(RejectReason::new(RejectCode::TooLarge));
    }
    match &op.body {
        OpBody::Create { fields } => apply::create(caller, op, fields, content_hash, current, revs),
        OpBody::Update { changes } => apply::update(caller, op, changes, current, revs),
        OpBody::Delete { base_rev } => apply::delete(caller, op, *base_rev, current, revs),
        OpBody::Unknown => Err(RejectReason::new(RejectCode::UnknownOperation)),
    }
}

#[cfg(test)]
mod tests;

//! Phone side, pure: everything the app keeps in IndexedDB and the decisions
//! it makes around push and pull. The app supplies time, randomness and ids.
//!
//! Typical loop: `push_request` → send → `on_push_response` /
//! `on_push_failure` (then wait `backoff.next_delay_ms(random)`), and
//! `pull_request` → send → `on_pull_response` until `has_more` is false.
//! Save `to_json()` (or the parts) after every change; `from_json` on start.

mod backoff;
mod outbox;
mod replica;

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use backoff::Backoff;
pub use outbox::{EntryState, Outbox, OutboxEntry, Settled};
pub use replica::{layer_op, layered, LocalReplica};

use crate::hlc::HlcClock;
use crate::op::{FieldChange, Op, OpBody};
use crate::record::{FieldValue, RecordKind, RecordState};
use crate::wire::{PullRequest, PullResponse, PushRequest, PushResponse};
use crate::PROTOCOL_VERSION;

/// Why the phone could not build an op.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientError {
    /// No such record on this phone.
    UnknownRecord,
    /// The record is deleted (in the local view).
    Deleted,
}

impl ClientError {
    pub fn message_zh(self) -> &'static str {
        match self {
            ClientError::UnknownRecord => "找不到这条记录",
            ClientError::Deleted => "这条记录已删除",
        }
    }
}

/// The whole client state (what IndexedDB holds for one signed-in user).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientState {
    pub device_id: Uuid,
    pub user_id: Uuid,
    pub clock: HlcClock,
    pub outbox: Outbox,
    pub replica: LocalReplica,
    pub backoff: Backoff,
}

impl ClientState {
    pub fn new(device_id: Uuid, user_id: Uuid) -> Self {
        ClientState {
            device_id,
            user_id,
            clock: HlcClock::for_device(device_id),
            outbox: Outbox::new(),
            replica: LocalReplica::new(),
            backoff: Backoff::default(),
        }
    }

    fn op(&mut self, op_id: Uuid, target: (RecordKind, Uuid, Uuid), body: OpBody, now_ms: u64) -> Op {
        let (kind, station_id, record_id) = target;
        let op = Op {
            op_id,
            device_id: self.device_id,
            author: self.user_id,
            station_id,
            kind,
            record_id,
            hlc: self.clock.now(now_ms),
            body,
        };
        self.outbox.push(op.clone());
        op
    }

    /// Record a new record offline. Validate first with `schema::validate_create`
    /// for instant feedback; the server validates again.
    pub fn create(
        &mut self,
        op_id: Uuid,
        kind: RecordKind,
        station_id: Uuid,
        record_id: Uuid,
        fields: BTreeMap<String, FieldValue>,
        now_ms: u64,
    ) -> Op {
        self.op(op_id, (kind, station_id, record_id), OpBody::Create { fields }, now_ms)
    }

    /// Edit fields of a record in the local view. Each edit is based on the
    /// field revision last pulled from the server.
    pub fn update(
        &mut self,
        op_id: Uuid,
        record_id: Uuid,
        changes: impl IntoIterator<Item = (String, FieldValue)>,
        now_ms: u64,
    ) -> Result<Op, ClientError> {
        let view = self.view(record_id).ok_or(ClientError::UnknownRecord)?;
        if view.deleted {
            return Err(ClientError::Deleted);
        }
        let server = self.replica.get(record_id);
        let changes = changes
            .into_iter()
            .map(|(field, value)| {
                let base_rev = server.map_or(0, |s| s.field_rev(&field));
                FieldChange::new(field, base_rev, value)
            })
            .collect();
        let target = (view.kind, view.station_id, record_id);
        Ok(self.op(op_id, target, OpBody::Update { changes }, now_ms))
    }

    /// Delete a record in the local view (based on the last pulled revision).
    pub fn delete(&mut self, op_id: Uuid, record_id: Uuid, now_ms: u64) -> Result<Op, ClientError> {
        let view = self.view(record_id).ok_or(ClientError::UnknownRecord)?;
        if view.deleted {
            return Err(ClientError::Deleted);
        }
        let base_rev = self.replica.get(record_id).map_or(0, |s| s.rev);
        let target = (view.kind, view.station_id, record_id);
        Ok(self.op(op_id, target, OpBody::Delete { base_rev }, now_ms))
    }

    /// Enqueue an op built elsewhere (e.g. `rules::resolve_conflict`).
    pub fn enqueue(&mut self, op: Op) {
        self.outbox.push(op);
    }

    /// The next push, if anything is pending and nothing is in flight.
    pub fn push_request(&mut self, max_ops: usize, app_version: &str) -> Option<PushRequest> {
        let ops = self.outbox.next_batch(max_ops.min(crate::wire::MAX_BATCH_OPS));
        if ops.is_empty() {
            return None;
        }
        Some(PushRequest {
            protocol: PROTOCOL_VERSION,
            device_id: self.device_id,
            app_version: app_version.to_owned(),
            pending_count: u32::try_from(self.outbox.pending_count()).unwrap_or(u32::MAX),
            ops,
        })
    }

    pub fn on_push_response(&mut self, resp: &PushResponse) -> Settled {
        self.backoff.reset();
        self.outbox.on_response(&resp.results)
    }

    /// The push failed (network error, timeout, HTTP error).
    pub fn on_push_failure(&mut self) {
        self.outbox.on_failure();
    }

    pub fn pull_request(&self, limit: u32) -> PullRequest {
        PullRequest { protocol: PROTOCOL_VERSION, device_id: self.device_id, cursor: self.replica.cursor(), limit }
    }

    pub fn on_pull_response(&mut self, resp: &PullResponse, now_ms: u64) {
        self.backoff.reset();
        if let Some(h) = self.replica.apply_pulled(resp) {
            // A stamp beyond the drift bound is ignored (it only affects display).
            let _ = self.clock.observe(h, now_ms);
        }
        if !resp.has_more {
            self.outbox.on_pulled(self.replica.cursor());
        }
    }

    /// Local ops to show on top of the replica, in order: unsent ones, and
    /// committed ones the replica's copy of the record does not include yet.
    fn view_ops(&self) -> impl Iterator<Item = Cow<'_, Op>> {
        self.outbox.entries().iter().filter_map(|e| {
            if let Some(rev) = e.committed_rev() {
                if self.replica.get(e.op.record_id).is_some_and(|r| r.rev >= rev) {
                    return None;
                }
            }
            e.view_op()
        })
    }

    /// What to show for a record: the server state with local ops on top.
    pub fn view(&self, record_id: Uuid) -> Option<RecordState> {
        let ops: Vec<Cow<'_, Op>> = self.view_ops().filter(|o| o.record_id == record_id).collect();
        layered(self.replica.get(record_id), ops.iter().map(|o| &**o))
    }

    /// The local view of every record (deleted ones included, as tombstones).
    pub fn views(&self) -> BTreeMap<Uuid, RecordState> {
        let mut by_record: BTreeMap<Uuid, Vec<Cow<'_, Op>>> = BTreeMap::new();
        for op in self.view_ops() {
            by_record.entry(op.record_id).or_default().push(op);
        }
        let mut out: BTreeMap<Uuid, RecordState> = self.replica.records().map(|r| (r.id, r.clone())).collect();
        for (id, ops) in by_record {
            match layered(out.get(&id), ops.iter().map(|o| &**o)) {
                Some(r) => {
                    out.insert(id, r);
                }
                None => {
                    out.remove(&id);
                }
            }
        }
        out
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("client state serializes")
    }

    /// Load saved state; in-flight entries become pending.
    pub fn from_json(s: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(s)
    }
}

#[cfg(test)]
mod tests;

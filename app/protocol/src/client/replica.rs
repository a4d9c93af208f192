//! The phone's copy of server states, and the local view with pending ops.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::hlc::Hlc;
use crate::op::{Op, OpBody};
use crate::record::{FieldState, FieldValue, RecordKind, RecordState};
use crate::schema::case_status;
use crate::wire::PullResponse;

/// Server states as last pulled, plus the pull cursor.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LocalReplica {
    records: BTreeMap<Uuid, RecordState>,
    cursor: u64,
}

impl LocalReplica {
    pub fn new() -> Self {
        LocalReplica::default()
    }

    /// Rebuild from what the phone stored (records and cursor are stored
    /// separately so a pull page writes only what it changed).
    pub fn from_parts(records: BTreeMap<Uuid, RecordState>, cursor: u64) -> Self {
        LocalReplica { records, cursor }
    }

    pub fn cursor(&self) -> u64 {
        self.cursor
    }

    /// The server state of a record, as last pulled.
    pub fn get(&self, id: Uuid) -> Option<&RecordState> {
        self.records.get(&id)
    }

    pub fn records(&self) -> impl Iterator<Item = &RecordState> {
        self.records.values()
    }

    /// Apply a pull page. Pages may arrive late or twice: a record is only
    /// replaced by a newer revision, and the cursor never goes back. Returns
    /// the highest HLC in the page (to feed the device clock).
    pub fn apply_pulled(&mut self, page: &PullResponse) -> Option<Hlc> {
        let mut max_hlc: Option<Hlc> = None;
        for state in &page.changes {
            for f in state.fields.values() {
                max_hlc = Some(max_hlc.map_or(f.hlc, |m| m.max(f.hlc)));
            }
            let newer = self.records.get(&state.id).is_none_or(|old| state.rev > old.rev);
            if newer {
                self.records.insert(state.id, state.clone());
            }
        }
        self.cursor = self.cursor.max(page.next_cursor);
        max_hlc
    }
}

fn local(op: &Op, value: FieldValue) -> FieldState {
    FieldState { value, rev: 0, hlc: op.hlc, author: op.author }
}

/// Layer one local (not yet committed) op on a record state, as the server
/// would apply it if nothing else happened. Local field revisions are 0.
pub fn layer_op(state: Option<RecordState>, op: &Op) -> Option<RecordState> {
    match (&op.body, state) {
        (OpBody::Create { fields }, None) => {
            let mut fs: BTreeMap<String, FieldState> =
                fields.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), local(op, v.clone()))).collect();
            if op.kind == RecordKind::Case && !fs.contains_key("status") {
                fs.insert("status".into(), local(op, case_status::REGISTERED.into()));
            }
            let mut r = RecordState {
                kind: op.kind,
                id: op.record_id,
                station_id: op.station_id,
                fields: fs,
                deleted: false,
                rev: 0,
                created_op: op.op_id,
                created_by: op.author,
                created_hash: op.content_hash().unwrap_or_default(),
                handlers: Vec::new(),
            };
            r.recompute_handlers();
            Some(r)
        }
        (OpBody::Update { changes }, Some(mut r)) => {
            for ch in changes {
                r.fields.insert(ch.field.clone(), local(op, ch.value.clone()));
            }
            r.recompute_handlers();
            Some(r)
        }
        (OpBody::Delete { .. }, Some(mut r)) => {
            r.deleted = true;
            Some(r)
        }
        (_, state) => state,
    }
}

/// The state to show: the server state with the given local ops on top.
pub fn layered<'a>(base: Option<&RecordState>, ops: impl IntoIterator<Item = &'a Op>) -> Option<RecordState> {
    ops.into_iter().fold(base.cloned(), layer_op)
}

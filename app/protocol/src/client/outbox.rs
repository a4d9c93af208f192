//! The phone's queue of ops waiting for the server.
//!
//! Life of an entry: `Pending` → (sent) `InFlight` → on a result either
//! `Committed { rev }` (the server durably has it) or `Quarantined` (the
//! server refused it for good; kept and shown to the envoy, never resent).
//! A failed request puts in-flight entries back to `Pending`. A committed
//! entry is still layered in the local view until a complete pull has
//! caught up with its revision, so a saved edit never seems to vanish; then
//! it is forgotten. One quarantined entry never holds back the others.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::op::{Op, OpBody};
use crate::reason::{RejectCode, RejectReason};
use crate::wire::{OpResult, Settlement, MAX_OP_BYTES, MAX_PUSH_BYTES};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum EntryState {
    /// Waiting to be sent.
    Pending,
    /// Sent in the current request, no answer yet.
    InFlight,
    /// The server committed it at `rev`; `conflicted` fields went to the
    /// review queue instead. Kept for display until pulled.
    Committed {
        rev: u64,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        conflicted: Vec<String>,
    },
    /// Refused by the server (or too large to send); shown to the envoy.
    Quarantined { reason: RejectReason },
}

/// Read as a flat object (`{"state":"committed","rev":7}`), the same JSON the
/// derived internally tagged form writes. Serde's derive for an internally
/// tagged enum buffers every entry through its generic `Content` tree first,
/// which costs several KB of the phone's first-load WebAssembly (every
/// stored outbox entry is read when the app opens).
impl<'de> Deserialize<'de> for EntryState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Tag {
            Pending,
            InFlight,
            Committed,
            Quarantined,
        }
        #[derive(Deserialize)]
        struct Flat {
            state: Tag,
            rev: Option<u64>,
            #[serde(default)]
            conflicted: Vec<String>,
            reason: Option<RejectReason>,
        }
        let f = Flat::deserialize(d)?;
        Ok(match f.state {
            Tag::Pending => EntryState::Pending,
            Tag::InFlight => EntryState::InFlight,
            Tag::Committed => EntryState::Committed {
                rev: f.rev.ok_or_else(|| serde::de::Error::missing_field("rev"))?,
                conflicted: f.conflicted,
            },
            Tag::Quarantined => {
                EntryState::Quarantined { reason: f.reason.ok_or_else(|| serde::de::Error::missing_field("reason"))? }
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub op: Op,
    pub state: EntryState,
    /// How many times it was sent.
    pub attempts: u32,
}

impl OutboxEntry {
    /// The op as it affects the local view: nothing if quarantined; without
    /// its conflicted fields if committed with conflicts.
    pub fn view_op(&self) -> Option<Cow<'_, Op>> {
        match &self.state {
            EntryState::Quarantined { .. } => None,
            EntryState::Committed { conflicted, .. } if !conflicted.is_empty() => {
                let mut op = self.op.clone();
                if let OpBody::Update { changes } = &mut op.body {
                    changes.retain(|c| !conflicted.contains(&c.field));
                }
                Some(Cow::Owned(op))
            }
            _ => Some(Cow::Borrowed(&self.op)),
        }
    }

    /// The commit revision, if committed.
    pub fn committed_rev(&self) -> Option<u64> {
        match self.state {
            EntryState::Committed { rev, .. } => Some(rev),
            _ => None,
        }
    }
}

/// Ordered outbox. Deserializing it (app restart) turns in-flight entries
/// back into pending ones: their request's fate is unknown, so resend.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(from = "OutboxRepr")]
pub struct Outbox {
    entries: Vec<OutboxEntry>,
}

#[derive(Deserialize)]
struct OutboxRepr {
    entries: Vec<OutboxEntry>,
}

impl From<OutboxRepr> for Outbox {
    fn from(r: OutboxRepr) -> Self {
        Outbox::from_entries(r.entries)
    }
}

/// What a push response did to the outbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settled {
    /// Entries the server committed.
    pub committed: usize,
    /// Entries newly quarantined.
    pub quarantined: usize,
}

impl Outbox {
    pub fn new() -> Self {
        Outbox::default()
    }

    /// Rebuild from stored entries (e.g. one IndexedDB row per entry).
    pub fn from_entries(mut entries: Vec<OutboxEntry>) -> Self {
        for e in &mut entries {
            if e.state == EntryState::InFlight {
                e.state = EntryState::Pending;
            }
        }
        Outbox { entries }
    }

    pub fn entries(&self) -> &[OutboxEntry] {
        &self.entries
    }

    /// Add an op at the end. An op too large to ever be accepted is
    /// quarantined right away instead of blocking sends.
    pub fn push(&mut self, op: Op) {
        let state = if op.wire_size() > MAX_OP_BYTES {
            EntryState::Quarantined { reason: RejectReason::new(RejectCode::TooLarge) }
        } else {
            EntryState::Pending
        };
        self.entries.push(OutboxEntry { op, state, attempts: 0 });
    }

    fn unsent(&self) -> impl Iterator<Item = &OutboxEntry> {
        self.entries.iter().filter(|e| matches!(e.state, EntryState::Pending | EntryState::InFlight))
    }

    /// Ops the server has not committed yet (pending and in flight), in order.
    pub fn unsent_ops(&self) -> impl Iterator<Item = &Op> {
        self.unsent().map(|e| &e.op)
    }

    /// Number of pending + in-flight entries (what still needs the network).
    pub fn pending_count(&self) -> usize {
        self.unsent().count()
    }

    pub fn in_flight_count(&self) -> usize {
        self.entries.iter().filter(|e| e.state == EntryState::InFlight).count()
    }

    pub fn quarantined(&self) -> impl Iterator<Item = (&Op, &RejectReason)> {
        self.entries.iter().filter_map(|e| match &e.state {
            EntryState::Quarantined { reason } => Some((&e.op, reason)),
            _ => None,
        })
    }

    /// The next ops to send, oldest first, marked in flight: at most `max`
    /// ops and about `MAX_PUSH_BYTES`. Empty while a batch is in flight (one
    /// request at a time) or when nothing is pending.
    pub fn next_batch(&mut self, max: usize) -> Vec<Op> {
        if self.in_flight_count() > 0 {
            return Vec::new();
        }
        let mut batch = Vec::new();
        let mut bytes = 0usize;
        for e in &mut self.entries {
            if batch.len() >= max {
                break;
            }
            if e.state != EntryState::Pending {
                continue;
            }
            let size = e.op.wire_size();
            if !batch.is_empty() && bytes + size > MAX_PUSH_BYTES {
                break;
            }
            bytes += size;
            e.state = EntryState::InFlight;
            e.attempts += 1;
            batch.push(e.op.clone());
        }
        batch
    }

    /// Apply the server's results. Results may be late or repeated (e.g. an
    /// old request answered after a timeout); they are matched by op id.
    /// If the response answers the batch in flight, entries it left out go
    /// back to pending.
    pub fn on_response(&mut self, results: &[OpResult]) -> Settled {
        let mut settled = Settled::default();
        let mut answers_current_batch = false;
        for r in results {
            let Some(entry) = self.entries.iter_mut().find(|e| e.op.op_id == r.op_id) else {
                continue; // already settled and forgotten
            };
            if !matches!(entry.state, EntryState::Pending | EntryState::InFlight) {
                continue; // already settled
            }
            answers_current_batch |= entry.state == EntryState::InFlight;
            match r.outcome.settlement() {
                Settlement::Done { rev, conflicted } => {
                    entry.state = EntryState::Committed { rev, conflicted };
                    settled.committed += 1;
                }
                Settlement::Quarantine(reason) => {
                    entry.state = EntryState::Quarantined { reason };
                    settled.quarantined += 1;
                }
            }
        }
        if answers_current_batch {
            self.on_failure();
        }
        settled
    }

    /// The request failed or timed out: everything in flight is pending again
    /// (never dropped).
    pub fn on_failure(&mut self) {
        for e in &mut self.entries {
            if e.state == EntryState::InFlight {
                e.state = EntryState::Pending;
            }
        }
    }

    /// A complete pull (last page, `has_more == false`) reached `cursor`:
    /// committed entries at or below it are now in the replica; forget them.
    pub fn on_pulled(&mut self, cursor: u64) {
        self.entries.retain(|e| e.committed_rev().is_none_or(|rev| rev > cursor));
    }

    /// The envoy acknowledged a quarantined entry: remove it.
    pub fn dismiss(&mut self, op_id: Uuid) -> Option<OutboxEntry> {
        let i = self
            .entries
            .iter()
            .position(|e| e.op.op_id == op_id && matches!(e.state, EntryState::Quarantined { .. }))?;
        Some(self.entries.remove(i))
    }
}

//! What the simulation knows independently of the server: every op made,
//! by which device, in which order, and what should happen to it. Checks each
//! server decision as it is made (concurrency judged by device-local order,
//! never by HLC) and keeps statistics.

use std::collections::BTreeMap;

use uuid::Uuid;
use yinling_protocol::rules::Decision;
use yinling_protocol::*;

/// Pseudo device index of the seed data written by an admin.
pub const SEED_DEVICE: usize = usize::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Made from the device's view by the rules: should apply, unless
    /// concurrency explains a rejection (checked at the end).
    Valid,
    /// Deliberately bad: must be rejected with this code.
    Invalid(RejectCode),
    /// A deliberately illegal status change: rejected, unless it was
    /// concurrent (then it goes to the review queue) or changes nothing.
    IllegalStatus,
    /// A staff conflict resolution.
    Resolution,
}

pub struct OpMeta {
    pub device: usize,
    /// Creation order on its device.
    pub seq: u64,
    pub expect: Expect,
    pub op: Op,
}

#[derive(Default, Debug, Clone)]
pub struct Stats {
    pub ops: u64,
    pub invalid: u64,
    pub conflicts: u64,
    /// Conflicts where the losing edit carried the later HLC (fast clock).
    pub later_stamp_kept_out: u64,
    pub resolved: u64,
    pub rejected: u64,
    pub duplicates_seen: u64,
    pub tombstones: u64,
    pub device_restarts: u64,
    pub server_crashes: u64,
}

impl Stats {
    pub fn add(&mut self, o: &Stats) {
        self.ops += o.ops;
        self.invalid += o.invalid;
        self.conflicts += o.conflicts;
        self.later_stamp_kept_out += o.later_stamp_kept_out;
        self.resolved += o.resolved;
        self.rejected += o.rejected;
        self.duplicates_seen += o.duplicates_seen;
        self.tombstones += o.tombstones;
        self.device_restarts += o.device_restarts;
        self.server_crashes += o.server_crashes;
    }
}

#[derive(Default)]
pub struct Oracle {
    pub ops: BTreeMap<Uuid, OpMeta>,
    pub violations: Vec<String>,
    pub stats: Stats,
}

impl Oracle {
    pub fn register(&mut self, op: &Op, device: usize, seq: u64, expect: Expect) {
        self.stats.ops += 1;
        if matches!(expect, Expect::Invalid(_) | Expect::IllegalStatus) {
            self.stats.invalid += 1;
        }
        self.ops.insert(op.op_id, OpMeta { device, seq, expect, op: op.clone() });
    }

    pub fn fail(&mut self, msg: String) {
        if self.violations.len() < 20 {
            self.violations.push(msg);
        }
    }

    /// Check one server decision against the stored state it was made on.
    /// `rev_to_op` maps each committed revision to the op that wrote it.
    pub fn check_decision(
        &mut self,
        op: &Op,
        current: Option<&RecordState>,
        d: &Decision,
        rev_to_op: &BTreeMap<u64, Uuid>,
    ) {
        let Some(meta) = self.ops.get(&op.op_id) else {
            return self.fail(format!("server saw an op nobody made: {}", op.op_id));
        };
        let (me_device, me_seq) = (meta.device, meta.seq);
        if matches!(d.result.outcome, Outcome::Duplicate { .. }) {
            self.stats.duplicates_seen += 1;
            return;
        }
        if matches!(d.result.outcome, Outcome::Rejected { .. }) {
            return;
        }
        let OpBody::Update { changes } = &op.body else {
            if !d.conflicts.is_empty() {
                self.fail(format!("conflict from a non-update op {}", op.op_id));
            }
            return;
        };
        let Some(cur) = current else {
            return self.fail(format!("update {} applied to a missing record", op.op_id));
        };
        let after = d.record.as_ref().unwrap_or(cur);
        for ch in changes {
            let conflict = d.conflicts.iter().find(|c| c.field == ch.field);
            let stored = cur.fields.get(&ch.field);
            let concurrent = stored.is_some_and(|s| {
                let writer = rev_to_op.get(&s.rev).and_then(|id| self.ops.get(id));
                let own_earlier = writer.is_some_and(|w| w.device == me_device && w.seq < me_seq);
                s.rev > ch.base_rev && !own_earlier
            });
            let after_value = after.value(&ch.field).cloned().unwrap_or(FieldValue::Null);
            match stored {
                Some(s) if concurrent && s.value != ch.value => {
                    let Some(c) = conflict else {
                        self.fail(format!(
                            "concurrent edit of {}.{} by op {} left no conflict",
                            cur.id, ch.field, op.op_id
                        ));
                        continue;
                    };
                    if c.stored != *s
                        || c.incoming_value != ch.value
                        || c.incoming_author != op.author
                        || c.incoming_hlc != op.hlc
                        || c.kind.is_append_only()
                    {
                        self.fail(format!("conflict {c:?} does not record both sides of op {}", op.op_id));
                    }
                    if after_value != s.value {
                        self.fail(format!("concurrent op {} overwrote {}.{}", op.op_id, cur.id, ch.field));
                    }
                    self.stats.conflicts += 1;
                    if op.hlc > s.hlc {
                        self.stats.later_stamp_kept_out += 1;
                    }
                }
                _ => {
                    if conflict.is_some() {
                        self.fail(format!(
                            "op {} got a conflict on {} although its device had seen the stored value",
                            op.op_id, ch.field
                        ));
                    }
                    if !concurrent && after_value != ch.value {
                        self.fail(format!("op {} did not apply {}", op.op_id, ch.field));
                    }
                    if !concurrent {
                        for id in &ch.resolves {
                            if !d.resolved_conflicts.iter().any(|r| r.conflict_id == *id) {
                                self.fail(format!("resolution {} did not clear {id}", op.op_id));
                            }
                        }
                    }
                }
            }
        }
    }
}

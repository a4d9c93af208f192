//! The end-state invariants, checked after the heal phase.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;
use yinling_protocol::client::EntryState;
use yinling_protocol::rules::{revoked, visible_to, PullMeta};
use yinling_protocol::*;

use super::oracle::{Expect, SEED_DEVICE};
use super::world::World;

fn rejection(outcome: &Outcome) -> Option<RejectCode> {
    match outcome.original() {
        Outcome::Rejected { reason } => Some(reason.code),
        _ => None,
    }
}

pub fn final_checks(w: &mut World) {
    let d = &w.server.durable;
    let mut errors: Vec<String> = Vec::new();
    let writers: BTreeSet<Uuid> = d.rev_to_op.values().copied().collect();

    // 1. Every op was decided exactly once, and ended the way it should.
    for (id, meta) in &w.oracle.ops {
        match d.fresh.get(id).copied().unwrap_or(0) {
            1 => {}
            0 => errors.push(format!("op {id} ({:?}) never reached the server", meta.expect)),
            n => errors.push(format!("op {id} was applied {n} times")),
        }
        let Some(result) = d.results.get(id) else {
            continue;
        };
        let code = rejection(&result.outcome);
        let record = d.records.get(&meta.op.record_id);
        let ok = match (meta.expect, code) {
            (Expect::Invalid(want), got) => got == Some(want),
            (Expect::IllegalStatus, Some(c)) => {
                matches!(c, RejectCode::IllegalTransition | RejectCode::Deleted)
            }
            // Concurrent with someone else's status change: queued, or equal.
            (Expect::IllegalStatus, None) => {
                matches!(result.outcome, Outcome::Conflict { .. }) || !writers.contains(id)
            }
            (_, None) => true,
            (Expect::Resolution, Some(c)) => {
                matches!(c, RejectCode::IllegalTransition | RejectCode::Deleted)
            }
            (Expect::Valid, Some(c)) => match c {
                RejectCode::NotFound => record.is_none(),
                RejectCode::Deleted => record.is_some_and(|r| r.deleted),
                RejectCode::StaleDelete => matches!(meta.op.body, OpBody::Delete { .. }),
                // A status change made on top of an own earlier edit that
                // then conflicted or was refused.
                RejectCode::IllegalTransition => w.oracle.ops.values().any(|m| {
                    m.device == meta.device
                        && m.op.record_id == meta.op.record_id
                        && m.seq < meta.seq
                        && d.results.get(&m.op.op_id).is_some_and(|r| {
                            matches!(r.outcome.original(), Outcome::Rejected { .. } | Outcome::Conflict { .. })
                        })
                }),
                // Edited while its author still mediated; staff took them
                // off the mediation before the edit arrived.
                RejectCode::NotHandler => {
                    record.is_some_and(|r| r.kind.is_confidential() && !r.handlers.contains(&meta.op.author))
                        && w.oracle.ops.values().any(|m| {
                            m.op.record_id == meta.op.record_id
                                && matches!(&m.op.body, OpBody::Update { changes } if changes.iter().any(|c| c.field == "mediator_ids"))
                        })
                }
                _ => false,
            },
        };
        if !ok {
            errors.push(format!("op {id} ({:?}, {:?}) ended as {:?}", meta.expect, meta.op.body, result.outcome));
        }
        if code.is_some() {
            w.oracle.stats.rejected += 1;
        }
        // 2. Rejected ops are quarantined on their device, others are gone.
        if meta.device == SEED_DEVICE {
            continue;
        }
        let entry = w.devices[meta.device].state.outbox.entries().iter().find(|e| e.op.op_id == *id);
        match (code, entry.map(|e| &e.state)) {
            (Some(c), Some(EntryState::Quarantined { reason })) if reason.code == c && !reason.zh.is_empty() => {}
            (None, None) => {}
            (c, s) => errors.push(format!("op {id}: server result {c:?} but device entry {s:?}")),
        }
    }
    for (i, dev) in w.devices.iter().enumerate() {
        // 3. Outboxes hold nothing but quarantined entries.
        if dev.state.outbox.pending_count() != 0 {
            errors.push(format!("device {i} still has {} unsent ops", dev.state.outbox.pending_count()));
        }
        // 4. Each device sees exactly what it should, as the server has it;
        //    of a mediation its envoy does not (or no longer) mediate, only
        //    the redacted tombstone.
        let expected: BTreeMap<Uuid, RecordState> = d
            .records
            .values()
            .filter_map(|r| {
                if visible_to(&dev.user, r) {
                    Some((r.id, r.clone()))
                } else if revoked(&dev.user, &PullMeta::of(r)) {
                    Some((r.id, r.redacted()))
                } else {
                    None
                }
            })
            .collect();
        let views = dev.state.views();
        for (id, r) in &expected {
            match views.get(id) {
                Some(v) if v == r => {}
                Some(v) => errors.push(format!("device {i} sees {v:?}\n  server has {r:?}")),
                None => errors.push(format!("device {i} misses record {id}")),
            }
        }
        for id in views.keys().filter(|id| !expected.contains_key(id)) {
            errors.push(format!("device {i} ({:?}) holds record {id} it must not see", dev.user.role));
        }
    }
    // 5. The review queue: only mutable kinds; resolutions by staff.
    for row in d.conflicts.values() {
        if row.conflict.kind.is_append_only() {
            errors.push(format!("conflict on append-only record {:?}", row.conflict));
        }
        if let Some(by) = row.resolved_by {
            w.oracle.stats.resolved += 1;
            if !w.devices.iter().any(|dev| dev.user.user_id == by && dev.user.role == Role::Staff) {
                errors.push(format!("conflict {} resolved by non-staff {by}", row.conflict.id));
            }
        }
    }
    w.oracle.stats.tombstones += d.records.values().filter(|r| r.deleted).count() as u64;
    for e in errors.into_iter().take(20) {
        w.oracle.fail(e);
    }
}

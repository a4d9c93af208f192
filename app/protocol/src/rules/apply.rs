//! Applying creates, updates and deletes to the stored state.
//!
//! Concurrency rule (the only one): a field edit is *concurrent* with the
//! stored value when the stored value's revision is newer than the edit's
//! `base_rev` — the device never saw it — unless the stored value was written
//! by an earlier op of the same device (same HLC node, earlier HLC), which the
//! device has necessarily seen. HLC wall times are never compared across
//! devices. A concurrent edit with a different value becomes a `Conflict`:
//! the stored value stays.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::auth;
use super::{Caller, Conflict, Effect, ResolvedConflict, RevAllocator};
use crate::canon::derived_uuid;
use crate::op::{FieldChange, Op};
use crate::reason::{RejectCode, RejectReason};
use crate::record::{FieldState, FieldValue, RecordKind, RecordState};
use crate::schema::{self, case_status};
use crate::wire::{ConflictRef, Outcome};

fn unchanged(outcome: Outcome) -> Effect {
    Effect { record: None, conflicts: Vec::new(), resolved: Vec::new(), outcome }
}

/// True if `stored` was written without the device of `op` having seen it.
fn unseen_by(stored: &FieldState, base_rev: u64, op: &Op) -> bool {
    stored.rev > base_rev && !stored.hlc.precedes_on_same_node(&op.hlc)
}

fn field_state(op: &Op, value: FieldValue, rev: u64) -> FieldState {
    FieldState { value, rev, hlc: op.hlc, author: op.author }
}

pub(super) fn create(
    caller: &Caller,
    op: &Op,
    fields: &BTreeMap<String, FieldValue>,
    content_hash: Option<String>,
    current: Option<&RecordState>,
    revs: &mut impl RevAllocator,
) -> Result<Effect, RejectReason> {
    auth::may_create(caller, op)?;
    let hash = content_hash.or_else(|| op.content_hash()).unwrap_or_default();
    if let Some(cur) = current {
        // Same id again: identical content is the same create re-issued under
        // a new op id (harmless); anything else is flagged, never overwritten.
        return if cur.kind == op.kind && cur.created_hash == hash {
            Ok(unchanged(Outcome::Applied { rev: created_rev(cur) }.as_duplicate()))
        } else {
            Err(RejectReason::new(RejectCode::IdCollision))
        };
    }
    schema::validate_create(op.kind, fields)?;
    let mut values: BTreeMap<String, FieldValue> =
        fields.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect();
    if op.kind == RecordKind::Case {
        let status = values.entry("status".to_owned()).or_insert_with(|| Value::from(case_status::REGISTERED));
        if status.as_str() != Some(case_status::REGISTERED) {
            return Err(status_error("新登记的事项状态只能是“登记”", "a new case must start as registered"));
        }
    }
    let rev = revs.next_rev();
    let mut record = RecordState {
        kind: op.kind,
        id: op.record_id,
        station_id: op.station_id,
        fields: values.into_iter().map(|(k, v)| (k, field_state(op, v, rev))).collect(),
        deleted: false,
        rev,
        created_op: op.op_id,
        created_by: op.author,
        created_hash: hash,
        handlers: Vec::new(),
    };
    record.recompute_handlers();
    check_state(&record)?;
    Ok(Effect { record: Some(record), conflicts: Vec::new(), resolved: Vec::new(), outcome: Outcome::Applied { rev } })
}

/// The revision a create gave the record, as its first answer said: an
/// append-only record's fields keep the stamps of the create (a delete does
/// not touch them); other records answer with where they are now.
fn created_rev(cur: &RecordState) -> u64 {
    if cur.kind.is_append_only() {
        cur.fields.values().map(|f| f.rev).min().unwrap_or(cur.rev)
    } else {
        cur.rev
    }
}

/// The op must address the stored record as it is (kind, station).
fn check_target(op: &Op, cur: &RecordState) -> Result<(), RejectReason> {
    if cur.kind != op.kind {
        return Err(RejectReason::new(RejectCode::Malformed)
            .detail("记录类型与已保存的不一致", "kind differs from the stored record"));
    }
    if cur.station_id != op.station_id {
        return Err(RejectReason::new(RejectCode::WrongStation));
    }
    Ok(())
}

fn status_error(zh: &str, en: &str) -> RejectReason {
    RejectReason::field(RejectCode::IllegalTransition, "status", "状态").detail(zh, en)
}

fn status_zh(code: &str) -> &str {
    schema::choice(RecordKind::Case, "status", code).map_or(code, |c| c.zh)
}

/// Case status rules on the edits that will actually be applied.
fn check_case_status(caller: &Caller, cur: &RecordState, applied: &[&FieldChange]) -> Result<(), RejectReason> {
    let find = |name: &str| applied.iter().find(|c| c.field == name);
    let status_change = find("status");
    if let Some(ch) = status_change {
        let from = cur.str_value("status").unwrap_or(case_status::REGISTERED);
        let to = ch.value.as_str().unwrap_or_default();
        let staff_resolution = !ch.resolves.is_empty() && caller.can_resolve_conflicts();
        if !staff_resolution && !case_status::can_transition(from, to) {
            return Err(status_error(
                &format!("不能从“{}”改为“{}”", status_zh(from), status_zh(to)),
                &format!("cannot go from {from} to {to}"),
            ));
        }
    }
    if status_change.is_none() && find("referred_to").is_none() {
        return Ok(());
    }
    let status = status_change.map(|c| &c.value).or(cur.value("status")).and_then(Value::as_str);
    let referred_to =
        find("referred_to").map(|c| &c.value).or(cur.value("referred_to")).and_then(Value::as_str).unwrap_or_default();
    if status == Some(case_status::REFERRED) && referred_to.trim().is_empty() {
        return Err(status_error("转交时须填写转交单位", "referred requires a non-empty referred_to"));
    }
    Ok(())
}

/// Rules on a record's whole resulting state (beyond single fields).
fn check_state(record: &RecordState) -> Result<(), RejectReason> {
    match record.kind {
        RecordKind::Mediation => schema::check_mediation(|k| record.value(k)),
        _ => Ok(()),
    }
}

pub(super) fn update(
    caller: &Caller,
    op: &Op,
    changes: &[FieldChange],
    current: Option<&RecordState>,
    revs: &mut impl RevAllocator,
) -> Result<Effect, RejectReason> {
    if op.kind.is_append_only() {
        return Err(RejectReason::new(RejectCode::AppendOnly));
    }
    let cur = current.ok_or_else(|| RejectReason::new(RejectCode::NotFound))?;
    check_target(op, cur)?;
    auth::may_update(caller, cur)?;
    if cur.deleted {
        return Err(RejectReason::new(RejectCode::Deleted));
    }
    if changes.is_empty() {
        return Err(RejectReason::new(RejectCode::EmptyUpdate));
    }
    let mut seen = BTreeSet::new();
    for ch in changes {
        if !seen.insert(ch.field.as_str()) {
            return Err(
                RejectReason::new(RejectCode::Malformed).detail("同一字段重复修改", "field changed twice in one op")
            );
        }
        schema::validate_change(op.kind, &ch.field, &ch.value)?;
        if !ch.resolves.is_empty() && !caller.can_resolve_conflicts() {
            return Err(RejectReason::new(RejectCode::Forbidden));
        }
    }

    let mut applied: Vec<&FieldChange> = Vec::new();
    let mut conflicts = Vec::new();
    let mut resolved = Vec::new();
    for ch in changes {
        let stored = cur.fields.get(&ch.field);
        match stored {
            Some(s) if unseen_by(s, ch.base_rev, op) => {
                if s.value != ch.value {
                    conflicts.push(Conflict {
                        id: derived_uuid(&[b"conflict", op.op_id.as_bytes(), ch.field.as_bytes()]),
                        station_id: cur.station_id,
                        kind: cur.kind,
                        record_id: cur.id,
                        field: ch.field.clone(),
                        stored: s.clone(),
                        incoming_value: ch.value.clone(),
                        incoming_base_rev: ch.base_rev,
                        incoming_author: op.author,
                        incoming_hlc: op.hlc,
                        incoming_device: op.device_id,
                        op_id: op.op_id,
                    });
                }
                // Same value concurrently: both agree, nothing to keep twice.
            }
            _ => {
                let now = stored.map_or(&Value::Null, |s| &s.value);
                if *now != ch.value {
                    applied.push(ch);
                }
                resolved.extend(ch.resolves.iter().map(|id| ResolvedConflict {
                    conflict_id: *id,
                    record_id: cur.id,
                    field: ch.field.clone(),
                    resolved_by: caller.user_id,
                    op_id: op.op_id,
                }));
            }
        }
    }
    if cur.kind == RecordKind::Case {
        check_case_status(caller, cur, &applied)?;
    }

    let mut record = None;
    let mut rev = cur.rev;
    if !applied.is_empty() {
        rev = revs.next_rev();
        let mut next = cur.clone();
        for ch in &applied {
            next.fields.insert(ch.field.clone(), field_state(op, ch.value.clone(), rev));
        }
        next.rev = rev;
        next.recompute_handlers();
        check_state(&next)?;
        record = Some(next);
    }
    let outcome = if conflicts.is_empty() {
        Outcome::Applied { rev }
    } else {
        Outcome::Conflict {
            rev,
            conflicts: conflicts.iter().map(|c| ConflictRef { id: c.id, field: c.field.clone() }).collect(),
        }
    };
    Ok(Effect { record, conflicts, resolved, outcome })
}

pub(super) fn delete(
    caller: &Caller,
    op: &Op,
    base_rev: u64,
    current: Option<&RecordState>,
    revs: &mut impl RevAllocator,
) -> Result<Effect, RejectReason> {
    let cur = current.ok_or_else(|| RejectReason::new(RejectCode::NotFound))?;
    check_target(op, cur)?;
    auth::may_delete(caller, cur)?;
    if cur.deleted {
        return Ok(unchanged(Outcome::Applied { rev: cur.rev }));
    }
    // Deleting what others changed after you last looked would hide their
    // work: refuse, the envoy syncs and decides again.
    if cur.fields.values().any(|s| unseen_by(s, base_rev, op)) {
        return Err(RejectReason::new(RejectCode::StaleDelete));
    }
    let rev = revs.next_rev();
    let mut next = cur.clone();
    next.deleted = true;
    next.rev = rev;
    Ok(Effect { record: Some(next), conflicts: Vec::new(), resolved: Vec::new(), outcome: Outcome::Applied { rev } })
}

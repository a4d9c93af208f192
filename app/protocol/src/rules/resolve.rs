//! Staff resolution of a conflict.
//!
//! A resolution is an ordinary update op on the conflicted field, based on
//! the field's *current* revision (so it never conflicts unless someone
//! changed the field again meanwhile) and listing the conflict it resolves.
//! The server runs it through `decide` like any op; the new value reaches the
//! phones through pull, and `Decision::resolved_conflicts` closes the entry.

use uuid::Uuid;

use super::{Caller, Conflict};
use crate::hlc::Hlc;
use crate::op::{FieldChange, Op, OpBody};
use crate::reason::{RejectCode, RejectReason};
use crate::record::{FieldValue, RecordState};

/// What the staff member chose.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// Keep what is stored now.
    KeepStored,
    /// Take the value from the conflicting edit.
    TakeIncoming,
    /// A new value combining both (e.g. merged text).
    Merged(FieldValue),
}

/// Build the update op for a staff resolution of `conflict` on `current`.
pub fn resolve_conflict(
    staff: &Caller,
    current: &RecordState,
    conflict: &Conflict,
    resolution: Resolution,
    op_id: Uuid,
    device_id: Uuid,
    hlc: Hlc,
) -> Result<Op, RejectReason> {
    if !staff.can_resolve_conflicts() {
        return Err(RejectReason::new(RejectCode::Forbidden));
    }
    if conflict.record_id != current.id || conflict.kind != current.kind {
        return Err(RejectReason::new(RejectCode::Malformed)
            .detail("冲突与记录不对应", "conflict does not belong to this record"));
    }
    let value = match resolution {
        Resolution::KeepStored => current.value(&conflict.field).cloned().unwrap_or(FieldValue::Null),
        Resolution::TakeIncoming => conflict.incoming_value.clone(),
        Resolution::Merged(v) => v,
    };
    Ok(Op {
        op_id,
        device_id,
        author: staff.user_id,
        station_id: current.station_id,
        kind: current.kind,
        record_id: current.id,
        hlc,
        body: OpBody::Update {
            changes: vec![FieldChange {
                field: conflict.field.clone(),
                base_rev: current.field_rev(&conflict.field),
                value,
                resolves: vec![conflict.id],
            }],
        },
    })
}

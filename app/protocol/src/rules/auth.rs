//! Who may do what, where.
//!
//! * Admin: anything, any station.
//! * Staff: anything on records of their own station.
//! * Envoy: creates in their own station; updates non-case records of their
//!   station; updates a case only if they handle it (created it or are in
//!   `assignees`), which also works for a case of another station they were
//!   assigned to; deletes only records they created, never cases (a case is
//!   closed through its status, not deleted).

use uuid::Uuid;

use super::{Caller, Role};
use crate::op::Op;
use crate::reason::{RejectCode, RejectReason};
use crate::record::{RecordKind, RecordState};

fn home(caller: &Caller) -> Result<Uuid, RejectReason> {
    caller.station_id.ok_or_else(|| RejectReason::new(RejectCode::Forbidden))
}

fn same_station(caller: &Caller, station: Uuid) -> Result<(), RejectReason> {
    if home(caller)? == station {
        Ok(())
    } else {
        Err(RejectReason::new(RejectCode::WrongStation))
    }
}

pub(super) fn may_create(caller: &Caller, op: &Op) -> Result<(), RejectReason> {
    match caller.role {
        Role::Admin => Ok(()),
        Role::Staff | Role::Envoy => same_station(caller, op.station_id),
    }
}

/// True if the user handles the case.
pub(super) fn handles(user: Uuid, record: &RecordState) -> bool {
    record.kind == RecordKind::Case && record.handlers.contains(&user)
}

pub(super) fn may_update(caller: &Caller, record: &RecordState) -> Result<(), RejectReason> {
    match caller.role {
        Role::Admin => Ok(()),
        Role::Staff => same_station(caller, record.station_id),
        Role::Envoy if record.kind == RecordKind::Case => {
            home(caller)?;
            if handles(caller.user_id, record) {
                Ok(())
            } else if caller.station_id == Some(record.station_id) {
                Err(RejectReason::new(RejectCode::NotHandler))
            } else {
                Err(RejectReason::new(RejectCode::WrongStation))
            }
        }
        Role::Envoy => same_station(caller, record.station_id),
    }
}

pub(super) fn may_delete(caller: &Caller, record: &RecordState) -> Result<(), RejectReason> {
    match caller.role {
        Role::Admin => Ok(()),
        Role::Staff => same_station(caller, record.station_id),
        Role::Envoy => {
            same_station(caller, record.station_id)?;
            if record.kind == RecordKind::Case || record.created_by != caller.user_id {
                Err(RejectReason::new(RejectCode::Forbidden))
            } else {
                Ok(())
            }
        }
    }
}

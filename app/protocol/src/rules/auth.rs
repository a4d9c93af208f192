//! Who may do what, where.
//!
//! * Admin: anything, any station.
//! * Staff: anything on records of their own station.
//! * Envoy: creates in their own station; updates records of their station
//!   without handlers; updates a case or mediation only if they handle it
//!   (created it or are in `assignees` / `mediator_ids`), which also works
//!   for one of another station they were assigned to; deletes only records
//!   they created, never cases or mediations (those are closed through their
//!   status, not deleted).

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

/// True if the user handles the case or mediation record.
pub(super) fn handles(user: Uuid, record: &RecordState) -> bool {
    record.kind.has_handlers() && record.handlers.contains(&user)
}

pub(super) fn may_update(caller: &Caller, record: &RecordState) -> Result<(), RejectReason> {
    match caller.role {
        Role::Admin => Ok(()),
        Role::Staff => same_station(caller, record.station_id),
        Role::Envoy if record.kind.has_handlers() => {
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
            let closed_by_status = matches!(record.kind, RecordKind::Case | RecordKind::Mediation);
            if closed_by_status || record.created_by != caller.user_id {
                Err(RejectReason::new(RejectCode::Forbidden))
            } else {
                Ok(())
            }
        }
    }
}

//! The station desk's mediations (人民调解) and their agreements, to print.
//!
//! Staff of the station (and admins) see the station's mediation records,
//! which phones only give to the mediators. Opening an agreement — the
//! parties' names, what they agreed, their signatures — is audited.

use super::display;
use crate::{
    auth::{authorize, Action, Principal},
    error::{ApiError, ApiResult},
    AppState,
};
use std::collections::HashMap;
use uuid::Uuid;
use yinling_app::{
    model::{AgreementDoc, MediationRow, StationMediations},
    pages::field_mediation::agreement_of,
};
use yinling_protocol::{schema, RecordKind, RecordState};

/// How many mediations the desk lists (newest first).
const LIST_LIMIT: u32 = 200;

/// When the record was last written (its newest field), station time.
fn updated(record: &RecordState) -> String {
    let newest = record.fields.values().map(|f| f.hlc.wall_ms).max();
    display::time(newest.and_then(|ms| i64::try_from(ms).ok()))
}

fn station_time(ms: i64) -> String {
    display::time(Some(ms))
}

pub async fn list(
    state: &AppState,
    who: Option<&Principal>,
    station_id: Option<String>,
) -> ApiResult<StationMediations> {
    let id = crate::auth::station_asked(who, station_id)?;
    authorize(who, Action::ViewMediations, Some(&id))?;
    let station = state.store.station(&id).await?.ok_or_else(ApiError::not_found)?;
    let station_uuid = Uuid::parse_str(&id).map_err(|_| ApiError::not_found())?;
    let mediations: Vec<RecordState> = state
        .store
        .records_of_kind(station_uuid, RecordKind::Mediation, LIST_LIMIT)
        .await?
        .into_iter()
        .filter(|m| !m.deleted)
        .collect();
    // Their cases' titles, in one read.
    let case_ids: Vec<Uuid> =
        mediations.iter().filter_map(|m| m.str_value("case_id").and_then(|c| Uuid::parse_str(c).ok())).collect();
    let titles: HashMap<String, String> = state
        .store
        .records(&case_ids)
        .await?
        .into_iter()
        .map(|c| (c.id.to_string(), c.str_value("title").unwrap_or_default().to_string()))
        .collect();
    let mut rows = Vec::new();
    for m in mediations {
        let status = m.str_value("status").unwrap_or(schema::mediation_status::MEDIATING);
        let doc = agreement_of(&m, String::new(), &station_time);
        rows.push(MediationRow {
            id: m.id.to_string(),
            case_title: m.str_value("case_id").and_then(|c| titles.get(c)).cloned().unwrap_or_default(),
            status: schema::choice(RecordKind::Mediation, "status", status).map_or(status, |c| c.zh).to_string(),
            parties: doc.parties.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join("、"),
            updated: updated(&m),
            has_agreement: status == schema::mediation_status::SUCCEEDED && !doc.terms.is_empty(),
        });
    }
    Ok(StationMediations { station_id: station.id, station_name: station.name, rows })
}

/// One mediation's agreement; the opening is in the audit trail.
pub async fn agreement(state: &AppState, who: Option<&Principal>, mediation_id: &str) -> ApiResult<AgreementDoc> {
    if who.is_none() {
        return Err(ApiError::unauthenticated());
    }
    let id = Uuid::parse_str(mediation_id).map_err(|_| ApiError::not_found())?;
    let record = state
        .store
        .record(id)
        .await?
        .filter(|r| r.kind == RecordKind::Mediation && !r.deleted)
        .ok_or_else(ApiError::not_found)?;
    let station_id = record.station_id.to_string();
    authorize(who, Action::ViewMediations, Some(&station_id))?;
    if record.str_value("status") != Some(schema::mediation_status::SUCCEEDED) {
        return Err(ApiError::not_found());
    }
    let station = state.store.station(&station_id).await?.map(|s| s.name).unwrap_or_default();
    let doc = agreement_of(&record, station, &station_time);
    let parties = doc.parties.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join("、");
    crate::audit::record(state, who, Some(&station_id), "view_agreement", "mediation", mediation_id, parties).await?;
    Ok(doc)
}

//! What the pages and the REST routes both ask for, checked by the policy once.

use crate::{
    auth::{authorize, Action, Principal},
    error::{ApiError, ApiResult},
    storage::UserRow,
    AppState,
};
use yinling_app::model::{mask_phone, CountyStationRow, Me, Role, RosterEntry, StationHome};

pub async fn me(state: &AppState, who: Option<&Principal>) -> ApiResult<Me> {
    let p = who.ok_or_else(ApiError::unauthenticated)?;
    let station_name = match &p.user.station_id {
        Some(id) => state.store.station(id).await?.map(|s| s.name),
        None => None,
    };
    Ok(Me {
        id: p.user.id.clone(),
        name: p.user.name.clone(),
        role: p.user.role,
        phone_masked: mask_phone(&p.user.phone),
        station_id: p.user.station_id.clone(),
        station_name,
    })
}

fn roster_entry(u: UserRow) -> RosterEntry {
    RosterEntry {
        phone_masked: mask_phone(&u.phone),
        id: u.id,
        name: u.name,
        role: u.role,
        former_field: u.former_field,
        specialties: u.specialties,
        active: u.active,
    }
}

/// `station_id: None` means the caller's own station.
pub async fn station_home(
    state: &AppState,
    who: Option<&Principal>,
    station_id: Option<String>,
) -> ApiResult<StationHome> {
    let id = crate::auth::station_asked(who, station_id)?;
    authorize(who, Action::ViewStation, Some(&id))?;
    let station = state.store.station(&id).await?.ok_or_else(ApiError::not_found)?;
    let roster = state.store.station_users(&id).await?.into_iter().map(roster_entry).collect();
    Ok(StationHome { station: station.info(), roster })
}

pub async fn county(state: &AppState, who: Option<&Principal>) -> ApiResult<Vec<CountyStationRow>> {
    authorize(who, Action::ViewCounty, None)?;
    let mut rows = Vec::new();
    for s in state.store.stations().await? {
        let users = state.store.station_users(&s.id).await?;
        let count = |r: Role| users.iter().filter(|u| u.role == r && u.active).count() as u32;
        rows.push(CountyStationRow { envoys: count(Role::Envoy), staff: count(Role::Staff), station: s.info() });
    }
    Ok(rows)
}

/// Deactivate or reactivate a station member; deactivation ends every session of theirs.
pub async fn set_member_active(
    state: &AppState,
    who: Option<&Principal>,
    user_id: &str,
    active: bool,
) -> ApiResult<()> {
    if who.is_none() {
        return Err(ApiError::unauthenticated());
    }
    let target = state.store.user_by_id(user_id).await?.ok_or_else(ApiError::not_found)?;
    let Some(station) = target.station_id.as_deref() else {
        // County administrators are managed outside the app.
        return Err(ApiError::forbidden());
    };
    authorize(who, Action::ManageMembers, Some(station))?;
    let caller = who.map(|p| p.user.role);
    if target.role != Role::Envoy && caller != Some(Role::Admin) {
        return Err(ApiError::forbidden());
    }
    state.store.set_user_active(user_id, active).await?;
    let ended = if active { 0 } else { state.store.delete_user_sessions(user_id).await? };
    let action = if active { "user.reactivate" } else { "user.deactivate" };
    crate::audit::record(state, who, Some(station), action, "user", user_id, format!("sessions ended: {ended}"))
        .await?;
    Ok(())
}

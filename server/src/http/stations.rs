//! A station's profile, address book and audit trail; the county's list.

use crate::{
    auth::{authorize, principal::MaybePrincipal, Action},
    error::{ApiError, ApiResult},
    service,
    storage::{AddressBook, AuditEntry},
    AppState,
};
use axum::{
    extract::{Path, State},
    Json,
};
use tracing::instrument;
use yinling_app::model::{CountyStationRow, StationHome};

#[instrument(skip_all, err(Debug))]
pub async fn station(
    State(state): State<AppState>,
    MaybePrincipal(who): MaybePrincipal,
    Path(id): Path<String>,
) -> ApiResult<Json<StationHome>> {
    service::station_home(&state, who.as_ref(), Some(id)).await.map(Json)
}

#[instrument(skip_all, err(Debug))]
pub async fn address_book(
    State(state): State<AppState>,
    MaybePrincipal(who): MaybePrincipal,
    Path(id): Path<String>,
) -> ApiResult<Json<AddressBook>> {
    authorize(who.as_ref(), Action::ViewAddressBook, Some(&id))?;
    state.store.station(&id).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(state.store.address_book(&id).await?))
}

#[instrument(skip_all, err(Debug))]
pub async fn audit(
    State(state): State<AppState>,
    MaybePrincipal(who): MaybePrincipal,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    authorize(who.as_ref(), Action::ViewAudit, Some(&id))?;
    Ok(Json(state.store.audit_entries(Some(&id), 200).await?))
}

#[instrument(skip_all, err(Debug))]
pub async fn county(
    State(state): State<AppState>,
    MaybePrincipal(who): MaybePrincipal,
) -> ApiResult<Json<Vec<CountyStationRow>>> {
    service::county(&state, who.as_ref()).await.map(Json)
}

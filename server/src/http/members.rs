//! Deactivating and reactivating station members (staff for their envoys,
//! the county for anyone). A deactivated user's sessions end at once.

use crate::{auth::principal::MaybePrincipal, service, AppState};
use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use tracing::instrument;

async fn set_active(state: AppState, who: MaybePrincipal, id: String, headers: HeaderMap, active: bool) -> Response {
    match service::set_member_active(&state, who.0.as_ref(), &id, active).await {
        Err(e) => e.into_response(),
        Ok(()) => {
            if super::wants_html(&headers) {
                Redirect::to(&super::referer_path(&headers, "/station")).into_response()
            } else {
                StatusCode::NO_CONTENT.into_response()
            }
        }
    }
}

#[instrument(skip_all)]
pub async fn deactivate(
    State(state): State<AppState>,
    who: MaybePrincipal,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    set_active(state, who, id, headers, false).await
}

#[instrument(skip_all)]
pub async fn reactivate(
    State(state): State<AppState>,
    who: MaybePrincipal,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    set_active(state, who, id, headers, true).await
}

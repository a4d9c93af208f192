//! Sync endpoints for phones and the staff review queue's actions.
//! Phones speak JSON; the review page posts plain forms and is sent back.

use super::encoding::{accepts_gzip, JsonBody};
use crate::{
    auth::principal::MaybePrincipal,
    sync::{self, resolve::ResolveForm},
    AppState,
};
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Form, Json,
};
use std::collections::HashMap;
use tracing::instrument;
use yinling_app::model::SyncQueue;

/// A push reply is ~80 bytes per op. Below about one initial TCP window
/// (10 segments) compressing it saves a phone no round trip, and streaming
/// it through brotli cost ~4% of a push's server CPU; a reply to a big
/// batch is gzipped whole.
const GZIP_PUSH_REPLY_FROM: usize = 14 * 1024;

#[instrument(skip_all)]
pub async fn push(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match sync::push::push(&state, &headers, &body).await {
        Ok(r) => match serde_json::to_vec(&r) {
            Ok(json) => JsonBody::encode(json, accepts_gzip(&headers), GZIP_PUSH_REPLY_FROM).into_response(),
            Err(e) => crate::error::ApiError::internal(e).into_response(),
        },
        Err(e) => e.into_response(),
    }
}

#[instrument(skip_all)]
pub async fn pull(
    State(state): State<AppState>,
    MaybePrincipal(who): MaybePrincipal,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // A page (up to ~0.6 MB of JSON) is gzipped in one go and sent with its
    // length: cheaper for both ends than the streaming compression layer,
    // whose 4 KB chunks a phone's (or Node's) HTTP stack handles one by one.
    // Phones on 4G still get it compressed.
    match sync::pull::pull(&state, who.as_ref(), &body, accepts_gzip(&headers)).await {
        Ok(page) => page.body.into_response(),
        Err(e) => e.into_response(),
    }
}

#[instrument(skip_all)]
pub async fn queue(
    State(state): State<AppState>,
    MaybePrincipal(who): MaybePrincipal,
    Path(station): Path<String>,
) -> Result<Json<SyncQueue>, crate::error::ApiError> {
    sync::queue::queue(&state, who.as_ref(), Some(station)).await.map(Json)
}

/// Back to the review page for a form post, 204 for a script.
fn done(headers: &HeaderMap, result: crate::error::ApiResult<()>) -> Response {
    match result {
        Err(e) => e.into_response(),
        Ok(()) if super::wants_html(headers) => {
            Redirect::to(&super::referer_path(headers, "/station/sync")).into_response()
        }
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
    }
}

#[instrument(skip_all)]
pub async fn resolve(
    State(state): State<AppState>,
    MaybePrincipal(who): MaybePrincipal,
    Path((station, conflict)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<ResolveForm>,
) -> Response {
    done(&headers, sync::resolve::resolve(&state, who.as_ref(), &station, &conflict, &form).await)
}

#[instrument(skip_all)]
pub async fn dismiss(
    State(state): State<AppState>,
    MaybePrincipal(who): MaybePrincipal,
    Path((station, op)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    done(&headers, sync::rejections::dismiss(&state, who.as_ref(), &station, &op).await)
}

/// Form fields `f.<field>` carry the corrected values.
#[instrument(skip_all)]
pub async fn fix(
    State(state): State<AppState>,
    MaybePrincipal(who): MaybePrincipal,
    Path((station, op)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let edits: HashMap<String, String> =
        form.into_iter().filter_map(|(k, v)| k.strip_prefix("f.").map(|f| (f.to_string(), v))).collect();
    done(&headers, sync::rejections::fix(&state, who.as_ref(), &station, &op, &edits).await)
}

/// `PUT /api/v1/photos/{id}`: the JPEG bytes of a synced photo record.
#[instrument(skip_all)]
pub async fn upload_photo(
    State(state): State<AppState>,
    MaybePrincipal(who): MaybePrincipal,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    match sync::photos::upload(&state, who.as_ref(), &id, &body).await {
        Ok(true) => StatusCode::CREATED.into_response(),
        Ok(false) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /api/v1/photos/{id}`: a photo the caller may see.
#[instrument(skip_all)]
pub async fn photo(
    State(state): State<AppState>,
    MaybePrincipal(who): MaybePrincipal,
    Path(id): Path<String>,
) -> Response {
    use axum::http::header;
    match sync::photos::download(&state, who.as_ref(), &id).await {
        Ok(bytes) => (
            [(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "private, max-age=31536000, immutable")],
            bytes,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

//! Sync endpoints for phones and the staff review queue's actions.
//! Phones speak JSON; the review page posts plain forms and is sent back.

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

#[instrument(skip_all)]
pub async fn push(State(state): State<AppState>, MaybePrincipal(who): MaybePrincipal, body: Bytes) -> Response {
    match sync::push::push(&state, who.as_ref(), &body).await {
        Ok(r) => Json(r).into_response(),
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
    use axum::http::header::{CONTENT_ENCODING, CONTENT_TYPE, VARY};
    // A page (up to ~0.6 MB of JSON) is gzipped in one go and sent with its
    // length: cheaper for both ends than the streaming compression layer,
    // whose 4 KB chunks a phone's (or Node's) HTTP stack handles one by one.
    // Phones on 4G still get it compressed.
    let page = match sync::pull::pull(&state, who.as_ref(), &body, accepts_gzip(&headers)).await {
        Ok(page) => page,
        Err(e) => return e.into_response(),
    };
    let json = [(CONTENT_TYPE, "application/json"), (VARY, "accept-encoding")];
    if page.gzipped {
        (json, [(CONTENT_ENCODING, "gzip")], page.bytes).into_response()
    } else {
        (json, page.bytes).into_response()
    }
}

/// True if the request's `Accept-Encoding` allows gzip (`gzip` or `x-gzip`
/// without `q=0`; `*` counts too).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(axum::http::header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default().to_ascii_lowercase();
            let refused = parts
                .any(|p| p.strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()).is_some_and(|q| q <= 0.0));
            matches!(coding.as_str(), "gzip" | "x-gzip" | "*") && !refused
        })
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn with(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(axum::http::header::ACCEPT_ENCODING, accept.parse().unwrap());
        h
    }

    #[test]
    fn gzip_is_sent_only_where_accepted_and_decodes_back() {
        assert!(accepts_gzip(&with("gzip, deflate")));
        assert!(accepts_gzip(&with("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&with("*")));
        assert!(!accepts_gzip(&with("gzip;q=0, br")));
        assert!(!accepts_gzip(&with("br, zstd")));
        assert!(!accepts_gzip(&HeaderMap::new()));
        let page = "{\"changes\":[],\"next_cursor\":0,\"has_more\":false}".repeat(50);
        let gz = sync::pull::gzip_bytes(page.as_bytes()).unwrap();
        assert!(gz.len() < page.len() / 4);
        let mut back = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut back).unwrap();
        assert_eq!(back, page);
    }
}

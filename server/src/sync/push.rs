//! `POST /api/v1/sync/push`: a phone's batch of outbox ops → one result per op.

use super::caller_of;
use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    storage::PushBatch,
    AppState,
};
use axum::http::HeaderMap;
use yinling_protocol::{wire::parse_push, PushResponse};

/// A push from the phone signed in with the session cookie in `headers`.
///
/// The session is looked up on SQLite's (or PostgreSQL's) side while this
/// thread parses the batch; who is asking is still settled before anything
/// about the batch is answered or done.
pub async fn push(state: &AppState, headers: &HeaderMap, body: &[u8]) -> ApiResult<PushResponse> {
    let (who, parsed) = tokio::join!(biased; Principal::from_headers(state, headers), async { parse_push(body) });
    let p = who.ok_or_else(ApiError::unauthenticated)?;
    let caller = caller_of(&p)?;
    let parsed = parsed?;
    let req = &parsed.request;
    let sent = (req.ops.len() + parsed.unreadable.len()) as u32;
    let batch = PushBatch {
        caller: &caller,
        device_id: req.device_id,
        app_version: &req.app_version,
        pending_after: req.pending_count.saturating_sub(sent),
        ops: &req.ops,
        now_ms: super::now_ms(),
        queue_rejections: true,
    };
    state.pull_ahead.forget(caller.user_id, req.device_id);
    let decided = state.store.push(&batch, None).await?;
    Ok(PushResponse { results: parsed.merge_results(decided) })
}

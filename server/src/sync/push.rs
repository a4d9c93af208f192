//! `POST /api/v1/sync/push`: a phone's batch of outbox ops → one result per op.

use super::caller_of;
use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    storage::PushBatch,
    AppState,
};
use yinling_protocol::{wire::parse_push, PushResponse};

pub async fn push(state: &AppState, who: Option<&Principal>, body: &[u8]) -> ApiResult<PushResponse> {
    let p = who.ok_or_else(ApiError::unauthenticated)?;
    let caller = caller_of(p)?;
    let parsed = parse_push(body)?;
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

//! `POST /api/v1/sync/pull`: the changes a phone may see since its cursor.

use super::caller_of;
use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    storage::PullPage,
    AppState,
};
use yinling_protocol::{wire::check_pull, ProtocolError, PullRequest};

pub async fn pull(state: &AppState, who: Option<&Principal>, body: &[u8]) -> ApiResult<PullPage> {
    let p = who.ok_or_else(ApiError::unauthenticated)?;
    let caller = caller_of(p)?;
    let req: PullRequest =
        serde_json::from_slice(body).map_err(|e| ProtocolError::Malformed { detail: e.to_string() })?;
    let limit = check_pull(&req)?;
    Ok(state.store.pull(&caller, req.device_id, req.cursor, limit, super::now_ms()).await?)
}

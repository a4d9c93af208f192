//! Sync, the server's side: push and pull for phones, and the station's
//! review queue (同步队列) for staff. The rules live in `yinling_protocol`;
//! this module turns sessions into callers, runs ops through storage and
//! renders the queue. One file per action.

pub mod display;
pub mod mediations;
pub mod photos;
pub mod pull;
pub mod push;
pub mod queue;
pub mod rejections;
pub mod resolve;

use crate::{
    auth::{authorize, Action, Principal},
    error::{ApiError, ApiResult},
};
use uuid::Uuid;
use yinling_app::model::Role as AppRole;
use yinling_protocol::{Caller, Role};

/// The protocol's view of the signed-in user (never taken from the op).
pub fn caller_of(p: &Principal) -> ApiResult<Caller> {
    let user_id = Uuid::parse_str(&p.user.id).map_err(ApiError::internal)?;
    let station_id = p.user.station_id.as_deref().map(Uuid::parse_str).transpose().map_err(ApiError::internal)?;
    let role = match p.user.role {
        AppRole::Envoy => Role::Envoy,
        AppRole::Staff => Role::Staff,
        AppRole::Admin => Role::Admin,
    };
    Ok(Caller { user_id, role, station_id })
}

/// The staff member allowed to work on `station_id`'s review queue.
pub fn reviewer<'a>(who: Option<&'a Principal>, station_id: &str) -> ApiResult<&'a Principal> {
    authorize(who, Action::ReviewSync, Some(station_id))?;
    who.ok_or_else(ApiError::unauthenticated)
}

/// The device id a staff member's desk uses for the ops it makes
/// (resolutions, fixes): stable per user, so the HLC node is too.
pub fn desk_device(user_id: Uuid) -> Uuid {
    Uuid::from_u128(user_id.as_u128() ^ 0x6465_736b_0000_0000_0000_0000_0000_0000)
}

/// `app_version` the staff desk reports; devices with it are not phones.
pub const DESK_VERSION: &str = "staff-desk";

/// The desk's HLC stamp for an op made now (staff have no phone clock).
pub fn desk_hlc(device: Uuid, now: i64) -> yinling_protocol::Hlc {
    yinling_protocol::Hlc { wall_ms: now as u64, counter: 0, node: yinling_protocol::hlc::node_id(device) }
}

/// Run one op made at a staff member's desk through the same push path as a
/// phone's (refusals are answered at once, not queued for review); `audit`
/// commits with it.
pub async fn desk_push(
    state: &crate::AppState,
    caller: &Caller,
    op: &yinling_protocol::Op,
    audit: Option<&crate::storage::AuditEntry>,
) -> ApiResult<yinling_protocol::OpResult> {
    let batch = crate::storage::PushBatch {
        caller,
        device_id: op.device_id,
        app_version: DESK_VERSION,
        pending_after: 0,
        ops: std::slice::from_ref(op),
        now_ms: now_ms(),
        queue_rejections: false,
    };
    state.store.push(&batch, audit).await?.pop().ok_or_else(|| ApiError::internal("no result"))
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

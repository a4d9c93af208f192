//! Staff settle a conflict: keep the stored value, take the phone's, or type
//! a merged one. The choice becomes an ordinary update op through the same
//! push path as any phone's, so it reaches every phone by pull; the audit
//! entry commits in the same transaction.

use super::{caller_of, desk_device, desk_hlc, desk_push, now_ms, reviewer};
use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    storage::AuditEntry,
    AppState,
};
use uuid::Uuid;
use yinling_protocol::{
    rules::{resolve_conflict, Resolution},
    schema, FieldValue, Outcome,
};

/// What the staff member picked on the review page.
#[derive(Debug, serde::Deserialize)]
pub struct ResolveForm {
    /// `stored`, `incoming` or `merged`.
    pub choice: String,
    #[serde(default)]
    pub merged: String,
}

pub async fn resolve(
    state: &AppState,
    who: Option<&Principal>,
    station_id: &str,
    conflict_id: &str,
    form: &ResolveForm,
) -> ApiResult<()> {
    let p = reviewer(who, station_id)?;
    let id = Uuid::parse_str(conflict_id).map_err(|_| ApiError::not_found())?;
    let row = state.store.conflict(id).await?.ok_or_else(ApiError::not_found)?;
    let conflict = row.conflict;
    if conflict.station_id.to_string() != station_id {
        return Err(ApiError::not_found());
    }
    if row.resolved_at.is_some() {
        return Err(ApiError::bad("这条冲突已经处理过了。", "This conflict has already been resolved."));
    }
    let current = state.store.record(conflict.record_id).await?.ok_or_else(ApiError::not_found)?;
    let resolution = match form.choice.as_str() {
        "stored" => Resolution::KeepStored,
        "incoming" => Resolution::TakeIncoming,
        "merged" => {
            let text = form.merged.trim();
            if text.is_empty() {
                return Err(ApiError::bad("请填写合并后的内容。", "Enter the merged value."));
            }
            let v = FieldValue::String(text.to_string());
            schema::validate_change(conflict.kind, &conflict.field, &v).map_err(|r| ApiError::bad(r.zh, r.en))?;
            Resolution::Merged(v)
        }
        _ => return Err(ApiError::bad("请选择保留哪一个值。", "Choose which value to keep.")),
    };
    let caller = caller_of(p)?;
    let device = desk_device(caller.user_id);
    let now = now_ms();
    let hlc = desk_hlc(device, now);
    let op = resolve_conflict(&caller, &current, &conflict, resolution, Uuid::now_v7(), device, hlc)
        .map_err(|r| ApiError::bad(r.zh, r.en))?;
    let audit = AuditEntry {
        id: Uuid::now_v7().to_string(),
        at_ms: now,
        actor_id: Some(p.user.id.clone()),
        station_id: Some(station_id.to_string()),
        action: "sync.conflict.resolve".into(),
        object_kind: "conflict".into(),
        object_id: conflict.id.to_string(),
        detail: format!("record={} field={} choice={}", conflict.record_id, conflict.field, form.choice),
    };
    let result = desk_push(state, &caller, &op, Some(&audit)).await?;
    match result.outcome {
        Outcome::Applied { .. } => Ok(()),
        Outcome::Conflict { .. } => Err(ApiError::bad(
            "就在刚才，这一项又被修改了，已列入待处理冲突，请刷新后重新选择。",
            "The field changed again meanwhile; it is queued as a new conflict. Reload and choose again.",
        )),
        Outcome::Rejected { reason } => Err(ApiError::bad(reason.zh, reason.en)),
        Outcome::Duplicate { .. } => Ok(()),
    }
}

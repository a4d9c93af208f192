//! The audit trail: who looked at or changed what, and when. Written for
//! every view of unmasked personal data, every export and every account change.

use crate::{auth::Principal, storage::AuditEntry, AppState};

pub async fn record(
    state: &AppState,
    actor: Option<&Principal>,
    station_id: Option<&str>,
    action: &str,
    object_kind: &str,
    object_id: &str,
    detail: impl Into<String>,
) -> Result<(), crate::storage::StoreError> {
    let entry = AuditEntry {
        id: uuid::Uuid::now_v7().to_string(),
        at_ms: chrono::Utc::now().timestamp_millis(),
        actor_id: actor.map(|p| p.user.id.clone()),
        station_id: station_id.map(str::to_string),
        action: action.to_string(),
        object_kind: object_kind.to_string(),
        object_id: object_id.to_string(),
        detail: detail.into(),
    };
    state.store.audit(&entry).await
}

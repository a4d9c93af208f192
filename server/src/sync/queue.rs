//! The station's review queue (同步队列) as the staff page shows it.

use super::{display, reviewer, DESK_VERSION};
use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    AppState,
};
use yinling_app::model::{ConflictSide, ConflictView, DeviceView, RejectionView, SyncQueue};
use yinling_protocol::OpBody;

pub async fn queue(state: &AppState, who: Option<&Principal>, station_id: Option<String>) -> ApiResult<SyncQueue> {
    let id = crate::auth::station_asked(who, station_id)?;
    reviewer(who, &id)?;
    let station = state.store.station(&id).await?.ok_or_else(ApiError::not_found)?;
    let names: display::Names =
        state.store.station_users(&id).await?.into_iter().map(|u| (u.id.clone(), u.name)).collect();

    let devices = state
        .store
        .devices(&id)
        .await?
        .into_iter()
        .filter(|d| d.app_version != DESK_VERSION)
        .map(|d| DeviceView {
            user_name: display::name(&names, &d.user_id),
            device_short: d.device_id.chars().take(8).collect(),
            app_version: d.app_version,
            last_seen: display::time(Some(d.last_seen)),
            last_push: display::time(d.last_push),
            pending: d.pending_count,
            ops_received: d.ops_received,
        })
        .collect();

    let mut conflicts = Vec::new();
    for row in state.store.open_conflicts(&id).await? {
        let c = row.conflict;
        let record = state.store.record(c.record_id).await?;
        conflicts.push(ConflictView {
            id: c.id.to_string(),
            record_id: c.record_id.to_string(),
            record_label: display::record_label(c.kind, record.as_ref().and_then(|s| s.str_value("title"))),
            field_label: display::field_label(c.kind, &c.field),
            mergeable: display::is_text(c.kind, &c.field),
            stored: ConflictSide {
                value: display::value(c.kind, &c.field, &c.stored.value, &names),
                by: display::name(&names, &c.stored.author.to_string()),
                at: display::time(i64::try_from(c.stored.hlc.wall_ms).ok()),
            },
            incoming: ConflictSide {
                value: display::value(c.kind, &c.field, &c.incoming_value, &names),
                by: display::name(&names, &c.incoming_author.to_string()),
                at: display::time(i64::try_from(c.incoming_hlc.wall_ms).ok()),
            },
        });
    }

    let mut rejections = Vec::new();
    for r in state.store.open_rejections(&id).await? {
        let op = &r.op;
        let values: Vec<(String, yinling_protocol::FieldValue)> = match &op.body {
            OpBody::Create { fields } => fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            OpBody::Update { changes } => changes.iter().map(|c| (c.field.clone(), c.value.clone())).collect(),
            OpBody::Delete { .. } | OpBody::Unknown => Vec::new(),
        };
        let record = state.store.record(op.record_id).await?;
        rejections.push(RejectionView {
            op_id: op.op_id.to_string(),
            user_name: display::name(&names, &r.user_id),
            record_label: display::record_label(
                op.kind,
                record.as_ref().and_then(|s| s.str_value("title")).or_else(|| match &op.body {
                    OpBody::Create { fields } => fields.get("title").and_then(|v| v.as_str()),
                    _ => None,
                }),
            ),
            reason_zh: r.reason.zh.clone(),
            reason_en: r.reason.en.clone(),
            at: display::time(Some(r.created_at)),
            fields: values
                .iter()
                .map(|(k, v)| (display::field_label(op.kind, k), display::value(op.kind, k, v, &names)))
                .collect(),
            editable: values
                .iter()
                .map(|(k, v)| (k.clone(), display::field_label(op.kind, k), super::rejections::edit_text(v)))
                .collect(),
        });
    }

    Ok(SyncQueue { station_id: id, station_name: station.name, devices, conflicts, rejections })
}

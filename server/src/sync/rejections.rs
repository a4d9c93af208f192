//! Staff close a rejected record: dismiss it (the envoy re-enters it if it
//! matters), or fix the refused values and apply it again under their own
//! name through the normal push path.

use super::{caller_of, desk_device, desk_hlc, desk_push, now_ms, reviewer};
use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    storage::AuditEntry,
    AppState,
};
use std::collections::HashMap;
use uuid::Uuid;
use yinling_protocol::{
    schema::{self, FieldType},
    FieldChange, FieldValue, Op, OpBody, Outcome,
};

/// A value as the fix form shows it: plain text for strings, JSON otherwise.
pub fn edit_text(v: &FieldValue) -> String {
    match v {
        FieldValue::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The fix form's text back into a value of the field's type.
fn parse_edit(ty: Option<FieldType>, text: &str) -> Result<FieldValue, ApiError> {
    let text = text.trim();
    let stringy = matches!(
        ty,
        Some(
            FieldType::Text { .. }
                | FieldType::Choice(_)
                | FieldType::Id
                | FieldType::Date
                | FieldType::MobilePhone
                | FieldType::Sha256Hex
        )
    );
    if text.is_empty() {
        return Ok(FieldValue::Null);
    }
    if stringy {
        return Ok(FieldValue::String(text.to_string()));
    }
    serde_json::from_str(text)
        .map_err(|_| ApiError::bad("有一项的格式不对，请按原样式填写。", "A value is not in the expected format."))
}

async fn open_rejection(
    state: &AppState,
    station_id: &str,
    op_id: &str,
) -> ApiResult<(Uuid, crate::storage::RejectionRow)> {
    let id = Uuid::parse_str(op_id).map_err(|_| ApiError::not_found())?;
    let row = state.store.rejection(id).await?.ok_or_else(ApiError::not_found)?;
    if row.station_id != station_id {
        return Err(ApiError::not_found());
    }
    if row.closed_at.is_some() {
        return Err(ApiError::bad("这条记录已经处理过了。", "This record has already been handled."));
    }
    Ok((id, row))
}

fn audit(p: &Principal, station_id: &str, action: &str, op_id: Uuid, detail: String) -> AuditEntry {
    AuditEntry {
        id: Uuid::now_v7().to_string(),
        at_ms: now_ms(),
        actor_id: Some(p.user.id.clone()),
        station_id: Some(station_id.to_string()),
        action: action.into(),
        object_kind: "rejected_op".into(),
        object_id: op_id.to_string(),
        detail,
    }
}

pub async fn dismiss(state: &AppState, who: Option<&Principal>, station_id: &str, op_id: &str) -> ApiResult<()> {
    let p = reviewer(who, station_id)?;
    let (id, row) = open_rejection(state, station_id, op_id).await?;
    let entry = audit(p, station_id, "sync.rejection.dismiss", id, format!("reason={}", row.reason.en));
    if state.store.close_rejection(id, &p.user.id, "dismissed", now_ms(), &entry).await? {
        Ok(())
    } else {
        Err(ApiError::bad("这条记录已经处理过了。", "This record has already been handled."))
    }
}

/// Apply the refused op again with the values staff corrected (`field` →
/// text). The new op is the staff member's; the original stays on record.
pub async fn fix(
    state: &AppState,
    who: Option<&Principal>,
    station_id: &str,
    op_id: &str,
    edits: &HashMap<String, String>,
) -> ApiResult<()> {
    let p = reviewer(who, station_id)?;
    let (id, row) = open_rejection(state, station_id, op_id).await?;
    let orig = &row.op;
    let kind = orig.kind;
    let value_of = |field: &str, old: &FieldValue| -> ApiResult<FieldValue> {
        match edits.get(field) {
            Some(text) => parse_edit(schema::field(kind, field).map(|f| f.ty), text),
            None => Ok(old.clone()),
        }
    };
    let current = state.store.record(orig.record_id).await?;
    let body = match &orig.body {
        OpBody::Create { fields } => {
            let mut out = std::collections::BTreeMap::new();
            for (k, v) in fields {
                let v = value_of(k, v)?;
                if !v.is_null() {
                    out.insert(k.clone(), v);
                }
            }
            schema::validate_create(kind, &out).map_err(|r| ApiError::bad(r.zh, r.en))?;
            OpBody::Create { fields: out }
        }
        OpBody::Update { changes } => {
            let mut out = Vec::new();
            for c in changes {
                let v = value_of(&c.field, &c.value)?;
                schema::validate_change(kind, &c.field, &v).map_err(|r| ApiError::bad(r.zh, r.en))?;
                // Staff see the record as it is now: base the fix on it.
                let base = current.as_ref().map_or(0, |s| s.field_rev(&c.field));
                out.push(FieldChange::new(c.field.clone(), base, v));
            }
            OpBody::Update { changes: out }
        }
        OpBody::Delete { .. } | OpBody::Unknown => {
            return Err(ApiError::bad("这类记录不能在这里修正，只能忽略。", "This kind of op can only be dismissed."))
        }
    };
    let caller = caller_of(p)?;
    let device = desk_device(caller.user_id);
    let now = now_ms();
    let op = Op {
        op_id: Uuid::now_v7(),
        device_id: device,
        author: caller.user_id,
        station_id: orig.station_id,
        kind,
        record_id: orig.record_id,
        hlc: desk_hlc(device, now),
        body,
    };
    let result = desk_push(state, &caller, &op, None).await?;
    if let Outcome::Rejected { reason } = result.outcome.original() {
        return Err(ApiError::bad(reason.zh.clone(), reason.en.clone()));
    }
    let entry = audit(p, station_id, "sync.rejection.fix", id, format!("new_op={}", op.op_id));
    state.store.close_rejection(id, &p.user.id, "fixed", now, &entry).await?;
    Ok(())
}

//! How sync values read on the staff pages: Chinese labels for codes, names
//! for user ids, the station's local time for timestamps.

use chrono::{FixedOffset, TimeZone};
use std::collections::HashMap;
use yinling_protocol::{
    schema::{self, FieldType},
    FieldValue, RecordKind,
};

/// China Standard Time; every station is in it.
fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// `11-22 14:05` in the station's time; "—" when unknown.
pub fn time(ms: Option<i64>) -> String {
    match ms.and_then(|ms| cst().timestamp_millis_opt(ms).single()) {
        Some(t) => t.format("%m-%d %H:%M").to_string(),
        None => "—".into(),
    }
}

/// User id → name, for "who" columns.
pub type Names = HashMap<String, String>;

pub fn name(names: &Names, id: &str) -> String {
    names.get(id).cloned().unwrap_or_else(|| format!("用户 {}", id.get(..8).unwrap_or(id)))
}

/// A field value as a person reads it.
pub fn value(kind: RecordKind, field: &str, v: &FieldValue, names: &Names) -> String {
    match v {
        FieldValue::Null => "（空）".into(),
        FieldValue::Bool(b) => (if *b { "是" } else { "否" }).into(),
        FieldValue::String(s) => match schema::choice(kind, field, s) {
            Some(c) => c.zh.into(),
            None if matches!(spec_type(kind, field), Some(FieldType::Id)) => name_or_raw(names, s),
            None if matches!(spec_type(kind, field), Some(FieldType::MobilePhone)) => yinling_app::model::mask_phone(s),
            None => s.clone(),
        },
        FieldValue::Array(items) => items
            .iter()
            .map(|i| match i.as_str() {
                Some(s) => name_or_raw(names, s),
                None => i.to_string(),
            })
            .collect::<Vec<_>>()
            .join("、"),
        FieldValue::Number(n) if matches!(spec_type(kind, field), Some(FieldType::Timestamp)) => time(n.as_i64()),
        other => other.to_string(),
    }
}

fn name_or_raw(names: &Names, s: &str) -> String {
    names.get(s).cloned().unwrap_or_else(|| s.to_string())
}

pub fn spec_type(kind: RecordKind, field: &str) -> Option<FieldType> {
    schema::field(kind, field).map(|f| f.ty)
}

pub fn field_label(kind: RecordKind, field: &str) -> String {
    schema::field(kind, field).map_or_else(|| field.to_string(), |f| f.zh.to_string())
}

/// e.g. 事项「楼道堆物」, or 走访记录 for records without a title.
pub fn record_label(kind: RecordKind, title: Option<&str>) -> String {
    match title {
        Some(title) => format!("{}「{}」", kind.label_zh(), title),
        None => kind.label_zh().to_string(),
    }
}

/// Free-text fields, where staff may type a merged value.
pub fn is_text(kind: RecordKind, field: &str) -> bool {
    matches!(spec_type(kind, field), Some(FieldType::Text { .. }))
}

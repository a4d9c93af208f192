//! Per-kind field tables and value validation.
//!
//! The schema is data: one [`FieldSpec`] line per field in the tables below.
//! Enumerated values travel as ASCII snake_case codes (e.g. case status
//! `"in_progress"`), never as Chinese text; the Chinese label of a code comes
//! from [`choice`] (`choice(RecordKind::Case, "status", "in_progress")` →
//! 办理中). Codes are stable; labels may be reworded freely.
//!
//! Null clears an optional field. Text lengths count characters, not bytes.

use std::collections::BTreeMap;

use serde_json::Value;
use uuid::Uuid;

use crate::reason::{RejectCode, RejectReason};
use crate::record::{FieldValue, RecordKind};
use crate::validate::{char_len, is_date, is_mainland_mobile, is_sha256_hex};

/// Largest photo accepted (bytes of the JPEG).
pub const MAX_PHOTO_BYTES: i64 = 5 * 1024 * 1024;
/// Timestamps (ms since epoch) must be before 2200-01-01.
const MAX_TIMESTAMP_MS: i64 = 7_258_118_400_000;

/// One allowed value of an enumerated field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

const fn c(code: &'static str, zh: &'static str, en: &'static str) -> Choice {
    Choice { code, zh, en }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text {
        max_chars: usize,
    },
    Choice(&'static [Choice]),
    Bool,
    /// A uuid as a string.
    Id,
    /// An array of uuid strings.
    IdList {
        max_items: usize,
    },
    TextList {
        max_items: usize,
        max_chars: usize,
    },
    /// `YYYY-MM-DD`.
    Date,
    /// Integer milliseconds since the Unix epoch, as entered by the user (a
    /// fact recorded, never used for ordering).
    Timestamp,
    Int {
        min: i64,
        max: i64,
    },
    /// Mainland mobile number `1[3-9]\d{9}`.
    MobilePhone,
    Sha256Hex,
    /// A list of objects, each checked against its own field table.
    Items {
        max_items: usize,
        fields: &'static [FieldSpec],
    },
    /// A drawn line (finger signature) as SVG path data: `M`/`L` commands and
    /// integer coordinates only, so it can be drawn and printed as an image
    /// and can never carry script.
    SvgPath {
        max_chars: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// Wire name.
    pub name: &'static str,
    /// Chinese label (used in reject messages and forms).
    pub zh: &'static str,
    pub ty: FieldType,
    /// Must be present and non-null at creation, and cannot be cleared.
    pub required: bool,
    /// May only be set at creation.
    pub immutable: bool,
}

const fn opt(name: &'static str, zh: &'static str, ty: FieldType) -> FieldSpec {
    FieldSpec { name, zh, ty, required: false, immutable: false }
}

const fn req(name: &'static str, zh: &'static str, ty: FieldType) -> FieldSpec {
    FieldSpec { name, zh, ty, required: true, immutable: false }
}

impl FieldSpec {
    const fn fixed(mut self) -> Self {
        self.immutable = true;
        self
    }
}

/// Case status codes (事项状态).
pub mod case_status {
    pub const REGISTERED: &str = "registered";
    pub const ACCEPTED: &str = "accepted";
    pub const IN_PROGRESS: &str = "in_progress";
    pub const RESOLVED: &str = "resolved";
    pub const FOLLOW_UP: &str = "follow_up";
    pub const REFERRED: &str = "referred";

    /// Allowed status changes: from → to.
    pub const TRANSITIONS: &[(&str, &[&str])] = &[
        (REGISTERED, &[ACCEPTED, REFERRED]),
        (ACCEPTED, &[IN_PROGRESS, REFERRED]),
        (IN_PROGRESS, &[RESOLVED, REFERRED]),
        (RESOLVED, &[FOLLOW_UP]),
        (FOLLOW_UP, &[]),
        (REFERRED, &[]),
    ];

    /// True if a case may go from `from` to `to` (staying put is allowed).
    pub fn can_transition(from: &str, to: &str) -> bool {
        from == to || TRANSITIONS.iter().any(|(f, tos)| *f == from && tos.contains(&to))
    }

    /// The statuses reachable from `from` in one step.
    pub fn next_statuses(from: &str) -> &'static [&'static str] {
        TRANSITIONS.iter().find(|(f, _)| *f == from).map_or(&[], |(_, tos)| tos)
    }
}

pub const CASE_STATUS: &[Choice] = &[
    c(case_status::REGISTERED, "登记", "Registered"),
    c(case_status::ACCEPTED, "受理", "Accepted"),
    c(case_status::IN_PROGRESS, "办理中", "In progress"),
    c(case_status::RESOLVED, "办结", "Resolved"),
    c(case_status::FOLLOW_UP, "回访", "Followed up"),
    c(case_status::REFERRED, "转交", "Referred"),
];

pub const CASE_KIND: &[Choice] = &[
    c("livelihood", "民生诉求", "Livelihood request"),
    c("dispute", "矛盾纠纷", "Dispute"),
    c("public_opinion", "社情民意", "Public opinion"),
    c("safety_hazard", "安全隐患", "Safety hazard"),
    c("special_care", "特殊人群关怀", "Care for special groups"),
];

pub const CASE_MECHANISM: &[Choice] = &[
    c("on_site", "现场调处", "On-site mediation"),
    c("joint_consultation", "集中会诊", "Joint consultation"),
    c("appointment", "预约调处", "Mediation by appointment"),
    c("escort", "引导陪同", "Guidance and escort"),
    c("info_report", "信息报告", "Information report"),
];

/// Mediation outcome codes (调解结果).
pub mod mediation_status {
    pub const MEDIATING: &str = "mediating";
    pub const SUCCEEDED: &str = "succeeded";
    pub const FAILED: &str = "failed";
    pub const REFERRED: &str = "referred";
}

pub const MEDIATION_STATUS: &[Choice] = &[
    c(mediation_status::MEDIATING, "调解中", "Mediating"),
    c(mediation_status::SUCCEEDED, "调解成功", "Succeeded"),
    c(mediation_status::FAILED, "调解未成功", "Not settled"),
    c(mediation_status::REFERRED, "转交", "Referred"),
];

pub const PARTY_ROLE: &[Choice] = &[
    c("applicant", "申请人", "Applicant"),
    c("respondent", "被申请人", "Respondent"),
    c("other", "其他当事人", "Other party"),
];

/// Written agreements are signed on screen; oral ones are recorded as such
/// (人民调解法 第二十八条).
pub const AGREEMENT_FORM: &[Choice] =
    &[c("written", "书面协议", "Written agreement"), c("oral", "口头协议", "Oral agreement")];

pub const SIGNER_ROLE: &[Choice] = &[c("party", "当事人", "Party"), c("mediator", "调解员", "Mediator")];

pub const TIMELINE_TYPE: &[Choice] = &[
    c("note", "备注", "Note"),
    c("call", "电话联系", "Phone call"),
    c("visit", "上门", "Home visit"),
    c("status", "状态变更", "Status change"),
    c("referral", "转交", "Referral"),
];

pub const PHOTO_OWNER: &[Choice] = &[
    c("household", "住户", "Household"),
    c("visit", "走访记录", "Visit"),
    c("case", "事项", "Case"),
    c("timeline_entry", "事项进展", "Timeline entry"),
    c("mediation", "调解", "Mediation"),
    c("mediation_session", "调解会记录", "Mediation session"),
];

pub const PHOTO_CONTENT_TYPE: &[Choice] = &[c("image/jpeg", "JPEG 图片", "JPEG image")];

use FieldType as T;

const NOTE: T = T::Text { max_chars: 4000 };
const NAME: T = T::Text { max_chars: 50 };
const TOPICS: T = T::TextList { max_items: 20, max_chars: 50 };

pub static HOUSEHOLD: &[FieldSpec] = &[
    req("compound_id", "小区", T::Id),
    opt("building_id", "楼栋", T::Id),
    opt("unit_id", "单元", T::Id),
    req("door", "门牌号", T::Text { max_chars: 32 }),
    opt("head_name", "户主姓名", NAME),
    opt("contact_phone", "联系电话", T::MobilePhone),
    opt("members", "家庭人数", T::Int { min: 0, max: 30 }),
    opt("tags", "标签", T::TextList { max_items: 10, max_chars: 20 }),
    opt("note", "备注", NOTE),
];

pub static VISIT: &[FieldSpec] = &[
    opt("compound_id", "小区", T::Id),
    opt("building_id", "楼栋", T::Id),
    opt("unit_id", "单元", T::Id),
    req("household_id", "住户", T::Id),
    req("visited_at", "走访时间", T::Timestamp),
    req("met", "是否见到住户", T::Bool),
    opt("topics", "走访内容", TOPICS),
    opt("note", "走访记录", NOTE),
    opt("follow_up_needed", "需要跟进", T::Bool),
    opt("follow_up_on", "跟进日期", T::Date),
];

pub static CASE: &[FieldSpec] = &[
    req("title", "标题", T::Text { max_chars: 100 }),
    opt("description", "情况描述", NOTE),
    req("kind", "类别", T::Choice(CASE_KIND)),
    req("status", "状态", T::Choice(CASE_STATUS)),
    opt("mechanism", "处理方式", T::Choice(CASE_MECHANISM)),
    opt("raised_by", "反映人", NAME),
    opt("contact_phone", "联系电话", T::MobilePhone),
    opt("household_id", "住户", T::Id),
    opt("visit_id", "来源走访", T::Id),
    opt("assignees", "经办人", T::IdList { max_items: 20 }),
    opt("referred_to", "转交单位", T::Text { max_chars: 100 }),
    opt("follow_up_on", "回访日期", T::Date),
    opt("resolution", "办理结果", NOTE),
];

pub static TIMELINE_ENTRY: &[FieldSpec] = &[
    req("case_id", "事项", T::Id),
    req("entry_type", "类型", T::Choice(TIMELINE_TYPE)),
    req("text", "内容", T::Text { max_chars: 2000 }),
    req("at", "时间", T::Timestamp),
];

/// One party to a dispute, and what they were told and agreed to
/// (人民调解法 第十七条: mediation only with the parties' consent; 第二十三条:
/// parties are told their rights and duties).
pub static PARTY: &[FieldSpec] = &[
    req("name", "姓名", NAME),
    opt("phone", "联系电话", T::MobilePhone),
    opt("relation", "与对方关系", T::Text { max_chars: 50 }),
    req("role", "身份", T::Choice(PARTY_ROLE)),
    req("informed", "已告知权利义务", T::Bool),
    req("consented", "同意调解", T::Bool),
];

/// One signature on a written agreement.
pub static SIGNATURE: &[FieldSpec] = &[
    req("signer", "签名人", NAME),
    req("role", "签名人身份", T::Choice(SIGNER_ROLE)),
    req("path", "签名", T::SvgPath { max_chars: 24_000 }),
    req("signed_at", "签名时间", T::Timestamp),
];

pub static MEDIATION: &[FieldSpec] = &[
    req("case_id", "事项", T::Id).fixed(),
    req("status", "调解结果", T::Choice(MEDIATION_STATUS)),
    opt("parties", "当事人", T::Items { max_items: 10, fields: PARTY }),
    opt("mediator_ids", "调解员", T::IdList { max_items: 10 }),
    opt("facts", "纠纷事实", NOTE),
    opt("disputes", "争议事项", NOTE),
    opt("responsibilities", "各方责任", NOTE),
    opt("referred_to", "转交单位", T::Text { max_chars: 100 }),
    opt("agreement_form", "协议形式", T::Choice(AGREEMENT_FORM)),
    opt("terms", "协议内容", NOTE),
    opt("performance", "履行方式", T::Text { max_chars: 500 }),
    opt("deadline", "履行期限", T::Date),
    opt("signatures", "签名", T::Items { max_items: 12, fields: SIGNATURE }),
];

pub static MEDIATION_SESSION: &[FieldSpec] = &[
    req("mediation_id", "调解", T::Id),
    req("held_at", "时间", T::Timestamp),
    opt("location", "地点", T::Text { max_chars: 100 }),
    opt("mediator_ids", "调解员", T::IdList { max_items: 10 }),
    opt("attendees", "参加人员", T::TextList { max_items: 20, max_chars: 50 }),
    req("summary", "调解情况", NOTE),
];

pub static PHOTO: &[FieldSpec] = &[
    req("owner_kind", "所属记录类型", T::Choice(PHOTO_OWNER)),
    req("owner_id", "所属记录", T::Id),
    req("content_type", "文件类型", T::Choice(PHOTO_CONTENT_TYPE)),
    req("byte_size", "文件大小", T::Int { min: 1, max: MAX_PHOTO_BYTES }),
    req("sha256", "校验值", T::Sha256Hex),
    opt("taken_at", "拍摄时间", T::Timestamp),
    opt("caption", "说明", T::Text { max_chars: 200 }),
];

/// The field table of a kind (empty for `Unknown`).
pub fn fields(kind: RecordKind) -> &'static [FieldSpec] {
    match kind {
        RecordKind::Household => HOUSEHOLD,
        RecordKind::Visit => VISIT,
        RecordKind::Case => CASE,
        RecordKind::TimelineEntry => TIMELINE_ENTRY,
        RecordKind::Mediation => MEDIATION,
        RecordKind::MediationSession => MEDIATION_SESSION,
        RecordKind::Photo => PHOTO,
        RecordKind::Unknown => &[],
    }
}

pub fn field(kind: RecordKind, name: &str) -> Option<&'static FieldSpec> {
    fields(kind).iter().find(|f| f.name == name)
}

/// The label of an enumerated value, e.g. `(Case, "status", "resolved")` → 办结.
pub fn choice(kind: RecordKind, field_name: &str, code: &str) -> Option<&'static Choice> {
    match field(kind, field_name)?.ty {
        T::Choice(choices) => choices.iter().find(|c| c.code == code),
        _ => None,
    }
}

fn bad(spec: &FieldSpec, zh: &str, en: &str) -> RejectReason {
    RejectReason::field(RejectCode::InvalidValue, spec.name, spec.zh).detail(zh, en)
}

fn check_text(spec: &FieldSpec, v: &Value, max: usize) -> Result<(), RejectReason> {
    let s = v.as_str().ok_or_else(|| bad(spec, "应为文字", "expected a string"))?;
    if char_len(s) > max {
        return Err(bad(spec, &format!("不能超过{max}个字"), &format!("at most {max} characters")));
    }
    Ok(())
}

fn check_id(spec: &FieldSpec, v: &Value) -> Result<(), RejectReason> {
    match v.as_str().map(Uuid::parse_str) {
        Some(Ok(_)) => Ok(()),
        _ => Err(bad(spec, "编号格式不对", "expected a uuid string")),
    }
}

fn check_list<'v>(spec: &FieldSpec, v: &'v Value, max_items: usize) -> Result<&'v Vec<Value>, RejectReason> {
    let items = v.as_array().ok_or_else(|| bad(spec, "应为列表", "expected an array"))?;
    if items.len() > max_items {
        return Err(bad(spec, &format!("最多{max_items}项"), &format!("at most {max_items} items")));
    }
    Ok(items)
}

/// Check one (non-null) value against its field spec.
pub fn check_value(spec: &FieldSpec, v: &Value) -> Result<(), RejectReason> {
    match spec.ty {
        T::Text { max_chars } => check_text(spec, v, max_chars),
        T::Choice(choices) => match v.as_str() {
            Some(s) if choices.iter().any(|c| c.code == s) => Ok(()),
            _ => {
                let zh: Vec<&str> = choices.iter().map(|c| c.zh).collect();
                let en: Vec<&str> = choices.iter().map(|c| c.code).collect();
                Err(bad(spec, &format!("只能选择：{}", zh.join("、")), &format!("one of {}", en.join(", "))))
            }
        },
        T::Bool => v.as_bool().map(|_| ()).ok_or_else(|| bad(spec, "应为是或否", "expected a boolean")),
        T::Id => check_id(spec, v),
        T::IdList { max_items } => {
            let items = check_list(spec, v, max_items)?;
            items.iter().try_for_each(|i| check_id(spec, i))
        }
        T::TextList { max_items, max_chars } => {
            let items = check_list(spec, v, max_items)?;
            items.iter().try_for_each(|i| check_text(spec, i, max_chars))
        }
        T::Date => match v.as_str() {
            Some(s) if is_date(s) => Ok(()),
            _ => Err(bad(spec, "日期应为“年-月-日”，如2025-03-01", "expected YYYY-MM-DD")),
        },
        T::Timestamp => match v.as_i64() {
            Some(ms) if (0..MAX_TIMESTAMP_MS).contains(&ms) => Ok(()),
            _ => Err(bad(spec, "时间格式不对", "expected epoch milliseconds")),
        },
        T::Int { min, max } => match v.as_i64() {
            Some(n) if (min..=max).contains(&n) => Ok(()),
            _ => {
                Err(bad(spec, &format!("应为{min}到{max}之间的整数"), &format!("expected an integer in {min}..={max}")))
            }
        },
        T::MobilePhone => match v.as_str() {
            Some(s) if is_mainland_mobile(s) => Ok(()),
            _ => Err(bad(spec, "应为11位手机号", "expected an 11-digit mainland mobile number")),
        },
        T::Sha256Hex => match v.as_str() {
            Some(s) if is_sha256_hex(s) => Ok(()),
            _ => Err(bad(spec, "格式不对", "expected 64 lowercase hex digits")),
        },
        T::Items { max_items, fields } => {
            let items = check_list(spec, v, max_items)?;
            items.iter().enumerate().try_for_each(|(i, item)| check_item(spec, i + 1, fields, item))
        }
        T::SvgPath { max_chars } => match v.as_str() {
            Some(s) if !s.is_empty() && s.len() <= max_chars && is_svg_path(s) => Ok(()),
            _ => Err(bad(spec, "签名无法识别，请重新签", "expected M/L path data")),
        },
    }
}

/// One object (the `n`th, from 1) of an `Items` list: known names only,
/// required ones present, each value checked. Errors name the list, the item
/// and its field, e.g. “当事人”填写有误：第2项缺少“姓名”.
fn check_item(list: &FieldSpec, n: usize, fields: &[FieldSpec], item: &Value) -> Result<(), RejectReason> {
    let at = |zh: String, en: String| bad(list, &format!("第{n}项{zh}"), &format!("item {n}: {en}"));
    let obj = item.as_object().ok_or_else(|| at("格式不对".into(), "expected an object".into()))?;
    for (name, v) in obj {
        let f = fields
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| at(format!("含有未知项“{name}”"), format!("unknown field {name}")))?;
        if !v.is_null() {
            check_value(f, v).map_err(|r| at(r.zh, r.en))?;
        }
    }
    match fields.iter().find(|f| f.required && obj.get(f.name).is_none_or(Value::is_null)) {
        Some(f) => Err(at(format!("缺少“{}”", f.zh), format!("missing {}", f.name))),
        None => Ok(()),
    }
}

/// `M x y L x y …`: only the letters M and L, digits, spaces, commas and
/// minus signs.
fn is_svg_path(s: &str) -> bool {
    s.starts_with('M') && s.bytes().all(|b| matches!(b, b'M' | b'L' | b'0'..=b'9' | b' ' | b',' | b'-'))
}

/// Look up a field of a kind and check a value for it (null allowed unless
/// the field is required).
pub fn validate_field(kind: RecordKind, name: &str, v: &Value) -> Result<&'static FieldSpec, RejectReason> {
    let spec = field(kind, name).ok_or_else(|| RejectReason::field(RejectCode::UnknownField, name, name))?;
    if v.is_null() {
        if spec.required {
            return Err(RejectReason::field(RejectCode::MissingField, spec.name, spec.zh));
        }
        return Ok(spec);
    }
    check_value(spec, v)?;
    Ok(spec)
}

/// Check the fields of a create (schema only; status rules are in `rules`).
/// A case without `status` is valid: the server fills in `registered`.
pub fn validate_create(kind: RecordKind, values: &BTreeMap<String, FieldValue>) -> Result<(), RejectReason> {
    for (name, v) in values {
        validate_field(kind, name, v)?;
    }
    for spec in fields(kind).iter().filter(|f| f.required) {
        let defaulted = kind == RecordKind::Case && spec.name == "status";
        if !defaulted && values.get(spec.name).is_none_or(Value::is_null) {
            return Err(RejectReason::field(RejectCode::MissingField, spec.name, spec.zh));
        }
    }
    Ok(())
}

/// What a mediation outcome needs (checked on the phone before saving and
/// by the server on the resulting state): a success records the agreement's
/// terms and form (written or oral, 人民调解法 第二十八条); a written one
/// carries signatures; a referral names where it went. `get` reads the
/// record's current value of a field.
pub fn check_mediation<'v>(get: impl Fn(&str) -> Option<&'v Value>) -> Result<(), RejectReason> {
    let text = |name: &str| get(name).and_then(Value::as_str).is_some_and(|s| !s.trim().is_empty());
    let missing = |name: &str| {
        let spec = field(RecordKind::Mediation, name).expect("mediation field");
        RejectReason::field(RejectCode::MissingField, spec.name, spec.zh)
    };
    match get("status").and_then(Value::as_str) {
        Some(mediation_status::SUCCEEDED) => {
            if !text("terms") {
                return Err(missing("terms"));
            }
            match get("agreement_form").and_then(Value::as_str) {
                None => Err(missing("agreement_form")),
                Some("written") if get("signatures").and_then(Value::as_array).is_none_or(Vec::is_empty) => {
                    Err(missing("signatures"))
                }
                _ => Ok(()),
            }
        }
        Some(mediation_status::REFERRED) if !text("referred_to") => Err(missing("referred_to")),
        _ => Ok(()),
    }
}

/// Check one field edit of an update (schema only).
pub fn validate_change(kind: RecordKind, name: &str, v: &Value) -> Result<&'static FieldSpec, RejectReason> {
    if kind.is_append_only() {
        return Err(RejectReason::new(RejectCode::AppendOnly));
    }
    let spec = validate_field(kind, name, v)?;
    if spec.immutable {
        return Err(RejectReason::field(RejectCode::ImmutableField, spec.name, spec.zh));
    }
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> BTreeMap<String, Value> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn every_kind_has_a_table_with_unique_names_and_labels() {
        for kind in RecordKind::ALL {
            let fs = fields(kind);
            assert!(!fs.is_empty(), "{kind:?}");
            for (i, f) in fs.iter().enumerate() {
                assert!(fs[i + 1..].iter().all(|g| g.name != f.name), "{kind:?}.{}", f.name);
                assert!(!f.zh.is_empty());
            }
        }
        assert_eq!(choice(RecordKind::Case, "status", "in_progress").unwrap().zh, "办理中");
        assert_eq!(choice(RecordKind::Case, "kind", "dispute").unwrap().zh, "矛盾纠纷");
        assert_eq!(choice(RecordKind::Case, "mechanism", "appointment").unwrap().zh, "预约调处");
        assert!(choice(RecordKind::Case, "title", "x").is_none());
    }

    #[test]
    fn status_transitions() {
        use case_status::*;
        let all = [REGISTERED, ACCEPTED, IN_PROGRESS, RESOLVED, FOLLOW_UP, REFERRED];
        let allowed = [
            (REGISTERED, ACCEPTED),
            (REGISTERED, REFERRED),
            (ACCEPTED, IN_PROGRESS),
            (ACCEPTED, REFERRED),
            (IN_PROGRESS, RESOLVED),
            (IN_PROGRESS, REFERRED),
            (RESOLVED, FOLLOW_UP),
        ];
        for from in all {
            for to in all {
                let expect = from == to || allowed.contains(&(from, to));
                assert_eq!(can_transition(from, to), expect, "{from} -> {to}");
            }
        }
        assert!(!can_transition("nonsense", ACCEPTED));
        assert_eq!(next_statuses(RESOLVED), &[FOLLOW_UP]);
        // Every status code is a choice of the status field.
        for s in all {
            assert!(choice(RecordKind::Case, "status", s).is_some());
        }
    }

    #[test]
    fn create_validation() {
        let ok = map(json!({"title": "楼道漏水", "kind": "livelihood", "contact_phone": "13800138000"}));
        validate_create(RecordKind::Case, &ok).unwrap();
        let missing = map(json!({"kind": "livelihood"}));
        let e = validate_create(RecordKind::Case, &missing).unwrap_err();
        assert_eq!((e.code, e.field.as_deref()), (RejectCode::MissingField, Some("title")));
        assert!(e.zh.contains("标题"));
        let phone = map(json!({"title": "x", "kind": "dispute", "contact_phone": "12345"}));
        let e = validate_create(RecordKind::Case, &phone).unwrap_err();
        assert_eq!(e.code, RejectCode::InvalidValue);
        assert!(e.zh.contains("联系电话") && e.zh.contains("手机号"), "{}", e.zh);
        let kind = map(json!({"title": "x", "kind": "民生诉求"}));
        let e = validate_create(RecordKind::Case, &kind).unwrap_err();
        assert!(e.zh.contains("民生诉求") && e.field.as_deref() == Some("kind"));
        let unknown = map(json!({"title": "x", "kind": "dispute", "colour": "red"}));
        assert_eq!(validate_create(RecordKind::Case, &unknown).unwrap_err().code, RejectCode::UnknownField);
    }

    #[test]
    fn value_types() {
        let v = RecordKind::Visit;
        let hh = Uuid::from_u128(5).to_string();
        let base = json!({"household_id": hh, "visited_at": 1_700_000_000_000i64, "met": true});
        validate_create(v, &map(base.clone())).unwrap();
        let with = |k: &str, val: Value| {
            let mut m = map(base.clone());
            m.insert(k.into(), val);
            validate_create(v, &m)
        };
        assert!(with("note", json!("字".repeat(4000))).is_ok());
        assert!(with("note", json!("字".repeat(4001))).is_err());
        assert!(with("topics", json!(["独居", "用电"])).is_ok());
        assert!(with("topics", json!(["独居", 3])).is_err());
        assert!(with("topics", json!(vec!["a"; 21])).is_err());
        assert!(with("follow_up_on", json!("2025-02-29")).is_err());
        assert!(with("follow_up_on", json!("2024-02-29")).is_ok());
        assert!(with("follow_up_on", Value::Null).is_ok());
        assert!(with("met", json!("yes")).is_err());
        assert!(with("met", Value::Null).is_err());
        assert!(with("visited_at", json!(-1)).is_err());
        assert!(with("household_id", json!("not-a-uuid")).is_err());
        let photo = |size: i64, ct: &str| {
            validate_create(
                RecordKind::Photo,
                &map(json!({"owner_kind": "visit", "owner_id": hh, "content_type": ct,
                            "byte_size": size, "sha256": "0".repeat(64)})),
            )
        };
        assert!(photo(1000, "image/jpeg").is_ok());
        assert!(photo(MAX_PHOTO_BYTES + 1, "image/jpeg").is_err());
        assert!(photo(1000, "image/png").is_err());
    }

    #[test]
    fn mediation_parties_and_signatures_are_checked_item_by_item() {
        let case = Uuid::from_u128(9).to_string();
        let party = |name: Value| json!({"name": name, "role": "applicant", "informed": true, "consented": true});
        let mediation = |extra: Value| {
            let mut m = map(json!({"case_id": case, "status": "mediating"}));
            for (k, v) in extra.as_object().unwrap() {
                m.insert(k.clone(), v.clone());
            }
            validate_create(RecordKind::Mediation, &m)
        };
        assert!(mediation(json!({"parties": [party(json!("王阿姨")), party(json!("李师傅"))]})).is_ok());
        let missing = mediation(json!({"parties": [party(json!("王阿姨")), {"name": "李师傅", "role": "respondent"}]}));
        assert_eq!(missing.unwrap_err().zh, "“当事人”填写有误：第2项缺少“已告知权利义务”");
        let long = mediation(json!({"parties": [party(json!("长".repeat(51)))]})).unwrap_err();
        assert!(long.zh.starts_with("“当事人”填写有误：第1项“姓名”填写有误"), "{}", long.zh);
        assert!(mediation(json!({"parties": [{"name": "x", "role": "judge", "informed": true, "consented": true}]}))
            .is_err());
        assert!(mediation(
            json!({"parties": [{"name": "x", "role": "other", "informed": true, "consented": true, "age": 3}]})
        )
        .is_err());
        assert!(mediation(json!({"parties": ["王阿姨"]})).is_err());

        let sig = |path: &str| json!([{"signer": "王阿姨", "role": "party", "path": path, "signed_at": 1_700_000_000_000i64}]);
        assert!(mediation(json!({"signatures": sig("M10 20 L30 40 L31 41 M5 5 L6 6")})).is_ok());
        assert!(mediation(json!({"signatures": sig("")})).is_err());
        assert!(mediation(json!({"signatures": sig("M0 0 L1 1\"/><script>")})).is_err());
        assert!(mediation(json!({"signatures": sig(&format!("M0 0{}", " L1 1".repeat(6000)))})).is_err());
        assert!(mediation(json!({"status": "settled"})).is_err(), "old codes are not accepted");
    }

    #[test]
    fn a_successful_mediation_needs_its_agreement() {
        let check = |v: Value| {
            let m = map(v);
            check_mediation(|k| m.get(k))
        };
        assert!(check(json!({"status": "mediating"})).is_ok());
        assert_eq!(check(json!({"status": "succeeded"})).unwrap_err().field.as_deref(), Some("terms"));
        let oral = json!({"status": "succeeded", "terms": "楼上修好水管", "agreement_form": "oral"});
        assert!(check(oral).is_ok());
        let written = json!({"status": "succeeded", "terms": "楼上修好水管", "agreement_form": "written"});
        assert_eq!(check(written).unwrap_err().zh, "缺少必填项“签名”");
        assert_eq!(
            check(json!({"status": "referred", "referred_to": " "})).unwrap_err().field.as_deref(),
            Some("referred_to")
        );
    }

    #[test]
    fn change_validation() {
        assert_eq!(validate_change(RecordKind::Visit, "note", &json!("x")).unwrap_err().code, RejectCode::AppendOnly);
        assert_eq!(
            validate_change(RecordKind::Mediation, "case_id", &json!(Uuid::nil().to_string())).unwrap_err().code,
            RejectCode::ImmutableField
        );
        assert_eq!(
            validate_change(RecordKind::Case, "title", &Value::Null).unwrap_err().code,
            RejectCode::MissingField
        );
        assert!(validate_change(RecordKind::Case, "description", &Value::Null).is_ok());
    }
}

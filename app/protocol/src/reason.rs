//! Why an op was rejected: a stable code plus messages for the envoy
//! (Chinese) and for logs (English).

use serde::{Deserialize, Serialize};

/// Stable machine code of a rejection. Unknown codes (from a newer server)
/// parse as [`RejectCode::Other`]; the client shows the message text anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    /// The op is structurally wrong (duplicate field in one update, kind
    /// mismatch with the stored record, ...).
    Malformed,
    /// Record kind not known to the server.
    UnknownKind,
    /// Op type not known to the server.
    UnknownOperation,
    UnknownField,
    MissingField,
    InvalidValue,
    /// The field may only be set at creation.
    ImmutableField,
    /// The op exceeds `MAX_OP_BYTES`.
    TooLarge,
    /// `op.author` is not the authenticated user.
    AuthorMismatch,
    /// The caller's role may not do this.
    Forbidden,
    /// The record belongs to another station.
    WrongStation,
    /// An envoy changing a case they neither created nor are assigned to.
    NotHandler,
    /// Update of an append-only record.
    AppendOnly,
    /// Update/delete of a record the server does not have.
    NotFound,
    /// Update of a deleted record.
    Deleted,
    /// Delete of a record that others changed after the device last saw it.
    StaleDelete,
    /// Illegal case status change (or `referred` without `referred_to`).
    IllegalTransition,
    /// A create reused an existing record id with different content.
    IdCollision,
    /// An update with no changes.
    EmptyUpdate,
    #[serde(other)]
    Other,
}

impl RejectCode {
    fn base(self, field: &str) -> (String, String) {
        let (zh, en): (&str, &str) = match self {
            RejectCode::Malformed => ("数据格式有误", "Malformed operation"),
            RejectCode::UnknownKind => ("当前服务器不支持这种记录，请联系站点", "Unknown record kind"),
            RejectCode::UnknownOperation => ("当前服务器不支持这种操作，请联系站点", "Unknown operation type"),
            RejectCode::UnknownField => {
                return (format!("“{field}”不是可填写的项目"), format!("Unknown field {field}"))
            }
            RejectCode::MissingField => {
                return (format!("缺少必填项“{field}”"), format!("Required field {field} is missing"))
            }
            RejectCode::InvalidValue => return (format!("“{field}”填写有误"), format!("Invalid value for {field}")),
            RejectCode::ImmutableField => {
                return (format!("“{field}”创建后不能修改"), format!("Field {field} cannot be changed after creation"))
            }
            RejectCode::TooLarge => ("内容过大，无法保存", "Operation too large"),
            RejectCode::AuthorMismatch => ("操作人与当前登录用户不符", "Op author is not the signed-in user"),
            RejectCode::Forbidden => ("您没有权限进行此操作", "Not allowed for this user"),
            RejectCode::WrongStation => ("该记录不属于您所在的站点", "Record belongs to another station"),
            RejectCode::NotHandler => ("您不是该事项的经办人，不能修改", "Only the case's handlers may change it"),
            RejectCode::AppendOnly => ("这类记录只能新增，不能修改", "Append-only record cannot be updated"),
            RejectCode::NotFound => {
                ("记录不存在（可能创建时未成功）", "Record not found (its creation may have failed)")
            }
            RejectCode::Deleted => ("该记录已被删除，本次修改未保存", "Record was deleted; change not saved"),
            RejectCode::StaleDelete => (
                "删除前该记录已被他人修改，请同步查看后再决定是否删除",
                "Record was changed by others since you saw it; sync and review before deleting",
            ),
            RejectCode::IllegalTransition => ("事项状态不能这样变更", "Illegal case status change"),
            RejectCode::IdCollision => (
                "记录编号已被另一条内容不同的记录使用，未保存",
                "Record id already used by a record with different content",
            ),
            RejectCode::EmptyUpdate => ("没有需要保存的修改", "Update has no changes"),
            RejectCode::Other => ("操作未被接受", "Operation not accepted"),
        };
        (zh.to_owned(), en.to_owned())
    }
}

/// A rejection as returned to the phone and shown in its quarantine list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectReason {
    pub code: RejectCode,
    /// The offending field, if any (wire name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Message for the envoy (zh-CN).
    pub zh: String,
    /// Message for logs / English UI.
    pub en: String,
}

impl RejectReason {
    /// A rejection with the default message for its code.
    pub fn new(code: RejectCode) -> Self {
        let (zh, en) = code.base("");
        RejectReason { code, field: None, zh, en }
    }

    /// A rejection about a field; `label_zh` is the field's Chinese label.
    pub fn field(code: RejectCode, field: &str, label_zh: &str) -> Self {
        let (zh, _) = code.base(label_zh);
        let (_, en) = code.base(field);
        RejectReason { code, field: Some(field.to_owned()), zh, en }
    }

    /// Append a detail to both messages.
    pub fn detail(mut self, zh: &str, en: &str) -> Self {
        self.zh = format!("{}：{}", self.zh, zh);
        self.en = format!("{}: {}", self.en, en);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_in_both_languages() {
        let r = RejectReason::field(RejectCode::InvalidValue, "contact_phone", "联系电话")
            .detail("应为11位手机号", "expected an 11-digit mobile number");
        assert_eq!(r.zh, "“联系电话”填写有误：应为11位手机号");
        assert_eq!(r.en, "Invalid value for contact_phone: expected an 11-digit mobile number");
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["code"], "invalid_value");
        assert_eq!(json["field"], "contact_phone");
    }

    #[test]
    fn unknown_code_from_newer_server_is_tolerated() {
        let r: RejectReason =
            serde_json::from_str(r#"{"code":"quota_exceeded","zh":"超出配额","en":"Quota"}"#).unwrap();
        assert_eq!(r.code, RejectCode::Other);
        assert_eq!(r.zh, "超出配额");
    }
}

//! Versioned request/response types of the two sync endpoints
//! (`POST /sync/push`, `POST /sync/pull`), JSON via serde.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::op::Op;
use crate::reason::RejectReason;
use crate::record::RecordState;
use crate::PROTOCOL_VERSION;

/// Most ops in one push.
pub const MAX_BATCH_OPS: usize = 500;
/// Largest single op (JSON bytes); bigger ops are rejected (`TooLarge`).
pub const MAX_OP_BYTES: usize = 256 * 1024;
/// Byte budget of one push body the client builds (plus at most one op of
/// `MAX_OP_BYTES` when the first op alone is larger). The server's body limit
/// must be at least `MAX_PUSH_BYTES + MAX_OP_BYTES`.
pub const MAX_PUSH_BYTES: usize = 2 * 1024 * 1024;
/// Largest page a pull returns.
pub const MAX_PULL_LIMIT: u32 = 500;
/// Page size used when a client asks for 0.
pub const DEFAULT_PULL_LIMIT: u32 = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub protocol: u32,
    pub device_id: Uuid,
    pub app_version: String,
    /// Entries still waiting on the phone (incl. this batch), for monitoring.
    pub pending_count: u32,
    pub ops: Vec<Op>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// One result per op, in request order.
    pub results: Vec<OpResult>,
}

/// The outcome of one op, remembered by the server under `op_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpResult {
    pub op_id: Uuid,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Committed. `rev` is the record's revision after the op.
    Applied { rev: u64 },
    /// Committed, but some fields were concurrently changed by others: those
    /// kept the stored value and the op's values went to the review queue.
    /// Other fields of the op were applied. `rev` as in `Applied`.
    Conflict { rev: u64, conflicts: Vec<ConflictRef> },
    /// Not applied; the phone quarantines the op and shows `reason`.
    Rejected { reason: RejectReason },
    /// The op (same `op_id`, or a create with the same id and identical
    /// content) was already processed; `original` is what happened then.
    Duplicate { original: Box<Outcome> },
}

/// A conflict entry created for one field of an op.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictRef {
    pub id: Uuid,
    pub field: String,
}

/// What the phone does with an outbox entry after a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// The server committed the op at revision `rev`; `conflicted` fields
    /// kept the stored value (the op's values went to the review queue).
    Done { rev: u64, conflicted: Vec<String> },
    /// The server refused it for good: quarantine it with this reason.
    Quarantine(RejectReason),
}

impl Outcome {
    /// Look through `Duplicate` to what originally happened.
    pub fn original(&self) -> &Outcome {
        match self {
            Outcome::Duplicate { original } => original.original(),
            other => other,
        }
    }

    pub fn settlement(&self) -> Settlement {
        match self.original() {
            Outcome::Rejected { reason } => Settlement::Quarantine(reason.clone()),
            Outcome::Applied { rev } => Settlement::Done { rev: *rev, conflicted: Vec::new() },
            Outcome::Conflict { rev, conflicts } => {
                Settlement::Done { rev: *rev, conflicted: conflicts.iter().map(|c| c.field.clone()).collect() }
            }
            // `original()` never returns a duplicate.
            Outcome::Duplicate { .. } => Settlement::Done { rev: 0, conflicted: Vec::new() },
        }
    }

    /// The outcome to return when the op is seen again.
    pub fn as_duplicate(&self) -> Outcome {
        Outcome::Duplicate { original: Box::new(self.original().clone()) }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullRequest {
    pub protocol: u32,
    pub device_id: Uuid,
    /// `next_cursor` of the previous page (0 at first sync).
    pub cursor: u64,
    /// Page size wanted (0 = default, clamped to `MAX_PULL_LIMIT`).
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    /// Latest states (tombstones included) of records changed after the
    /// cursor and visible to the caller, in ascending `rev`.
    pub changes: Vec<RecordState>,
    pub next_cursor: u64,
    pub has_more: bool,
}

/// A whole request refused (HTTP error body). Per-op problems are never
/// protocol errors: they are `Outcome::Rejected` so the rest still flows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ProtocolError {
    UnsupportedVersion { got: u32, supported: u32 },
    BatchTooLarge { count: usize, max: usize },
    Malformed { detail: String },
}

impl ProtocolError {
    pub fn message_zh(&self) -> String {
        match self {
            ProtocolError::UnsupportedVersion { .. } => {
                "应用版本与服务器不匹配，请更新应用后再同步（未同步的记录仍保存在手机上）".into()
            }
            ProtocolError::BatchTooLarge { count, max } => {
                format!("一次同步的记录过多（{count}条，上限{max}条）")
            }
            ProtocolError::Malformed { .. } => "同步数据格式有误".into(),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            ProtocolError::UnsupportedVersion { got, supported } => {
                format!("Protocol version {got} not supported (server speaks {supported})")
            }
            ProtocolError::BatchTooLarge { count, max } => {
                format!("Batch of {count} ops exceeds the maximum of {max}")
            }
            ProtocolError::Malformed { detail } => format!("Malformed request: {detail}"),
        }
    }

    /// Suggested HTTP status.
    pub fn http_status(&self) -> u16 {
        match self {
            ProtocolError::UnsupportedVersion { .. } => 426,
            ProtocolError::BatchTooLarge { .. } => 413,
            ProtocolError::Malformed { .. } => 400,
        }
    }

    /// JSON error body: the tagged error plus both messages.
    pub fn body(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(obj) = v.as_object_mut() {
            obj.insert("zh".into(), self.message_zh().into());
            obj.insert("en".into(), self.message_en().into());
        }
        v
    }
}

fn check_version(got: u32) -> Result<(), ProtocolError> {
    if got == PROTOCOL_VERSION {
        Ok(())
    } else {
        Err(ProtocolError::UnsupportedVersion { got, supported: PROTOCOL_VERSION })
    }
}

/// Request-level checks of a push (version, batch size).
pub fn check_push(req: &PushRequest) -> Result<(), ProtocolError> {
    check_version(req.protocol)?;
    if req.ops.len() > MAX_BATCH_OPS {
        return Err(ProtocolError::BatchTooLarge { count: req.ops.len(), max: MAX_BATCH_OPS });
    }
    Ok(())
}

/// A push body as parsed by the server: the well-formed ops, plus a
/// per-op rejection for each op that could not be read at all.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedPush {
    pub request: PushRequest,
    /// `(position in the request, result)` for ops that are not valid ops
    /// but carry a readable `op_id`; they are rejected on their own.
    pub unreadable: Vec<(usize, OpResult)>,
}

impl ParsedPush {
    /// Merge the storage's results for `request.ops` with the unreadable
    /// ops' rejections back into request order.
    pub fn merge_results(&self, decided: Vec<OpResult>) -> Vec<OpResult> {
        let mut out = Vec::with_capacity(decided.len() + self.unreadable.len());
        let mut decided = decided.into_iter();
        let mut unreadable = self.unreadable.iter().peekable();
        for pos in 0..self.request.ops.len() + self.unreadable.len() {
            match unreadable.peek() {
                Some((p, r)) if *p == pos => {
                    out.push(r.clone());
                    unreadable.next();
                }
                _ => out.extend(decided.next()),
            }
        }
        out
    }
}

/// The envelope, read before the ops so a version mismatch is reported as
/// such even when the ops of another version would not parse.
#[derive(Deserialize)]
struct RawPush {
    protocol: u32,
    device_id: Uuid,
    app_version: String,
    #[serde(default)]
    pending_count: u32,
    ops: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct OpIdOnly {
    op_id: Uuid,
}

/// Parse and check a push body. Request-level problems (not JSON, wrong
/// version, too many ops, an op without even a readable `op_id`) fail the
/// request; an op that is otherwise unreadable is rejected on its own so the
/// rest of the batch still goes through.
pub fn parse_push(body: &[u8]) -> Result<ParsedPush, ProtocolError> {
    #[derive(Deserialize)]
    struct VersionOnly {
        protocol: u32,
    }
    let malformed = |e: serde_json::Error| ProtocolError::Malformed { detail: e.to_string() };
    // The usual case: a well-formed batch of this version, parsed once. Its
    // UTF-8 is checked in one pass over the body rather than string by
    // string (what `from_slice` does); anything else takes the careful path.
    if let Ok(Ok(request)) = std::str::from_utf8(body).map(serde_json::from_str::<PushRequest>) {
        if request.protocol == PROTOCOL_VERSION {
            check_push(&request)?;
            return Ok(ParsedPush { request, unreadable: Vec::new() });
        }
    }
    let version: VersionOnly = serde_json::from_slice(body).map_err(malformed)?;
    check_version(version.protocol)?;
    let raw: RawPush = serde_json::from_slice(body).map_err(malformed)?;
    if raw.ops.len() > MAX_BATCH_OPS {
        return Err(ProtocolError::BatchTooLarge { count: raw.ops.len(), max: MAX_BATCH_OPS });
    }
    let mut ops = Vec::with_capacity(raw.ops.len());
    let mut unreadable = Vec::new();
    for (pos, value) in raw.ops.into_iter().enumerate() {
        match Op::deserialize(&value) {
            Ok(op) => ops.push(op),
            Err(e) => {
                let OpIdOnly { op_id } = OpIdOnly::deserialize(&value)
                    .map_err(|_| ProtocolError::Malformed { detail: format!("op {pos} has no readable op_id") })?;
                let reason = RejectReason::new(crate::reason::RejectCode::Malformed)
                    .detail("记录内容无法读取", &format!("unreadable op: {e}"));
                unreadable.push((pos, OpResult { op_id, outcome: Outcome::Rejected { reason } }));
            }
        }
    }
    let request = PushRequest {
        protocol: raw.protocol,
        device_id: raw.device_id,
        app_version: raw.app_version,
        pending_count: raw.pending_count,
        ops,
    };
    check_push(&request)?;
    Ok(ParsedPush { request, unreadable })
}

/// Request-level checks of a pull; returns the effective page size.
pub fn check_pull(req: &PullRequest) -> Result<u32, ProtocolError> {
    check_version(req.protocol)?;
    Ok(match req.limit {
        0 => DEFAULT_PULL_LIMIT,
        n => n.min(MAX_PULL_LIMIT),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reason::RejectCode;

    #[test]
    fn outcome_json_and_duplicate_settlement() {
        let rej = Outcome::Rejected { reason: RejectReason::new(RejectCode::Forbidden) };
        let dup = rej.as_duplicate().as_duplicate();
        assert_eq!(dup, Outcome::Duplicate { original: Box::new(rej.clone()) });
        assert!(matches!(dup.settlement(), Settlement::Quarantine(r) if r.code == RejectCode::Forbidden));
        assert_eq!(
            Outcome::Applied { rev: 3 }.as_duplicate().settlement(),
            Settlement::Done { rev: 3, conflicted: vec![] }
        );
        let c = Outcome::Conflict { rev: 4, conflicts: vec![ConflictRef { id: Uuid::nil(), field: "title".into() }] };
        assert_eq!(c.settlement(), Settlement::Done { rev: 4, conflicted: vec!["title".into()] });
        let v = serde_json::to_value(OpResult { op_id: Uuid::nil(), outcome: dup }).unwrap();
        assert_eq!(v["outcome"]["status"], "duplicate");
        assert_eq!(v["outcome"]["original"]["status"], "rejected");
    }

    #[test]
    fn push_checks() {
        let mut req = PushRequest {
            protocol: PROTOCOL_VERSION,
            device_id: Uuid::nil(),
            app_version: "1.0".into(),
            pending_count: 0,
            ops: vec![],
        };
        let body = serde_json::to_vec(&req).unwrap();
        assert_eq!(parse_push(&body).unwrap().request, req);
        req.protocol = PROTOCOL_VERSION + 1;
        let e = check_push(&req).unwrap_err();
        assert_eq!(e.http_status(), 426);
        assert!(e.message_zh().contains("更新应用"));
        assert_eq!(e.body()["error"], "unsupported_version");
        let e = parse_push(b"{\"protocol\":1").unwrap_err();
        assert!(matches!(e, ProtocolError::Malformed { .. }));
        assert_eq!(e.http_status(), 400);
        // A newer version is reported as such even if its ops are unreadable.
        let e = parse_push(br#"{"protocol":9,"batch":"v9 shape"}"#).unwrap_err();
        assert_eq!(e.http_status(), 426);
    }

    #[test]
    fn batch_limit_and_unknown_kinds_in_a_batch() {
        use crate::hlc::Hlc;
        use crate::op::{Op, OpBody};
        use crate::record::RecordKind;
        let op = Op {
            op_id: Uuid::from_u128(1),
            device_id: Uuid::nil(),
            author: Uuid::nil(),
            station_id: Uuid::nil(),
            kind: RecordKind::Visit,
            record_id: Uuid::from_u128(2),
            hlc: Hlc::default(),
            body: OpBody::Delete { base_rev: 0 },
        };
        let mut req = PushRequest {
            protocol: PROTOCOL_VERSION,
            device_id: Uuid::nil(),
            app_version: "1".into(),
            pending_count: 1,
            ops: vec![op.clone(); MAX_BATCH_OPS],
        };
        assert_eq!(check_push(&req), Ok(()));
        req.ops.push(op);
        let e = check_push(&req).unwrap_err();
        assert_eq!(e, ProtocolError::BatchTooLarge { count: 501, max: 500 });
        assert_eq!(e.http_status(), 413);
        // An op of a kind from a newer app does not make the batch unreadable.
        req.ops.truncate(2);
        let mut v = serde_json::to_value(&req).unwrap();
        v["ops"][1]["kind"] = "hologram".into();
        let parsed = parse_push(&serde_json::to_vec(&v).unwrap()).unwrap().request;
        assert_eq!(parsed.ops[0].kind, RecordKind::Visit);
        assert_eq!(parsed.ops[1].kind, RecordKind::Unknown);
    }

    #[test]
    fn an_unreadable_op_is_rejected_alone_and_results_keep_request_order() {
        use crate::hlc::Hlc;
        use crate::op::{Op, OpBody};
        use crate::record::RecordKind;
        let op = |n: u128| Op {
            op_id: Uuid::from_u128(n),
            device_id: Uuid::nil(),
            author: Uuid::nil(),
            station_id: Uuid::nil(),
            kind: RecordKind::Visit,
            record_id: Uuid::from_u128(100 + n),
            hlc: Hlc::default(),
            body: OpBody::Delete { base_rev: 0 },
        };
        let req = PushRequest {
            protocol: PROTOCOL_VERSION,
            device_id: Uuid::nil(),
            app_version: "1".into(),
            pending_count: 3,
            ops: vec![op(1), op(2), op(3)],
        };
        let mut v = serde_json::to_value(&req).unwrap();
        v["ops"][1]["hlc"] = "yesterday".into();
        let parsed = parse_push(&serde_json::to_vec(&v).unwrap()).unwrap();
        assert_eq!(parsed.request.ops.iter().map(|o| o.op_id).collect::<Vec<_>>(), [op(1).op_id, op(3).op_id]);
        assert_eq!(parsed.unreadable.len(), 1);
        let applied = |n| OpResult { op_id: Uuid::from_u128(n), outcome: Outcome::Applied { rev: n as u64 } };
        let merged = parsed.merge_results(vec![applied(1), applied(3)]);
        assert_eq!(merged.iter().map(|r| r.op_id).collect::<Vec<_>>(), [op(1).op_id, op(2).op_id, op(3).op_id]);
        assert!(matches!(&merged[1].outcome, Outcome::Rejected { reason } if reason.zh.contains("无法读取")));
        // Without even an op id the request as a whole is malformed.
        v["ops"][1] = serde_json::json!({"nonsense": true});
        assert_eq!(parse_push(&serde_json::to_vec(&v).unwrap()).unwrap_err().http_status(), 400);
    }

    #[test]
    fn pull_limit_is_clamped() {
        let mut req = PullRequest { protocol: PROTOCOL_VERSION, device_id: Uuid::nil(), cursor: 0, limit: 0 };
        assert_eq!(check_pull(&req), Ok(DEFAULT_PULL_LIMIT));
        req.limit = 100_000;
        assert_eq!(check_pull(&req), Ok(MAX_PULL_LIMIT));
        req.limit = 7;
        assert_eq!(check_pull(&req), Ok(7));
        // A version-1 app cannot read compact records: it is told to update.
        req.protocol = 1;
        assert_eq!(check_pull(&req).unwrap_err().http_status(), 426);
    }
}

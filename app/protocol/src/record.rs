//! Record kinds and the server's state of a record (what pull returns).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::hlc::Hlc;

pub mod compact;

/// A field value as it travels on the wire (validated by `schema`).
pub type FieldValue = serde_json::Value;

/// The kinds of record phones create. Unknown kinds (from a newer app) parse as
/// [`RecordKind::Unknown`] so that one such op is rejected on its own instead
/// of failing the whole batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// 住户
    Household,
    /// 走访 (append-only)
    Visit,
    /// 事项
    Case,
    /// 事项时间线 (append-only)
    TimelineEntry,
    /// 调解
    Mediation,
    /// 调解会 (append-only)
    MediationSession,
    /// 照片 (append-only; metadata only, the bytes go through a blob upload)
    Photo,
    /// Anything this build does not know. Never stored.
    #[serde(other)]
    Unknown,
}

impl RecordKind {
    pub const ALL: [RecordKind; 7] = [
        RecordKind::Household,
        RecordKind::Visit,
        RecordKind::Case,
        RecordKind::TimelineEntry,
        RecordKind::Mediation,
        RecordKind::MediationSession,
        RecordKind::Photo,
    ];

    /// Append-only records are created (and possibly deleted) but never
    /// updated, so they can never conflict.
    pub fn is_append_only(self) -> bool {
        matches!(self, RecordKind::Visit | RecordKind::TimelineEntry | RecordKind::MediationSession | RecordKind::Photo)
    }

    /// Records with handlers: a case (creator + assignees) and mediation
    /// records (creator + mediators). Envoys change them only as handlers.
    pub fn has_handlers(self) -> bool {
        matches!(self, RecordKind::Case | RecordKind::Mediation | RecordKind::MediationSession)
    }

    /// Mediation records are seen only by their handlers and the station's
    /// staff, not by every envoy of the station.
    pub fn is_confidential(self) -> bool {
        matches!(self, RecordKind::Mediation | RecordKind::MediationSession)
    }

    /// The wire code (same as the serde name).
    pub fn code(self) -> &'static str {
        match self {
            RecordKind::Household => "household",
            RecordKind::Visit => "visit",
            RecordKind::Case => "case",
            RecordKind::TimelineEntry => "timeline_entry",
            RecordKind::Mediation => "mediation",
            RecordKind::MediationSession => "mediation_session",
            RecordKind::Photo => "photo",
            RecordKind::Unknown => "unknown",
        }
    }

    pub fn from_code(code: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Chinese display name.
    pub fn label_zh(self) -> &'static str {
        match self {
            RecordKind::Household => "住户",
            RecordKind::Visit => "走访记录",
            RecordKind::Case => "事项",
            RecordKind::TimelineEntry => "事项进展",
            RecordKind::Mediation => "调解",
            RecordKind::MediationSession => "调解会记录",
            RecordKind::Photo => "照片",
            RecordKind::Unknown => "未知记录",
        }
    }
}

/// One field as stored by the server: its value and who/when last set it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldState {
    pub value: FieldValue,
    /// Server revision of the op that set this value (0 = not yet on the server,
    /// only in a phone's local view).
    pub rev: u64,
    /// HLC of the op that set it (display / same-device ordering only).
    pub hlc: Hlc,
    /// User who set it.
    pub author: Uuid,
}

/// The whole state of one record: what the server stores and pull returns.
///
/// JSON (see [`compact`]): the field values as a plain object, and the
/// `(rev, hlc, author)` stamps that set them listed once each — a create
/// sets every field with one stamp, so it is written once instead of once
/// per field:
///
/// ```json
/// {"kind":"visit","id":"…","station_id":"…",
///  "fields":{"met":true,"note":"…"},
///  "stamps":[[7,1759280400000,0,"0123456789abcdef","<author uuid>"]],
///  "stamp_of":{"note":1},
///  "rev":7,"created_op":"…","created_hash":"…"}
/// ```
///
/// A stamp is `[rev, hlc.wall_ms, hlc.counter, hlc.node as 16 hex digits,
/// author]` (the node is a u64, which JavaScript numbers cannot hold);
/// `stamp_of` names the fields whose stamp is not `stamps[0]` and is left
/// out when there are none. Defaults are left out too: `deleted` unless
/// true, `handlers` unless non-empty, `created_by` when it is the author of
/// `stamps[0]`. The older form, `"fields":{name:{"value",
/// "rev","hlc","author"}}` without `stamps`, is still read: phones keep
/// pulled records in IndexedDB and databases hold rows written before.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordState {
    pub kind: RecordKind,
    pub id: Uuid,
    /// The owning station; fixed at creation.
    pub station_id: Uuid,
    pub fields: BTreeMap<String, FieldState>,
    /// Tombstone: the record was deleted (fields are kept for the record).
    pub deleted: bool,
    /// Highest revision of any change to this record (the pull cursor key).
    pub rev: u64,
    /// Op that created the record.
    pub created_op: Uuid,
    /// User who created it.
    pub created_by: Uuid,
    /// Canonical content hash of the creating op (see `Op::content_hash`).
    pub created_hash: String,
    /// For cases: users who handle it (creator plus `assignees`); else empty.
    pub handlers: Vec<Uuid>,
}

impl RecordState {
    /// The current value of a field, if set.
    pub fn value(&self, field: &str) -> Option<&FieldValue> {
        self.fields.get(field).map(|f| &f.value)
    }

    /// The current value of a field as a string, if it is one.
    pub fn str_value(&self, field: &str) -> Option<&str> {
        self.value(field).and_then(|v| v.as_str())
    }

    /// Server revision of a field (0 if never set).
    pub fn field_rev(&self, field: &str) -> u64 {
        self.fields.get(field).map_or(0, |f| f.rev)
    }

    /// What a phone that must no longer hold this record is sent instead: a
    /// tombstone with the record's identity and revision and nothing else
    /// (no fields, no creator, no handlers). See `rules::pull::revoked`.
    pub fn redacted(&self) -> RecordState {
        RecordState {
            kind: self.kind,
            id: self.id,
            station_id: self.station_id,
            fields: BTreeMap::new(),
            deleted: true,
            rev: self.rev,
            created_op: Uuid::nil(),
            created_by: Uuid::nil(),
            created_hash: String::new(),
            handlers: Vec::new(),
        }
    }

    /// Recompute `handlers`: the creator plus the ids listed in `assignees`
    /// (cases) or `mediator_ids` (mediation records); empty for other kinds.
    pub fn recompute_handlers(&mut self) {
        let list = match self.kind {
            RecordKind::Case => "assignees",
            RecordKind::Mediation | RecordKind::MediationSession => "mediator_ids",
            _ => {
                self.handlers.clear();
                return;
            }
        };
        let mut handlers = vec![self.created_by];
        if let Some(serde_json::Value::Array(items)) = self.value(list) {
            for id in items.iter().filter_map(|i| i.as_str().and_then(|s| Uuid::parse_str(s).ok())) {
                if !handlers.contains(&id) {
                    handlers.push(id);
                }
            }
        }
        self.handlers = handlers;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_codes_roundtrip_and_unknown_is_tolerated() {
        for k in RecordKind::ALL {
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.code()));
            assert_eq!(serde_json::from_str::<RecordKind>(&json).unwrap(), k);
            assert_eq!(RecordKind::from_code(k.code()), Some(k));
        }
        let k: RecordKind = serde_json::from_str("\"hologram\"").unwrap();
        assert_eq!(k, RecordKind::Unknown);
        assert_eq!(RecordKind::from_code("unknown"), None);
    }

    #[test]
    fn append_only_kinds() {
        let ao: Vec<_> = RecordKind::ALL.into_iter().filter(|k| k.is_append_only()).collect();
        assert_eq!(ao, [RecordKind::Visit, RecordKind::TimelineEntry, RecordKind::MediationSession, RecordKind::Photo]);
    }
}

//! Operations: what a phone's outbox holds and pushes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::canon::{write_canonical, write_canonical_str, Fnv128, HashWriter};
use crate::hlc::Hlc;
use crate::record::{FieldValue, RecordKind};

/// One change a user made, identified by a client-made `op_id` (idempotency key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Op {
    pub op_id: Uuid,
    pub device_id: Uuid,
    /// The user who made it; must be the authenticated caller.
    pub author: Uuid,
    /// Station the record belongs to.
    pub station_id: Uuid,
    pub kind: RecordKind,
    pub record_id: Uuid,
    pub hlc: Hlc,
    pub body: OpBody,
}

/// What the op does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OpBody {
    /// Create the record with these fields (the record id is client-made).
    Create { fields: BTreeMap<String, FieldValue> },
    /// Set some fields of a mutable record.
    Update { changes: Vec<FieldChange> },
    /// Delete (tombstone) the record. `base_rev` is the record revision the
    /// device had seen.
    Delete { base_rev: u64 },
    /// An operation type this build does not know (rejected on its own).
    #[serde(other)]
    Unknown,
}

/// One field edit inside an update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    /// The field revision the device had seen when the user edited it
    /// (0 if the device has never seen the field on the server).
    pub base_rev: u64,
    pub value: FieldValue,
    /// Conflict ids this change resolves (staff resolution only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolves: Vec<Uuid>,
}

impl FieldChange {
    pub fn new(field: impl Into<String>, base_rev: u64, value: FieldValue) -> Self {
        FieldChange { field: field.into(), base_rev, value, resolves: Vec::new() }
    }
}

/// Canonical content hash of a create: kind, station and fields (not op id,
/// author, device or HLC, so an identical re-issued create hashes the same).
/// 32 lowercase hex digits.
pub fn create_content_hash(kind: RecordKind, station_id: Uuid, fields: &BTreeMap<String, FieldValue>) -> String {
    let mut h = Fnv128::default();
    h.write(kind.code().as_bytes());
    h.write(b"\n");
    h.write(station_id.hyphenated().encode_lower(&mut Uuid::encode_buffer()).as_bytes());
    h.write(b"\n");
    // The canonical form of `fields` as an object, hashed as it is written
    // (the map is already in key order); hashing cannot fail.
    let _ = write_fields(fields, &mut HashWriter(&mut h));
    format!("{:032x}", h.finish())
}

fn write_fields(fields: &BTreeMap<String, FieldValue>, out: &mut impl std::io::Write) -> std::io::Result<()> {
    out.write_all(b"{")?;
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_canonical_str(k, out)?;
        out.write_all(b":")?;
        write_canonical(v, out)?;
    }
    out.write_all(b"}")
}

impl Op {
    /// The content hash if this is a create.
    pub fn content_hash(&self) -> Option<String> {
        match &self.body {
            OpBody::Create { fields } => Some(create_content_hash(self.kind, self.station_id, fields)),
            _ => None,
        }
    }

    /// Size of the op on the wire (JSON bytes), checked against `MAX_OP_BYTES`.
    pub fn wire_size(&self) -> usize {
        let mut counter = ByteCounter(0);
        match serde_json::to_writer(&mut counter, self) {
            Ok(()) => counter.0,
            Err(_) => usize::MAX,
        }
    }
}

/// An `io::Write` that only counts bytes.
struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: serde_json::Value) -> BTreeMap<String, FieldValue> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn hash_ignores_key_order_but_not_content() {
        let s = Uuid::from_u128(1);
        let a = create_content_hash(RecordKind::Case, s, &fields(json!({"title": "漏水", "kind": "dispute"})));
        let b = create_content_hash(RecordKind::Case, s, &fields(json!({"kind": "dispute", "title": "漏水"})));
        let c = create_content_hash(RecordKind::Case, s, &fields(json!({"kind": "dispute", "title": "漏水 "})));
        let d = create_content_hash(RecordKind::Household, s, &fields(json!({"kind": "dispute", "title": "漏水"})));
        let e = create_content_hash(
            RecordKind::Case,
            Uuid::from_u128(2),
            &fields(json!({"kind": "dispute", "title": "漏水"})),
        );
        assert_eq!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a != c && a != d && a != e);
    }

    #[test]
    fn hash_is_stable_across_releases() {
        // Stored with every record and compared forever: this value was
        // computed by the original implementation (FNV-128 of "kind\nstation\n"
        // + canonical JSON of the fields) and must never change.
        let station = Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        let f = fields(json!({"title": "漏水\"\\\n\u{1}", "n": 1.5, "big": 12345678901234567890u64, "neg": -3,
            "z": [{"b": 1, "a": null}, true], "a": "上午入户走访"}));
        assert_eq!(create_content_hash(RecordKind::Case, station, &f), "d79fc3f07ea1ae2784c643fa5c94887c");
    }

    #[test]
    fn wire_format_is_tagged_snake_case_and_tolerates_unknown_ops() {
        let op = Op {
            op_id: Uuid::from_u128(1),
            device_id: Uuid::from_u128(2),
            author: Uuid::from_u128(3),
            station_id: Uuid::from_u128(4),
            kind: RecordKind::TimelineEntry,
            record_id: Uuid::from_u128(5),
            hlc: Hlc { wall_ms: 9, counter: 1, node: 2 },
            body: OpBody::Delete { base_rev: 7 },
        };
        let v = serde_json::to_value(&op).unwrap();
        assert_eq!(v["kind"], "timeline_entry");
        assert_eq!(v["body"], json!({"type": "delete", "base_rev": 7}));
        assert_eq!(op.wire_size(), serde_json::to_vec(&op).unwrap().len());
        let back: Op = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(back, op);
        let mut future = v;
        future["body"] = json!({"type": "merge_into", "target": "x"});
        let parsed: Op = serde_json::from_value(future).unwrap();
        assert_eq!(parsed.body, OpBody::Unknown);
        let ch: FieldChange = serde_json::from_value(json!({"field": "title", "base_rev": 3, "value": "x"})).unwrap();
        assert!(ch.resolves.is_empty());
        assert!(!serde_json::to_string(&ch).unwrap().contains("resolves"));
    }
}

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

/// What the op does. JSON: `{"type": "create", "fields": {…}}` and so on
/// (internally tagged; read by hand, see the `Deserialize` impl below).
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// serde's derive for an internally tagged enum first copies the whole body
/// (every field value of a create) into an intermediate tree to find the
/// tag, then reads the variant from that copy. Phones write `type` first, so
/// here the tag is read first and the variant's fields straight from the
/// input; only a body whose `type` comes later is buffered (as JSON values).
/// Same results as the derive: unknown keys are ignored, an unknown `type`
/// is [`OpBody::Unknown`], a missing variant field is an error.
impl<'de> Deserialize<'de> for OpBody {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(OpBodyVisitor)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum BodyType {
    Create,
    Update,
    Delete,
    Unknown,
}

impl BodyType {
    fn of(tag: &str) -> BodyType {
        match tag {
            "create" => BodyType::Create,
            "update" => BodyType::Update,
            "delete" => BodyType::Delete,
            _ => BodyType::Unknown,
        }
    }
}

/// The variant's fields, read as they come.
#[derive(Default)]
struct BodyParts {
    fields: Option<BTreeMap<String, FieldValue>>,
    changes: Option<Vec<FieldChange>>,
    base_rev: Option<u64>,
}

impl BodyParts {
    fn finish<E: serde::de::Error>(self, ty: BodyType) -> Result<OpBody, E> {
        Ok(match ty {
            BodyType::Create => OpBody::Create { fields: self.fields.ok_or_else(|| E::missing_field("fields"))? },
            BodyType::Update => OpBody::Update { changes: self.changes.ok_or_else(|| E::missing_field("changes"))? },
            BodyType::Delete => OpBody::Delete { base_rev: self.base_rev.ok_or_else(|| E::missing_field("base_rev"))? },
            BodyType::Unknown => OpBody::Unknown,
        })
    }
}

struct OpBodyVisitor;

impl<'de> serde::de::Visitor<'de> for OpBodyVisitor {
    type Value = OpBody;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an op body with a \"type\"")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<OpBody, A::Error> {
        use serde::de::{Error, IgnoredAny};
        let Some(first) = map.next_key::<std::borrow::Cow<'de, str>>()? else {
            return Err(A::Error::missing_field("type"));
        };
        if first != "type" {
            // Rare: the tag is not first. Buffer the entries as JSON values.
            let mut rest = serde_json::Map::new();
            rest.insert(first.into_owned(), map.next_value::<serde_json::Value>()?);
            while let Some(key) = map.next_key::<String>()? {
                let value = map.next_value::<serde_json::Value>()?;
                rest.insert(key, value);
            }
            let tag = match rest.remove("type") {
                Some(serde_json::Value::String(tag)) => tag,
                Some(other) => return Err(A::Error::custom(format!("op body type must be a string, not {other}"))),
                None => return Err(A::Error::missing_field("type")),
            };
            let ty = BodyType::of(&tag);
            let mut parts = BodyParts::default();
            let take = |name: &str, rest: &mut serde_json::Map<String, serde_json::Value>| rest.remove(name);
            match ty {
                BodyType::Create => {
                    if let Some(v) = take("fields", &mut rest) {
                        parts.fields = Some(serde_json::from_value(v).map_err(A::Error::custom)?);
                    }
                }
                BodyType::Update => {
                    if let Some(v) = take("changes", &mut rest) {
                        parts.changes = Some(serde_json::from_value(v).map_err(A::Error::custom)?);
                    }
                }
                BodyType::Delete => {
                    if let Some(v) = take("base_rev", &mut rest) {
                        parts.base_rev = Some(serde_json::from_value(v).map_err(A::Error::custom)?);
                    }
                }
                BodyType::Unknown => {}
            }
            return parts.finish(ty);
        }
        let tag = map.next_value::<std::borrow::Cow<'de, str>>()?;
        let ty = BodyType::of(&tag);
        let mut parts = BodyParts::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match (ty, key.as_ref()) {
                (_, "type") => return Err(A::Error::duplicate_field("type")),
                (BodyType::Create, "fields") => {
                    if parts.fields.is_some() {
                        return Err(A::Error::duplicate_field("fields"));
                    }
                    parts.fields = Some(map.next_value()?);
                }
                (BodyType::Update, "changes") => {
                    if parts.changes.is_some() {
                        return Err(A::Error::duplicate_field("changes"));
                    }
                    parts.changes = Some(map.next_value()?);
                }
                (BodyType::Delete, "base_rev") => {
                    if parts.base_rev.is_some() {
                        return Err(A::Error::duplicate_field("base_rev"));
                    }
                    parts.base_rev = Some(map.next_value()?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        parts.finish(ty)
    }
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

    /// True if the op's JSON is longer than `limit` bytes. Exactly
    /// `wire_size() > limit`, but an op far below the limit (all of them in
    /// practice) is recognised from an upper bound of its size, without
    /// writing it out.
    pub fn wire_size_exceeds(&self, limit: usize) -> bool {
        self.wire_size_bound() > limit && self.wire_size() > limit
    }

    /// An upper bound of [`Op::wire_size`]: every string byte counted as a
    /// `\u00XX` escape, every number as 24 characters.
    fn wire_size_bound(&self) -> usize {
        fn str_bound(s: &str) -> usize {
            6 * s.len() + 2
        }
        fn value_bound(v: &FieldValue) -> usize {
            use serde_json::Value;
            match v {
                Value::Null | Value::Bool(_) => 5,
                Value::Number(_) => 24,
                Value::String(s) => str_bound(s),
                Value::Array(items) => 2 + items.iter().map(|i| value_bound(i) + 1).sum::<usize>(),
                Value::Object(map) => 2 + map.iter().map(|(k, v)| str_bound(k) + value_bound(v) + 2).sum::<usize>(),
            }
        }
        // The envelope: five uuids, the kind, the HLC (three numbers) and
        // the key names, with room to spare.
        let envelope = 512;
        let body = match &self.body {
            OpBody::Create { fields } => fields.iter().map(|(k, v)| str_bound(k) + value_bound(v) + 2).sum::<usize>(),
            OpBody::Update { changes } => changes
                .iter()
                .map(|c| 96 + str_bound(&c.field) + value_bound(&c.value) + 40 * c.resolves.len())
                .sum::<usize>(),
            OpBody::Delete { .. } | OpBody::Unknown => 0,
        };
        envelope + 64 + body
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

    #[test]
    fn op_bodies_read_with_the_tag_first_or_later() {
        let read = |v: serde_json::Value| -> Result<OpBody, String> {
            let from_text = serde_json::from_str::<OpBody>(&v.to_string()).map_err(|e| e.to_string());
            let from_value = serde_json::from_value::<OpBody>(v).map_err(|e| e.to_string());
            assert_eq!(from_text.is_ok(), from_value.is_ok(), "{from_text:?} / {from_value:?}");
            if let (Ok(a), Ok(b)) = (&from_text, &from_value) {
                assert_eq!(a, b);
            }
            from_text
        };
        let create = OpBody::Create { fields: fields(json!({"note": "三楼", "met": true, "n": [1, {"x": null}]})) };
        assert_eq!(
            read(json!({"type": "create", "fields": {"note": "三楼", "met": true, "n": [1, {"x": null}]}})),
            Ok(create.clone())
        );
        assert_eq!(
            read(json!({"fields": {"note": "三楼", "met": true, "n": [1, {"x": null}]}, "type": "create"})),
            Ok(create.clone())
        );
        assert_eq!(read(serde_json::to_value(&create).unwrap()), Ok(create));
        let update = OpBody::Update { changes: vec![FieldChange::new("status", 4, json!("accepted"))] };
        assert_eq!(read(serde_json::to_value(&update).unwrap()), Ok(update.clone()));
        assert_eq!(
            read(json!({"changes": [{"field": "status", "base_rev": 4, "value": "accepted"}], "type": "update"})),
            Ok(update)
        );
        assert_eq!(
            read(json!({"type": "delete", "base_rev": 3, "later": {"x": 1}})),
            Ok(OpBody::Delete { base_rev: 3 })
        );
        assert_eq!(read(json!({"type": "teleport", "to": "moon"})), Ok(OpBody::Unknown));
        assert_eq!(read(json!({"to": "moon", "type": "teleport"})), Ok(OpBody::Unknown));
        assert!(read(json!({"type": "update"})).unwrap_err().contains("changes"));
        assert!(read(json!({"base_rev": 1})).unwrap_err().contains("type"));
        assert!(read(json!({})).unwrap_err().contains("type"));
        assert!(read(json!({"type": 7, "base_rev": 1})).is_err());
        assert!(read(json!({"base_rev": 1, "type": 7})).is_err());
        assert!(read(json!({"type": "delete", "base_rev": "x"})).is_err());
        assert!(read(json!("create")).is_err());
        assert!(serde_json::from_str::<OpBody>(r#"{"type":"delete","base_rev":1,"base_rev":2}"#).is_err());
    }

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
    fn the_size_bound_is_never_below_the_size() {
        let nasty = json!({"\u{1}\"": "\u{1}\u{2}\n\"漏水", "n": -2.2250738585072014e-308, "big": u64::MAX,
            "neg": i64::MIN, "z": [{"b": [], "a": null}, true, {}], "e": ""});
        let mut op = Op {
            op_id: Uuid::max(),
            device_id: Uuid::max(),
            author: Uuid::max(),
            station_id: Uuid::max(),
            kind: RecordKind::MediationSession,
            record_id: Uuid::max(),
            hlc: Hlc { wall_ms: u64::MAX, counter: u32::MAX, node: u64::MAX },
            body: OpBody::Create { fields: fields(nasty.clone()) },
        };
        for body in [
            OpBody::Create { fields: fields(nasty.clone()) },
            OpBody::Create { fields: BTreeMap::new() },
            OpBody::Update {
                changes: vec![
                    FieldChange {
                        field: "\u{1}".into(),
                        base_rev: u64::MAX,
                        value: nasty.clone(),
                        resolves: vec![Uuid::max(); 3],
                    },
                    FieldChange::new("", 0, json!(null)),
                ],
            },
            OpBody::Update { changes: vec![] },
            OpBody::Delete { base_rev: u64::MAX },
            OpBody::Unknown,
        ] {
            op.body = body;
            let size = op.wire_size();
            assert!(op.wire_size_bound() >= size, "{size} > bound {}", op.wire_size_bound());
            assert!(!op.wire_size_exceeds(size) && op.wire_size_exceeds(size - 1));
        }
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
        assert!(op.wire_size_bound() >= op.wire_size());
        assert!(!op.wire_size_exceeds(op.wire_size()) && op.wire_size_exceeds(op.wire_size() - 1));
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

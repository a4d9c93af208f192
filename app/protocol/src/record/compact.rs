//! The JSON form of [`RecordState`] (described there): each field's value
//! once, each `(rev, hlc, author)` stamp once. The older per-field form is
//! still read.
//!
//! Size matters: the server stores this JSON and passes it through to every
//! pull, and phones keep it in IndexedDB. A visit written per field carried
//! ~120 bytes of stamp per field; here the whole record carries one stamp.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{FieldState, FieldValue, RecordKind, RecordState};
use crate::hlc::Hlc;

/// Who set a field, and when: a [`FieldState`] without its value. On the
/// wire `[rev, wall_ms, counter, "node as hex", author]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub rev: u64,
    pub hlc: Hlc,
    pub author: Uuid,
}

impl Stamp {
    pub fn of(field: &FieldState) -> Stamp {
        Stamp { rev: field.rev, hlc: field.hlc, author: field.author }
    }

    fn with_value(self, value: FieldValue) -> FieldState {
        FieldState { value, rev: self.rev, hlc: self.hlc, author: self.author }
    }
}

/// An HLC node (u64) as 16 lowercase hex digits: JavaScript numbers lose
/// precision above 2^53, strings do not.
struct NodeHex(u64);

impl Serialize for NodeHex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut buf = [0u8; 16];
        for (i, b) in buf.iter_mut().enumerate() {
            *b = DIGITS[((self.0 >> (60 - 4 * i)) & 0xf) as usize];
        }
        // Only ASCII hex digits were written.
        s.serialize_str(std::str::from_utf8(&buf).unwrap_or_default())
    }
}

impl<'de> Deserialize<'de> for NodeHex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = NodeHex;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an HLC node as 1 to 16 hex digits")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NodeHex, E> {
                if v.is_empty() || v.len() > 16 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(E::invalid_value(de::Unexpected::Str(v), &self));
                }
                u64::from_str_radix(v, 16).map(NodeHex).map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_str(V)
    }
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(5))?;
        seq.serialize_element(&self.rev)?;
        seq.serialize_element(&self.hlc.wall_ms)?;
        seq.serialize_element(&self.hlc.counter)?;
        seq.serialize_element(&NodeHex(self.hlc.node))?;
        seq.serialize_element(&self.author)?;
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Stamp;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a stamp [rev, wall_ms, counter, node, author]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Stamp, A::Error> {
                let missing = |i| de::Error::invalid_length(i, &"5 elements");
                let rev: u64 = seq.next_element()?.ok_or_else(|| missing(0))?;
                let wall_ms: u64 = seq.next_element()?.ok_or_else(|| missing(1))?;
                let counter: u32 = seq.next_element()?.ok_or_else(|| missing(2))?;
                let NodeHex(node) = seq.next_element()?.ok_or_else(|| missing(3))?;
                let author: Uuid = seq.next_element()?.ok_or_else(|| missing(4))?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(6, &"5 elements"));
                }
                Ok(Stamp { rev, hlc: Hlc { wall_ms, counter, node }, author })
            }
        }
        d.deserialize_seq(V)
    }
}

/// The distinct stamps of a record's fields, the most used first (ties: in
/// field order), and for every field (in order) its index in that list.
pub fn stamp_table(fields: &BTreeMap<String, FieldState>) -> (Vec<Stamp>, Vec<usize>) {
    let mut stamps: Vec<(Stamp, usize)> = Vec::new();
    let mut index = Vec::with_capacity(fields.len());
    for f in fields.values() {
        let s = Stamp::of(f);
        let i = match stamps.iter().position(|(t, _)| *t == s) {
            Some(i) => i,
            None => {
                stamps.push((s, 0));
                stamps.len() - 1
            }
        };
        stamps[i].1 += 1;
        index.push(i);
    }
    // The most used stamp goes first: fields with stamp 0 are not listed.
    let mut top = 0;
    for (i, (_, n)) in stamps.iter().enumerate() {
        if *n > stamps[top].1 {
            top = i;
        }
    }
    if top != 0 {
        let moved = stamps.remove(top);
        stamps.insert(0, moved);
        for i in &mut index {
            *i = match *i {
                i if i == top => 0,
                i if i < top => i + 1,
                i => i,
            };
        }
    }
    (stamps.into_iter().map(|(s, _)| s).collect(), index)
}

struct Values<'a>(&'a BTreeMap<String, FieldState>);

impl Serialize for Values<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, f) in self.0 {
            map.serialize_entry(name, &f.value)?;
        }
        map.end()
    }
}

/// `{field: stamp index}` for the fields not stamped with `stamps[0]`.
struct StampOf<'a>(&'a BTreeMap<String, FieldState>, &'a [usize]);

impl StampOf<'_> {
    fn is_empty(&self) -> bool {
        self.1.iter().all(|i| *i == 0)
    }
}

impl Serialize for StampOf<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n = self.1.iter().filter(|i| **i != 0).count();
        let mut map = s.serialize_map(Some(n))?;
        for (name, i) in self.0.keys().zip(self.1) {
            if *i != 0 {
                map.serialize_entry(name, i)?;
            }
        }
        map.end()
    }
}

impl Serialize for RecordState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (stamps, index) = stamp_table(&self.fields);
        let stamp_of = StampOf(&self.fields, &index);
        let mut st = s.serialize_struct("RecordState", 12)?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("station_id", &self.station_id)?;
        st.serialize_field("fields", &Values(&self.fields))?;
        st.serialize_field("stamps", &stamps)?;
        if stamp_of.is_empty() {
            st.skip_field("stamp_of")?;
        } else {
            st.serialize_field("stamp_of", &stamp_of)?;
        }
        // Defaults are left out: a record that is not deleted, has no
        // handlers, or was created by the author of its main stamp (every
        // record nobody else has edited) says nothing about it.
        if self.deleted {
            st.serialize_field("deleted", &self.deleted)?;
        } else {
            st.skip_field("deleted")?;
        }
        st.serialize_field("rev", &self.rev)?;
        st.serialize_field("created_op", &self.created_op)?;
        if stamps.first().is_some_and(|s| s.author == self.created_by) {
            st.skip_field("created_by")?;
        } else {
            st.serialize_field("created_by", &self.created_by)?;
        }
        st.serialize_field("created_hash", &self.created_hash)?;
        if self.handlers.is_empty() {
            st.skip_field("handlers")?;
        } else {
            st.serialize_field("handlers", &self.handlers)?;
        }
        st.end()
    }
}

/// Both JSON forms as read: with `stamps`, `fields` holds plain values;
/// without, each entry of `fields` is a whole [`FieldState`] (older form).
#[derive(Deserialize)]
struct Wire {
    kind: RecordKind,
    id: Uuid,
    station_id: Uuid,
    fields: BTreeMap<String, FieldValue>,
    #[serde(default)]
    stamps: Option<Vec<Stamp>>,
    #[serde(default)]
    stamp_of: BTreeMap<String, usize>,
    #[serde(default)]
    deleted: bool,
    rev: u64,
    created_op: Uuid,
    /// Left out when it is the author of `stamps[0]`.
    #[serde(default)]
    created_by: Option<Uuid>,
    created_hash: String,
    #[serde(default)]
    handlers: Vec<Uuid>,
}

impl Wire {
    fn into_state(self) -> Result<RecordState, String> {
        let created_by = match (self.created_by, self.stamps.as_ref().and_then(|s| s.first())) {
            (Some(by), _) => by,
            (None, Some(stamp)) => stamp.author,
            (None, None) => return Err("missing field `created_by`".into()),
        };
        let fields = match self.stamps {
            Some(stamps) => {
                let stamp = |i: usize| stamps.get(i).copied().ok_or_else(|| format!("stamp {i} out of range"));
                if let Some(name) = self.stamp_of.keys().find(|k| !self.fields.contains_key(*k)) {
                    return Err(format!("stamp_of names a field that is not set: {name}"));
                }
                let mut fields = BTreeMap::new();
                for (name, value) in self.fields {
                    let s = stamp(self.stamp_of.get(&name).copied().unwrap_or(0))?;
                    fields.insert(name, s.with_value(value));
                }
                fields
            }
            None => {
                if !self.stamp_of.is_empty() {
                    return Err("stamp_of without stamps".into());
                }
                let mut fields = BTreeMap::new();
                for (name, value) in self.fields {
                    let f = FieldState::deserialize(value).map_err(|e| format!("field {name}: {e}"))?;
                    fields.insert(name, f);
                }
                fields
            }
        };
        Ok(RecordState {
            kind: self.kind,
            id: self.id,
            station_id: self.station_id,
            fields,
            deleted: self.deleted,
            rev: self.rev,
            created_op: self.created_op,
            created_by,
            created_hash: self.created_hash,
            handlers: self.handlers,
        })
    }
}

impl<'de> Deserialize<'de> for RecordState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Wire::deserialize(d)?.into_state().map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn stamp(rev: u64, wall_ms: u64, node: u64, author: u128) -> Stamp {
        Stamp { rev, hlc: Hlc { wall_ms, counter: (rev % 3) as u32, node }, author: Uuid::from_u128(author) }
    }

    fn record(fields: Vec<(&str, Value, Stamp)>) -> RecordState {
        RecordState {
            kind: RecordKind::Case,
            id: Uuid::from_u128(1),
            station_id: Uuid::from_u128(2),
            fields: fields.into_iter().map(|(k, v, s)| (k.to_owned(), s.with_value(v))).collect(),
            deleted: false,
            rev: 9,
            created_op: Uuid::from_u128(3),
            created_by: Uuid::from_u128(4),
            created_hash: "00ff".into(),
            handlers: vec![Uuid::from_u128(4)],
        }
    }

    /// The older form: every field with its own stamp.
    fn legacy_json(r: &RecordState) -> Value {
        json!({
            "kind": r.kind, "id": r.id, "station_id": r.station_id,
            "fields": r.fields.iter().map(|(k, f)| (k.clone(), serde_json::to_value(f).unwrap())).collect::<serde_json::Map<_, _>>(),
            "deleted": r.deleted, "rev": r.rev, "created_op": r.created_op, "created_by": r.created_by,
            "created_hash": r.created_hash, "handlers": r.handlers,
        })
    }

    #[test]
    fn one_stamp_for_a_created_record_and_exact_u64_nodes() {
        let big = u64::MAX - 12_345; // far above 2^53
        let s = stamp(7, 1_759_280_400_000, big, 5);
        let r = record(vec![("note", json!("三楼老人独居"), s), ("met", json!(true), s), ("topics", json!(["a"]), s)]);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["fields"], json!({"met": true, "note": "三楼老人独居", "topics": ["a"]}));
        assert_eq!(v["stamps"], json!([[7, 1_759_280_400_000u64, 1, format!("{big:016x}"), Uuid::from_u128(5)]]));
        assert!(v.get("stamp_of").is_none(), "{v}");
        // Defaults are left out (created_by is not the stamp's author here).
        assert!(v.get("deleted").is_none(), "{v}");
        assert_eq!(v["created_by"], json!(Uuid::from_u128(4)));
        assert_eq!(v["handlers"], json!([Uuid::from_u128(4)]));
        let back: RecordState = serde_json::from_value(v).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.fields["note"].hlc.node, big);
    }

    #[test]
    fn mixed_stamps_round_trip_with_the_most_used_first() {
        let a = stamp(3, 1_000, 1, 10);
        let b = stamp(8, 2_000, 2, 11);
        let c = stamp(9, 3_000, 1, 10);
        let r = record(vec![
            ("assignees", json!(["x"]), a),
            ("description", json!("漏水"), b),
            ("kind", json!("dispute"), b),
            ("status", json!("accepted"), c),
            ("title", json!("楼道漏水"), b),
            ("gone", json!(null), a),
        ]);
        let text = serde_json::to_string(&r).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["stamps"][0][0], 8, "b sets three fields: it goes first");
        assert_eq!(v["stamp_of"], json!({"assignees": 1, "gone": 1, "status": 2}));
        assert_eq!(serde_json::from_str::<RecordState>(&text).unwrap(), r);
        // Serializing what was read gives the same text again.
        assert_eq!(serde_json::to_string(&serde_json::from_str::<RecordState>(&text).unwrap()).unwrap(), text);
    }

    #[test]
    fn left_out_defaults_read_back() {
        let s = stamp(7, 1_000, 1, 4);
        let mut r = record(vec![("note", json!("x"), s)]);
        r.handlers.clear();
        let v = serde_json::to_value(&r).unwrap();
        for key in ["deleted", "handlers", "created_by", "stamp_of"] {
            assert!(v.get(key).is_none(), "{key}: {v}");
        }
        assert_eq!(serde_json::from_value::<RecordState>(v).unwrap(), r);
        // Created by someone else than the main stamp's author: written out.
        r.created_by = Uuid::from_u128(99);
        r.deleted = true;
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!((v["created_by"].clone(), v["deleted"].clone()), (json!(Uuid::from_u128(99)), json!(true)));
        assert_eq!(serde_json::from_value::<RecordState>(v).unwrap(), r);
        // Without stamps there is no author to take it from.
        let mut v = serde_json::to_value(record(vec![])).unwrap();
        v.as_object_mut().unwrap().remove("created_by");
        assert!(serde_json::from_value::<RecordState>(v).unwrap_err().to_string().contains("created_by"));
    }

    #[test]
    fn empty_and_deleted_records_round_trip() {
        let mut r = record(vec![]);
        r.deleted = true;
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["fields"], json!({}));
        assert_eq!(v["stamps"], json!([]));
        assert_eq!(serde_json::from_value::<RecordState>(v).unwrap(), r);
    }

    #[test]
    fn the_older_per_field_form_is_still_read() {
        let s = stamp(4, 1_700_000_000_000, u64::MAX, 6);
        let t = stamp(5, 1_700_000_000_001, 77, 7);
        let r = record(vec![("title", json!("漏水"), s), ("status", json!("registered"), t)]);
        let old = legacy_json(&r);
        assert_eq!(old["fields"]["title"]["hlc"]["node"], json!(u64::MAX));
        assert_eq!(serde_json::from_value::<RecordState>(old.clone()).unwrap(), r);
        // From text too (exact u64 nodes), as rows and IndexedDB hold it.
        let text = serde_json::to_string(&old).unwrap();
        assert_eq!(serde_json::from_str::<RecordState>(&text).unwrap(), r);
        // An old record without fields, as phones stored it.
        let empty = json!({
            "kind": "visit", "id": Uuid::from_u128(1), "station_id": Uuid::from_u128(9), "fields": {},
            "deleted": false, "rev": 1, "created_op": Uuid::nil(), "created_by": Uuid::nil(),
            "created_hash": "", "handlers": []
        });
        assert!(serde_json::from_value::<RecordState>(empty).unwrap().fields.is_empty());
    }

    #[test]
    fn compact_is_much_smaller_for_a_visit() {
        let s = stamp(12_345, 1_759_280_400_000, 0x0123_4567_89ab_cdef, 5);
        let r = record(vec![
            ("building_id", json!(Uuid::from_u128(11)), s),
            ("compound_id", json!(Uuid::from_u128(12)), s),
            ("follow_up_needed", json!(false), s),
            ("household_id", json!(Uuid::from_u128(13)), s),
            ("met", json!(true), s),
            ("note", json!("上午入户走访，住户在家，精神状态良好。"), s),
            ("topics", json!(["独居老人", "用电安全"]), s),
            ("unit_id", json!(Uuid::from_u128(14)), s),
            ("visited_at", json!(1_759_280_400_000u64), s),
        ]);
        let compact = serde_json::to_string(&r).unwrap().len();
        let legacy = serde_json::to_string(&legacy_json(&r)).unwrap().len();
        assert!(compact * 2 < legacy, "compact {compact} B, per-field {legacy} B");
    }

    #[test]
    fn malformed_compact_forms_are_refused() {
        let s = stamp(1, 1, 1, 1);
        let mut v = serde_json::to_value(record(vec![("title", json!("x"), s)])).unwrap();
        v["stamp_of"] = json!({"title": 3});
        assert!(serde_json::from_value::<RecordState>(v.clone()).unwrap_err().to_string().contains("out of range"));
        v["stamp_of"] = json!({"nope": 0});
        assert!(serde_json::from_value::<RecordState>(v.clone()).is_err());
        v["stamp_of"] = json!({});
        v["stamps"] = json!([]);
        assert!(serde_json::from_value::<RecordState>(v.clone()).is_err(), "a field needs a stamp");
        v["stamps"] = json!([[1, 1, 1, "zz", Uuid::nil()]]);
        assert!(serde_json::from_value::<RecordState>(v.clone()).is_err());
        v["stamps"] = json!([[1, 1, 1, "00000000000000001", Uuid::nil()]]);
        assert!(serde_json::from_value::<RecordState>(v.clone()).is_err(), "17 hex digits");
        v["stamps"] = json!([[1, 1, 1, "1"]]);
        assert!(serde_json::from_value::<RecordState>(v).is_err());
    }
}

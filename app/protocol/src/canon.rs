//! Canonical JSON, a stable 128-bit content hash, and id helpers.
//!
//! The hash must be identical on the phone (wasm) and the server and across
//! releases, so it is written out here (FNV-1a, 128 bit) over a canonical JSON
//! form with object keys sorted, independent of serde_json's `preserve_order`.

use serde_json::Value;
use uuid::Uuid;

const FNV128_OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
const FNV128_PRIME: u128 = 0x0000000001000000000000000000013B;

/// FNV-1a 128-bit hasher (not cryptographic; used for equality detection).
#[derive(Debug, Clone)]
pub struct Fnv128(u128);

impl Default for Fnv128 {
    fn default() -> Self {
        Fnv128(FNV128_OFFSET)
    }
}

impl Fnv128 {
    pub fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u128::from(*b);
            self.0 = self.0.wrapping_mul(FNV128_PRIME);
        }
    }

    /// Write a length-prefixed part, so that ("ab","c") != ("a","bc").
    pub fn write_part(&mut self, bytes: &[u8]) {
        self.write(&(bytes.len() as u64).to_be_bytes());
        self.write(bytes);
    }

    pub fn finish(&self) -> u128 {
        self.0
    }
}

/// Write the canonical JSON form of `v` (sorted object keys, no whitespace)
/// to `out`: a buffer, or a hasher (see [`HashWriter`]) so nothing is built.
pub fn write_canonical<W: std::io::Write>(v: &Value, out: &mut W) -> std::io::Result<()> {
    match v {
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            serde_json::to_writer(&mut *out, v).map_err(std::io::Error::other)
        }
        Value::Array(items) => {
            out.write_all(b"[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                write_canonical(item, out)?;
            }
            out.write_all(b"]")
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.write_all(b"{")?;
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                write_canonical_str(k, out)?;
                out.write_all(b":")?;
                write_canonical(&map[k], out)?;
            }
            out.write_all(b"}")
        }
    }
}

/// Write a string as JSON (quoted and escaped as serde_json writes it).
pub fn write_canonical_str<W: std::io::Write>(s: &str, out: &mut W) -> std::io::Result<()> {
    serde_json::to_writer(out, s).map_err(std::io::Error::other)
}

/// Canonical JSON text of a value.
pub fn canonical(v: &Value) -> String {
    let mut buf = Vec::new();
    // Writing to a Vec cannot fail, and serde_json writes UTF-8.
    let _ = write_canonical(v, &mut buf);
    String::from_utf8(buf).unwrap_or_default()
}

/// Feeds what is written straight into an [`Fnv128`].
pub struct HashWriter<'a>(pub &'a mut Fnv128);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A deterministic (version 8) uuid derived from some parts, e.g. conflict ids
/// derived from `(op_id, field)` so that re-deciding an op yields the same id.
pub fn derived_uuid(parts: &[&[u8]]) -> Uuid {
    let mut h = Fnv128::default();
    for p in parts {
        h.write_part(p);
    }
    uuid::Builder::from_custom_bytes(h.finish().to_be_bytes()).into_uuid()
}

/// A new time-ordered (version 7) id from the caller's clock and 10 random
/// bytes (the phone uses `crypto.getRandomValues`, the server its RNG).
pub fn new_id(unix_ms: u64, random: &[u8; 10]) -> Uuid {
    uuid::Builder::from_unix_timestamp_millis(unix_ms, random).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_sorts_keys_recursively() {
        let a = json!({"b": 1, "a": {"y": [1, "x"], "x": null}});
        let mut m = serde_json::Map::new();
        m.insert("a".into(), json!({"x": null, "y": [1, "x"]}));
        m.insert("b".into(), json!(1));
        assert_eq!(canonical(&a), canonical(&Value::Object(m)));
        assert_eq!(canonical(&a), r#"{"a":{"x":null,"y":[1,"x"]},"b":1}"#);
    }

    #[test]
    fn hash_is_stable_and_distinguishes_parts() {
        let mut h = Fnv128::default();
        h.write(b"");
        assert_eq!(h.finish(), FNV128_OFFSET);
        assert_ne!(derived_uuid(&[b"ab", b"c"]), derived_uuid(&[b"a", b"bc"]));
        assert_eq!(derived_uuid(&[b"x"]), derived_uuid(&[b"x"]));
        assert_eq!(derived_uuid(&[b"x"]).get_version_num(), 8);
    }

    #[test]
    fn new_id_is_v7_and_time_ordered() {
        let a = new_id(1_000, &[0xff; 10]);
        let b = new_id(1_001, &[0; 10]);
        assert_eq!(a.get_version_num(), 7);
        assert!(a < b);
    }
}

//! Hand-written value checks (no regex crate: this is compiled to wasm).

/// Mainland China mobile number: 11 ASCII digits, `1[3-9]\d{9}`.
pub fn is_mainland_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11 && b.iter().all(u8::is_ascii_digit) && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

fn is_leap(y: u32) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

/// A real calendar date written `YYYY-MM-DD` (years 1900–2199).
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &b[r];
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        part.iter().try_fold(0u32, |acc, d| Some(acc * 10 + u32::from(d - b'0')))
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    if !(1900..=2199).contains(&y) || !(1..=12).contains(&m) || d == 0 {
        return false;
    }
    let days = match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    d <= days
}

/// 64 lowercase hex digits.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

/// Length in characters (what an envoy would count), not bytes.
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers() {
        for ok in ["13800138000", "19912345678", "15000000000"] {
            assert!(is_mainland_mobile(ok), "{ok}");
        }
        for bad in [
            "12800138000",
            "1380013800",
            "138001380000",
            "23800138000",
            "1380013800a",
            "+8613800138000",
            "１３８００１３８０００",
            "",
        ] {
            assert!(!is_mainland_mobile(bad), "{bad}");
        }
    }

    #[test]
    fn dates() {
        for ok in ["2024-02-29", "2000-02-29", "2025-12-31", "2025-01-01"] {
            assert!(is_date(ok), "{ok}");
        }
        for bad in [
            "2023-02-29",
            "1900-02-29",
            "2025-13-01",
            "2025-00-10",
            "2025-04-31",
            "2025-1-01",
            "2025/01/01",
            "2025-01-01T00:00",
            "",
            "2025-01-0a",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }

    #[test]
    fn sha_and_chars() {
        assert!(is_sha256_hex(&"a".repeat(64)));
        assert!(!is_sha256_hex(&"A".repeat(64)));
        assert!(!is_sha256_hex(&"a".repeat(63)));
        assert_eq!(char_len("走访记录"), 4);
    }
}

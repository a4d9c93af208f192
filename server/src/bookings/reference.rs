//! Booking references (read aloud over the phone) and secret links.

use rand::Rng;
use yinling_app::booking::model::REFERENCE_ALPHABET;

/// `XXXX-XXXX` from an alphabet without 0/O and 1/I: 32⁸ ≈ 10¹² values, and
/// a lookup also needs the phone number and is rate limited.
pub fn new_reference() -> String {
    let mut rng = rand::thread_rng();
    let mut s = String::with_capacity(9);
    for i in 0..8 {
        if i == 4 {
            s.push('-');
        }
        s.push(REFERENCE_ALPHABET[rng.gen_range(0..REFERENCE_ALPHABET.len())] as char);
    }
    s
}

/// A secret link token: 256 random bits (only its SHA-256 is stored).
pub use crate::auth::session::{new_token, token_hash};

/// The page of the booking behind `token`.
pub fn booking_path(token: &str) -> String {
    format!("/b/{token}")
}

/// Tokens are URL-safe base64 of 32 bytes; anything else is not worth a lookup.
pub fn plausible_token(token: &str) -> bool {
    token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_readable_and_distinct() {
        let a = new_reference();
        assert_eq!(a.len(), 9);
        assert_eq!(&a[4..5], "-");
        assert!(a.chars().filter(|c| *c != '-').all(|c| REFERENCE_ALPHABET.contains(&(c as u8))));
        assert!(!a.contains(['0', 'O', '1', 'I']));
        let many: std::collections::HashSet<String> = (0..1000).map(|_| new_reference()).collect();
        assert_eq!(many.len(), 1000);
        assert!(plausible_token(&new_token()));
        assert!(!plausible_token("short"));
    }
}

//! Retry delays: exponential backoff with full jitter.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backoff {
    pub base_ms: u64,
    pub cap_ms: u64,
    /// Consecutive failures since the last success.
    pub failures: u32,
}

impl Default for Backoff {
    /// 2 s base, 10 min cap: gentle on a phone's battery and a weak signal.
    fn default() -> Self {
        Backoff::new(2_000, 600_000)
    }
}

impl Backoff {
    pub fn new(base_ms: u64, cap_ms: u64) -> Self {
        Backoff { base_ms, cap_ms, failures: 0 }
    }

    /// Upper bound of the next delay: `min(cap, base * 2^failures)`.
    pub fn ceiling_ms(&self) -> u64 {
        let factor = 1u64 << self.failures.min(40);
        self.base_ms.saturating_mul(factor).min(self.cap_ms)
    }

    /// Record a failure and return how long to wait: uniform in
    /// `0..=ceiling` ("full jitter"), from a random `u64` the caller supplies.
    pub fn next_delay_ms(&mut self, random: u64) -> u64 {
        let ceiling = self.ceiling_ms();
        self.failures = self.failures.saturating_add(1);
        random % (ceiling + 1)
    }

    /// A request succeeded.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_caps_and_resets() {
        let mut b = Backoff::new(100, 1_000);
        assert_eq!(b.next_delay_ms(u64::MAX), u64::MAX % 101);
        assert_eq!(b.ceiling_ms(), 200);
        assert_eq!(b.next_delay_ms(200), 200);
        assert_eq!(b.next_delay_ms(401), 0, "401 % (400 + 1)");
        for _ in 0..100 {
            assert!(b.next_delay_ms(u64::MAX - 7) <= 1_000);
        }
        assert_eq!(b.ceiling_ms(), 1_000);
        b.reset();
        assert_eq!(b.ceiling_ms(), 100);
    }
}

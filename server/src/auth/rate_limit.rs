//! Login throttling: failed attempts counted per phone and per client address
//! in a sliding window, in memory (a restart forgets them, which only ever
//! helps a real user who was locked out).

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
    time::{Duration, Instant},
};

pub struct RateLimiter {
    window: Duration,
    max: usize,
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    pub fn new(max: usize, window: Duration) -> Self {
        Self { window, max, hits: Mutex::new(HashMap::new()) }
    }

    /// True when `key` has used up its attempts in the current window.
    pub fn is_blocked(&self, key: &str) -> bool {
        let mut hits = self.hits.lock().unwrap();
        let now = Instant::now();
        match hits.get_mut(key) {
            Some(q) => {
                while q.front().is_some_and(|t| now.duration_since(*t) > self.window) {
                    q.pop_front();
                }
                q.len() >= self.max
            }
            None => false,
        }
    }

    pub fn record(&self, key: &str) {
        let mut hits = self.hits.lock().unwrap();
        // Bound memory under a flood of distinct keys: drop idle entries.
        if hits.len() > 100_000 {
            let now = Instant::now();
            hits.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) <= self.window));
        }
        hits.entry(key.to_string()).or_default().push_back(Instant::now());
    }

    pub fn clear(&self, key: &str) {
        self.hits.lock().unwrap().remove(key);
    }
}

/// The login limits: 5 failures per phone, 20 per address, per 15 minutes.
pub struct LoginLimits {
    pub per_phone: RateLimiter,
    pub per_ip: RateLimiter,
}

impl Default for LoginLimits {
    fn default() -> Self {
        let window = Duration::from_secs(15 * 60);
        Self { per_phone: RateLimiter::new(5, window), per_ip: RateLimiter::new(20, window) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_and_clears() {
        let r = RateLimiter::new(2, Duration::from_secs(60));
        assert!(!r.is_blocked("p"));
        r.record("p");
        r.record("p");
        assert!(r.is_blocked("p"));
        assert!(!r.is_blocked("q"), "keys are independent");
        r.clear("p");
        assert!(!r.is_blocked("p"));
    }

    #[test]
    fn window_expires() {
        let r = RateLimiter::new(1, Duration::from_millis(20));
        r.record("p");
        assert!(r.is_blocked("p"));
        std::thread::sleep(Duration::from_millis(40));
        assert!(!r.is_blocked("p"));
    }
}

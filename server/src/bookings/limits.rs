//! Abuse limits on booking and lookup (no CAPTCHA: residents are elderly).
//! Same sliding-window limiter as login, in memory.

use crate::auth::rate_limit::RateLimiter;
use std::time::Duration;

pub struct BookingLimits {
    /// Booking submissions that reach the database, per client address.
    pub book_per_ip: RateLimiter,
    /// … and per phone number.
    pub book_per_phone: RateLimiter,
    /// Failed lookups by reference + phone, per client address.
    pub lookup_per_ip: RateLimiter,
    /// … and per phone number.
    pub lookup_per_phone: RateLimiter,
}

impl Default for BookingLimits {
    fn default() -> Self {
        let hour = Duration::from_secs(3600);
        let quarter = Duration::from_secs(15 * 60);
        Self {
            book_per_ip: RateLimiter::new(20, hour),
            book_per_phone: RateLimiter::new(5, 24 * hour),
            lookup_per_ip: RateLimiter::new(10, quarter),
            lookup_per_phone: RateLimiter::new(5, quarter),
        }
    }
}

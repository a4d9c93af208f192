//! Hybrid logical clock (HLC).
//!
//! Every op is stamped with an [`Hlc`] by the device that made it. The HLC is
//! used for three things only:
//!
//! * a stable, human-meaningful "when" for the review queue and the UI,
//! * ordering the ops *of one device* (its `node`), which lets the server see
//!   that a device's later edit follows its own earlier one,
//! * a total order for display when two values must be shown side by side.
//!
//! It is **never** used to decide which of two concurrent edits wins: that is
//! decided by server revisions (see `rules`). A phone whose clock is hours off
//! therefore cannot make its edits win; at worst its HLC shows a wrong time.
//!
//! Drift bound: `observe` ignores a remote stamp more than [`MAX_DRIFT_MS`]
//! ahead of the local physical clock, so one device with a clock set to 2099
//! cannot drag every other clock into the future. `now` never goes backwards,
//! even when the physical clock does (the counter absorbs it); if the counter
//! would overflow, the wall part is advanced by one millisecond instead.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A remote stamp further than this ahead of our physical clock is not adopted.
pub const MAX_DRIFT_MS: u64 = 24 * 60 * 60 * 1000;

/// One HLC timestamp. Ordered by `(wall_ms, counter, node)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Hlc {
    /// Milliseconds since the Unix epoch (device wall clock, possibly adjusted).
    pub wall_ms: u64,
    /// Logical counter for events within the same `wall_ms`.
    pub counter: u32,
    /// The stamping device (see [`node_id`]).
    pub node: u64,
}

impl Hlc {
    /// True if `self` was stamped by the same node strictly before `later`.
    pub fn precedes_on_same_node(&self, later: &Hlc) -> bool {
        self.node == later.node && (self.wall_ms, self.counter) < (later.wall_ms, later.counter)
    }
}

/// The node id used in HLC stamps for a device: a fold of its uuid.
pub fn node_id(device_id: Uuid) -> u64 {
    let b = device_id.as_bytes();
    let (hi, lo) = b.split_at(8);
    let hi = u64::from_be_bytes(hi.try_into().expect("8 bytes"));
    let lo = u64::from_be_bytes(lo.try_into().expect("8 bytes"));
    hi ^ lo.rotate_left(17)
}

/// A remote stamp was too far ahead of the local clock and was not adopted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DriftExceeded {
    pub remote_wall_ms: u64,
    pub physical_ms: u64,
}

/// The per-device clock state (persist it with the rest of the client state).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HlcClock {
    node: u64,
    wall_ms: u64,
    counter: u32,
}

impl HlcClock {
    pub fn new(node: u64) -> Self {
        HlcClock { node, wall_ms: 0, counter: 0 }
    }

    /// A clock whose node is derived from the device id.
    pub fn for_device(device_id: Uuid) -> Self {
        Self::new(node_id(device_id))
    }

    pub fn node(&self) -> u64 {
        self.node
    }

    /// The last stamp issued or observed.
    pub fn last(&self) -> Hlc {
        Hlc { wall_ms: self.wall_ms, counter: self.counter, node: self.node }
    }

    /// A new stamp, strictly greater than every stamp issued or observed before.
    pub fn now(&mut self, physical_ms: u64) -> Hlc {
        if physical_ms > self.wall_ms {
            self.wall_ms = physical_ms;
            self.counter = 0;
        } else {
            self.tick();
        }
        self.last()
    }

    /// Merge a stamp seen from elsewhere (e.g. in pulled records), so that the
    /// next `now` is after it. Stamps too far in the future are ignored.
    pub fn observe(&mut self, remote: Hlc, physical_ms: u64) -> Result<(), DriftExceeded> {
        if remote.wall_ms > physical_ms.saturating_add(MAX_DRIFT_MS) {
            return Err(DriftExceeded { remote_wall_ms: remote.wall_ms, physical_ms });
        }
        if (remote.wall_ms, remote.counter) > (self.wall_ms, self.counter) {
            self.wall_ms = remote.wall_ms;
            self.counter = remote.counter;
        }
        Ok(())
    }

    fn tick(&mut self) {
        if self.counter == u32::MAX {
            self.wall_ms += 1;
            self.counter = 0;
        } else {
            self.counter += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_when_physical_clock_jumps_back() {
        let mut c = HlcClock::new(7);
        let a = c.now(10_000);
        let b = c.now(5_000); // clock set back by the user
        let d = c.now(5_001);
        let e = c.now(20_000);
        assert!(a < b && b < d && d < e, "{a:?} {b:?} {d:?} {e:?}");
        assert_eq!(b.wall_ms, 10_000);
        assert_eq!(e, Hlc { wall_ms: 20_000, counter: 0, node: 7 });
    }

    #[test]
    fn observe_moves_past_a_remote_stamp_from_a_fast_clock() {
        let two_hours = 2 * 3600 * 1000;
        let mut slow = HlcClock::new(1);
        let mut fast = HlcClock::new(2);
        let t = 1_700_000_000_000;
        let r = fast.now(t + two_hours);
        slow.observe(r, t).unwrap();
        let mine = slow.now(t);
        assert!(mine > r);
        assert_eq!(mine.wall_ms, r.wall_ms);
        assert_eq!(mine.counter, r.counter + 1);
    }

    #[test]
    fn observe_ignores_absurd_future_and_stays_monotonic() {
        let mut c = HlcClock::new(1);
        let t = 1_700_000_000_000;
        let before = c.now(t);
        let absurd = Hlc { wall_ms: t + MAX_DRIFT_MS + 1, counter: 0, node: 9 };
        assert!(c.observe(absurd, t).is_err());
        let after = c.now(t);
        assert!(after > before && after.wall_ms == t);
        // Within the bound it is adopted.
        let ok = Hlc { wall_ms: t + MAX_DRIFT_MS, counter: 3, node: 9 };
        c.observe(ok, t).unwrap();
        assert!(c.now(t) > ok);
    }

    #[test]
    fn counter_overflow_advances_wall() {
        let mut c = HlcClock { node: 1, wall_ms: 5, counter: u32::MAX - 1 };
        assert_eq!(c.now(0).counter, u32::MAX);
        let n = c.now(0);
        assert_eq!((n.wall_ms, n.counter), (6, 0));
    }

    #[test]
    fn seeded_random_skew_never_goes_backwards() {
        // Three clocks, ±2 h skew, random exchanges: every clock's stamps rise
        // strictly and a stamp made after observing another is greater.
        let mut s: u64 = 42;
        let mut rnd = move || {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let base = 1_700_000_000_000u64;
        let skew = [0i64, 7_200_000, -7_200_000];
        let mut clocks: Vec<HlcClock> = (0..3).map(|i| HlcClock::new(i as u64)).collect();
        let mut last: Vec<Hlc> = vec![Hlc::default(); 3];
        for step in 0..5_000u64 {
            let i = (rnd() % 3) as usize;
            let jitter = (rnd() % 2_000) as i64 - 1_000;
            let phys = (base as i64 + step as i64 * 10 + skew[i] + jitter) as u64;
            let h = clocks[i].now(phys);
            assert!(h > last[i]);
            last[i] = h;
            let j = (rnd() % 3) as usize;
            if j != i {
                let pj = (base as i64 + step as i64 * 10 + skew[j]) as u64;
                clocks[j].observe(h, pj).unwrap();
                let hj = clocks[j].now(pj);
                assert!(hj > h && hj > last[j]);
                last[j] = hj;
            }
        }
    }
}

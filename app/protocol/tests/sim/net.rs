//! An unreliable network: drops, duplicates, reorders, delays.

use super::rng::Rng;

#[derive(Debug, Clone)]
pub enum Payload {
    PushReq(String),
    PushResp(String),
    PullReq(String),
    PullResp(String),
}

#[derive(Debug, Clone)]
pub struct Msg {
    pub device: usize,
    /// The device incarnation that sent / should receive it (a restarted app
    /// has lost its connections).
    pub instance: u32,
    pub payload: Payload,
}

pub struct Net {
    pub queue: Vec<Msg>,
    pub drop_per_mille: u64,
    pub dup_per_mille: u64,
}

impl Net {
    pub fn new() -> Self {
        Net { queue: Vec::new(), drop_per_mille: 150, dup_per_mille: 80 }
    }

    pub fn send(&mut self, m: Msg) {
        self.queue.push(m);
    }

    /// Take some message, not necessarily the oldest. It may be lost, or
    /// delivered while a copy stays in the network.
    pub fn take(&mut self, rng: &mut Rng) -> Option<Msg> {
        if self.queue.is_empty() {
            return None;
        }
        // Mostly near the front (delay), sometimes anywhere (reorder).
        let i = if rng.chance(700) { 0 } else { rng.index(self.queue.len()) };
        let m = self.queue.remove(i);
        if rng.chance(self.drop_per_mille) {
            return None;
        }
        if rng.chance(self.dup_per_mille) {
            let at = rng.index(self.queue.len() + 1);
            self.queue.insert(at, m.clone());
        }
        Some(m)
    }

    /// Perfect delivery, in order.
    pub fn take_fifo(&mut self) -> Option<Msg> {
        if self.queue.is_empty() {
            None
        } else {
            Some(self.queue.remove(0))
        }
    }
}

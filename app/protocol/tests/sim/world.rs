//! Devices, the chaotic phase, and the heal phase.

use std::collections::BTreeSet;

use serde_json::json;
use uuid::Uuid;
use yinling_protocol::*;

use super::gen;
use super::net::{Msg, Net, Payload};
use super::oracle::{Expect, Oracle, SEED_DEVICE};
use super::rng::Rng;
use super::server::{Sabotage, Server};

pub const TIMEOUT_MS: u64 = 20_000;

pub struct Ctx {
    pub stations: [Uuid; 2],
    pub hot: [Uuid; 2],
    pub households: [Uuid; 2],
    pub cross_envoy: Uuid,
}

impl Ctx {
    pub fn station_index(&self, s: Uuid) -> usize {
        usize::from(self.stations[1] == s)
    }
}

pub struct Device {
    pub user: Caller,
    pub state: ClientState,
    pub offset_ms: i64,
    pub online: bool,
    pub instance: u32,
    pub push_sent: Option<u64>,
    pub pull_sent: Option<u64>,
    pub seq: u64,
    pub last_pull_empty: bool,
    /// Records this device ever made an op on.
    pub touched: BTreeSet<Uuid>,
}

impl Device {
    /// The device's own (skewed) clock.
    pub fn phys(&self, now: u64) -> u64 {
        (now as i64 + self.offset_ms) as u64
    }
}

pub struct World {
    pub rng: Rng,
    pub server: Server,
    pub net: Net,
    pub devices: Vec<Device>,
    pub oracle: Oracle,
    pub now: u64,
    pub ctx: Ctx,
    seed_seq: u64,
}

fn user(n: u128, role: Role, station: Uuid) -> Caller {
    Caller { user_id: Uuid::from_u128(0x100 + n), role, station_id: Some(station) }
}

fn skew(rng: &mut Rng) -> i64 {
    rng.below(4 * 3_600_000 + 1) as i64 - 2 * 3_600_000
}

impl World {
    pub fn new(seed: u64, sabotage: Sabotage) -> World {
        let mut rng = Rng::new(seed);
        let stations = [Uuid::from_u128(0x5_0001), Uuid::from_u128(0x5_0002)];
        let staff1 = user(0, Role::Staff, stations[0]);
        let a = user(1, Role::Envoy, stations[0]);
        let b = user(2, Role::Envoy, stations[0]);
        let c = user(3, Role::Envoy, stations[1]);
        let staff2 = user(4, Role::Staff, stations[1]);
        let mut rest = vec![staff1, c.clone(), staff2];
        for i in (1..rest.len()).rev() {
            rest.swap(i, rng.index(i + 1));
        }
        let n = rng.range(2, 5) as usize;
        let mut users = vec![a.clone(), b.clone()];
        users.extend(rest);
        users.truncate(n);
        let devices = users
            .into_iter()
            .enumerate()
            .map(|(i, u)| Device {
                state: ClientState::new(Uuid::from_u128(0xD000 + i as u128), u.user_id),
                user: u,
                offset_ms: skew(&mut rng),
                online: true,
                instance: 0,
                push_sent: None,
                pull_sent: None,
                seq: 0,
                last_pull_empty: false,
                touched: BTreeSet::new(),
            })
            .collect();
        let ctx = Ctx {
            stations,
            hot: [Uuid::from_u128(0xC1), Uuid::from_u128(0xC2)],
            households: [Uuid::from_u128(0x11), Uuid::from_u128(0x12)],
            cross_envoy: c.user_id,
        };
        let mut w = World {
            rng,
            server: Server::new(sabotage),
            net: Net::new(),
            devices,
            oracle: Oracle::default(),
            now: 1_700_000_000_000,
            ctx,
            seed_seq: 0,
        };
        w.seed_data(&[a.user_id, b.user_id, c.user_id]);
        w
    }

    /// Seed records written by an admin through the same rules.
    fn seed_data(&mut self, handlers: &[Uuid; 3]) {
        let ids = |v: &[Uuid]| json!(v.iter().map(Uuid::to_string).collect::<Vec<_>>());
        for s in 0..2 {
            let station = self.ctx.stations[s];
            self.seed(
                RecordKind::Household,
                station,
                self.ctx.households[s],
                json!({"compound_id": Uuid::nil().to_string(), "door": "1-101"}),
            );
            let assignees = if s == 0 { ids(handlers) } else { ids(&handlers[2..]) };
            self.seed(
                RecordKind::Case,
                station,
                self.ctx.hot[s],
                json!({"title": "热点事项", "kind": "dispute", "assignees": assignees}),
            );
        }
        let m = Uuid::from_u128(0x3001);
        self.seed(
            RecordKind::Mediation,
            self.ctx.stations[0],
            m,
            json!({"case_id": self.ctx.hot[0].to_string(), "status": "mediating", "mediator_ids": ids(handlers)}),
        );
    }

    fn seed(&mut self, kind: RecordKind, station: Uuid, id: Uuid, fields: serde_json::Value) {
        let admin = Caller { user_id: Uuid::from_u128(0xAD), role: Role::Admin, station_id: None };
        self.seed_seq += 1;
        let op = Op {
            op_id: Uuid::from_u128(0xE000 + u128::from(self.seed_seq)),
            device_id: Uuid::from_u128(0xAD),
            author: admin.user_id,
            station_id: station,
            kind,
            record_id: id,
            hlc: Hlc { wall_ms: self.now, counter: 0, node: 0xAD },
            body: OpBody::Create { fields: serde_json::from_value(fields).unwrap() },
        };
        self.oracle.register(&op, SEED_DEVICE, self.seed_seq, Expect::Valid);
        let r = self.server.process_op(&admin, &op, &mut self.oracle);
        assert!(matches!(r.outcome, Outcome::Applied { .. }), "{r:?}");
    }

    fn register(&mut self, d: usize, op: &Op, expect: Expect) {
        let dev = &mut self.devices[d];
        dev.seq += 1;
        dev.touched.insert(op.record_id);
        let seq = dev.seq;
        self.oracle.register(op, d, seq, expect);
    }

    pub fn send_push(&mut self, d: usize, max: usize) {
        let dev = &mut self.devices[d];
        if !dev.online || dev.push_sent.is_some() {
            return;
        }
        if let Some(req) = dev.state.push_request(max, "sim") {
            dev.push_sent = Some(self.now);
            let body = serde_json::to_string(&req).unwrap();
            self.net.send(Msg { device: d, instance: dev.instance, payload: Payload::PushReq(body) });
        }
    }

    pub fn send_pull(&mut self, d: usize, limit: u32) {
        let dev = &mut self.devices[d];
        if !dev.online || dev.pull_sent.is_some() {
            return;
        }
        dev.pull_sent = Some(self.now);
        let body = serde_json::to_string(&dev.state.pull_request(limit)).unwrap();
        self.net.send(Msg { device: d, instance: dev.instance, payload: Payload::PullReq(body) });
    }

    pub fn restart_device(&mut self, d: usize) {
        let dev = &mut self.devices[d];
        let saved = dev.state.to_json();
        let restored = ClientState::from_json(&saved).unwrap();
        if restored.outbox.in_flight_count() != 0
            || restored.outbox.pending_count() != dev.state.outbox.pending_count()
            || restored.replica != dev.state.replica
            || restored.clock != dev.state.clock
        {
            self.oracle.fail(format!("device {d} lost state across a restart"));
        }
        dev.state = restored;
        dev.instance += 1;
        dev.push_sent = None;
        dev.pull_sent = None;
        if self.rng.chance(300) {
            dev.offset_ms = skew(&mut self.rng); // the user "fixed" the clock
        }
        self.oracle.stats.device_restarts += 1;
    }

    /// Deliver one message; `chaos` allows server crashes mid-push.
    pub fn deliver(&mut self, m: Msg, chaos: bool) {
        let d = m.device;
        match m.payload {
            Payload::PushReq(body) => {
                let crash = if chaos && self.rng.chance(40) { Some(self.rng.below(6) as usize) } else { None };
                let caller = self.devices[d].user.clone();
                let reply = self.server.handle_push(&caller, &body, crash, &mut self.oracle);
                let reply = match (reply, crash) {
                    (Some(_), Some(_)) => {
                        self.server.restart(); // crashed after commit, before replying
                        None
                    }
                    (r, _) => r,
                };
                if crash.is_some() {
                    self.oracle.stats.server_crashes += 1;
                }
                if let Some(body) = reply {
                    self.net.send(Msg { device: d, instance: m.instance, payload: Payload::PushResp(body) });
                }
            }
            Payload::PullReq(body) => {
                let caller = self.devices[d].user.clone();
                let body = self.server.handle_pull(&caller, &body);
                self.net.send(Msg { device: d, instance: m.instance, payload: Payload::PullResp(body) });
            }
            Payload::PushResp(body) => {
                let dev = &mut self.devices[d];
                if dev.instance != m.instance {
                    return;
                }
                let resp: PushResponse = serde_json::from_str(&body).unwrap();
                dev.state.on_push_response(&resp);
                if dev.state.outbox.in_flight_count() == 0 {
                    dev.push_sent = None;
                }
            }
            Payload::PullResp(body) => {
                let now = self.now;
                let dev = &mut self.devices[d];
                if dev.instance != m.instance {
                    return;
                }
                let page: PullResponse = serde_json::from_str(&body).unwrap();
                dev.state.on_pull_response(&page, dev.phys(now));
                dev.pull_sent = None;
                dev.last_pull_empty = page.changes.is_empty() && !page.has_more;
                if page.has_more {
                    let limit = self.rng.range(2, 10) as u32;
                    self.send_pull(d, limit);
                }
            }
        }
    }

    fn timeouts(&mut self) {
        for dev in &mut self.devices {
            if dev.push_sent.is_some_and(|t| self.now - t > TIMEOUT_MS) {
                dev.state.on_push_failure();
                dev.push_sent = None;
            }
            if dev.pull_sent.is_some_and(|t| self.now - t > TIMEOUT_MS) {
                dev.pull_sent = None;
            }
        }
    }

    /// Everyone pulls once over a good network (first login).
    pub fn initial_sync(&mut self) {
        for d in 0..self.devices.len() {
            self.send_pull(d, 50);
        }
        while let Some(m) = self.net.take_fifo() {
            self.deliver(m, false);
        }
    }

    /// The chaotic phase: offline edits, bad network, restarts, crashes.
    pub fn chaos(&mut self, ticks: u32) {
        for _ in 0..ticks {
            self.now += self.rng.range(100, 4_000);
            let d = self.rng.index(self.devices.len());
            let roll = self.rng.below(100);
            match roll {
                0..=31 => {
                    let (rng, dev, ctx) = (&mut self.rng, &mut self.devices[d], &self.ctx);
                    if let Some(op) = gen::edit(rng, dev, ctx, self.now) {
                        self.register(d, &op, Expect::Valid);
                    }
                }
                32..=35 => {
                    let (rng, dev, ctx) = (&mut self.rng, &mut self.devices[d], &self.ctx);
                    if let Some((op, expect)) = gen::invalid(rng, dev, ctx, self.now) {
                        self.register(d, &op, expect);
                    }
                }
                36..=38 => {
                    // Staff at the station computer works the review queue.
                    if let Some(s) = self.devices.iter().position(|x| x.user.role == Role::Staff) {
                        let (rng, dev) = (&mut self.rng, &mut self.devices[s]);
                        if let Some(op) = gen::resolution(rng, dev, &self.server, self.now) {
                            self.register(s, &op, Expect::Resolution);
                        }
                    }
                }
                39..=57 => {
                    let max = self.rng.range(1, 8) as usize;
                    self.send_push(d, max);
                }
                58..=71 => {
                    let limit = self.rng.range(2, 10) as u32;
                    self.send_pull(d, limit);
                }
                72..=73 => self.restart_device(d),
                74..=78 => {
                    let dev = &mut self.devices[d];
                    dev.online = !dev.online;
                }
                _ => {}
            }
            for _ in 0..self.rng.below(4) {
                if let Some(m) = self.net.take(&mut self.rng) {
                    self.deliver(m, true);
                }
            }
            if self.rng.chance(5) {
                self.server.restart();
                self.oracle.stats.server_crashes += 1;
            }
            self.timeouts();
        }
    }

    /// The network heals; everyone syncs until nothing moves.
    pub fn heal(&mut self) -> Result<(), String> {
        self.net.drop_per_mille = 0;
        self.net.dup_per_mille = 0;
        for dev in &mut self.devices {
            dev.online = true;
        }
        for _round in 0..200 {
            let any_pending = self.devices.iter().any(|d| d.state.outbox.pending_count() > 0);
            for d in 0..self.devices.len() {
                self.send_push(d, 50);
                self.send_pull(d, 50);
            }
            while let Some(m) = self.net.take_fifo() {
                self.now += 10;
                self.deliver(m, false);
            }
            for dev in &mut self.devices {
                if dev.push_sent.take().is_some() {
                    dev.state.on_push_failure(); // its request was lost earlier
                }
                dev.pull_sent = None;
            }
            if !any_pending && self.devices.iter().all(|d| d.last_pull_empty && d.state.outbox.pending_count() == 0) {
                return Ok(());
            }
        }
        Err("not quiescent after 200 heal rounds (an outbox is stuck)".into())
    }
}

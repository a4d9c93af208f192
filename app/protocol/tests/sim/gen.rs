//! What envoys and staff do offline: valid edits made from their local view
//! by the rules, a few deliberately bad ones, and staff conflict resolutions.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use uuid::Uuid;
use yinling_protocol::rules::{resolve_conflict, Resolution};
use yinling_protocol::schema::{self, case_status, CASE_MECHANISM};
use yinling_protocol::*;

use super::oracle::Expect;
use super::rng::Rng;
use super::server::Server;
use super::world::{Ctx, Device};

fn fields(v: Value) -> BTreeMap<String, Value> {
    serde_json::from_value(v).unwrap()
}

fn new_id(rng: &mut Rng, now: u64) -> Uuid {
    yinling_protocol::new_id(now, &rng.bytes10())
}

fn phone(rng: &mut Rng) -> String {
    format!("13{}{:08}", rng.range(3, 9), rng.below(100_000_000))
}

/// A random record from what the device knows (pulled or created locally)
/// that satisfies `pred` on its local view.
fn pick_record(rng: &mut Rng, dev: &Device, pred: impl Fn(&RecordState) -> bool) -> Option<RecordState> {
    let mut ids: Vec<Uuid> = dev.state.replica.records().map(|r| r.id).collect();
    ids.extend(
        dev.state
            .outbox
            .entries()
            .iter()
            .filter(|e| matches!(e.op.body, OpBody::Create { .. }))
            .map(|e| e.op.record_id),
    );
    if ids.is_empty() {
        return None;
    }
    for _ in 0..8 {
        let id = *rng.pick(&ids);
        if let Some(v) = dev.state.view(id) {
            if pred(&v) {
                return Some(v);
            }
        }
    }
    None
}

fn same_station(u: &Caller, r: &RecordState) -> bool {
    u.station_id == Some(r.station_id)
}

pub fn may_update(u: &Caller, r: &RecordState) -> bool {
    !r.deleted
        && !r.kind.is_append_only()
        && match u.role {
            Role::Admin => true,
            Role::Staff => same_station(u, r),
            Role::Envoy if r.kind.has_handlers() => r.handlers.contains(&u.user_id),
            Role::Envoy => same_station(u, r),
        }
}

fn may_delete(u: &Caller, r: &RecordState) -> bool {
    !r.deleted
        && match u.role {
            Role::Admin => true,
            Role::Staff => same_station(u, r),
            Role::Envoy => {
                same_station(u, r)
                    && !matches!(r.kind, RecordKind::Case | RecordKind::Mediation)
                    && r.created_by == u.user_id
            }
        }
}

fn text_of(rng: &mut Rng, prefix: &str, variety: u64) -> Value {
    json!(format!("{prefix}{}", rng.below(variety)))
}

fn case_changes(rng: &mut Rng, u: &Caller, r: &RecordState, hot: bool) -> Vec<(String, Value)> {
    let status = r.str_value("status").unwrap_or(case_status::REGISTERED);
    let next = case_status::next_statuses(status);
    let mut pool = vec!["title", "description"];
    if !next.is_empty() {
        pool.push("status");
    }
    if !hot {
        pool.extend(["mechanism", "contact_phone", "follow_up_on"]);
        if u.role == Role::Staff {
            pool.push("assignees");
        }
    }
    let mut out: Vec<(String, Value)> = Vec::new();
    for _ in 0..rng.range(1, 2) {
        let f = *rng.pick(&pool);
        if out.iter().any(|(k, _)| k == f) {
            continue;
        }
        let v = match f {
            "title" => text_of(rng, "标题", 4),
            "description" => text_of(rng, "情况", 1000),
            "status" => {
                let to = *rng.pick(next);
                if to == case_status::REFERRED && !out.iter().any(|(k, _)| k == "referred_to") {
                    out.push(("referred_to".into(), json!("街道司法所")));
                }
                json!(to)
            }
            "mechanism" => json!(rng.pick(CASE_MECHANISM).code),
            "contact_phone" => json!(phone(rng)),
            "follow_up_on" => json!(format!("2025-{:02}-{:02}", rng.range(1, 12), rng.range(1, 28))),
            _ => {
                // Staff only ever adds handlers (so visibility never shrinks).
                let mut ids: Vec<Value> = r.value("assignees").and_then(Value::as_array).cloned().unwrap_or_default();
                let add = json!(Uuid::from_u128(u128::from(rng.range(1, 3) as u8) + 0x100).to_string());
                if !ids.contains(&add) {
                    ids.push(add);
                }
                json!(ids)
            }
        };
        out.push((f.to_owned(), v));
    }
    out
}

fn other_changes(rng: &mut Rng, u: &Caller, r: &RecordState) -> Vec<(String, Value)> {
    let mediators: Vec<Value> = r.value("mediator_ids").and_then(Value::as_array).cloned().unwrap_or_default();
    if r.kind == RecordKind::Mediation && u.role == Role::Staff && !mediators.is_empty() && rng.chance(300) {
        // Staff take a mediator off a mediation; their phone must forget it.
        // Nobody adds mediators back, so a handler lost is lost for good (the
        // checks rely on that).
        let mut left = mediators;
        left.remove(rng.index(left.len()));
        return vec![("mediator_ids".into(), json!(left))];
    }
    match r.kind {
        RecordKind::Household => match rng.below(4) {
            0 => vec![("note".into(), text_of(rng, "备注", 6))],
            1 => vec![("head_name".into(), text_of(rng, "户主", 3))],
            2 => vec![("members".into(), json!(rng.range(1, 6)))],
            _ => vec![("tags".into(), json!(["独居", "空巢"][..rng.index(3)]))],
        },
        _ => match rng.below(3) {
            // Outcomes that need no agreement or referral target (those are
            // covered by the rules' unit tests).
            0 => vec![("status".into(), json!(["mediating", "failed"][rng.index(2)]))],
            1 => vec![("facts".into(), text_of(rng, "社区调解室", 3))],
            _ => vec![("disputes".into(), text_of(rng, "协议", 5))],
        },
    }
}

fn known_id(rng: &mut Rng, dev: &Device, kind: RecordKind, fallback: Uuid) -> Uuid {
    pick_record(rng, dev, |r| r.kind == kind).map_or(fallback, |r| r.id)
}

fn create_fields(rng: &mut Rng, dev: &Device, ctx: &Ctx, now: u64) -> (RecordKind, BTreeMap<String, Value>) {
    let st = ctx.station_index(dev.user.station_id.unwrap());
    match rng.below(8) {
        0 => (
            RecordKind::Household,
            fields(
                json!({"compound_id": Uuid::from_u128(rng.below(4).into()).to_string(), "door": format!("{}-{}", rng.range(1, 9), rng.range(101, 1202))}),
            ),
        ),
        1 | 2 => {
            let hh = known_id(rng, dev, RecordKind::Household, ctx.households[st]);
            (
                RecordKind::Visit,
                fields(json!({"household_id": hh.to_string(), "visited_at": now as i64, "met": rng.chance(700),
                              "topics": ["身体状况"], "note": text_of(rng, "走访", 100)})),
            )
        }
        3 => {
            let mut f = fields(json!({"title": text_of(rng, "新事项", 50), "kind": "livelihood"}));
            if rng.chance(500) {
                f.insert("contact_phone".into(), json!(phone(rng)));
            }
            (RecordKind::Case, f)
        }
        4 => {
            let case = known_id(rng, dev, RecordKind::Case, ctx.hot[st]);
            (
                RecordKind::TimelineEntry,
                fields(
                    json!({"case_id": case.to_string(), "entry_type": "note", "text": text_of(rng, "进展", 100), "at": now as i64}),
                ),
            )
        }
        5 => {
            let case = known_id(rng, dev, RecordKind::Case, ctx.hot[st]);
            (RecordKind::Mediation, fields(json!({"case_id": case.to_string(), "status": "mediating"})))
        }
        6 => {
            let m = known_id(rng, dev, RecordKind::Mediation, ctx.hot[st]);
            (
                RecordKind::MediationSession,
                fields(
                    json!({"mediation_id": m.to_string(), "held_at": now as i64, "summary": text_of(rng, "调解记录", 100)}),
                ),
            )
        }
        _ => {
            let owner = known_id(rng, dev, RecordKind::Visit, ctx.households[st]);
            (
                RecordKind::Photo,
                fields(json!({"owner_kind": "visit", "owner_id": owner.to_string(), "content_type": "image/jpeg",
                              "byte_size": rng.range(10_000, 3_000_000), "sha256": format!("{:064x}", rng.next_u64())})),
            )
        }
    }
}

/// A valid offline edit from the device's view.
pub fn edit(rng: &mut Rng, dev: &mut Device, ctx: &Ctx, now: u64) -> Option<Op> {
    let phys = dev.phys(now);
    let u = dev.user.clone();
    let station = u.station_id.unwrap();
    let roll = rng.below(100);
    if roll < 50 {
        // Update; half of them on the station's hot case, on purpose.
        let hot_id = if u.user_id == ctx.cross_envoy && rng.chance(500) {
            ctx.hot[0]
        } else {
            ctx.hot[ctx.station_index(station)]
        };
        let (r, hot) = match dev.state.view(hot_id).filter(|r| rng.chance(500) && may_update(&u, r)) {
            Some(r) => (r, true),
            None => (pick_record(rng, dev, |r| may_update(&u, r))?, false),
        };
        let changes =
            if r.kind == RecordKind::Case { case_changes(rng, &u, &r, hot) } else { other_changes(rng, &u, &r) };
        let op_id = new_id(rng, phys);
        dev.state.update(op_id, r.id, changes, phys).ok()
    } else if roll < 88 {
        let (kind, f) = create_fields(rng, dev, ctx, phys);
        let (op_id, rec) = (new_id(rng, phys), new_id(rng, phys));
        Some(dev.state.create(op_id, kind, station, rec, f, phys))
    } else {
        let hot_ok = rng.chance(50);
        let r = pick_record(rng, dev, |r| may_delete(&u, r) && (hot_ok || !ctx.hot.contains(&r.id)))?;
        let op_id = new_id(rng, phys);
        dev.state.delete(op_id, r.id, phys).ok()
    }
}

/// A deliberately bad op and what the server must say about it.
pub fn invalid(rng: &mut Rng, dev: &mut Device, ctx: &Ctx, now: u64) -> Option<(Op, Expect)> {
    let phys = dev.phys(now);
    let u = dev.user.clone();
    let station = u.station_id.unwrap();
    let (op_id, rec) = (new_id(rng, phys), new_id(rng, phys));
    let create = |dev: &mut Device, kind, st, f, code| {
        Some((dev.state.create(op_id, kind, st, rec, f, phys), Expect::Invalid(code)))
    };
    match rng.below(6) {
        1 => create(
            dev,
            RecordKind::Household,
            station,
            fields(json!({"compound_id": Uuid::nil().to_string(), "door": "1", "colour": "red"})),
            RejectCode::UnknownField,
        ),
        2 => {
            if let Some(v) = pick_record(rng, dev, |r| r.kind == RecordKind::Visit && !r.deleted) {
                let op = dev.state.update(op_id, v.id, [("note".to_string(), json!("改走访"))], phys).ok()?;
                return Some((op, Expect::Invalid(RejectCode::AppendOnly)));
            }
            None
        }
        3 => {
            let other = ctx.stations[1 - ctx.station_index(station)];
            create(
                dev,
                RecordKind::Case,
                other,
                fields(json!({"title": "越站", "kind": "dispute"})),
                RejectCode::WrongStation,
            )
        }
        4 => {
            // Only on a case this device never touched: its view is then the
            // server's state, so the change is illegal unless others moved
            // the case concurrently.
            let r = pick_record(rng, dev, |r| {
                r.kind == RecordKind::Case && may_update(&u, r) && !dev.touched.contains(&r.id)
            })?;
            let cur = r.str_value("status").unwrap_or(case_status::REGISTERED);
            let illegal: Vec<&str> = [
                case_status::REGISTERED,
                case_status::ACCEPTED,
                case_status::IN_PROGRESS,
                case_status::RESOLVED,
                case_status::FOLLOW_UP,
            ]
            .into_iter()
            .filter(|s| !case_status::can_transition(cur, s))
            .collect();
            if illegal.is_empty() {
                return None;
            }
            let to = *rng.pick(&illegal);
            let op = dev.state.update(op_id, r.id, [("status".to_string(), json!(to))], phys).ok()?;
            Some((op, Expect::IllegalStatus))
        }
        5 => {
            let f = fields(json!({"household_id": ctx.households[0].to_string(), "visited_at": phys as i64}));
            create(dev, RecordKind::Visit, station, f, RejectCode::MissingField)
        }
        _ => create(
            dev,
            RecordKind::Case,
            station,
            fields(json!({"title": "号码错", "kind": "dispute", "contact_phone": "12345"})),
            RejectCode::InvalidValue,
        ),
    }
}

/// Staff at the station computer (online) resolves an open conflict; the
/// resolution travels through the staff device's outbox like any op.
pub fn resolution(rng: &mut Rng, dev: &mut Device, server: &Server, now: u64) -> Option<Op> {
    if dev.user.role != Role::Staff {
        return None;
    }
    let open: Vec<_> = server
        .durable
        .conflicts
        .values()
        .filter(|c| c.resolved_by.is_none() && Some(c.conflict.station_id) == dev.user.station_id)
        .collect();
    if open.is_empty() {
        return None;
    }
    let c = &rng.pick(&open).conflict;
    let current = server.durable.records.get(&c.record_id)?;
    let choice = match rng.below(3) {
        0 => Resolution::KeepStored,
        1 => Resolution::TakeIncoming,
        _ => match (current.str_value(&c.field), c.incoming_value.as_str()) {
            (Some(a), Some(b))
                if a.chars().count() + b.chars().count() < 40
                    && matches!(
                        schema::field(c.kind, &c.field).map(|f| f.ty),
                        Some(schema::FieldType::Text { .. })
                    ) =>
            {
                Resolution::Merged(json!(format!("{a}/{b}")))
            }
            _ => Resolution::TakeIncoming,
        },
    };
    let phys = dev.phys(now);
    let hlc = dev.state.clock.now(phys);
    let op = resolve_conflict(&dev.user, current, c, choice, new_id(rng, phys), dev.state.device_id, hlc).unwrap();
    dev.state.enqueue(op.clone());
    Some(op)
}

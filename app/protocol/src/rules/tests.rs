use std::collections::BTreeMap;

use serde_json::{json, Value};
use uuid::Uuid;

use super::*;
use crate::op::FieldChange;
use crate::schema::case_status::*;

const STATION_A: Uuid = Uuid::from_u128(0xA);
const STATION_B: Uuid = Uuid::from_u128(0xB);

fn envoy(n: u128, station: Uuid) -> Caller {
    Caller { user_id: Uuid::from_u128(n), role: Role::Envoy, station_id: Some(station) }
}
fn staff(n: u128, station: Uuid) -> Caller {
    Caller { user_id: Uuid::from_u128(n), role: Role::Staff, station_id: Some(station) }
}
fn admin() -> Caller {
    Caller { user_id: Uuid::from_u128(999), role: Role::Admin, station_id: None }
}

/// A tiny in-memory server: records, results by op id, conflicts, counter.
#[derive(Default)]
struct Srv {
    records: BTreeMap<Uuid, RecordState>,
    results: BTreeMap<Uuid, OpResult>,
    conflicts: BTreeMap<Uuid, (Conflict, bool)>,
    rev: u64,
    next_op: u128,
}

impl Srv {
    fn push(&mut self, caller: &Caller, op: &Op) -> Decision {
        let d = decide(caller, op, self.records.get(&op.record_id), self.results.get(&op.op_id), &mut self.rev);
        if let Some(r) = &d.record {
            self.records.insert(r.id, r.clone());
        }
        for c in &d.conflicts {
            self.conflicts.insert(c.id, (c.clone(), false));
        }
        for r in &d.resolved_conflicts {
            let e = self.conflicts.get_mut(&r.conflict_id).unwrap();
            assert_eq!((e.0.record_id, e.0.field.as_str()), (r.record_id, r.field.as_str()));
            e.1 = true;
        }
        if d.store_result {
            self.results.insert(op.op_id, d.result.clone());
        }
        d
    }

    fn op(&mut self, who: &Caller, node: u64, wall: u64, kind: RecordKind, rec: Uuid, body: OpBody) -> Op {
        self.next_op += 1;
        Op {
            op_id: Uuid::from_u128(0x1000 + self.next_op),
            device_id: Uuid::from_u128(u128::from(node)),
            author: who.user_id,
            station_id: who.station_id.unwrap_or(STATION_A),
            kind,
            record_id: rec,
            hlc: Hlc { wall_ms: wall, counter: 0, node },
            body,
        }
    }

    fn create_case(&mut self, who: &Caller, node: u64, rec: Uuid, extra: Value) -> Decision {
        let mut fields: BTreeMap<String, Value> =
            serde_json::from_value(json!({"title": "楼道漏水", "kind": "livelihood"})).unwrap();
        fields.extend(serde_json::from_value::<BTreeMap<String, Value>>(extra).unwrap());
        let op = self.op(who, node, 1_000, RecordKind::Case, rec, OpBody::Create { fields });
        self.push(who, &op)
    }

    fn update(&mut self, who: &Caller, node: u64, wall: u64, rec: Uuid, changes: Vec<FieldChange>) -> Decision {
        let kind = self.records[&rec].kind;
        let mut op = self.op(who, node, wall, kind, rec, OpBody::Update { changes });
        op.station_id = self.records[&rec].station_id;
        self.push(who, &op)
    }
}

fn ch(field: &str, base: u64, v: Value) -> FieldChange {
    FieldChange::new(field, base, v)
}

fn rejected(d: &Decision) -> RejectCode {
    match &d.result.outcome {
        Outcome::Rejected { reason } => {
            assert!(!reason.zh.is_empty() && !reason.en.is_empty());
            assert!(d.record.is_none() && d.conflicts.is_empty() && d.store_result);
            reason.code
        }
        other => panic!("expected rejection, got {other:?}"),
    }
}

#[test]
fn create_fills_status_and_handlers() {
    let mut s = Srv::default();
    let e = envoy(1, STATION_A);
    let rec = Uuid::from_u128(77);
    let assignee = Uuid::from_u128(2).to_string();
    let d = s.create_case(&e, 1, rec, json!({"assignees": [assignee], "description": null}));
    assert_eq!(d.result.outcome, Outcome::Applied { rev: 1 });
    let r = &s.records[&rec];
    assert_eq!(r.str_value("status"), Some(REGISTERED));
    assert!(r.value("description").is_none(), "null is not stored on create");
    assert_eq!(r.handlers, vec![e.user_id, Uuid::from_u128(2)]);
    assert_eq!((r.rev, r.created_by, r.station_id), (1, e.user_id, STATION_A));
    assert!(r.fields.values().all(|f| f.rev == 1 && f.author == e.user_id));
    // A case cannot be born in another status.
    let d = s.create_case(&e, 1, Uuid::from_u128(78), json!({"status": "resolved"}));
    assert_eq!(rejected(&d), RejectCode::IllegalTransition);
}

#[test]
fn same_op_twice_is_applied_once() {
    let mut s = Srv::default();
    let e = envoy(1, STATION_A);
    let rec = Uuid::from_u128(77);
    s.create_case(&e, 1, rec, json!({}));
    let op =
        s.op(&e, 1, 2_000, RecordKind::Case, rec, OpBody::Update { changes: vec![ch("title", 1, json!("新标题"))] });
    let first = s.push(&e, &op);
    assert_eq!(first.result.outcome, Outcome::Applied { rev: 2 });
    let again = s.push(&e, &op);
    assert_eq!(again.result.outcome, Outcome::Duplicate { original: Box::new(Outcome::Applied { rev: 2 }) });
    assert!(!again.store_result && again.record.is_none());
    assert_eq!(s.rev, 2, "no revision spent on the duplicate");
    // Rejections are remembered too: a retry gets the same rejection back.
    let bad = s.op(&e, 1, 3_000, RecordKind::Case, rec, OpBody::Update { changes: vec![ch("title", 2, json!(""))] });
    let bad = Op { body: OpBody::Update { changes: vec![ch("colour", 2, json!("red"))] }, ..bad };
    assert_eq!(rejected(&s.push(&e, &bad)), RejectCode::UnknownField);
    let dup = s.push(&e, &bad);
    assert!(
        matches!(dup.result.outcome.settlement(), crate::wire::Settlement::Quarantine(r) if r.code == RejectCode::UnknownField)
    );
}

#[test]
fn create_with_existing_id_and_different_content_is_flagged() {
    let mut s = Srv::default();
    let e = envoy(1, STATION_A);
    let other = envoy(2, STATION_A);
    let rec = Uuid::from_u128(77);
    s.create_case(&e, 1, rec, json!({}));
    let before = s.records[&rec].clone();
    // Same content re-issued under a new op id: harmless duplicate.
    let d = s.create_case(&other, 2, rec, json!({}));
    assert_eq!(d.result.outcome, Outcome::Applied { rev: 1 }.as_duplicate());
    assert!(d.record.is_none());
    // Different content: rejected, stored record untouched.
    let d = s.create_case(&other, 2, rec, json!({"title": "另一件事"}));
    assert_eq!(rejected(&d), RejectCode::IdCollision);
    let fields = serde_json::from_value(json!({"compound_id": Uuid::nil().to_string(), "door": "1-101"})).unwrap();
    let op = s.op(&other, 2, 5, RecordKind::Household, rec, OpBody::Create { fields });
    assert_eq!(rejected(&s.push(&other, &op)), RejectCode::IdCollision);
    assert_eq!(s.records[&rec], before);
}

#[test]
fn every_status_transition_through_decide() {
    let all = [REGISTERED, ACCEPTED, IN_PROGRESS, RESOLVED, FOLLOW_UP, REFERRED];
    let e = envoy(1, STATION_A);
    for from in all {
        for to in all {
            let mut s = Srv::default();
            let rec = Uuid::from_u128(5);
            s.create_case(&e, 1, rec, json!({"referred_to": "街道司法所"}));
            // Put the case directly into `from`.
            s.records.get_mut(&rec).unwrap().fields.get_mut("status").unwrap().value = json!(from);
            let d = s.update(&e, 1, 2_000, rec, vec![ch("status", 1, json!(to))]);
            let allowed = from == to
                || matches!(
                    (from, to),
                    (REGISTERED, ACCEPTED | REFERRED)
                        | (ACCEPTED, IN_PROGRESS | REFERRED)
                        | (IN_PROGRESS, RESOLVED | REFERRED)
                        | (RESOLVED, FOLLOW_UP)
                );
            if allowed {
                assert!(matches!(d.result.outcome, Outcome::Applied { .. }), "{from}->{to}: {:?}", d.result);
                assert_eq!(s.records[&rec].str_value("status"), Some(to));
            } else {
                assert_eq!(rejected(&d), RejectCode::IllegalTransition, "{from}->{to}");
                assert_eq!(s.records[&rec].str_value("status"), Some(from));
            }
        }
    }
}

#[test]
fn referral_needs_a_target() {
    let mut s = Srv::default();
    let e = envoy(1, STATION_A);
    let rec = Uuid::from_u128(5);
    s.create_case(&e, 1, rec, json!({}));
    let d = s.update(&e, 1, 2, rec, vec![ch("status", 1, json!(REFERRED))]);
    assert_eq!(rejected(&d), RejectCode::IllegalTransition);
    assert!(matches!(&d.result.outcome, Outcome::Rejected { reason } if reason.zh.contains("转交单位")));
    let d = s.update(&e, 1, 3, rec, vec![ch("status", 1, json!(REFERRED)), ch("referred_to", 0, json!("   "))]);
    assert_eq!(rejected(&d), RejectCode::IllegalTransition);
    let d = s.update(&e, 1, 4, rec, vec![ch("status", 1, json!(REFERRED)), ch("referred_to", 0, json!("区信访办"))]);
    assert_eq!(d.result.outcome, Outcome::Applied { rev: 2 });
    // Clearing the target of a referred case is refused as well.
    let d = s.update(&e, 1, 5, rec, vec![ch("referred_to", 2, Value::Null)]);
    assert_eq!(rejected(&d), RejectCode::IllegalTransition);
}

#[test]
fn concurrent_edit_keeps_both_values_and_applies_other_fields() {
    let mut s = Srv::default();
    let a = envoy(1, STATION_A);
    let b = envoy(2, STATION_A);
    let rec = Uuid::from_u128(5);
    s.create_case(&a, 1, rec, json!({"assignees": [b.user_id.to_string()]}));
    let t = 1_700_000_000_000;
    // A (clock correct) edits the title first.
    let d = s.update(&a, 1, t, rec, vec![ch("title", 1, json!("A的标题"))]);
    assert_eq!(d.result.outcome, Outcome::Applied { rev: 2 });
    // B, clock 2 h ahead and never having seen A's edit, edits title and
    // description. Its later HLC must not make it win.
    let d = s.update(
        &b,
        2,
        t + 7_200_000,
        rec,
        vec![ch("title", 1, json!("B的标题")), ch("description", 0, json!("B补充"))],
    );
    let Outcome::Conflict { rev, conflicts } = &d.result.outcome else { panic!("{:?}", d.result) };
    assert_eq!(*rev, 3);
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].field, "title");
    let c = &d.conflicts[0];
    assert_eq!(c.id, conflicts[0].id);
    assert_eq!((c.stored.value.clone(), c.stored.author, c.stored.rev), (json!("A的标题"), a.user_id, 2));
    assert_eq!((c.incoming_value.clone(), c.incoming_author, c.incoming_base_rev), (json!("B的标题"), b.user_id, 1));
    assert!(c.incoming_hlc > c.stored.hlc, "B's clock is ahead, still A's value stays");
    assert_eq!((c.station_id, c.record_id, c.kind), (STATION_A, rec, RecordKind::Case));
    let r = &s.records[&rec];
    assert_eq!(r.str_value("title"), Some("A的标题"));
    assert_eq!(r.str_value("description"), Some("B补充"));
    assert_eq!(r.rev, 3);
    // Deciding the same op again (lost reply) gives the same conflict id.
    let mut rev = s.rev;
    let again = decide(
        &b,
        &Op {
            op_id: c.op_id,
            ..Op::clone(&s.op(
                &b,
                2,
                t,
                RecordKind::Case,
                rec,
                OpBody::Update { changes: vec![ch("title", 1, json!("B的标题"))] },
            ))
        },
        Some(&s.records[&rec]),
        None,
        &mut rev,
    );
    assert_eq!(again.conflicts[0].id, c.id);
    // A concurrent edit to the same value is not a conflict.
    let d = s.update(&b, 2, t + 1, rec, vec![ch("title", 1, json!("A的标题"))]);
    assert_eq!(d.result.outcome, Outcome::Applied { rev: 3 });
}

#[test]
fn own_earlier_edit_is_not_a_conflict() {
    let mut s = Srv::default();
    let a = envoy(1, STATION_A);
    let rec = Uuid::from_u128(5);
    // Created and edited twice offline: the device never saw a server rev.
    s.create_case(&a, 1, rec, json!({}));
    let d = s.update(&a, 1, 2_000, rec, vec![ch("title", 0, json!("一"))]);
    assert_eq!(d.result.outcome, Outcome::Applied { rev: 2 });
    let d = s.update(&a, 1, 3_000, rec, vec![ch("title", 0, json!("二")), ch("status", 0, json!(ACCEPTED))]);
    assert_eq!(d.result.outcome, Outcome::Applied { rev: 3 });
    // The same user on another phone (another node) did not see it.
    let d = s.update(&a, 9, 4_000, rec, vec![ch("title", 1, json!("三"))]);
    assert!(matches!(d.result.outcome, Outcome::Conflict { .. }));
}

#[test]
fn staff_resolution_clears_the_conflict() {
    let mut s = Srv::default();
    let a = envoy(1, STATION_A);
    let b = envoy(2, STATION_A);
    let st = staff(3, STATION_A);
    let rec = Uuid::from_u128(5);
    s.create_case(&a, 1, rec, json!({"assignees": [b.user_id.to_string()]}));
    s.update(&a, 1, 2, rec, vec![ch("title", 1, json!("A"))]);
    let d = s.update(&b, 2, 3, rec, vec![ch("title", 1, json!("B"))]);
    let conflict = d.conflicts[0].clone();
    // An envoy cannot resolve.
    let cur = s.records[&rec].clone();
    assert_eq!(
        resolve_conflict(
            &a,
            &cur,
            &conflict,
            Resolution::TakeIncoming,
            Uuid::from_u128(50),
            Uuid::nil(),
            Hlc::default()
        )
        .unwrap_err()
        .code,
        RejectCode::Forbidden
    );
    let mut forged = s.op(
        &a,
        1,
        4,
        RecordKind::Case,
        rec,
        OpBody::Update { changes: vec![FieldChange { resolves: vec![conflict.id], ..ch("title", 2, json!("A+")) }] },
    );
    forged.station_id = STATION_A;
    assert_eq!(rejected(&s.push(&a, &forged)), RejectCode::Forbidden);
    // Staff takes the incoming value.
    let op = resolve_conflict(
        &st,
        &cur,
        &conflict,
        Resolution::TakeIncoming,
        Uuid::from_u128(51),
        Uuid::from_u128(3),
        Hlc { wall_ms: 5, counter: 0, node: 3 },
    )
    .unwrap();
    let d = s.push(&st, &op);
    assert_eq!(d.result.outcome, Outcome::Applied { rev: 3 });
    assert_eq!(d.resolved_conflicts.len(), 1);
    assert!(s.conflicts[&conflict.id].1, "marked resolved");
    let r = &s.records[&rec];
    assert_eq!(r.str_value("title"), Some("B"));
    assert_eq!((r.fields["title"].author, r.rev), (st.user_id, 3));
    // Keeping the stored value also closes a conflict, without a new revision.
    let d = s.update(&b, 2, 6, rec, vec![ch("title", 2, json!("B again"))]);
    let c2 = d.conflicts[0].clone();
    let op = resolve_conflict(
        &st,
        &s.records[&rec].clone(),
        &c2,
        Resolution::KeepStored,
        Uuid::from_u128(52),
        Uuid::from_u128(3),
        Hlc { wall_ms: 7, counter: 0, node: 3 },
    )
    .unwrap();
    let d = s.push(&st, &op);
    assert_eq!(d.result.outcome, Outcome::Applied { rev: 3 });
    assert!(d.record.is_none() && s.conflicts[&c2.id].1);
}

#[test]
fn staff_resolution_may_set_any_status() {
    let mut s = Srv::default();
    let a = envoy(1, STATION_A);
    let st = staff(3, STATION_A);
    let rec = Uuid::from_u128(5);
    s.create_case(&a, 1, rec, json!({"referred_to": "司法所"}));
    s.update(&a, 1, 2, rec, vec![ch("status", 1, json!(ACCEPTED))]);
    s.update(&a, 1, 3, rec, vec![ch("status", 2, json!(IN_PROGRESS))]);
    s.update(&a, 1, 4, rec, vec![ch("status", 3, json!(RESOLVED))]);
    let d = s.update(&st, 3, 5, rec, vec![ch("status", 2, json!(REFERRED))]);
    let c = d.conflicts[0].clone();
    // As an ordinary edit resolved -> referred is illegal...
    assert_eq!(
        rejected(&s.update(&st, 3, 6, rec, vec![ch("status", 4, json!(REFERRED))])),
        RejectCode::IllegalTransition
    );
    // ...but staff may choose it when resolving the conflict.
    let op = resolve_conflict(
        &st,
        &s.records[&rec].clone(),
        &c,
        Resolution::TakeIncoming,
        Uuid::from_u128(60),
        Uuid::nil(),
        Hlc { wall_ms: 7, counter: 0, node: 3 },
    )
    .unwrap();
    assert!(matches!(s.push(&st, &op).result.outcome, Outcome::Applied { .. }));
    assert_eq!(s.records[&rec].str_value("status"), Some(REFERRED));
}

#[test]
fn station_isolation() {
    let mut s = Srv::default();
    let a = envoy(1, STATION_A);
    let b_envoy = envoy(2, STATION_B);
    let b_staff = staff(3, STATION_B);
    let a_staff = staff(4, STATION_A);
    let rec = Uuid::from_u128(5);
    s.create_case(&a, 1, rec, json!({}));
    // Creating in another station.
    let fields = serde_json::from_value(json!({"title": "x", "kind": "dispute"})).unwrap();
    let mut op = s.op(&b_envoy, 2, 1, RecordKind::Case, Uuid::from_u128(6), OpBody::Create { fields });
    op.station_id = STATION_A;
    assert_eq!(rejected(&s.push(&b_envoy, &op)), RejectCode::WrongStation);
    // Updating / deleting another station's records.
    assert_eq!(rejected(&s.update(&b_staff, 3, 2, rec, vec![ch("title", 1, json!("x"))])), RejectCode::WrongStation);
    assert_eq!(rejected(&s.update(&b_envoy, 2, 2, rec, vec![ch("title", 1, json!("x"))])), RejectCode::WrongStation);
    let mut del = s.op(&b_staff, 3, 3, RecordKind::Case, rec, OpBody::Delete { base_rev: 1 });
    del.station_id = STATION_A;
    assert_eq!(rejected(&s.push(&b_staff, &del)), RejectCode::WrongStation);
    // An op claiming the wrong station for an existing record.
    let mut op =
        s.op(&a_staff, 4, 3, RecordKind::Case, rec, OpBody::Update { changes: vec![ch("title", 1, json!("x"))] });
    op.station_id = STATION_B;
    assert_eq!(rejected(&s.push(&a_staff, &op)), RejectCode::WrongStation);
    // Visibility.
    let r = s.records[&rec].clone();
    assert!(visible_to(&a, &r) && visible_to(&a_staff, &r) && visible_to(&admin(), &r));
    assert!(!visible_to(&b_envoy, &r) && !visible_to(&b_staff, &r));
    // A station-less non-admin sees and does nothing.
    let lost = Caller { station_id: None, ..envoy(8, STATION_A) };
    assert!(!visible_to(&lost, &r));
    let op = s.op(&lost, 8, 1, RecordKind::Case, Uuid::from_u128(9), OpBody::Create { fields: BTreeMap::new() });
    assert_eq!(rejected(&s.push(&lost, &op)), RejectCode::Forbidden);
    // Admin may work anywhere.
    let adm = admin();
    let mut op =
        s.op(&adm, 9, 4, RecordKind::Case, rec, OpBody::Update { changes: vec![ch("title", 1, json!("管理员改"))] });
    op.station_id = STATION_A;
    assert!(matches!(s.push(&adm, &op).result.outcome, Outcome::Applied { .. }));
}

#[test]
fn envoys_change_only_cases_they_handle() {
    let mut s = Srv::default();
    let a = envoy(1, STATION_A);
    let colleague = envoy(2, STATION_A);
    let remote = envoy(3, STATION_B);
    let st = staff(4, STATION_A);
    let rec = Uuid::from_u128(5);
    s.create_case(&a, 1, rec, json!({}));
    let r = s.records[&rec].clone();
    assert!(visible_to(&colleague, &r), "same station sees it");
    assert!(!visible_to(&remote, &r));
    assert_eq!(rejected(&s.update(&colleague, 2, 2, rec, vec![ch("title", 1, json!("x"))])), RejectCode::NotHandler);
    // Staff assigns the colleague and an envoy of another station.
    let who = json!([colleague.user_id.to_string(), remote.user_id.to_string()]);
    assert!(matches!(
        s.update(&st, 4, 3, rec, vec![ch("assignees", 0, who)]).result.outcome,
        Outcome::Applied { rev: 2 }
    ));
    let r = s.records[&rec].clone();
    assert_eq!(r.handlers, vec![a.user_id, colleague.user_id, remote.user_id]);
    assert!(visible_to(&remote, &r));
    assert!(matches!(
        s.update(&colleague, 2, 4, rec, vec![ch("title", 1, json!("同事改"))]).result.outcome,
        Outcome::Applied { .. }
    ));
    assert!(matches!(
        s.update(&remote, 3, 5, rec, vec![ch("description", 0, json!("外站协办"))]).result.outcome,
        Outcome::Applied { .. }
    ));
    // Envoys never delete cases, not even their own.
    let mut del = s.op(&a, 1, 6, RecordKind::Case, rec, OpBody::Delete { base_rev: s.rev });
    del.station_id = STATION_A;
    assert_eq!(rejected(&s.push(&a, &del)), RejectCode::Forbidden);
}

fn visit_fields() -> BTreeMap<String, Value> {
    serde_json::from_value(json!({
        "household_id": Uuid::from_u128(42).to_string(),
        "visited_at": 1_700_000_000_000i64,
        "met": true,
        "topics": ["用电安全"],
    }))
    .unwrap()
}

#[test]
fn append_only_records_never_conflict() {
    let mut s = Srv::default();
    let a = envoy(1, STATION_A);
    let st = staff(4, STATION_A);
    let v = Uuid::from_u128(10);
    let op = s.op(&a, 1, 1, RecordKind::Visit, v, OpBody::Create { fields: visit_fields() });
    assert!(matches!(s.push(&a, &op).result.outcome, Outcome::Applied { .. }));
    for who in [&a, &st] {
        let d = s.update(who, 1, 2, v, vec![ch("note", 0, json!("改"))]);
        assert_eq!(rejected(&d), RejectCode::AppendOnly);
    }
    // Many visits to the same household by different envoys: all kept.
    for n in 0..3u128 {
        let e = envoy(20 + n, STATION_A);
        let op = s.op(
            &e,
            20 + n as u64,
            1,
            RecordKind::Visit,
            Uuid::from_u128(100 + n),
            OpBody::Create { fields: visit_fields() },
        );
        assert!(matches!(s.push(&e, &op).result.outcome, Outcome::Applied { .. }));
    }
    assert!(s.conflicts.is_empty());
}

/// An applied visit is remembered by the visit itself: no stored result,
/// and a retry — even after the visit was deleted — gets the first answer
/// back without spending a revision.
#[test]
fn a_retried_append_only_create_is_answered_from_its_record() {
    let mut s = Srv::default();
    let a = envoy(1, STATION_A);
    let v = Uuid::from_u128(10);
    let op = s.op(&a, 1, 1, RecordKind::Visit, v, OpBody::Create { fields: visit_fields() });
    let first = s.push(&a, &op);
    assert_eq!(first.result.outcome, Outcome::Applied { rev: 1 });
    assert!(!first.store_result, "no op result row for an applied visit");
    let again = s.push(&a, &op);
    assert_eq!(again.result.outcome, Outcome::Applied { rev: 1 }.as_duplicate());
    assert!(again.record.is_none() && again.conflicts.is_empty());
    // Deleted meanwhile: the retry still hears what the create did.
    let del = s.op(&a, 1, 2, RecordKind::Visit, v, OpBody::Delete { base_rev: 1 });
    assert_eq!(s.push(&a, &del).result.outcome, Outcome::Applied { rev: 2 });
    assert_eq!(s.push(&a, &op).result.outcome, Outcome::Applied { rev: 1 }.as_duplicate());
    assert_eq!(s.rev, 2, "retries spent no revision");
    // Other creates keep their stored result (their records change later).
    let d = s.create_case(&a, 1, Uuid::from_u128(11), json!({}));
    assert!(matches!(d.result.outcome, Outcome::Applied { .. }) && d.store_result, "{d:?}");
}

#[test]
fn deletes_tombstone_and_refuse_stale_or_foreign() {
    let mut s = Srv::default();
    let a = envoy(1, STATION_A);
    let b = envoy(2, STATION_A);
    let st = staff(3, STATION_A);
    let hh = Uuid::from_u128(10);
    let fields = serde_json::from_value(json!({"compound_id": Uuid::nil().to_string(), "door": "3-201"})).unwrap();
    let op = s.op(&a, 1, 1, RecordKind::Household, hh, OpBody::Create { fields });
    s.push(&a, &op);
    s.update(&b, 2, 2, hh, vec![ch("note", 0, json!("独居老人"))]);
    // B may not delete A's household.
    let del = |s: &mut Srv, who: &Caller, node, base| {
        let op = s.op(who, node, 3, RecordKind::Household, hh, OpBody::Delete { base_rev: base });
        s.push(who, &op)
    };
    assert_eq!(rejected(&del(&mut s, &b, 2, 2)), RejectCode::Forbidden);
    // A has not seen B's note: deleting would hide it.
    assert_eq!(rejected(&del(&mut s, &a, 1, 1)), RejectCode::StaleDelete);
    let d = del(&mut s, &a, 1, 2);
    assert_eq!(d.result.outcome, Outcome::Applied { rev: 3 });
    let r = &s.records[&hh];
    assert!(r.deleted && r.rev == 3 && r.str_value("note") == Some("独居老人"), "tombstone keeps fields");
    // Deleting again is a no-op; editing a deleted record is refused.
    let d = del(&mut s, &st, 3, 0);
    assert_eq!(d.result.outcome, Outcome::Applied { rev: 3 });
    assert!(d.record.is_none());
    assert_eq!(rejected(&s.update(&st, 3, 4, hh, vec![ch("note", 3, json!("x"))])), RejectCode::Deleted);
    // Missing records.
    let op = s.op(&a, 1, 5, RecordKind::Household, Uuid::from_u128(404), OpBody::Delete { base_rev: 0 });
    assert_eq!(rejected(&s.push(&a, &op)), RejectCode::NotFound);
}

#[test]
fn malformed_ops_are_rejected_individually() {
    let mut s = Srv::default();
    let a = envoy(1, STATION_A);
    let rec = Uuid::from_u128(5);
    s.create_case(&a, 1, rec, json!({}));
    let mut op = s.op(&a, 1, 2, RecordKind::Unknown, Uuid::from_u128(6), OpBody::Create { fields: BTreeMap::new() });
    assert_eq!(rejected(&s.push(&a, &op)), RejectCode::UnknownKind);
    op = s.op(&a, 1, 2, RecordKind::Case, rec, OpBody::Unknown);
    assert_eq!(rejected(&s.push(&a, &op)), RejectCode::UnknownOperation);
    op = s.op(&a, 1, 2, RecordKind::Case, rec, OpBody::Update { changes: vec![] });
    assert_eq!(rejected(&s.push(&a, &op)), RejectCode::EmptyUpdate);
    op = s.op(
        &a,
        1,
        2,
        RecordKind::Case,
        rec,
        OpBody::Update { changes: vec![ch("title", 1, json!("a")), ch("title", 1, json!("b"))] },
    );
    assert_eq!(rejected(&s.push(&a, &op)), RejectCode::Malformed);
    op = s.op(&a, 1, 2, RecordKind::Household, rec, OpBody::Update { changes: vec![ch("note", 1, json!("a"))] });
    assert_eq!(rejected(&s.push(&a, &op)), RejectCode::Malformed, "kind differs from stored");
    op = s.op(
        &a,
        1,
        2,
        RecordKind::Case,
        rec,
        OpBody::Update { changes: vec![ch("description", 1, json!("字".repeat(100_000)))] },
    );
    assert_eq!(rejected(&s.push(&a, &op)), RejectCode::TooLarge);
    op = s.op(&a, 1, 2, RecordKind::Case, rec, OpBody::Update { changes: vec![ch("title", 1, json!("x"))] });
    assert_eq!(rejected(&s.push(&envoy(2, STATION_A), &op)), RejectCode::AuthorMismatch);
    op = s.op(
        &a,
        1,
        2,
        RecordKind::Case,
        Uuid::from_u128(404),
        OpBody::Update { changes: vec![ch("title", 1, json!("x"))] },
    );
    assert_eq!(rejected(&s.push(&a, &op)), RejectCode::NotFound);
    assert_eq!(s.rev, 1, "no revision spent on rejections");
}

#[test]
fn a_rejected_op_does_not_block_the_batch() {
    let mut s = Srv::default();
    let a = envoy(1, STATION_A);
    let good1 = s.op(&a, 1, 1, RecordKind::Visit, Uuid::from_u128(1), OpBody::Create { fields: visit_fields() });
    let mut f = visit_fields();
    f.insert("household_id".into(), json!("门牌3-201"));
    let bad = s.op(&a, 1, 2, RecordKind::Visit, Uuid::from_u128(2), OpBody::Create { fields: f });
    let good2 = s.op(&a, 1, 3, RecordKind::Visit, Uuid::from_u128(3), OpBody::Create { fields: visit_fields() });
    let results: Vec<_> = [&good1, &bad, &good2].iter().map(|op| s.push(&a, op).result).collect();
    assert!(matches!(results[0].outcome, Outcome::Applied { rev: 1 }));
    assert!(
        matches!(&results[1].outcome, Outcome::Rejected { reason } if reason.field.as_deref() == Some("household_id") && reason.zh.contains("住户"))
    );
    assert!(matches!(results[2].outcome, Outcome::Applied { rev: 2 }));
}

#[test]
fn pull_pages_by_revision_and_filters() {
    let mut s = Srv::default();
    let a = envoy(1, STATION_A);
    let b = envoy(2, STATION_B);
    for i in 0..10u128 {
        let who = if i % 2 == 0 { &a } else { &b };
        let op =
            s.op(who, 1, 1, RecordKind::Visit, Uuid::from_u128(100 + i), OpBody::Create { fields: visit_fields() });
        s.push(who, &op);
    }
    // Record 100 changes again later (rev 11) and must reappear after it.
    let fields = serde_json::from_value(json!({"compound_id": Uuid::nil().to_string(), "door": "1"})).unwrap();
    let op = s.op(&a, 1, 1, RecordKind::Household, Uuid::from_u128(200), OpBody::Create { fields });
    s.push(&a, &op);
    let mut sorted: Vec<&RecordState> = s.records.values().collect();
    sorted.sort_by_key(|r| r.rev);
    let mut cursor = 0;
    let mut seen = Vec::new();
    loop {
        let page = pull_page(&a, cursor, 2, sorted.iter().copied());
        assert!(page.changes.len() <= 2);
        assert!(page.next_cursor >= cursor);
        assert!(page.changes.iter().all(|r| r.station_id == STATION_A && r.rev > cursor));
        seen.extend(page.changes.iter().map(|r| r.rev));
        cursor = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(seen, vec![1, 3, 5, 7, 9, 11]);
    assert_eq!(cursor, 11);
    let empty = pull_page(&a, cursor, 2, sorted.iter().copied());
    assert!(empty.changes.is_empty() && !empty.has_more && empty.next_cursor == 11);
}

#[test]
fn mediation_is_seen_and_changed_only_by_its_mediators_and_station_staff() {
    let mut srv = Srv::default();
    let (author, mediator, bystander) = (envoy(1, STATION_A), envoy(2, STATION_A), envoy(3, STATION_A));
    let med = Uuid::from_u128(0xD1);
    let fields: BTreeMap<String, Value> = serde_json::from_value(json!({
        "case_id": Uuid::from_u128(0xC1).to_string(),
        "status": "mediating",
        "mediator_ids": [mediator.user_id.to_string()],
    }))
    .unwrap();
    let op = srv.op(&author, 1, 1_000, RecordKind::Mediation, med, OpBody::Create { fields });
    assert!(matches!(srv.push(&author, &op).result.outcome, Outcome::Applied { .. }));
    let stored = srv.records[&med].clone();
    assert_eq!(stored.handlers, vec![author.user_id, mediator.user_id]);

    for (who, sees) in [(&author, true), (&mediator, true), (&bystander, false), (&staff(9, STATION_A), true)] {
        assert_eq!(visible_to(who, &stored), sees, "{:?}", who.user_id);
    }
    assert!(!visible_to(&staff(9, STATION_B), &stored));

    // A bystander of the same station can neither change nor delete it.
    let d = srv.update(&bystander, 3, 2_000, med, vec![ch("facts", 0, json!("楼上漏水"))]);
    assert_eq!(rejected(&d), RejectCode::NotHandler);
    let d = srv.update(&mediator, 2, 2_000, med, vec![ch("facts", 0, json!("楼上漏水"))]);
    assert!(matches!(d.result.outcome, Outcome::Applied { .. }));
    let del = srv.op(&author, 1, 3_000, RecordKind::Mediation, med, OpBody::Delete { base_rev: srv.rev });
    assert_eq!(rejected(&srv.push(&author, &del)), RejectCode::Forbidden);

    // Success without terms is refused; with an oral agreement it is recorded.
    let rev = srv.records[&med].rev;
    let d = srv.update(&mediator, 2, 4_000, med, vec![ch("status", rev, json!("succeeded"))]);
    assert_eq!(rejected(&d), RejectCode::MissingField);
    let d = srv.update(
        &mediator,
        2,
        5_000,
        med,
        vec![
            ch("status", rev, json!("succeeded")),
            ch("terms", 0, json!("楼上住户三日内修好水管")),
            ch("agreement_form", 0, json!("oral")),
        ],
    );
    assert!(matches!(d.result.outcome, Outcome::Applied { .. }), "{:?}", d.result);
}

#[test]
fn a_mediator_removed_from_a_mediation_is_sent_its_redacted_tombstone() {
    let mut srv = Srv::default();
    let (author, mediator, bystander) = (envoy(1, STATION_A), envoy(2, STATION_A), envoy(3, STATION_A));
    let med = Uuid::from_u128(0xD2);
    let fields: BTreeMap<String, Value> = serde_json::from_value(json!({
        "case_id": Uuid::from_u128(0xC1).to_string(),
        "status": "mediating",
        "mediator_ids": [mediator.user_id.to_string()],
        "facts": "楼上漏水，双方各执一词",
    }))
    .unwrap();
    let op = srv.op(&author, 1, 1_000, RecordKind::Mediation, med, OpBody::Create { fields });
    assert!(matches!(srv.push(&author, &op).result.outcome, Outcome::Applied { .. }));
    let page = |srv: &Srv, who: &Caller| pull_page(who, 0, 10, srv.records.values()).changes;

    // The mediator has it whole; a bystander of the station gets only an
    // empty tombstone; another station nothing.
    assert_eq!(page(&srv, &mediator), vec![srv.records[&med].clone()]);
    let shown = page(&srv, &bystander);
    assert_eq!(shown.len(), 1);
    assert!(shown[0].deleted && shown[0].fields.is_empty() && shown[0].handlers.is_empty());
    assert_eq!((shown[0].id, shown[0].rev, shown[0].created_by), (med, srv.records[&med].rev, Uuid::nil()));
    assert!(page(&srv, &envoy(4, STATION_B)).is_empty());

    // Removed as mediator: the phone that held it forgets it at its next pull.
    let mut phone = crate::client::LocalReplica::new();
    phone.apply_pulled(&pull_page(&mediator, 0, 10, srv.records.values()));
    assert_eq!(phone.get(med).and_then(|r| r.str_value("facts")), Some("楼上漏水，双方各执一词"));
    let d = srv.update(&author, 1, 2_000, med, vec![ch("mediator_ids", 0, json!([]))]);
    assert!(matches!(d.result.outcome, Outcome::Applied { .. }), "{:?}", d.result);
    let next = pull_page(&mediator, phone.cursor(), 10, srv.records.values());
    phone.apply_pulled(&next);
    let kept = phone.get(med).expect("the tombstone replaces it");
    assert!(kept.deleted && kept.fields.is_empty(), "nothing of the mediation is left on the phone: {kept:?}");
    // Staff still see all of it.
    assert_eq!(page(&srv, &staff(9, STATION_A)), vec![srv.records[&med].clone()]);
}

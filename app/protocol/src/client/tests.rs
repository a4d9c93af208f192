use std::collections::BTreeMap;

use serde_json::{json, Value};
use uuid::Uuid;

use super::*;
use crate::hlc::Hlc;
use crate::reason::{RejectCode, RejectReason};
use crate::record::FieldState;
use crate::wire::{ConflictRef, OpResult, Outcome};

const STATION: Uuid = Uuid::from_u128(0xA);

fn fields(v: Value) -> BTreeMap<String, Value> {
    serde_json::from_value(v).unwrap()
}

fn client() -> ClientState {
    ClientState::new(Uuid::from_u128(0xD1), Uuid::from_u128(1))
}

fn case_fields() -> BTreeMap<String, Value> {
    fields(json!({"title": "路灯坏了", "kind": "safety_hazard"}))
}

fn result(op: &Op, outcome: Outcome) -> OpResult {
    OpResult { op_id: op.op_id, outcome }
}

fn rejected(code: RejectCode) -> Outcome {
    Outcome::Rejected { reason: RejectReason::new(code) }
}

#[test]
fn batches_are_one_at_a_time_and_failures_never_drop() {
    let mut c = client();
    let ops: Vec<Op> = (0..5u128)
        .map(|i| {
            c.create(
                Uuid::from_u128(100 + i),
                RecordKind::Case,
                STATION,
                Uuid::from_u128(200 + i),
                case_fields(),
                1_000 + i as u64,
            )
        })
        .collect();
    let req = c.push_request(3, "1.0").unwrap();
    assert_eq!(req.ops, ops[..3].to_vec());
    assert_eq!((req.pending_count, req.protocol), (5, PROTOCOL_VERSION));
    assert!(c.push_request(3, "1.0").is_none(), "one request in flight at a time");
    c.on_push_failure();
    assert_eq!(c.outbox.pending_count(), 5);
    let again = c.push_request(10, "1.0").unwrap();
    assert_eq!(again.ops, ops);
    assert_eq!(c.outbox.entries()[0].attempts, 2);
}

#[test]
fn results_settle_entries() {
    let mut c = client();
    let ops: Vec<Op> = (0..6u128)
        .map(|i| {
            c.create(
                Uuid::from_u128(100 + i),
                RecordKind::Case,
                STATION,
                Uuid::from_u128(200 + i),
                case_fields(),
                1_000,
            )
        })
        .collect();
    c.push_request(5, "1").unwrap();
    let settled = c.on_push_response(&PushResponse {
        results: vec![
            result(&ops[0], Outcome::Applied { rev: 1 }),
            result(&ops[1], rejected(RejectCode::InvalidValue)),
            result(
                &ops[2],
                Outcome::Conflict { rev: 2, conflicts: vec![ConflictRef { id: Uuid::nil(), field: "title".into() }] },
            ),
            result(&ops[3], rejected(RejectCode::Forbidden).as_duplicate()),
            // ops[4] left out (server bug / truncated): back to pending.
        ],
    });
    assert_eq!(settled, Settled { committed: 2, quarantined: 2 });
    let states: Vec<(Uuid, &EntryState)> = c.outbox.entries().iter().map(|e| (e.op.op_id, &e.state)).collect();
    assert_eq!(states.len(), 6);
    assert_eq!(states[0], (ops[0].op_id, &EntryState::Committed { rev: 1, conflicted: vec![] }));
    assert!(
        matches!(states[1], (id, EntryState::Quarantined { reason }) if id == ops[1].op_id && reason.code == RejectCode::InvalidValue)
    );
    assert_eq!(states[2], (ops[2].op_id, &EntryState::Committed { rev: 2, conflicted: vec!["title".into()] }));
    assert!(
        matches!(states[3], (id, EntryState::Quarantined { reason }) if id == ops[3].op_id && reason.code == RejectCode::Forbidden)
    );
    assert_eq!(states[4], (ops[4].op_id, &EntryState::Pending));
    assert_eq!(states[5], (ops[5].op_id, &EntryState::Pending));
    assert_eq!(c.outbox.pending_count(), 2);
    // Quarantined entries are skipped: the rest keeps flowing.
    let next = c.push_request(10, "1").unwrap();
    assert_eq!(next.ops, vec![ops[4].clone(), ops[5].clone()]);
    assert_eq!(next.pending_count, 2);
    // A late answer to an old request (op 0 again) does not disturb the batch in flight.
    c.on_push_response(&PushResponse { results: vec![result(&ops[0], Outcome::Applied { rev: 1 }.as_duplicate())] });
    assert_eq!(c.outbox.in_flight_count(), 2);
    c.on_push_response(&PushResponse {
        results: vec![
            result(&ops[4], Outcome::Applied { rev: 3 }),
            result(&ops[5], Outcome::Applied { rev: 4 }.as_duplicate()),
        ],
    });
    assert_eq!(c.outbox.pending_count(), 0);
    // Committed entries are forgotten once a complete pull got past them.
    c.on_pull_response(&PullResponse { changes: vec![], next_cursor: 3, has_more: true }, 0);
    assert_eq!(c.outbox.entries().len(), 6, "not while the pull is incomplete");
    c.on_pull_response(&PullResponse { changes: vec![], next_cursor: 3, has_more: false }, 0);
    let left: Vec<Uuid> = c.outbox.entries().iter().map(|e| e.op.op_id).collect();
    assert_eq!(left, vec![ops[1].op_id, ops[3].op_id, ops[5].op_id]);
    c.on_pull_response(&PullResponse { changes: vec![], next_cursor: 4, has_more: false }, 0);
    assert_eq!(c.outbox.quarantined().count(), 2);
    assert_eq!(c.outbox.entries().len(), 2);
    assert!(c.outbox.dismiss(ops[4].op_id).is_none(), "only quarantined entries can be dismissed");
    assert_eq!(c.outbox.dismiss(ops[1].op_id).unwrap().op, ops[1]);
    assert_eq!(c.outbox.quarantined().count(), 1);
}

#[test]
fn committed_edits_stay_visible_until_pulled() {
    let mut c = client();
    let rec = Uuid::from_u128(300);
    c.on_pull_response(
        &PullResponse { changes: vec![server_state(rec, "旧标题", 7)], next_cursor: 7, has_more: false },
        20,
    );
    let visit = Uuid::from_u128(301);
    let vf = fields(json!({"household_id": Uuid::nil().to_string(), "visited_at": 5, "met": true}));
    let create = c.create(Uuid::from_u128(1), RecordKind::Visit, STATION, visit, vf, 21);
    let edit = c
        .update(
            Uuid::from_u128(2),
            rec,
            [("title".to_string(), json!("新标题")), ("description".to_string(), json!("补充"))],
            22,
        )
        .unwrap();
    c.push_request(10, "1").unwrap();
    c.on_push_response(&PushResponse {
        results: vec![
            result(&create, Outcome::Applied { rev: 8 }),
            result(
                &edit,
                Outcome::Conflict { rev: 9, conflicts: vec![ConflictRef { id: Uuid::nil(), field: "title".into() }] },
            ),
        ],
    });
    // Acknowledged but not pulled yet: the new visit and the applied field
    // still show; the conflicted title shows the server's value.
    assert!(c.view(visit).is_some());
    let v = c.view(rec).unwrap();
    assert_eq!((v.str_value("title"), v.str_value("description")), (Some("旧标题"), Some("补充")));
    // Once the replica holds the record at that revision, the entry no longer layers.
    let mut pulled = server_state(rec, "他人标题", 9);
    pulled
        .fields
        .insert("description".into(), FieldState { value: json!("补充"), rev: 9, hlc: edit.hlc, author: c.user_id });
    c.on_pull_response(&PullResponse { changes: vec![pulled.clone()], next_cursor: 9, has_more: true }, 30);
    assert_eq!(c.view(rec).unwrap(), pulled);
    assert_eq!(c.outbox.entries().len(), 2);
    c.on_pull_response(&PullResponse { changes: vec![], next_cursor: 9, has_more: false }, 30);
    assert!(c.outbox.entries().is_empty());
    assert!(c.view(visit).is_none(), "not pulled (e.g. not visible): no stale local copy");
}

#[test]
fn a_late_answer_for_a_pending_entry_settles_it() {
    let mut c = client();
    let op = c.create(Uuid::from_u128(100), RecordKind::Case, STATION, Uuid::from_u128(200), case_fields(), 1);
    c.push_request(10, "1").unwrap();
    c.on_push_failure(); // timed out, but the server did commit it
    c.on_push_response(&PushResponse { results: vec![result(&op, Outcome::Applied { rev: 1 })] });
    assert_eq!(c.outbox.pending_count(), 0);
    assert_eq!(c.outbox.entries()[0].committed_rev(), Some(1));
}

#[test]
fn too_large_ops_are_quarantined_locally() {
    let mut c = client();
    let mut f = case_fields();
    f.insert("description".into(), json!("长".repeat(100_000)));
    c.create(Uuid::from_u128(100), RecordKind::Case, STATION, Uuid::from_u128(200), f, 1);
    let ok = c.create(Uuid::from_u128(101), RecordKind::Case, STATION, Uuid::from_u128(201), case_fields(), 1);
    assert!(matches!(c.outbox.quarantined().next(), Some((_, r)) if r.code == RejectCode::TooLarge));
    assert_eq!(c.push_request(10, "1").unwrap().ops, vec![ok]);
}

#[test]
fn restart_keeps_everything_and_resends_in_flight() {
    let mut c = client();
    let rec = Uuid::from_u128(200);
    c.create(Uuid::from_u128(100), RecordKind::Case, STATION, rec, case_fields(), 5_000);
    c.create(Uuid::from_u128(101), RecordKind::Case, STATION, Uuid::from_u128(201), case_fields(), 5_001);
    c.push_request(1, "1").unwrap();
    c.outbox.on_response(&[]); // nothing answered
    let saved = c.to_json();
    let restored = ClientState::from_json(&saved).unwrap();
    assert_eq!(restored.outbox.in_flight_count(), 0);
    assert_eq!(restored.outbox.pending_count(), 2);
    assert_eq!(restored.replica, c.replica);
    assert_eq!(restored.clock, c.clock);
    let mut c2 = restored;
    let req = c2.push_request(10, "1").unwrap();
    assert_eq!(req.ops.len(), 2);
    // The clock survives too: new stamps stay above old ones even if the
    // phone's time went backwards across the restart.
    let op = c2.update(Uuid::from_u128(102), rec, [("title".to_string(), json!("改"))], 1_000).unwrap();
    assert!(op.hlc > req.ops[1].hlc);
}

fn server_state(rec: Uuid, title: &str, rev: u64) -> RecordState {
    let fs = |v: Value| FieldState {
        value: v,
        rev,
        hlc: Hlc { wall_ms: 10, counter: 0, node: 77 },
        author: Uuid::from_u128(9),
    };
    let mut r = RecordState {
        kind: RecordKind::Case,
        id: rec,
        station_id: STATION,
        fields: [("title", json!(title)), ("kind", json!("dispute")), ("status", json!("registered"))]
            .into_iter()
            .map(|(k, v)| (k.to_string(), fs(v)))
            .collect(),
        deleted: false,
        rev,
        created_op: Uuid::from_u128(1),
        created_by: Uuid::from_u128(9),
        created_hash: String::new(),
        handlers: vec![],
    };
    r.recompute_handlers();
    r
}

#[test]
fn view_layers_pending_ops_on_pulled_state() {
    let mut c = client();
    let rec = Uuid::from_u128(300);
    c.on_pull_response(
        &PullResponse { changes: vec![server_state(rec, "服务器标题", 7)], next_cursor: 7, has_more: false },
        20,
    );
    assert_eq!(c.replica.cursor(), 7);
    let op = c
        .update(
            Uuid::from_u128(1),
            rec,
            [("title".to_string(), json!("本地标题")), ("status".to_string(), json!("accepted"))],
            30,
        )
        .unwrap();
    let OpBody::Update { changes } = &op.body else { panic!() };
    assert!(changes.iter().all(|ch| ch.base_rev == 7), "base is the pulled revision");
    assert_eq!(op.hlc.wall_ms, 30);
    let v = c.view(rec).unwrap();
    assert_eq!(v.str_value("title"), Some("本地标题"));
    assert_eq!(v.fields["title"].rev, 0, "local, not yet on the server");
    assert_eq!(c.replica.get(rec).unwrap().str_value("title"), Some("服务器标题"));
    // Local create + delete.
    let mine = Uuid::from_u128(301);
    c.create(Uuid::from_u128(2), RecordKind::Case, STATION, mine, case_fields(), 31);
    let v = c.view(mine).unwrap();
    assert_eq!((v.str_value("status"), v.rev, v.handlers.clone()), (Some("registered"), 0, vec![c.user_id]));
    c.delete(Uuid::from_u128(3), mine, 32).unwrap();
    assert!(c.view(mine).unwrap().deleted);
    assert_eq!(c.delete(Uuid::from_u128(4), mine, 33).unwrap_err(), ClientError::Deleted);
    assert_eq!(c.update(Uuid::from_u128(5), Uuid::from_u128(999), [], 33).unwrap_err(), ClientError::UnknownRecord);
    let all = c.views();
    assert_eq!(all.len(), 2);
    assert_eq!(all[&rec], c.view(rec).unwrap());
    // A quarantined op drops out of the view.
    c.push_request(10, "1").unwrap();
    c.on_push_response(&PushResponse {
        results: vec![OpResult { op_id: op.op_id, outcome: rejected(RejectCode::NotHandler) }],
    });
    assert_eq!(c.view(rec).unwrap().str_value("title"), Some("服务器标题"));
}

#[test]
fn late_or_repeated_pull_pages_never_go_back() {
    let mut c = client();
    let rec = Uuid::from_u128(300);
    let new = PullResponse { changes: vec![server_state(rec, "新", 9)], next_cursor: 9, has_more: false };
    let old = PullResponse { changes: vec![server_state(rec, "旧", 4)], next_cursor: 4, has_more: false };
    c.on_pull_response(&new, 0);
    c.on_pull_response(&old, 0);
    assert_eq!(c.replica.cursor(), 9);
    assert_eq!(c.replica.get(rec).unwrap().str_value("title"), Some("新"));
    // The clock has observed the pulled stamps.
    assert!(c.clock.now(0) > Hlc { wall_ms: 10, counter: 0, node: 77 });
}

#[test]
fn stored_outbox_states_read_back_as_written() {
    use crate::client::outbox::EntryState;
    let states = [
        EntryState::Pending,
        EntryState::InFlight,
        EntryState::Committed { rev: 7, conflicted: vec![] },
        EntryState::Committed { rev: 8, conflicted: vec!["title".into()] },
        EntryState::Quarantined { reason: RejectReason::new(RejectCode::NotHandler) },
    ];
    for state in states {
        let json = serde_json::to_value(&state).unwrap();
        assert_eq!(serde_json::from_value::<EntryState>(json.clone()).unwrap(), state, "{json}");
    }
    // The form phones already hold in IndexedDB.
    assert_eq!(
        serde_json::to_value(EntryState::Committed { rev: 7, conflicted: vec![] }).unwrap(),
        json!({"state": "committed", "rev": 7})
    );
    assert_eq!(serde_json::from_value::<EntryState>(json!({"state": "in_flight"})).unwrap(), EntryState::InFlight);
    // A committed entry without its revision, or an unknown state, is refused.
    assert!(serde_json::from_value::<EntryState>(json!({"state": "committed"})).is_err());
    assert!(serde_json::from_value::<EntryState>(json!({"state": "lost"})).is_err());
    assert!(serde_json::from_value::<EntryState>(json!({"state": "quarantined"})).is_err());
}

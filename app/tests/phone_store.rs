//! The phone's store in a real browser (headless Chromium through
//! wasm-bindgen-test): a save and its outbox entry come back after the
//! database is closed and reopened, push and pull results are kept the way
//! the sync protocol needs, and every older schema upgrades with its drafts
//! and unsynced records intact.
#![cfg(all(target_arch = "wasm32", feature = "browser"))]

use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;
use wasm_bindgen_test::*;
use yinling_app::field::store::{db_name, PhoneDb, SCHEMAS};
use yinling_protocol::{
    wire::{OpResult, Outcome, PullResponse, PushResponse},
    ClientState, RecordKind, RecordState,
};

wasm_bindgen_test_configure!(run_in_browser);

/// A user of our own per test, so tests never share a database.
fn user() -> Uuid {
    Uuid::from_u128((js_sys::Math::random() * 1e15) as u128 + ((js_sys::Date::now() as u128) << 64))
}

fn visit_fields(note: &str) -> BTreeMap<String, serde_json::Value> {
    let v = json!({"household_id": Uuid::from_u128(5).to_string(), "visited_at": 1_700_000_000_000i64, "met": true, "note": note});
    v.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn new_visit(state: &mut ClientState, n: u128, note: &str) -> Uuid {
    let op = state.create(
        Uuid::from_u128(1000 + n),
        RecordKind::Visit,
        Uuid::from_u128(9),
        Uuid::from_u128(2000 + n),
        visit_fields(note),
        1_700_000_000_000 + n as u64,
    );
    op.op_id
}

async fn save(db: &PhoneDb, state: &ClientState, op_id: Uuid) {
    let entry = state.outbox.entries().iter().find(|e| e.op.op_id == op_id).unwrap();
    db.save_op(entry, &state.clock).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_saved_record_and_its_outbox_entry_survive_closing_the_database() {
    let u = user();
    let db = PhoneDb::open(u).await.unwrap();
    let mut state = db.load(u, || Uuid::from_u128(77)).await.unwrap();
    assert_eq!(state.device_id, Uuid::from_u128(77));
    let a = new_visit(&mut state, 1, "一楼");
    save(&db, &state, a).await;
    let b = new_visit(&mut state, 2, "二楼");
    save(&db, &state, b).await;
    db.close();

    let db = PhoneDb::open(u).await.unwrap();
    let back = db.load(u, || panic!("the device identity is kept")).await.unwrap();
    assert_eq!(back.device_id, Uuid::from_u128(77));
    let ops: Vec<Uuid> = back.outbox.entries().iter().map(|e| e.op.op_id).collect();
    assert_eq!(ops, [a, b], "both saved, in recording order");
    assert_eq!(back.outbox.pending_count(), 2);
    assert_eq!(back.views(), state.views(), "the phone shows the same records");
    assert!(back.clock.last() >= state.clock.last(), "the clock never goes back");
    db.close();
    PhoneDb::wipe(u).await.unwrap();
}

#[wasm_bindgen_test]
async fn push_replies_and_pulls_are_kept_and_committed_entries_leave_after_a_complete_pull() {
    let u = user();
    let db = PhoneDb::open(u).await.unwrap();
    let mut state = db.load(u, || Uuid::from_u128(78)).await.unwrap();
    let a = new_visit(&mut state, 1, "一楼");
    save(&db, &state, a).await;
    let b = new_visit(&mut state, 2, "二楼");
    save(&db, &state, b).await;

    // The server applied `a` and refused `b`.
    let req = state.push_request(100, "t").unwrap();
    assert_eq!(req.ops.len(), 2);
    let reason = yinling_protocol::RejectReason::new(yinling_protocol::RejectCode::Forbidden);
    let resp = PushResponse {
        results: vec![
            OpResult { op_id: a, outcome: Outcome::Applied { rev: 1 } },
            OpResult { op_id: b, outcome: Outcome::Rejected { reason } },
        ],
    };
    state.on_push_response(&resp);
    db.save_outbox(state.outbox.entries(), &[], &state.clock).await.unwrap();
    let back = db.load(u, || unreachable!()).await.unwrap();
    assert_eq!(back.outbox.pending_count(), 0, "nothing is sent twice after a restart");
    assert_eq!(back.outbox.quarantined().count(), 1, "the refused record is kept for the envoy to read");

    // A complete pull that covers `a` lets its entry go.
    let mut record: RecordState = serde_json::from_value(json!({
        "kind": "visit", "id": Uuid::from_u128(2001), "station_id": Uuid::from_u128(9), "fields": {},
        "deleted": false, "rev": 1, "created_op": a, "created_by": u, "created_hash": "", "handlers": []
    }))
    .unwrap();
    record.rev = 1;
    let page = PullResponse { changes: vec![record.clone()], next_cursor: 1, has_more: false };
    let before: Vec<Uuid> = state.outbox.entries().iter().map(|e| e.op.op_id).collect();
    state.on_pull_response(&page, 1_700_000_100_000);
    let after: Vec<Uuid> = state.outbox.entries().iter().map(|e| e.op.op_id).collect();
    let gone: Vec<Uuid> = before.into_iter().filter(|id| !after.contains(id)).collect();
    assert_eq!(gone, [a]);
    db.save_pulled(&[record], state.replica.cursor(), &gone, &state.clock).await.unwrap();
    db.close();
    let db = PhoneDb::open(u).await.unwrap();
    let back = db.load(u, || unreachable!()).await.unwrap();
    assert_eq!(back.replica.cursor(), 1);
    assert!(back.replica.get(Uuid::from_u128(2001)).is_some());
    assert_eq!(back.outbox.entries().len(), 1, "only the quarantined entry remains");
    db.close();
    PhoneDb::wipe(u).await.unwrap();
}

#[wasm_bindgen_test]
async fn every_older_schema_upgrades_keeping_drafts_and_unsynced_records() {
    for (version, stores) in &SCHEMAS[..SCHEMAS.len() - 1] {
        let u = user();
        // The app as it was at `version`, with a draft and an unsynced visit.
        let old = PhoneDb::open_named(&db_name(u), *version, stores).await.unwrap();
        let mut state = old.load(u, || Uuid::from_u128(79)).await.unwrap();
        let a = new_visit(&mut state, 1, "升级前保存的走访");
        save(&old, &state, a).await;
        old.put_draft("visit-new", "{\"note\":\"还没写完\"}").await.unwrap();
        old.close();

        // The current app opens (and upgrades) the same database.
        let db = PhoneDb::open(u).await.unwrap();
        let back = db.load(u, || panic!("identity kept across the upgrade")).await.unwrap();
        assert_eq!(back.outbox.pending_count(), 1, "v{version}: the unsynced visit is still waiting");
        assert_eq!(back.views(), state.views(), "v{version}");
        assert_eq!(
            db.draft("visit-new").await.unwrap().as_deref(),
            Some("{\"note\":\"还没写完\"}"),
            "v{version}: draft kept"
        );
        db.close();
        PhoneDb::wipe(u).await.unwrap();
    }
}

#[wasm_bindgen_test]
async fn drafts_are_written_replaced_and_removed() {
    let u = user();
    let db = PhoneDb::open(u).await.unwrap();
    assert_eq!(db.draft("k").await.unwrap(), None);
    db.put_draft("k", "一").await.unwrap();
    db.put_draft("k", "一二").await.unwrap();
    assert_eq!(db.draft("k").await.unwrap().as_deref(), Some("一二"));
    db.delete_draft("k").await.unwrap();
    assert_eq!(db.draft("k").await.unwrap(), None);
    db.close();
    PhoneDb::wipe(u).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_draft_photo_is_kept_until_taken_out_and_survives_reopening() {
    let u = user();
    let db = PhoneDb::open(u).await.unwrap();
    let id = Uuid::from_u128(42);
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str("jpeg bytes"));
    let blob = web_sys::Blob::new_with_str_sequence(&parts).unwrap();
    db.keep_photo(id, &blob).await.unwrap();
    db.close();

    let db = PhoneDb::open(u).await.unwrap();
    let (back, uploaded) = db.photo(id).await.unwrap().expect("the draft's photo is still there");
    assert_eq!(back.size(), 10.0);
    assert!(!uploaded, "a draft's photo has not reached the server");
    assert_eq!(db.photos_to_upload().await.unwrap(), vec![id], "its record is not synced, so the upload waits for it");
    db.forget_photo(id).await.unwrap();
    assert!(db.photo(id).await.unwrap().is_none(), "taken out, it is gone");
    assert!(db.photos_to_upload().await.unwrap().is_empty());
}

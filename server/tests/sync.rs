//! Sync against a real server and database (SQLite file and PostgreSQL):
//! phones push and pull with the protocol's own client, staff work the
//! review queue, and bad input gets clear answers without losing good ops.

mod common;

use common::{backends, message, phone::*, TestServer};
use serde_json::{json, Value};
use uuid::Uuid;
use yinling_protocol::{Outcome, RecordKind, RecordState, PROTOCOL_VERSION};

const ENVOY_A: &str = "13800100001";
const ENVOY_B: &str = "13800100002";
const ENVOY_OTHER_STATION: &str = "13800200001";
const STAFF: &str = "13900100001";
const ENVOY_PW: &str = "yinling-envoy";
const STAFF_PW: &str = "yinling-staff";

async fn phone(s: &TestServer, who: &str) -> Phone {
    Phone::new(s.signed_in(who, ENVOY_PW).await).await
}

#[tokio::test]
async fn records_reach_the_server_once_and_other_phones_of_the_station_only() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let mut a = phone(&s, ENVOY_A).await;
        let case = a.new_case("楼道堆物").record_id;
        let visit = a.new_visit("三楼住户反映楼道堆放杂物").record_id;
        assert_eq!(a.waiting(), 2);

        // Send the batch, lose the reply, send it again: applied once.
        let req = a.state.push_request(100, "test").unwrap();
        let body = serde_json::to_value(&req).unwrap();
        let first: Value = a.visitor.post_json("/api/v1/sync/push", &body).await.json().await.unwrap();
        assert_eq!(first["results"][0]["outcome"]["status"], "applied", "{db:?}: {first}");
        a.state.on_push_failure(); // the phone never saw that reply
        a.sync().await;
        assert_eq!(a.waiting(), 0, "{db:?}: nothing left waiting");
        let again: Value = a.visitor.post_json("/api/v1/sync/push", &body).await.json().await.unwrap();
        // Both: the case from its stored result, the visit from the visit itself.
        for r in again["results"].as_array().unwrap() {
            assert_eq!(r["outcome"]["status"], "duplicate", "{db:?}: {again}");
        }
        assert_eq!(
            again["results"][1]["outcome"]["original"], first["results"][1]["outcome"],
            "{db:?}: the first answer"
        );
        assert_eq!(s.store().record_count(None).await.unwrap(), 2, "{db:?}: one row per record");

        // A colleague's phone gets both; a phone of another station neither.
        let mut b = phone(&s, ENVOY_B).await;
        b.sync().await;
        assert_eq!(b.value(case, "title"), Some(json!("楼道堆物")), "{db:?}");
        assert!(b.view(visit).is_some(), "{db:?}");
        let mut other = phone(&s, ENVOY_OTHER_STATION).await;
        other.sync().await;
        assert!(other.view(case).is_none() && other.view(visit).is_none(), "{db:?}: foreign station sees nothing");

        // The devices are listed for the station's staff.
        let staff = s.signed_in(STAFF, STAFF_PW).await;
        let station = a.station_id.to_string();
        let q: Value = staff.get(&format!("/api/v1/stations/{station}/sync")).await.json().await.unwrap();
        let devices = q["devices"].as_array().unwrap();
        assert_eq!(devices.len(), 2, "{db:?}: both envoys' phones: {q}");
        assert!(devices.iter().any(|d| d["ops_received"] == 6 && d["pending"] == 0), "{db:?}: {q}");
    }
}

#[tokio::test]
async fn concurrent_edits_become_a_conflict_staff_resolve_and_phones_receive() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let mut a = phone(&s, ENVOY_A).await;
        let case = a.create(
            RecordKind::Case,
            json!({"title": "电梯故障", "kind": "livelihood", "status": "registered", "assignees": []}),
        );
        let case = case.record_id;
        a.sync().await;
        // B handles the case too, so B may edit it.
        let mut b = phone(&s, ENVOY_B).await;
        a.edit(case, "assignees", json!([b.user_id.to_string()]));
        a.sync().await;
        b.sync().await;

        // Both edit the description offline, then both sync.
        a.edit(case, "description", json!("物业说周五来修"));
        a.edit(case, "resolution", json!("已联系物业"));
        b.edit(case, "description", json!("住户说电梯已停三天"));
        a.sync().await;
        let (_, reply) = b.push_once(100).await.unwrap();
        let outcome = &reply.unwrap().results[0].outcome;
        assert!(
            matches!(outcome, Outcome::Conflict { conflicts, .. } if conflicts[0].field == "description"),
            "{db:?}: {outcome:?}"
        );
        b.pull_all().await;
        // The stored value stays; nothing was silently overwritten.
        assert_eq!(b.value(case, "description"), Some(json!("物业说周五来修")), "{db:?}");

        // Staff see both values side by side, with who.
        let staff = s.signed_in(STAFF, STAFF_PW).await;
        let station = a.station_id.to_string();
        let q: Value = staff.get(&format!("/api/v1/stations/{station}/sync")).await.json().await.unwrap();
        let c = &q["conflicts"][0];
        assert_eq!(q["conflicts"].as_array().unwrap().len(), 1, "{db:?}: {q}");
        assert_eq!(c["field_label"], "情况描述");
        assert_eq!(c["stored"]["value"], "物业说周五来修");
        assert_eq!(c["incoming"]["value"], "住户说电梯已停三天");
        assert!(c["record_label"].as_str().unwrap().contains("电梯故障"));
        assert_ne!(c["stored"]["by"], c["incoming"]["by"]);
        let cid = c["id"].as_str().unwrap().to_string();

        // An envoy may not resolve; a merged value is validated; then staff merge.
        let r = a
            .visitor
            .post_form(&format!("/api/v1/stations/{station}/conflicts/{cid}/resolve"), &[("choice", "incoming")])
            .await;
        assert_eq!(r.status(), 403, "{db:?}");
        let r = staff
            .post_form(
                &format!("/api/v1/stations/{station}/conflicts/{cid}/resolve"),
                &[("choice", "merged"), ("merged", " ")],
            )
            .await;
        let (status, _, msg) = message(r).await;
        assert_eq!((status, msg.as_str()), (400, "请填写合并后的内容。"), "{db:?}");
        let merged = "住户说电梯已停三天；物业说周五来修";
        let r = staff
            .post_form(
                &format!("/api/v1/stations/{station}/conflicts/{cid}/resolve"),
                &[("choice", "merged"), ("merged", merged)],
            )
            .await;
        assert_eq!(r.status(), 204, "{db:?}");
        let r = staff
            .post_form(&format!("/api/v1/stations/{station}/conflicts/{cid}/resolve"), &[("choice", "stored")])
            .await;
        assert_eq!(message(r).await.2, "这条冲突已经处理过了。", "{db:?}: resolved once");

        // Both phones get the resolution on their next sync; queue is empty; audited.
        a.sync().await;
        b.sync().await;
        assert_eq!(a.value(case, "description"), Some(json!(merged)), "{db:?}");
        assert_eq!(b.value(case, "description"), Some(json!(merged)), "{db:?}");
        assert_eq!(a.value(case, "resolution"), Some(json!("已联系物业")), "{db:?}: the rest of A's edit applied");
        let q: Value = staff.get(&format!("/api/v1/stations/{station}/sync")).await.json().await.unwrap();
        assert!(q["conflicts"].as_array().unwrap().is_empty(), "{db:?}");
        let audit = s.store().audit_entries(Some(&station), 50).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "sync.conflict.resolve" && e.object_id == cid), "{db:?}");
    }
}

#[tokio::test]
async fn bad_input_gets_clear_errors_and_good_ops_in_the_batch_still_apply() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let a = phone(&s, ENVOY_A).await;
        let push = |body: Value| {
            let v = &a.visitor;
            async move { v.post_json("/api/v1/sync/push", &body).await }
        };

        // Not JSON at all.
        let r = a
            .visitor
            .client
            .post(format!("{}/api/v1/sync/push", a.visitor.base))
            .header("x-csrf-token", a.visitor.csrf())
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        let (status, code, msg) = message(r).await;
        assert_eq!((status, code.as_str()), (400, "bad_request"), "{db:?}");
        assert_eq!(msg, "同步数据格式有误");
        // A protocol from a future app.
        let r = push(json!({"protocol": 99, "device_id": Uuid::nil(), "app_version": "9", "ops": []})).await;
        let (status, _, msg) = message(r).await;
        assert_eq!(status, 426, "{db:?}");
        assert!(msg.contains("请更新应用"), "{msg}");
        // Too many ops at once.
        let mut filler = phone(&s, ENVOY_A).await;
        let many: Vec<Op> = (0..501).map(|i| filler.new_visit(&format!("第{i}户"))).collect();
        let body = json!({"protocol": PROTOCOL_VERSION, "device_id": a.state.device_id, "app_version": "t", "pending_count": 501, "ops": many});
        let (status, _, msg) = message(push(body).await).await;
        assert_eq!(status, 413, "{db:?}");
        assert!(msg.contains("上限500条"), "{msg}");
        assert_eq!(s.store().record_count(None).await.unwrap(), 0, "{db:?}: refused batches change nothing");

        // One batch: good, foreign station, invalid value, unreadable, good.
        let mut a2 = phone(&s, ENVOY_A).await;
        let good1 = a2.new_case("路灯不亮");
        let mut foreign = a2.new_case("别的站");
        let elsewhere = s.station_ids().await.into_iter().find(|id| *id != a2.station_id.to_string()).unwrap();
        foreign.station_id = Uuid::parse_str(&elsewhere).unwrap();
        let bad_value =
            a2.create(RecordKind::Case, json!({"title": "状态乱填", "kind": "livelihood", "status": "done"}));
        let good2 = a2.new_visit("正常走访");
        let mut ops: Vec<Value> =
            [&good1, &foreign, &bad_value].iter().map(|o| serde_json::to_value(o).unwrap()).collect();
        ops.push(json!({"op_id": Uuid::now_v7(), "kind": "case", "hlc": "garbled"}));
        ops.push(serde_json::to_value(&good2).unwrap());
        let body = json!({"protocol": PROTOCOL_VERSION, "device_id": a2.state.device_id, "app_version": "t", "pending_count": 5, "ops": ops});
        let r = push(body).await;
        assert_eq!(r.status(), 200, "{db:?}");
        let v: Value = r.json().await.unwrap();
        let st: Vec<&str> =
            v["results"].as_array().unwrap().iter().map(|r| r["outcome"]["status"].as_str().unwrap()).collect();
        assert_eq!(st, ["applied", "rejected", "rejected", "rejected", "applied"], "{db:?}: {v}");
        assert_eq!(v["results"][1]["outcome"]["reason"]["zh"], "该记录不属于您所在的站点");
        assert_eq!(
            v["results"][2]["outcome"]["reason"]["zh"],
            "“状态”填写有误：只能选择：登记、受理、办理中、办结、回访、转交"
        );
        assert_eq!(v["results"][3]["outcome"]["reason"]["zh"], "数据格式有误：记录内容无法读取");
        assert!(s.store().record(good1.record_id).await.unwrap().is_some());
        assert!(s.store().record(good2.record_id).await.unwrap().is_some());
        assert!(s.store().record(foreign.record_id).await.unwrap().is_none());

        // Staff see the two refused records of their station with the reason,
        // fix one and dismiss the other; both leave the queue, audited.
        let staff = s.signed_in(STAFF, STAFF_PW).await;
        let station = a.station_id.to_string();
        let q: Value = staff.get(&format!("/api/v1/stations/{station}/sync")).await.json().await.unwrap();
        let rej = q["rejections"].as_array().unwrap();
        assert_eq!(rej.len(), 2, "{db:?}: {q}");
        let bad_id = bad_value.op_id.to_string();
        let foreign_id = foreign.op_id.to_string();
        assert!(rej
            .iter()
            .any(|r| r["op_id"] == bad_id && r["reason_zh"].as_str().unwrap().starts_with("“状态”填写有误")));
        let fix = format!("/api/v1/stations/{station}/rejections/{bad_id}/fix");
        let (status, _, msg) = message(staff.post_form(&fix, &[("f.status", "whatever")]).await).await;
        assert_eq!(status, 400, "{db:?}: a wrong fix is refused");
        assert!(msg.starts_with("“状态”填写有误"), "{msg}");
        assert_eq!(staff.post_form(&fix, &[("f.status", "registered")]).await.status(), 204, "{db:?}");
        let fixed = s.store().record(bad_value.record_id).await.unwrap().expect("fixed record applied");
        assert_eq!(fixed.str_value("status"), Some("registered"));
        let dismiss = format!("/api/v1/stations/{station}/rejections/{foreign_id}/dismiss");
        assert_eq!(staff.post_form(&dismiss, &[]).await.status(), 204, "{db:?}");
        let q: Value = staff.get(&format!("/api/v1/stations/{station}/sync")).await.json().await.unwrap();
        assert!(q["rejections"].as_array().unwrap().is_empty(), "{db:?}: {q}");
        let audit = s.store().audit_entries(Some(&station), 50).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "sync.rejection.fix" && e.object_id == bad_id));
        assert!(audit.iter().any(|e| e.action == "sync.rejection.dismiss" && e.object_id == foreign_id));
        // Another station's staff cannot touch this queue.
        let other_staff = s.signed_in("13900200001", STAFF_PW).await;
        assert_eq!(other_staff.get(&format!("/api/v1/stations/{station}/sync")).await.status(), 404, "{db:?}");
    }
}

#[tokio::test]
async fn sync_needs_a_session_and_the_csrf_header() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let anon = s.visitor().await;
        let body = json!({"protocol": PROTOCOL_VERSION, "device_id": Uuid::nil(), "cursor": 0, "limit": 10});
        assert_eq!(anon.post_json("/api/v1/sync/pull", &body).await.status(), 401, "{db:?}");
        let a = s.signed_in(ENVOY_A, ENVOY_PW).await;
        let r = a.client.post(format!("{}/api/v1/sync/pull", a.base)).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 403, "{db:?}: no CSRF header");
        assert_eq!(a.post_json("/api/v1/sync/pull", &body).await.status(), 200, "{db:?}");
    }
}

/// Pages of 2 make the server read ahead; what the phone ends up with must be
/// what plain paging gives, also when it pushes between pages or changes its
/// page size.
#[tokio::test]
async fn paged_pulls_read_ahead_without_losing_or_repeating_records() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let mut a = phone(&s, ENVOY_A).await;
        let mut ids: Vec<Uuid> = (0..5).map(|i| a.new_visit(&format!("第{i}户")).record_id).collect();
        a.sync().await;
        let mut b = phone(&s, ENVOY_B).await;
        let device = b.state.device_id;
        let mut seen: Vec<(u64, Uuid)> = Vec::new();
        let mut cursor = 0u64;
        let mut pages = 0;
        loop {
            // The third request asks for a different page size: the page
            // read ahead for size 2 must not be handed out.
            let limit = if pages == 2 { 3 } else { 2 };
            let body = json!({"protocol": PROTOCOL_VERSION, "device_id": device, "cursor": cursor, "limit": limit});
            let r = b.visitor.post_json("/api/v1/sync/pull", &body).await;
            assert_eq!(r.status(), 200, "{db:?}");
            let page: Value = r.json().await.unwrap();
            let changes = page["changes"].as_array().unwrap();
            assert!(changes.len() <= limit, "{db:?}: {} changes for limit {limit}", changes.len());
            for c in changes {
                seen.push((c["rev"].as_u64().unwrap(), Uuid::parse_str(c["id"].as_str().unwrap()).unwrap()));
            }
            pages += 1;
            if pages == 1 {
                // Another phone and this one push between pages.
                ids.push(a.new_visit("翻页时新增").record_id);
                a.sync().await;
                let own = b.new_visit("本机新增");
                ids.push(own.record_id);
                assert_eq!(b.push_once(100).await.map(|(status, _)| status), Some(200), "{db:?}");
            }
            if !page["has_more"].as_bool().unwrap() {
                break;
            }
            let next = page["next_cursor"].as_u64().unwrap();
            assert!(next > cursor, "{db:?}");
            cursor = next;
        }
        let revs: Vec<u64> = seen.iter().map(|(rev, _)| *rev).collect();
        assert!(revs.windows(2).all(|w| w[0] < w[1]), "{db:?}: revisions in order, none twice: {revs:?}");
        for id in &ids {
            assert!(seen.iter().any(|(_, s)| s == id), "{db:?}: record {id} never pulled");
        }
        let station = b.station_id.to_string();
        let devices = s.store().devices(&station).await.unwrap();
        let me = devices.iter().find(|d| d.device_id == device.to_string()).unwrap();
        assert!(me.last_pull.is_some(), "{db:?}: the last page records the device's pull");
    }
}

use yinling_protocol::Op;

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn photo_bytes_follow_their_record_and_are_shown_only_to_its_station() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let mut a = phone(&s, ENVOY_A).await;
        let visit = a.new_visit("楼道电线乱拉").record_id;
        let jpeg: Vec<u8> = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &[7u8; 2000][..]].concat();
        let photo = a
            .create(
                RecordKind::Photo,
                json!({"owner_kind": "visit", "owner_id": visit.to_string(), "content_type": "image/jpeg",
                       "byte_size": jpeg.len(), "sha256": sha256_hex(&jpeg)}),
            )
            .record_id;
        let path = format!("/api/v1/photos/{photo}");

        // Before its record has synced, the server does not know the photo.
        assert_eq!(a.visitor.put_bytes(&path, jpeg.clone()).await.status().as_u16(), 404, "{db:?}");
        a.sync().await;

        // Other bytes than the record states are refused, in Chinese.
        let mut wrong = jpeg.clone();
        wrong[100] = 8;
        let (status, _, msg) = message(a.visitor.put_bytes(&path, wrong).await).await;
        assert_eq!((status, msg.as_str()), (400, "照片内容与记录不符，请重新同步。"), "{db:?}");
        let (status, _, msg) = message(a.visitor.put_bytes(&path, jpeg[..1000].to_vec()).await).await;
        assert_eq!((status, msg.as_str()), (400, "照片大小与记录不符，请重新同步。"), "{db:?}");
        let (status, _, msg) = message(a.visitor.get(&path).await).await;
        assert_eq!((status, msg.as_str()), (404, "照片还在拍摄的手机上，尚未上传。"), "{db:?}");

        // The right bytes are kept once; a retry changes nothing.
        assert_eq!(a.visitor.put_bytes(&path, jpeg.clone()).await.status().as_u16(), 201, "{db:?}");
        assert_eq!(a.visitor.put_bytes(&path, jpeg.clone()).await.status().as_u16(), 204, "{db:?}");

        // A colleague sees it; another station's envoy and a stranger do not.
        let b = s.signed_in(ENVOY_B, ENVOY_PW).await;
        let got = b.get(&path).await;
        assert_eq!(got.status().as_u16(), 200, "{db:?}");
        assert_eq!(got.bytes().await.unwrap().to_vec(), jpeg, "{db:?}");
        let other = s.signed_in(ENVOY_OTHER_STATION, ENVOY_PW).await;
        assert_eq!(other.get(&path).await.status().as_u16(), 404, "{db:?}");
        assert_eq!(other.put_bytes(&path, jpeg.clone()).await.status().as_u16(), 404, "{db:?}");
        assert_eq!(s.visitor().await.get(&path).await.status().as_u16(), 401, "{db:?}");
    }
}

#[tokio::test]
async fn a_mediation_reaches_its_mediators_and_staff_but_not_other_envoys() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let mut a = phone(&s, ENVOY_A).await;
        let mut b = phone(&s, ENVOY_B).await;
        let case = a.new_case("楼上漏水").record_id;
        let med = a
            .create(
                RecordKind::Mediation,
                json!({"case_id": case.to_string(), "status": "mediating", "mediator_ids": [a.user_id.to_string()],
                       "parties": [{"name": "王阿姨", "role": "applicant", "informed": true, "consented": true}]}),
            )
            .record_id;
        a.sync().await;
        assert_eq!(a.waiting(), 0, "{db:?}");
        b.sync().await;
        assert!(b.view(case).is_some(), "{db:?}: the case is the station's");
        assert!(only_a_tombstone(b.view(med)), "{db:?}: the mediation is only its mediators': {:?}", b.view(med));

        // Once B is a mediator, B's next pull brings it.
        a.edit(med, "mediator_ids", json!([a.user_id.to_string(), b.user_id.to_string()]));
        a.sync().await;
        b.sync().await;
        assert_eq!(b.value(med, "parties").unwrap()[0]["name"], "王阿姨", "{db:?}");

        // Taken off it again, B's phone forgets it at its next pull.
        a.edit(med, "mediator_ids", json!([a.user_id.to_string()]));
        a.sync().await;
        b.sync().await;
        assert!(only_a_tombstone(b.view(med)), "{db:?}: B's phone still holds {:?}", b.view(med));
        assert!(!b.state.to_json().contains("王阿姨"), "{db:?}: nothing of the parties is left on B's phone");
        // An envoy of another station never hears of it at all.
        let mut other = phone(&s, ENVOY_OTHER_STATION).await;
        other.sync().await;
        assert!(other.view(med).is_none(), "{db:?}");
    }
}

/// What a phone may keep of a mediation it does not handle: nothing, or its
/// redacted tombstone (deleted, no fields, no creator).
fn only_a_tombstone(view: Option<RecordState>) -> bool {
    view.is_none_or(|r| r.deleted && r.fields.is_empty() && r.created_by.is_nil() && r.handlers.is_empty())
}

/// A phone that goes out of range mid-sync drops its request at any point,
/// including between the database's BEGIN and the first statement. None of
/// those abandoned requests may leave the database locked: the phone's
/// retry goes through, every record lands exactly once.
#[tokio::test]
async fn abandoned_pushes_never_leave_the_database_locked() {
    use rand::{Rng, SeedableRng};
    for db in backends() {
        let s = TestServer::start(db).await;
        let mut a = phone(&s, ENVOY_A).await;
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut created = 0;
        for round in 0..120 {
            for i in 0..3 {
                a.new_visit(&format!("第{round}轮第{i}条"));
                created += 1;
            }
            let req = a.state.push_request(100, "test").unwrap();
            // Give up after 0–8 ms: sometimes before the server read the
            // request, sometimes in the middle of its transaction.
            let cut = std::time::Duration::from_micros(rng.gen_range(0..8_000));
            let _ = a
                .visitor
                .client
                .post(format!("{}/api/v1/sync/push", a.visitor.base))
                .header("x-csrf-token", a.visitor.csrf())
                .timeout(cut)
                .json(&req)
                .send()
                .await;
            a.state.on_push_failure();
        }
        // The retry: must not wait out a lock some abandoned request kept.
        let started = std::time::Instant::now();
        while let Some((status, reply)) = a.push_once(100).await {
            assert_eq!(status, 200, "{db:?}: retry after abandoned pushes: {reply:?}");
        }
        a.pull_all().await;
        assert_eq!(a.waiting(), 0, "{db:?}");
        assert!(started.elapsed().as_secs() < 8, "{db:?}: the retry waited {:?} for a lock", started.elapsed());
        assert_eq!(s.store().record_count(None).await.unwrap(), created, "{db:?}: every visit exactly once");
    }
}

/// The station desk lists the station's mediations and prints an agreement
/// from the server's copy: the same 调解协议书 as the mediator's phone, with
/// every signature. Opening it is audited; envoys and other stations cannot.
#[tokio::test]
async fn staff_print_a_mediations_agreement_and_the_opening_is_audited() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let mut a = phone(&s, ENVOY_A).await;
        let case = a.new_case("楼上漏水").record_id;
        let sig = |who: &str, role: &str| json!({"signer": who, "role": role, "path": "M10 10 L200 120", "signed_at": 1_763_000_000_000_i64});
        let med = a
            .create(
                RecordKind::Mediation,
                json!({"case_id": case.to_string(), "status": "succeeded", "mediator_ids": [a.user_id.to_string()],
                       "parties": [{"name": "王阿姨", "role": "applicant", "informed": true, "consented": true},
                                   {"name": "李先生", "role": "respondent", "informed": true, "consented": true}],
                       "terms": "李先生十日内修好水管，赔偿王阿姨五百元", "performance": "限期履行", "deadline": "2026-12-01",
                       "agreement_form": "written",
                       "signatures": [sig("王阿姨", "party"), sig("李先生", "party"), sig("赵国庆", "mediator")]}),
            )
            .record_id;
        let ongoing = a.new_case("噪音扰民").record_id;
        a.create(
            RecordKind::Mediation,
            json!({"case_id": ongoing.to_string(), "status": "mediating", "mediator_ids": [a.user_id.to_string()],
                   "parties": [{"name": "孙大爷", "role": "applicant", "informed": true, "consented": true}]}),
        );
        a.sync().await;
        assert_eq!(a.waiting(), 0, "{db:?}: {:?}", a.state.outbox.quarantined().collect::<Vec<_>>());

        let staff = s.signed_in(STAFF, STAFF_PW).await;
        let list = staff.get_html("/station/mediations").await.text().await.unwrap();
        assert!(list.contains("楼上漏水") && list.contains("王阿姨、李先生"), "{db:?}: {list}");
        assert!(list.contains(&format!("/station/mediations/{med}")), "{db:?}: the agreement is linked");
        assert!(list.contains("孙大爷") && list.contains("尚无协议"), "{db:?}: an ongoing one has no agreement yet");

        let page = staff.get_html(&format!("/station/mediations/{med}")).await.text().await.unwrap();
        assert!(
            page.contains("人民调解协议书") && page.contains("李先生十日内修好水管，赔偿王阿姨五百元"),
            "{db:?}: {page}"
        );
        assert_eq!(
            page.matches("class=\"signature\"").count(),
            3,
            "{db:?}: both parties' and the mediator's signatures"
        );
        assert!(page.contains("赵国庆（调解员）"), "{db:?}");
        let station = a.station_id.to_string();
        let trail = s.store().audit_entries(Some(&station), 20).await.unwrap();
        assert!(
            trail.iter().any(|e| e.action == "view_agreement" && e.object_id == med.to_string()),
            "{db:?}: opening the agreement is audited: {trail:?}"
        );

        // The agreement's server function (errors come as a typed body): an
        // envoy may not; another station's staff do not learn it exists.
        let fn_url = format!("/api/mediation_agreement?id={med}");
        async fn refusal(v: &common::Visitor, url: &str) -> String {
            let body: Value = v.get(url).await.json().await.unwrap_or_default();
            body["error"].as_str().unwrap_or("none").to_string()
        }
        let ok: Value = staff.get(&fn_url).await.json().await.unwrap();
        assert_eq!(ok["terms"], "李先生十日内修好水管，赔偿王阿姨五百元", "{db:?}: {ok}");
        assert_eq!(refusal(&a.visitor, &fn_url).await, "forbidden", "{db:?}: envoys print from their phone");
        let other_staff = s.signed_in("13900200001", STAFF_PW).await;
        assert_eq!(refusal(&other_staff, &fn_url).await, "not_found", "{db:?}");
        assert_eq!(refusal(&s.visitor().await, &fn_url).await, "unauthenticated", "{db:?}");
    }
}

//! Residents' bookings (预约调处), end to end over HTTP, on SQLite and on
//! PostgreSQL: booking, following, staff handling, rating, the slot capacity
//! under concurrency, idempotent submits, bad input, abuse limits, privacy.

mod common;
use common::{phone::Phone, *};
use reqwest::{header, StatusCode};
use serde_json::Value;
use std::sync::Arc;
use yinling_server::{
    bookings::slots::{day_str, local_day},
    demo::{envoy_phone, staff_phone, ENVOY_PASSWORD, STAFF_PASSWORD},
    storage::{BookingTableCounts, SlotTemplateRow},
};

/// The station-local day `n` days from today, `YYYY-MM-DD`.
fn day_in(n: i64) -> String {
    day_str(local_day(chrono::Utc::now().timestamp_millis()) + chrono::Duration::days(n))
}

/// Replace a station's weekly slots by every day 09:00–10:00 in 30-minute
/// slots with `capacity` places, so tomorrow 09:00 is always bookable.
async fn daily_slots(s: &TestServer, station: &str, capacity: i64) {
    for t in s.store().slot_templates(station).await.unwrap() {
        assert!(s.store().delete_slot_template(station, &t.id).await.unwrap());
    }
    let rows: Vec<SlotTemplateRow> = (1..=7)
        .map(|weekday| SlotTemplateRow {
            id: uuid::Uuid::now_v7().to_string(),
            station_id: station.to_string(),
            weekday,
            start_min: 9 * 60,
            end_min: 10 * 60,
            slot_minutes: 30,
            capacity,
        })
        .collect();
    s.store().insert_slot_templates(&rows).await.unwrap();
}

fn key() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A complete, valid booking form for tomorrow 09:00.
fn form(station: &str, phone: &str) -> Vec<(&'static str, String)> {
    vec![
        ("station_id", station.to_string()),
        ("day", day_in(1)),
        ("start", "09:00".into()),
        ("kind", "dispute".into()),
        ("description", "楼上装修噪音，晚上十点以后还在施工。".into()),
        ("name", "王秀英".into()),
        ("phone", phone.into()),
        ("other_party", "502 室住户".into()),
        ("consent", "yes".into()),
        ("idempotency_key", key()),
    ]
}

fn set(fields: &mut [(&'static str, String)], name: &str, value: &str) {
    fields.iter_mut().find(|(k, _)| *k == name).unwrap().1 = value.to_string();
}

fn without(fields: &[(&'static str, String)], name: &str) -> Vec<(&'static str, String)> {
    fields.iter().filter(|(k, _)| *k != name).cloned().collect()
}

async fn post(v: &Visitor, path: &str, fields: &[(&'static str, String)]) -> reqwest::Response {
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    v.post_form(path, &f).await
}

async fn json(r: reqwest::Response) -> Value {
    r.json().await.unwrap()
}

async fn counts(s: &TestServer) -> BookingTableCounts {
    s.store().booking_table_counts().await.unwrap()
}

/// Book tomorrow 09:00 at `station` and return the JSON answer.
async fn book(v: &Visitor, station: &str, phone: &str) -> Value {
    let r = post(v, "/api/v1/bookings", &form(station, phone)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    json(r).await
}

/// The resident's page behind the secret link.
async fn page(v: &Visitor, token: &str) -> String {
    let r = v.get_html(&format!("/b/{token}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store", "a secret URL is not cached");
    r.text().await.unwrap()
}

async fn staff_of(s: &TestServer, station: usize) -> Visitor {
    s.signed_in(&staff_phone(station, 1), STAFF_PASSWORD).await
}

#[tokio::test]
async fn a_resident_books_staff_handle_it_and_the_rating_counts() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let station = s.station_ids().await[0].clone();
        daily_slots(&s, &station, 2).await;
        let resident = s.visitor().await;
        let booked = book(&resident, &station, "13812345678").await;
        let reference = booked["reference"].as_str().unwrap().to_string();
        let token = booked["token"].as_str().unwrap().to_string();
        assert_eq!(booked["url"], format!("/b/{token}"));
        assert_eq!(booked["status"], "pending");
        assert!(reference.len() == 9 && !reference.contains(['0', 'O', '1', 'I']), "{reference}");
        let html = page(&resident, &token).await;
        assert!(html.contains(&reference) && html.contains("待确认"), "{db:?}");
        assert!(html.contains("138****5678") && !html.contains("13812345678"), "the page masks the phone");
        assert!(!html.contains("502 室住户"), "the other party's data is not shown to the resident");

        // Staff see it in their list, phone masked, and confirm it.
        let staff = staff_of(&s, 1).await;
        let list = json(staff.get(&format!("/api/v1/stations/{station}/bookings")).await).await;
        let row = &list["rows"][0];
        assert_eq!(row["reference"], reference.as_str());
        assert_eq!(row["phone_masked"], "138****5678");
        assert!(!list.to_string().contains("13812345678"));
        let id = row["id"].as_str().unwrap().to_string();
        let r = post(&staff, &format!("/api/v1/bookings/{id}/confirm"), &[]).await;
        assert_eq!(r.status(), 200, "{db:?}");
        assert!(page(&resident, &token).await.contains("已确认"));

        // Staff move it: the resident sees 已改期 and the new time.
        let r = post(
            &staff,
            &format!("/api/v1/bookings/{id}/reschedule"),
            &[("day", day_in(2)), ("start", "09:30".into())],
        )
        .await;
        assert_eq!(r.status(), 200);
        let html = page(&resident, &token).await;
        assert!(html.contains("已改期") && html.contains("09:30–10:00"), "{db:?}");

        // Turned into a case assigned to an envoy; the case's ops are kept for sync.
        let envoy = s.store().user_by_phone(&envoy_phone(1, 2)).await.unwrap().unwrap();
        let r = post(&staff, &format!("/api/v1/bookings/{id}/accept"), &[("assignee", envoy.id.clone())]).await;
        assert_eq!(r.status(), 200);
        let case_id = json(r).await["case_id"].as_str().unwrap().to_string();
        let row = s.store().booking(&id).await.unwrap().unwrap();
        assert_eq!(row.case_id.as_deref(), Some(case_id.as_str()));
        let ops: Vec<yinling_protocol::Op> = serde_json::from_str(row.case_ops.as_deref().unwrap()).unwrap();
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[0].record_id.to_string(), case_id);
        let yinling_protocol::OpBody::Create { fields } = &ops[0].body else { panic!("create first") };
        yinling_protocol::schema::validate_create(yinling_protocol::RecordKind::Case, fields).unwrap();
        assert_eq!(fields["mechanism"], "appointment");
        assert_eq!(fields["assignees"][0], envoy.id.as_str());
        assert!(page(&resident, &token).await.contains("已受理"));
        // The case was pushed through sync: the assigned envoy's phone gets it on its next sync.
        let case_uuid = uuid::Uuid::parse_str(&case_id).unwrap();
        let record = s.store().record(case_uuid).await.unwrap().expect("the case record exists");
        assert_eq!(record.str_value("status"), Some("accepted"));
        assert!(record.handlers.contains(&uuid::Uuid::parse_str(&envoy.id).unwrap()));
        let mut phone = Phone::new(s.signed_in(&envoy_phone(1, 2), ENVOY_PASSWORD).await).await;
        phone.sync().await;
        assert_eq!(phone.value(case_uuid, "mechanism"), Some(serde_json::json!("appointment")), "{db:?}");
        // Accepting again (a second click) makes no second case.
        let r = post(&staff, &format!("/api/v1/bookings/{id}/accept"), &[("assignee", envoy.id.clone())]).await;
        assert_eq!(r.status(), 409);
        assert_eq!(s.store().record_count(Some("case")).await.unwrap(), 1);

        // Not yet resolved: no rating.
        let rate =
            |r: &'static str| vec![("token", token.clone()), ("rating", r.to_string()), ("comment", "谢谢".into())];
        let r = post(&resident, "/api/v1/booking/rate", &rate("satisfied")).await;
        assert_eq!(message(r).await.0, 409);

        let r = post(&staff, &format!("/api/v1/bookings/{id}/resolve"), &[]).await;
        assert_eq!(r.status(), 200);
        let record = s.store().record(case_uuid).await.unwrap().unwrap();
        assert_eq!(record.str_value("status"), Some("resolved"), "办结 is the case's status");
        let html = page(&resident, &token).await;
        assert!(html.contains("办结") && html.contains("rate-form"), "{db:?}");
        let before = json(resident.get("/api/v1/public/stations").await).await;
        assert_eq!(before[0]["satisfaction"]["satisfied"], 0);

        let r = post(&resident, "/api/v1/booking/rate", &rate("satisfied")).await;
        assert_eq!(r.status(), 200);
        let (status, _, msg) = message(post(&resident, "/api/v1/booking/rate", &rate("unsatisfied")).await).await;
        assert_eq!(status, 409, "rated once only");
        assert!(msg.contains("只能评价一次"), "{msg}");
        let html = page(&resident, &token).await;
        assert!(html.contains("满意") && !html.contains("rate-form"));

        let after = json(resident.get("/api/v1/public/stations").await).await;
        let mine = after.as_array().unwrap().iter().find(|x| x["station"]["id"] == station.as_str()).unwrap();
        assert_eq!(mine["satisfaction"]["satisfied"], 1, "{db:?}");
        let html = resident.get_html("/stations").await.text().await.unwrap();
        assert!(html.contains("满意度 100%（1 人评价）"), "the public list shows the figure");

        let trail = s.store().audit_entries(Some(&station), 50).await.unwrap();
        let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        for a in ["booking.create", "booking.confirm", "booking.reschedule", "booking.accept", "booking.resolve"] {
            assert!(actions.contains(&a), "{a} audited: {actions:?}");
        }
        assert!(!trail.iter().any(|e| e.detail.contains("13812345678")), "no phone numbers in the audit trail");
    }
}

#[tokio::test]
async fn fifty_simultaneous_bookings_for_one_place_make_exactly_one() {
    for db in backends() {
        // Behind a proxy each resident has their own address (so the per-address limit is not what stops them).
        let s = TestServer::start_with(db, |c| c.trust_proxy = true).await;
        let station = s.station_ids().await[0].clone();
        daily_slots(&s, &station, 1).await;
        let v = s.visitor().await;
        // A booking made and cancelled first: the slot's lock row exists, as it
        // does for any slot booked before (a fresh row would serialise the race by itself).
        let earlier = json(post(&v, "/api/v1/bookings", &form(&station, "13700009999")).await).await;
        let token = earlier["token"].as_str().unwrap().to_string();
        assert_eq!(post(&v, "/api/v1/booking/cancel", &[("token", token)]).await.status(), 200);
        let csrf = v.csrf();
        let barrier = Arc::new(tokio::sync::Barrier::new(50));
        let mut tasks = Vec::new();
        for i in 0..50 {
            let (client, url, barrier, station, csrf) = (
                v.client.clone(),
                format!("{}/api/v1/bookings", s.base),
                barrier.clone(),
                station.clone(),
                csrf.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let mut f = form(&station, &format!("1391234{i:04}"));
                f.push(("csrf_token", csrf));
                barrier.wait().await;
                let r = client
                    .post(url)
                    .header(header::ACCEPT, "application/json")
                    .header("x-forwarded-for", format!("10.0.0.{i}"))
                    .form(&f)
                    .send()
                    .await
                    .unwrap();
                message(r).await
            }));
        }
        let mut created = 0;
        for t in tasks {
            let (status, code, msg) = t.await.unwrap();
            match status {
                201 => created += 1,
                409 => {
                    assert_eq!(code, "conflict");
                    assert!(msg.contains("该时段已约满"), "{msg}");
                }
                other => panic!("{db:?}: unexpected {other} {code} {msg}"),
            }
        }
        assert_eq!(created, 1, "{db:?}: exactly one booking for one place");
        let c = counts(&s).await;
        // The cancelled one (2 events) and the winner (1 event); the 49 others left nothing.
        assert_eq!(
            c,
            BookingTableCounts { bookings: 2, contacts: 2, links: 2, events: 3 },
            "{db:?}: nothing half-written"
        );
        let picker = json(v.get(&format!("/api/v1/public/stations/{station}/slots?day={}", day_in(1))).await).await;
        assert_eq!(picker["slots"][0]["booked"], 1);
        assert_eq!(picker["slots"][0]["capacity"], 1);
    }
}

#[tokio::test]
async fn a_repeated_submit_makes_one_booking() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let station = s.station_ids().await[0].clone();
        daily_slots(&s, &station, 5).await;
        let v = s.visitor().await;
        let f = form(&station, "13812345678");
        let first = json(post(&v, "/api/v1/bookings", &f).await).await;
        // The same form again (a double tap, a retrying network): the same booking, a working link.
        let r = post(&v, "/api/v1/bookings", &f).await;
        assert_eq!(r.status(), 200);
        let again = json(r).await;
        assert_eq!(again["reference"], first["reference"]);
        assert_eq!(again["created"], false);
        assert!(page(&v, again["token"].as_str().unwrap()).await.contains(first["reference"].as_str().unwrap()));
        // Both at once.
        let g = form(&station, "13812345679");
        let (a, b) = tokio::join!(post(&v, "/api/v1/bookings", &g), post(&v, "/api/v1/bookings", &g));
        let (a, b) = (json(a).await, json(b).await);
        assert_eq!(a["reference"], b["reference"], "{db:?}");
        assert_eq!(counts(&s).await.bookings, 2, "{db:?}");
        // Someone else's key with another phone is refused, not attached.
        let mut h = f.clone();
        set(&mut h, "phone", "13900001111");
        let (status, _, msg) = message(post(&v, "/api/v1/bookings", &h).await).await;
        assert_eq!(status, 400);
        assert!(msg.contains("刷新页面"), "{msg}");
        assert_eq!(counts(&s).await.bookings, 2);
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_chinese_message_and_saves_nothing() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let station = s.station_ids().await[0].clone();
        daily_slots(&s, &station, 2).await;
        let staff = staff_of(&s, 1).await;
        // Closed the day after tomorrow.
        let r = post(
            &staff,
            &format!("/api/v1/stations/{station}/slot-exceptions"),
            &[("day", day_in(2)), ("kind", "closed".into()), ("note", "社区活动".into())],
        )
        .await;
        assert_eq!(r.status(), 204);
        let v = s.visitor().await;
        let base = form(&station, "13812345678");
        let with = |name: &str, value: &str| {
            let mut f = base.clone();
            set(&mut f, name, value);
            f
        };
        // (what is wrong, the form's fields, the status, the message's words)
        type Case<'a> = (&'a str, Vec<(&'static str, String)>, u16, &'a str);
        let cases: Vec<Case> = vec![
            ("past date", with("day", &day_in(-1)), 400, "已经过去"),
            ("closed day", with("day", &day_in(2)), 400, "不开放"),
            ("too far ahead", with("day", &day_in(45)), 400, "30 天"),
            ("not a date", with("day", "明天"), 400, "请选择预约日期"),
            ("not a slot", with("start", "09:10"), 400, "请选择工作室开放的时段"),
            ("unknown station", with("station_id", &uuid::Uuid::now_v7().to_string()), 404, "没有找到该工作室"),
            ("missing consent", without(&base, "consent"), 400, "预约须知"),
            ("invalid phone", with("phone", "12812345678"), 400, "11 位手机号码"),
            ("short phone", with("phone", "1381234567"), 400, "11 位手机号码"),
            ("no kind", with("kind", "噪音"), 400, "事项类别"),
            ("empty description", with("description", "  "), 400, "简要说明"),
            ("over-long description", with("description", &"吵".repeat(501)), 400, "500 字"),
            ("over-long name", with("name", &"王".repeat(21)), 400, "20 字"),
            ("over-long other party", with("other_party", &"李".repeat(101)), 400, "100 字"),
            ("script in description", with("description", "<script>alert(1)</script>"), 400, "< >"),
            ("markup in name", with("name", "<img src=x onerror=alert(1)>"), 400, "< >"),
            ("no idempotency key", with("idempotency_key", ""), 400, "刷新页面"),
        ];
        for (what, fields, status, needle) in cases {
            let (got, _, msg) = message(post(&v, "/api/v1/bookings", &fields).await).await;
            assert_eq!(got, status, "{db:?} {what}: {msg}");
            assert!(msg.contains(needle), "{db:?} {what}: {msg}");
            assert!(msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{what}: Chinese message");
        }
        assert_eq!(counts(&s).await, BookingTableCounts::default(), "{db:?}: nothing saved");

        // A plain form post (no JS) goes back to the form with the error's code.
        let mut f = with("phone", "123");
        f.push(("csrf_token", v.csrf()));
        let r = v
            .client
            .post(format!("{}/api/v1/bookings", s.base))
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, format!("{}/stations/{station}/book?day={}", s.base, day_in(1)))
            .form(&f)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let back = r.headers()["location"].to_str().unwrap().to_string();
        assert_eq!(back, format!("/stations/{station}/book?day={}&error=phone", day_in(1)));
        let html = v.get_html(&back).await.text().await.unwrap();
        assert!(html.contains("请填写正确的 11 位手机号码"), "the page shows the message");
    }
}

#[tokio::test]
async fn text_with_quotes_and_ampersands_is_kept_and_rendered_escaped() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let station = s.station_ids().await[0].clone();
        daily_slots(&s, &station, 2).await;
        let v = s.visitor().await;
        let mut f = form(&station, "13812345678");
        set(&mut f, "description", r#"他说"明天再来" & 'onerror=alert(1)'"#);
        let r = post(&v, "/api/v1/bookings", &f).await;
        assert_eq!(r.status(), 201);
        let token = json(r).await["token"].as_str().unwrap().to_string();
        let html = page(&v, &token).await;
        assert!(html.contains(r#"他说"明天再来" &amp; 'onerror=alert(1)'"#), "shown as text, escaped");
    }
}

#[tokio::test]
async fn lookup_by_reference_and_phone_reveals_nothing_and_is_rate_limited() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let station = s.station_ids().await[0].clone();
        daily_slots(&s, &station, 2).await;
        let v = s.visitor().await;
        let reference = book(&v, &station, "13812345678").await["reference"].as_str().unwrap().to_string();
        let lookup = |r: &str, p: &str| vec![("reference", r.to_string()), ("phone", p.to_string())];

        // Lower case and without the dash works too.
        let r = post(&v, "/api/v1/bookings/lookup", &lookup(&reference.replace('-', "").to_lowercase(), "13812345678"))
            .await;
        assert_eq!(r.status(), 200);
        let token = json(r).await["token"].as_str().unwrap().to_string();
        assert!(page(&v, &token).await.contains(&reference));

        // A wrong phone and an unknown reference get the very same answer.
        let wrong_phone = message(post(&v, "/api/v1/bookings/lookup", &lookup(&reference, "13900000000")).await).await;
        let unknown = message(post(&v, "/api/v1/bookings/lookup", &lookup("ZZZZ-ZZZZ", "13812345678")).await).await;
        assert_eq!(wrong_phone, unknown, "{db:?}");
        assert_eq!(unknown.0, 404);
        assert!(unknown.2.contains("没有找到与该预约号和手机号相符的预约"));

        // Ten failures from one address, then even the right answer is refused for a while.
        for i in 0..8 {
            post(&v, "/api/v1/bookings/lookup", &lookup("ZZZZ-ZZZZ", &format!("1370000{i:04}"))).await;
        }
        let (status, code, msg) =
            message(post(&v, "/api/v1/bookings/lookup", &lookup(&reference, "13812345678")).await).await;
        assert_eq!((status, code.as_str()), (429, "too_many_requests"), "{db:?}");
        assert!(msg.contains("查询次数太多"), "{msg}");
    }
}

#[tokio::test]
async fn booking_is_rate_limited_per_phone_and_per_address() {
    for db in backends() {
        let s = TestServer::start_with(db, |c| c.trust_proxy = true).await;
        let station = s.station_ids().await[0].clone();
        daily_slots(&s, &station, 50).await;
        let v = s.visitor().await;
        let send = |phone: String, ip: String| {
            let mut f = form(&station, &phone);
            f.push(("csrf_token", v.csrf()));
            v.client
                .post(format!("{}/api/v1/bookings", s.base))
                .header(header::ACCEPT, "application/json")
                .header("x-forwarded-for", ip)
                .form(&f)
                .send()
        };
        // One phone: 5 bookings a day.
        for i in 0..5 {
            assert_eq!(send("13812345678".into(), format!("10.1.0.{i}")).await.unwrap().status(), 201);
        }
        let (status, _, msg) = message(send("13812345678".into(), "10.1.0.99".into()).await.unwrap()).await;
        assert_eq!(status, 429, "{db:?}");
        assert!(msg.contains("提交太频繁"), "{msg}");
        // One address: 20 an hour.
        for i in 0..15 {
            assert_eq!(send(format!("1370000{i:04}"), "10.2.0.1".into()).await.unwrap().status(), 201);
        }
        assert_eq!(send("13600000001".into(), "10.2.0.1".into()).await.unwrap().status(), 201);
        assert_eq!(send("13600000002".into(), "10.2.0.1".into()).await.unwrap().status(), 201);
        assert_eq!(send("13600000003".into(), "10.2.0.1".into()).await.unwrap().status(), 201);
        assert_eq!(send("13600000004".into(), "10.2.0.1".into()).await.unwrap().status(), 201);
        assert_eq!(send("13600000005".into(), "10.2.0.1".into()).await.unwrap().status(), 201);
        assert_eq!(send("13600000006".into(), "10.2.0.1".into()).await.unwrap().status(), 429);
        assert_eq!(counts(&s).await.bookings, 25);
    }
}

#[tokio::test]
async fn residents_cancel_or_move_a_booking_only_before_it_starts() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let station = s.station_ids().await[0].clone();
        daily_slots(&s, &station, 1).await;
        let v = s.visitor().await;
        let token = book(&v, &station, "13812345678").await["token"].as_str().unwrap().to_string();
        let html = page(&v, &token).await;
        assert!(html.contains("cancel-form") && html.contains("reschedule-link"));

        // Move to 09:30 the day after: back to 待确认 at the new time.
        let r = post(
            &v,
            "/api/v1/booking/reschedule",
            &[("token", token.clone()), ("day", day_in(2)), ("start", "09:30".into())],
        )
        .await;
        assert_eq!(r.status(), 200);
        assert_eq!(json(r).await["status"], "pending");
        let html = page(&v, &token).await;
        assert!(html.contains("09:30–10:00") && html.contains("待确认"));
        // Its old place is free again; the new one is taken (capacity 1).
        let other = s.visitor().await;
        book(&other, &station, "13900001111").await;
        let mut f = form(&station, "13900002222");
        set(&mut f, "day", &day_in(2));
        set(&mut f, "start", "09:30");
        assert_eq!(message(post(&other, "/api/v1/bookings", &f).await).await.0, 409, "{db:?}");

        let r = post(&v, "/api/v1/booking/cancel", &[("token", token.clone())]).await;
        assert_eq!(r.status(), 200);
        let html = page(&v, &token).await;
        assert!(html.contains("已取消") && !html.contains("cancel-form"));
        let (status, _, msg) = message(post(&v, "/api/v1/booking/cancel", &[("token", token.clone())]).await).await;
        assert_eq!(status, 409);
        assert!(msg.contains("不能再取消"), "{msg}");
        // The cancelled place can be booked again.
        assert_eq!(post(&other, "/api/v1/bookings", &f).await.status(), 201);

        // A booking whose time has come cannot be changed by the resident.
        let mut g = form(&station, "13700001111");
        set(&mut g, "day", &day_in(3));
        let r = post(&v, "/api/v1/bookings", &g).await;
        assert_eq!(r.status(), 201);
        let started = json(r).await;
        let id = s.store().booking_by_reference(started["reference"].as_str().unwrap()).await.unwrap().unwrap().id;
        let past = yinling_server::storage::BookingChange {
            booking_id: id,
            from: vec![yinling_app::booking::model::BookingStatus::Pending],
            to: yinling_app::booking::model::BookingStatus::Confirmed,
            starts_after: None,
            move_to: Some(yinling_server::storage::SlotMove {
                day: day_in(0),
                start_min: 0,
                end_min: 30,
                starts_at: chrono::Utc::now().timestamp_millis() - 60_000,
                capacity: 5,
            }),
            decline_reason: None,
            case: None,
            by_resident: false,
            actor_id: None,
            note: String::new(),
            now: chrono::Utc::now().timestamp_millis(),
        };
        s.store().change_booking(&past).await.unwrap();
        let t = started["token"].as_str().unwrap().to_string();
        assert!(!page(&v, &t).await.contains("cancel-form"));
        assert_eq!(message(post(&v, "/api/v1/booking/cancel", &[("token", t.clone())]).await).await.0, 409);
        let moved = message(
            post(&v, "/api/v1/booking/reschedule", &[("token", t), ("day", day_in(3)), ("start", "09:00".into())])
                .await,
        )
        .await;
        assert_eq!(moved.0, 409, "{db:?}");
    }
}

#[tokio::test]
async fn staff_act_only_on_their_station_and_opening_a_phone_is_audited() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let ids = s.station_ids().await;
        daily_slots(&s, &ids[0], 2).await;
        let v = s.visitor().await;
        book(&v, &ids[0], "13812345678").await;
        let id = s.store().station_bookings(&ids[0], false, 10).await.unwrap()[0].id.clone();

        // Anonymous: 401; an envoy of the station: 403; staff of another station: 404.
        assert_eq!(post(&v, &format!("/api/v1/bookings/{id}/confirm"), &[]).await.status(), 401);
        let envoy = s.signed_in(&envoy_phone(1, 1), ENVOY_PASSWORD).await;
        assert_eq!(post(&envoy, &format!("/api/v1/bookings/{id}/confirm"), &[]).await.status(), 403);
        assert_eq!(envoy.get(&format!("/api/v1/stations/{}/bookings", ids[0])).await.status(), 403);
        let foreign = staff_of(&s, 2).await;
        for action in ["confirm", "resolve", "phone"] {
            assert_eq!(post(&foreign, &format!("/api/v1/bookings/{id}/{action}"), &[]).await.status(), 404, "{action}");
        }
        assert_eq!(foreign.get(&format!("/api/v1/bookings/{id}")).await.status(), 404);
        assert_eq!(foreign.get(&format!("/api/v1/stations/{}/bookings", ids[0])).await.status(), 404);

        // Own staff: masked in the list and the detail; the full number only when opened, and audited.
        let staff = staff_of(&s, 1).await;
        let detail = json(staff.get(&format!("/api/v1/bookings/{id}")).await).await;
        assert_eq!(detail["row"]["phone_masked"], "138****5678");
        assert!(!detail.to_string().contains("13812345678"));
        assert_eq!(detail["other_party"], "502 室住户", "staff see the other party");
        let html = staff.get_html(&format!("/station/bookings/{id}")).await.text().await.unwrap();
        assert!(html.contains("138****5678") && !html.contains("13812345678"), "{db:?}");
        let r = post(&staff, &format!("/api/v1/bookings/{id}/phone"), &[]).await;
        assert_eq!(json(r).await["phone"], "13812345678");
        let trail = s.store().audit_entries(Some(&ids[0]), 20).await.unwrap();
        let opened = trail.iter().find(|e| e.action == "booking.reveal_phone").expect("audited");
        assert_eq!(opened.object_id, id);
        assert!(opened.actor_id.is_some());

        // Declining needs a reason the resident can read; a wrong state is refused.
        let (status, _, msg) = message(post(&staff, &format!("/api/v1/bookings/{id}/decline"), &[]).await).await;
        assert_eq!(status, 400);
        assert!(msg.contains("原因"), "{msg}");
        let (status, _, _) = message(post(&staff, &format!("/api/v1/bookings/{id}/resolve"), &[]).await).await;
        assert_eq!(status, 409, "a pending booking cannot be resolved");
        let r =
            post(&staff, &format!("/api/v1/bookings/{id}/decline"), &[("reason", "该事项请到司法所办理".into())]).await;
        assert_eq!(r.status(), 200);
        // Accepting needs envoys of this station.
        let other_envoy = s.store().user_by_phone(&envoy_phone(2, 1)).await.unwrap().unwrap();
        book(&v, &ids[0], "13812345670").await;
        let id2 = s.store().station_bookings(&ids[0], true, 10).await.unwrap()[0].id.clone();
        post(&staff, &format!("/api/v1/bookings/{id2}/confirm"), &[]).await;
        let (status, _, msg) =
            message(post(&staff, &format!("/api/v1/bookings/{id2}/accept"), &[("assignee", other_envoy.id)]).await)
                .await;
        assert_eq!(status, 400, "{db:?}");
        assert!(msg.contains("银龄使者"), "{msg}");
    }
}

#[tokio::test]
async fn staff_define_weekly_slots_and_exceptions() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let ids = s.station_ids().await;
        let staff = staff_of(&s, 1).await;
        let slots = json(staff.get(&format!("/api/v1/stations/{}/slots", ids[0])).await).await;
        assert_eq!(slots["templates"].as_array().unwrap().len(), 3, "the demo county's template");
        for t in slots["templates"].as_array().unwrap() {
            let path = format!("/api/v1/stations/{}/slot-templates/{}/delete", ids[0], t["id"].as_str().unwrap());
            assert_eq!(post(&staff, &path, &[]).await.status(), 204);
        }
        let add = |weekday: &str, start: &str, end: &str, cap: &str| {
            vec![
                ("weekday", weekday.to_string()),
                ("start", start.to_string()),
                ("end", end.to_string()),
                ("slot_minutes", "30".to_string()),
                ("capacity", cap.to_string()),
            ]
        };
        // Tue/Thu 9:00–11:30 in 30-minute slots, 3 at a time.
        let path = format!("/api/v1/stations/{}/slot-templates", ids[0]);
        assert_eq!(post(&staff, &path, &add("2", "09:00", "11:30", "3")).await.status(), 204);
        assert_eq!(post(&staff, &path, &add("4", "09:00", "11:30", "3")).await.status(), 204);
        let (status, _, msg) = message(post(&staff, &path, &add("2", "11:00", "12:00", "1")).await).await;
        assert_eq!(status, 400);
        assert!(msg.contains("重叠"), "{msg}");
        let (status, _, msg) = message(post(&staff, &path, &add("2", "15:00", "14:00", "1")).await).await;
        assert_eq!(status, 400);
        assert!(msg.contains("结束时间"), "{msg}");
        // Another station's slots are not theirs.
        let foreign = format!("/api/v1/stations/{}/slot-templates", ids[1]);
        assert_eq!(post(&staff, &foreign, &add("3", "09:00", "10:00", "1")).await.status(), 404);

        let v = s.visitor().await;
        let picker = json(v.get(&format!("/api/v1/public/stations/{}/slots", ids[0])).await).await;
        let days = picker["days"].as_array().unwrap();
        assert!(days.len() >= 8, "{db:?}: Tue and Thu in 30 days: {}", days.len());
        let first = days[0]["day"].as_str().unwrap().to_string();
        let day = json(v.get(&format!("/api/v1/public/stations/{}/slots?day={first}", ids[0])).await).await;
        let slots = day["slots"].as_array().unwrap();
        assert!(slots.iter().all(|x| x["capacity"] == 3));
        assert_eq!(slots.last().unwrap()["end_min"], 690);

        // Close that day; open a Sunday afternoon instead.
        let exc = format!("/api/v1/stations/{}/slot-exceptions", ids[0]);
        assert_eq!(post(&staff, &exc, &[("day", first.clone()), ("kind", "closed".into())]).await.status(), 204);
        let extra = vec![
            ("day", day_in(10)),
            ("kind", "extra".to_string()),
            ("start", "14:00".to_string()),
            ("end", "15:00".to_string()),
            ("slot_minutes", "30".to_string()),
            ("capacity", "1".to_string()),
        ];
        assert_eq!(post(&staff, &exc, &extra).await.status(), 204);
        let picker = json(v.get(&format!("/api/v1/public/stations/{}/slots", ids[0])).await).await;
        let days: Vec<&str> = picker["days"].as_array().unwrap().iter().map(|d| d["day"].as_str().unwrap()).collect();
        assert!(!days.contains(&first.as_str()), "closed day gone");
        assert!(days.contains(&day_in(10).as_str()), "extra day offered");
        let admin = json(staff.get(&format!("/api/v1/stations/{}/slots", ids[0])).await).await;
        assert_eq!(admin["exceptions"].as_array().unwrap().len(), 2);
        assert_eq!(post(&staff, &exc, &[("day", day_in(-3)), ("kind", "closed".into())]).await.status(), 400);
    }
}

#[tokio::test]
async fn public_pages_are_whole_without_javascript_and_hold_no_personal_data() {
    let s = TestServer::start(Db::Sqlite).await;
    let ids = s.station_ids().await;
    daily_slots(&s, &ids[0], 2).await;
    let v = s.visitor().await;
    let html = v.get_html("/stations").await.text().await.unwrap();
    assert!(html.contains("榆山街道") && html.contains("东关社区银龄解忧工作室") && html.contains("公检法司"));
    assert!(html.contains("满意度：暂无评价"));
    assert!(!html.contains("正在加载"), "server-rendered whole, not streamed behind a script");
    for u in s.store().station_users(&ids[0]).await.unwrap() {
        assert!(!html.contains(&u.phone), "no phone numbers of envoys or staff");
    }
    let envoy = s.store().user_by_phone(&envoy_phone(1, 1)).await.unwrap().unwrap();
    assert!(html.contains(&envoy.name) && !html.contains(&envoy.specialties), "name and former field only");

    let html = v.get_html(&format!("/stations/{}/book?day={}", ids[0], day_in(1))).await.text().await.unwrap();
    for needle in ["name=\"csrf_token\"", "name=\"idempotency_key\"", "value=\"09:00\"", "name=\"consent\"", "预约须知"]
    {
        assert!(html.contains(needle), "the booking form has {needle}");
    }
    assert!(!html.contains("checked"), "consent is not pre-ticked");

    // The no-JS booking: a form post, a redirect to the booking's own page.
    let mut f = form(&ids[0], "13812345678");
    f.push(("csrf_token", v.csrf()));
    let r = v
        .client
        .post(format!("{}/api/v1/bookings", s.base))
        .header(header::ACCEPT, "text/html")
        .form(&f)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/b/") && to.ends_with("?new=1"), "{to}");
    let html = v.get_html(&to).await.text().await.unwrap();
    assert!(html.contains("预约已提交") && html.contains("待确认"));

    // The desk's booking pages need a login; the resident's do not.
    for path in ["/station/bookings", "/station/slots", "/station/bookings/x"] {
        let r = v.get_html(path).await;
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(r.headers()["location"], "/login");
    }
    assert_eq!(v.get_html("/booking").await.status(), 200);
    let unknown = v.get_html("/b/not-a-token").await.text().await.unwrap();
    assert!(unknown.contains("没有找到该内容"));
}

#[tokio::test]
async fn an_envoy_closing_the_case_on_the_phone_closes_the_booking() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let station = s.station_ids().await[0].clone();
        daily_slots(&s, &station, 2).await;
        let resident = s.visitor().await;
        let token = book(&resident, &station, "13812345678").await["token"].as_str().unwrap().to_string();
        let staff = staff_of(&s, 1).await;
        let id = s.store().station_bookings(&station, false, 10).await.unwrap()[0].id.clone();
        post(&staff, &format!("/api/v1/bookings/{id}/confirm"), &[]).await;
        let envoy = s.store().user_by_phone(&envoy_phone(1, 3)).await.unwrap().unwrap();
        let r = post(&staff, &format!("/api/v1/bookings/{id}/accept"), &[("assignee", envoy.id.clone())]).await;
        let case_id = uuid::Uuid::parse_str(json(r).await["case_id"].as_str().unwrap()).unwrap();

        let mut phone = Phone::new(s.signed_in(&envoy_phone(1, 3), ENVOY_PASSWORD).await).await;
        phone.sync().await;
        phone.edit(case_id, "status", serde_json::json!("in_progress"));
        phone.sync().await;
        assert!(page(&resident, &token).await.contains("已受理"), "in progress is still 已受理");
        phone.edit(case_id, "status", serde_json::json!("resolved"));
        phone.sync().await;
        let html = page(&resident, &token).await;
        assert!(html.contains("办结") && html.contains("rate-form"), "{db:?}: the booking follows its case");
        let r = post(&resident, "/api/v1/booking/rate", &[("token", token), ("rating", "basically".into())]).await;
        assert_eq!(r.status(), 200);
        let list = json(staff.get(&format!("/api/v1/stations/{station}/bookings")).await).await;
        assert_eq!(list["satisfaction"]["basically"], 1);
    }
}

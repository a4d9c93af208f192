//! Nothing lost, nothing doubled when the server dies mid-push: a real server
//! process over a real database is killed with SIGKILL while a phone's batch
//! is in flight, restarted on the same database, and the phone retries until
//! its outbox is empty. Every op must then be applied exactly once.

mod common;

use common::{backends, fresh_database, phone::*, site_root, Visitor};
use serde_json::json;
use std::{process::Stdio, sync::Arc, time::Duration};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};
use yinling_protocol::RecordKind;

/// A `yinling-server serve` process on a random port.
struct Process {
    child: Child,
    base: String,
}

async fn start(url: &str) -> Process {
    let mut child = Command::new(env!("CARGO_BIN_EXE_yinling-server"))
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("YINLING_LISTEN_ADDR", "127.0.0.1:0")
        .env("YINLING_SEED_DEMO", "1")
        .env("YINLING_SITE_ROOT", site_root())
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info,sqlx=warn,tower_http=warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start yinling-server");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("server started within a minute")
            .unwrap()
            .expect("server printed its address before exiting");
        if let Some(rest) = line.split("addr=").nth(1).filter(|_| line.contains("yinling is listening")) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Process { child, base: format!("http://{addr}") }
}

impl Process {
    async fn sigkill(&mut self) {
        let pid = self.child.id().expect("running").to_string();
        let ok = Command::new("kill").args(["-KILL", &pid]).status().await.expect("run kill");
        assert!(ok.success(), "kill -KILL {pid} failed");
    }
}

async fn signed_in(base: &str) -> Visitor {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let v = Visitor { client, jar, base: base.to_string() };
    v.get("/").await;
    assert_eq!(v.login("13800100001", "yinling-envoy").await.status(), 200);
    v
}

/// The phone keeps its state across server lives; only its connection moves.
async fn reconnect(phone: &mut Phone, base: &str) {
    phone.visitor = signed_in(base).await;
}

#[tokio::test]
async fn sigkill_in_the_middle_of_a_push_then_retry_applies_every_op_exactly_once() {
    for db in backends() {
        let (url, _guard) = fresh_database(db).await;
        let mut server = start(&url).await;
        let mut phone = Phone::new(signed_in(&server.base).await).await;
        let case = phone.new_case("楼道堆物");
        let case_id = case.record_id;
        let visits = 1_500;
        for i in 0..visits {
            phone.new_visit(&format!("第{i}户：反映楼道堆物，已劝导清理。{}", "说明".repeat(40)));
            if i % 300 == 0 {
                phone.edit(case_id, "description", json!(format!("第{i}次补充情况")));
            }
        }
        let total = phone.waiting();

        let mut kills = 0;
        let mut failed_requests = 0;
        for round in 0..4u64 {
            // Push big batches from a task, and kill the server while they fly.
            let mut pusher = phone;
            let task = tokio::spawn(async move {
                let mut failures = 0u32;
                while let Some((status, _)) = pusher.push_once(250).await {
                    if status != 200 {
                        failures += 1;
                        break;
                    }
                }
                (pusher, failures)
            });
            tokio::time::sleep(Duration::from_millis(40 + 35 * round)).await;
            server.sigkill().await;
            kills += 1;
            let (p, failures) = task.await.unwrap();
            phone = p;
            failed_requests += failures;
            let _ = server.child.wait().await;
            server = start(&url).await;
            reconnect(&mut phone, &server.base).await;
        }
        assert!(failed_requests > 0, "{db:?}: at least one push must have died with the server");

        // Network healed: the phone retries until nothing waits.
        phone.sync().await;
        assert_eq!(phone.waiting(), 0, "{db:?}: outbox drained");
        assert_eq!(phone.state.outbox.quarantined().count(), 0, "{db:?}: nothing refused");

        // A new phone pulls everything: each record once, each op one revision.
        let mut fresh = Phone::new(signed_in(&server.base).await).await;
        fresh.sync().await;
        let views = fresh.state.views();
        let visit_count = views.values().filter(|r| r.kind == RecordKind::Visit).count();
        assert_eq!(visit_count, visits, "{db:?}: every visit exactly once");
        let max_rev = views.values().map(|r| r.rev).max().unwrap();
        assert_eq!(max_rev as usize, total, "{db:?}: {total} ops took exactly {total} revisions (none applied twice)");
        assert_eq!(fresh.value(case_id, "description"), Some(json!("第1200次补充情况")), "{db:?}: last edit wins");
        let store = yinling_server::storage::connect(&url).await.unwrap();
        let station = phone.station_id.to_string();
        assert!(store.open_conflicts(&station).await.unwrap().is_empty(), "{db:?}: retries never conflict");
        assert!(store.open_rejections(&station).await.unwrap().is_empty(), "{db:?}");
        eprintln!("{db:?}: {kills} SIGKILLs, {failed_requests} pushes lost mid-flight, {total} ops applied once");
        drop(store);
        let _ = server.child.kill().await;
    }
}

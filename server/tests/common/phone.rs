//! A phone as the tests drive it: the protocol's real client state (outbox,
//! replica, clock) talking to a real server through a signed-in visitor.
#![allow(dead_code)]

use super::Visitor;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use uuid::Uuid;
use yinling_protocol::{
    wire::{PullResponse, PushResponse},
    ClientState, FieldValue, Op, RecordKind, RecordState,
};

pub fn now_ms() -> u64 {
    chrono::Utc::now().timestamp_millis() as u64
}

pub fn id() -> Uuid {
    Uuid::now_v7()
}

pub fn fields(v: Value) -> BTreeMap<String, FieldValue> {
    v.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

pub struct Phone {
    pub visitor: Visitor,
    pub state: ClientState,
    pub user_id: Uuid,
    pub station_id: Uuid,
}

impl Phone {
    /// A fresh phone (new device id) for a signed-in visitor.
    pub async fn new(visitor: Visitor) -> Phone {
        let me: Value = visitor.get("/api/v1/me").await.json().await.unwrap();
        let user_id = Uuid::parse_str(me["id"].as_str().unwrap()).unwrap();
        let station_id = Uuid::parse_str(me["station_id"].as_str().unwrap()).unwrap();
        Phone { visitor, state: ClientState::new(Uuid::new_v4(), user_id), user_id, station_id }
    }

    pub fn create(&mut self, kind: RecordKind, f: Value) -> Op {
        self.state.create(id(), kind, self.station_id, id(), fields(f), now_ms())
    }

    pub fn new_case(&mut self, title: &str) -> Op {
        self.create(RecordKind::Case, json!({"title": title, "kind": "livelihood", "status": "registered"}))
    }

    pub fn new_visit(&mut self, note: &str) -> Op {
        self.create(
            RecordKind::Visit,
            json!({"household_id": id().to_string(), "visited_at": now_ms(), "met": true, "note": note}),
        )
    }

    pub fn edit(&mut self, record: Uuid, field: &str, value: Value) -> Op {
        self.state.update(id(), record, [(field.to_string(), value)], now_ms()).unwrap()
    }

    /// Push one batch as the app does: the HTTP status (0 when the
    /// connection failed) and the parsed reply. `None` when nothing waits.
    pub async fn push_once(&mut self, max: usize) -> Option<(u16, Option<PushResponse>)> {
        let req = self.state.push_request(max, "test")?;
        let sent = self
            .visitor
            .client
            .post(format!("{}/api/v1/sync/push", self.visitor.base))
            .header("x-csrf-token", self.visitor.csrf())
            .json(&req)
            .send()
            .await;
        let status = sent.as_ref().map_or(0, |r| r.status().as_u16());
        let reply = match sent {
            Ok(r) if status == 200 => r.json::<PushResponse>().await.ok(),
            _ => None,
        };
        match reply {
            Some(resp) => {
                self.state.on_push_response(&resp);
                Some((status, Some(resp)))
            }
            None => {
                self.state.on_push_failure();
                Some((if status == 200 { 0 } else { status }, None))
            }
        }
    }

    /// Pull every page.
    pub async fn pull_all(&mut self) {
        loop {
            let req = self.state.pull_request(500);
            let r = self.visitor.post_json("/api/v1/sync/pull", &serde_json::to_value(&req).unwrap()).await;
            assert_eq!(r.status(), 200, "pull failed");
            let page: PullResponse = r.json().await.unwrap();
            self.state.on_pull_response(&page, now_ms());
            if !page.has_more {
                break;
            }
        }
    }

    /// Push everything pending, then pull: what the app's sync button does.
    pub async fn sync(&mut self) {
        while let Some((status, _)) = self.push_once(100).await {
            assert_eq!(status, 200, "push failed");
        }
        self.pull_all().await;
    }

    pub fn view(&self, record: Uuid) -> Option<RecordState> {
        self.state.view(record)
    }

    pub fn value(&self, record: Uuid, field: &str) -> Option<Value> {
        self.view(record).and_then(|r| r.value(field).cloned())
    }

    pub fn waiting(&self) -> usize {
        self.state.outbox.pending_count() + self.state.outbox.in_flight_count()
    }
}

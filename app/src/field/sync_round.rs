//! One sync round: push the outbox, pull every page, then photos (and, beside
//! it, a refresh of the station's reference data, see `reference`).
//!
//! Split out of the main wasm (`split_round`): nothing here is needed to draw
//! the home screen from the phone's database, so the first load stays small
//! and this chunk arrives when the first sync starts, just after the home
//! screen is up (from the service worker's cache when offline). The rules of
//! what a reply means live in `yinling_protocol::ClientState`; this file
//! only carries the messages and stores what changed.

use super::engine::{fail, now_ms, refresh, text, with_state, Phone};
use crate::i18n::K;
use leptos::prelude::*;
use std::{cell::Cell, collections::HashSet, rc::Rc};
use uuid::Uuid;
use yinling_protocol::{ClientState, PullResponse, PushResponse};

pub const APP_VERSION: &str = env!("CARGO_PKG_VERSION");
const PUSH_BATCH: usize = 100;
const PULL_PAGE: u32 = 500;

/// Fresh reference data on this page.
#[derive(Clone, Copy, PartialEq)]
enum Reference {
    NotFetched,
    Fetching,
    Arrived,
}

thread_local! {
    static REFERENCE: Cell<Reference> = const { Cell::new(Reference::NotFetched) };
}

/// One round; false on any failure (the caller backs off and retries).
/// Fresh reference data is fetched beside the rounds (not after them: a
/// new phone's first pull can take a while, and the visit form needs the
/// address book) until it has arrived once.
pub async fn sync_once(p: Rc<Phone>) -> bool {
    #[cfg(all(feature = "split", feature = "csr"))]
    {
        // The round's code comes from its own chunk. If that cannot be
        // fetched (the network dropped on the very first visit, before the
        // service worker had cached it), this round fails like any other
        // and is retried; the app itself carries on.
        match split_round(p.clone()).await {
            Ok(ok) => ok,
            Err(_) => {
                fail(&p, text(K::SyncFailed));
                false
            }
        }
    }
    #[cfg(not(all(feature = "split", feature = "csr")))]
    round(p).await
}

/// The split point (`wasm_split`, as `#[leptos::lazy]` but `fallible`: a
/// chunk that fails to load is an error here, where `#[lazy]` would panic
/// and stop the whole app).
#[cfg(all(feature = "split", feature = "csr"))]
#[leptos::wasm_split::wasm_split(
    sync_round,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    return_wrapper(let round = _; { Ok(round?.await) } -> Result<bool, leptos::wasm_split::SplitLoaderError>)
)]
fn split_round(
    p: Rc<Phone>,
) -> Result<std::pin::Pin<Box<dyn std::future::Future<Output = bool>>>, leptos::wasm_split::SplitLoaderError> {
    Ok(Box::pin(round(p)))
}

async fn round(p: Rc<Phone>) -> bool {
    if REFERENCE.with(Cell::get) == Reference::NotFetched {
        REFERENCE.with(|r| r.set(Reference::Fetching));
        let (station_id, data) = (p.station_id, p.data);
        leptos::task::spawn_local(async move {
            let arrived = super::reference::fetch(station_id, data).await;
            REFERENCE.with(|r| r.set(if arrived { Reference::Arrived } else { Reference::NotFetched }));
        });
    }
    push_and_pull(&p).await
}

/// Why a request failed, for the envoy.
async fn post<Req: serde::Serialize, Resp: serde::de::DeserializeOwned>(url: &str, body: &Req) -> Result<Resp, String> {
    let req = gloo_net::http::Request::post(url)
        .header("x-csrf-token", &crate::prefs::csrf_token())
        .json(body)
        .map_err(|_| text(K::SyncFailed))?;
    let resp = req.send().await.map_err(|_| text(K::SyncFailed))?;
    match resp.status() {
        200 => resp.json::<Resp>().await.map_err(|_| text(K::SyncFailed)),
        401 => Err("登录已过期：记录仍保存在本机，请重新登录后自动同步。".into()),
        _ => Err(resp
            .json::<crate::error::AppError>()
            .await
            .map(|e| format!("{}（记录仍保存在本机）", e.message))
            .unwrap_or_else(|_| text(K::SyncFailed))),
    }
}

fn outbox_ids(s: &ClientState) -> HashSet<Uuid> {
    s.outbox.entries().iter().map(|e| e.op.op_id).collect()
}

fn gone_since(s: &ClientState, before: &HashSet<Uuid>) -> Vec<Uuid> {
    let now = outbox_ids(s);
    before.difference(&now).copied().collect()
}

/// Push everything waiting, then pull every page. False on any failure.
async fn push_and_pull(p: &Rc<Phone>) -> bool {
    let total = {
        let s = p.state.borrow();
        s.outbox.pending_count() + s.outbox.in_flight_count()
    };
    let mut done = 0usize;
    loop {
        let req = p.state.borrow_mut().push_request(PUSH_BATCH, APP_VERSION);
        let Some(req) = req else { break };
        p.data.status.update(|st| st.progress = Some((done, total.max(done + req.ops.len()))));
        match post::<_, PushResponse>("/api/v1/sync/push", &req).await {
            Ok(resp) => {
                let (entries, gone, clock) = {
                    let mut s = p.state.borrow_mut();
                    let before = outbox_ids(&s);
                    s.on_push_response(&resp);
                    (s.outbox.entries().to_vec(), gone_since(&s, &before), s.clock.clone())
                };
                if let Err(e) = p.db.save_outbox(&entries, &gone, &clock).await {
                    fail(p, e.message_zh());
                    return false;
                }
                done += req.ops.len();
                p.data.status.update(|st| st.progress = Some((done, total.max(done))));
                refresh(p);
            }
            Err(message) => {
                p.state.borrow_mut().on_push_failure();
                fail(p, message);
                return false;
            }
        }
    }
    loop {
        let req = p.state.borrow().pull_request(PULL_PAGE);
        match post::<_, PullResponse>("/api/v1/sync/pull", &req).await {
            Ok(page) => {
                let (records, cursor, gone, clock) = {
                    let mut s = p.state.borrow_mut();
                    let before = outbox_ids(&s);
                    s.on_pull_response(&page, now_ms());
                    let records: Vec<_> = page.changes.iter().filter_map(|r| s.replica.get(r.id).cloned()).collect();
                    (records, s.replica.cursor(), gone_since(&s, &before), s.clock.clone())
                };
                if let Err(e) = p.db.save_pulled(&records, cursor, &gone, &clock).await {
                    fail(p, e.message_zh());
                    return false;
                }
                refresh(p);
                if !page.has_more {
                    // Records are in: their photos' bytes may follow.
                    let synced =
                        |id: Uuid| with_state(|s| !s.outbox.unsent_ops().any(|o| o.record_id == id)).unwrap_or(false);
                    super::photo::upload_pending(&p.db, synced).await;
                    return true;
                }
            }
            Err(message) => {
                fail(p, message);
                return false;
            }
        }
    }
}

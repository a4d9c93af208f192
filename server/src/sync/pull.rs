//! `POST /api/v1/sync/pull`: the changes a phone may see since its cursor.
//!
//! A phone pulls page after page until `has_more` is false, each request
//! sent once it has read the previous page. So when a page with more to
//! come has been sent, the next one is read and encoded at once, while the
//! phone is still downloading and parsing (read-ahead). It is handed out
//! only to the same user and device asking for exactly that cursor and page
//! size within a few seconds, and is dropped when that device pushes. A
//! page read ahead is what a request made at that moment would have got:
//! every page is a snapshot of the records after the cursor, in revision
//! order, and anything that changes later gets a higher revision and comes
//! on a later page or the next pull. The session is checked on every
//! request as before.

use super::caller_of;
use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    http::encoding::JsonBody,
    storage::{PullPage, Store},
    AppState,
};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::task::JoinHandle;
use uuid::Uuid;
use yinling_protocol::{wire::check_pull, Caller, ProtocolError, PullRequest};

/// A page ready to send: the `PullResponse` JSON, gzipped or not.
pub struct PageBody {
    pub body: JsonBody,
    pub has_more: bool,
    pub next_cursor: u64,
}

impl PageBody {
    /// Every page is gzipped where the phone takes it (~4 to 1).
    fn encode(page: &PullPage, gzip: bool) -> PageBody {
        let body = JsonBody::encode(page.to_json().into_bytes(), gzip, 0);
        PageBody { body, has_more: page.has_more, next_cursor: page.next_cursor }
    }
}

/// How long a page read ahead is kept for its device.
const KEEP: Duration = Duration::from_secs(5);
/// At most this many pages are held at once (a page is up to ~0.6 MB).
const MAX_PAGES: usize = 32;

struct Ahead {
    caller: Caller,
    cursor: u64,
    limit: u32,
    gzip: bool,
    made: Instant,
    page: JoinHandle<Option<PageBody>>,
}

/// The next page of each device that is pulling, read ahead.
#[derive(Default)]
pub struct ReadAhead {
    pages: Mutex<HashMap<(Uuid, Uuid), Ahead>>,
}

impl ReadAhead {
    /// Read the page after `cursor` in the background for `device_id`.
    fn start(&self, store: Arc<dyn Store>, caller: &Caller, device_id: Uuid, cursor: u64, limit: u32, gzip: bool) {
        let task_caller = caller.clone();
        let page = tokio::spawn(async move {
            let page = store.pull(&task_caller, cursor, limit).await.ok()?;
            Some(PageBody::encode(&page, gzip))
        });
        let ahead = Ahead { caller: caller.clone(), cursor, limit, gzip, made: Instant::now(), page };
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        if pages.len() >= MAX_PAGES {
            pages.retain(|_, a| a.made.elapsed() < KEEP);
            if pages.len() >= MAX_PAGES {
                if let Some(oldest) = pages.iter().min_by_key(|(_, a)| a.made).map(|(k, _)| *k) {
                    if let Some(a) = pages.remove(&oldest) {
                        a.page.abort();
                    }
                }
            }
        }
        if let Some(old) = pages.insert((caller.user_id, device_id), ahead) {
            old.page.abort();
        }
    }

    /// The page read ahead for exactly this request, if there is one.
    async fn take(&self, caller: &Caller, device_id: Uuid, cursor: u64, limit: u32, gzip: bool) -> Option<PageBody> {
        let ahead = self.pages.lock().unwrap_or_else(|e| e.into_inner()).remove(&(caller.user_id, device_id))?;
        let fits = ahead.caller == *caller
            && ahead.cursor == cursor
            && ahead.limit == limit
            && ahead.gzip == gzip
            && ahead.made.elapsed() < KEEP;
        if !fits {
            ahead.page.abort();
            return None;
        }
        ahead.page.await.ok().flatten()
    }

    /// Forget what was read ahead for a device (it has pushed: its next
    /// pull should see its own changes at once).
    pub fn forget(&self, user_id: Uuid, device_id: Uuid) {
        if let Some(old) = self.pages.lock().unwrap_or_else(|e| e.into_inner()).remove(&(user_id, device_id)) {
            old.page.abort();
        }
    }
}

pub async fn pull(state: &AppState, who: Option<&Principal>, body: &[u8], gzip: bool) -> ApiResult<PageBody> {
    let p = who.ok_or_else(ApiError::unauthenticated)?;
    let caller = caller_of(p)?;
    let req: PullRequest =
        serde_json::from_slice(body).map_err(|e| ProtocolError::Malformed { detail: e.to_string() })?;
    let limit = check_pull(&req)?;
    let page = match state.pull_ahead.take(&caller, req.device_id, req.cursor, limit, gzip).await {
        Some(page) => page,
        None => PageBody::encode(&state.store.pull(&caller, req.cursor, limit).await?, gzip),
    };
    if page.has_more {
        state.pull_ahead.start(state.store.clone(), &caller, req.device_id, page.next_cursor, limit, gzip);
    } else {
        state.store.pulled(&caller, req.device_id, super::now_ms()).await?;
    }
    Ok(page)
}

//! The phone's sync engine: the protocol's `ClientState` in memory, mirrored
//! into IndexedDB after every change, saving, and the loop that decides when
//! to sync (one round of pushing the outbox and pulling what changed is
//! `sync_round`, split out of the first-load wasm).
//!
//! When it syncs: when the app starts, when the phone comes back online,
//! right after every save, every minute while open, when the service
//! worker's Background Sync fires (where the browser has it), and on the
//! 立即同步 button. A failed sync retries after an exponential backoff with
//! jitter. Only one sync runs at a time; a request for another while one runs
//! makes it go round once more.
//!
//! Nothing is forgotten early: an outbox entry is written to IndexedDB in the
//! same transaction as the save, and leaves it only when the server's reply
//! (applied, duplicate, conflict) has been stored and a complete pull covers
//! it; refused entries stay, quarantined, until the envoy has read why.

use super::{store::PhoneDb, Change, FieldData};
use crate::{i18n::K, model::Me};
use leptos::prelude::*;
use std::{
    cell::{Cell, RefCell},
    collections::{BTreeMap, HashSet},
    rc::Rc,
};
use uuid::Uuid;
use wasm_bindgen::{closure::Closure, JsCast};
use yinling_protocol::{new_id, schema, ClientState, FieldValue, RecordKind, RecordState};

const PERIOD_MS: u32 = 60_000;

pub(super) struct Phone {
    pub(super) db: PhoneDb,
    pub(super) state: RefCell<ClientState>,
    pub(super) station_id: Uuid,
    pub(super) data: FieldData,
    syncing: Cell<bool>,
    again: Cell<bool>,
    last_synced_ms: Cell<Option<f64>>,
    /// Every record as this phone sees it, built once per change: the lists
    /// on a screen all read this instead of layering the outbox again.
    views: RefCell<Option<Rc<BTreeMap<Uuid, RecordState>>>>,
}

thread_local! {
    static PHONE: RefCell<Option<Rc<Phone>>> = const { RefCell::new(None) };
}

fn phone() -> Option<Rc<Phone>> {
    PHONE.with(|p| p.borrow().clone())
}

pub fn with_state<R>(f: impl FnOnce(&ClientState) -> R) -> Option<R> {
    phone().map(|p| f(&p.state.borrow()))
}

/// Every record as the phone sees it (pulled, with local edits layered on),
/// shared until the next change.
pub fn views() -> Option<Rc<BTreeMap<Uuid, RecordState>>> {
    let p = phone()?;
    let mut cache = p.views.borrow_mut();
    Some(cache.get_or_insert_with(|| Rc::new(p.state.borrow().views())).clone())
}

pub(super) fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

fn random10() -> [u8; 10] {
    let mut buf = [0u8; 10];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut buf).is_ok());
    if !filled {
        for b in &mut buf {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    buf
}

fn fresh_id() -> Uuid {
    new_id(now_ms(), &random10())
}

pub(super) fn text(key: K) -> String {
    let lang = crate::i18n::Lang::from_cookie(crate::prefs::read_cookie(crate::prefs::LANG_COOKIE).as_deref());
    crate::i18n::t(lang, key).to_string()
}

/// Open this user's database and start syncing. Called once the field shell
/// knows who is signed in (online or remembered).
pub async fn start(me: Me, data: FieldData) {
    let (Ok(user_id), Some(Ok(station_id))) = (Uuid::parse_str(&me.id), me.station_id.as_deref().map(Uuid::parse_str))
    else {
        return;
    };
    if phone().is_some_and(|p| p.state.borrow().user_id == user_id) {
        return;
    }
    let opened = async {
        let db = PhoneDb::open(user_id).await?;
        let state = db.load(user_id, fresh_id).await?;
        Ok::<_, super::store::StoreError>((db, state))
    };
    let (db, state) = match opened.await {
        Ok(v) => v,
        Err(e) => {
            data.status.update(|s| s.error = Some(e.message_zh()));
            return;
        }
    };
    let p = Rc::new(Phone {
        db,
        state: RefCell::new(state),
        station_id,
        data,
        syncing: Cell::new(false),
        again: Cell::new(false),
        last_synced_ms: Cell::new(None),
        views: RefCell::new(None),
    });
    PHONE.with(|slot| *slot.borrow_mut() = Some(p.clone()));
    refresh(&p);
    install_triggers();
    kick();
}

pub async fn load_draft(key: &str) -> Option<String> {
    let p = phone()?;
    p.db.draft(key).await.ok().flatten()
}

/// Keep (or, with `None`, drop) a form's draft. A failure to keep it is
/// shown, since the envoy relies on drafts surviving.
pub async fn save_draft(key: &str, text: Option<String>) {
    let Some(p) = phone() else { return };
    let result = match text {
        Some(t) => p.db.put_draft(key, &t).await,
        None => p.db.delete_draft(key).await,
    };
    tell_if_lost(&p, result);
}

/// A draft's write failed: say so, since the envoy relies on drafts
/// surviving (their text and their photos alike).
fn tell_if_lost(p: &Phone, result: super::store::Result<()>) {
    if let Err(e) = result {
        fail(p, e.message_zh());
    }
}

/// Recompute the sync line and tell components the records changed.
pub(super) fn refresh(p: &Phone) {
    p.views.replace(None);
    let s = p.state.borrow();
    // Records (not edits) waiting: a case saved and then edited twice is one.
    let waiting = s.outbox.unsent_ops().map(|o| o.record_id).collect::<HashSet<_>>().len();
    let quarantined = s
        .outbox
        .quarantined()
        .map(|(op, reason)| {
            let what = match s.view(op.record_id).as_ref().and_then(|r| r.str_value("title").map(str::to_string)) {
                Some(t) => format!("{}「{}」", op.kind.label_zh(), t),
                None => op.kind.label_zh().to_string(),
            };
            (op.op_id.to_string(), what, reason.zh.clone())
        })
        .collect();
    let last = p.last_synced_ms.get().map(|ms| {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
        format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
    });
    drop(s);
    p.data.status.update(|st| {
        st.ready = true;
        st.waiting = waiting;
        st.quarantined = quarantined;
        st.last_synced = last;
    });
    p.data.version.update(|v| *v += 1);
    let data = p.data;
    leptos::task::spawn_local(async move {
        if let Some((used, quota)) = super::store::usage().await {
            data.status.update(|st| st.storage = Some(format!("{} / {}", human(used), human(quota))));
        }
    });
}

/// "12.3 MB" / "1.5 GB". Rounded in integers: `{:.1}` on a float would pull
/// the float formatting machinery (several KB) into the phone's wasm.
fn human(bytes: f64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    let (value, unit) = if bytes >= 1024.0 * MB { (bytes / 1024.0 / MB, "GB") } else { (bytes / MB, "MB") };
    let tenths = (value * 10.0).round().max(0.0) as u64;
    format!("{}.{} {unit}", tenths / 10, tenths % 10)
}

pub(super) fn fail(p: &Phone, message: String) {
    p.data.status.update(|st| st.error = Some(message));
}

/// Validate, queue and store several changes atomically (one IndexedDB
/// transaction, with the bytes of any photos they add), then sync. Either
/// every change is saved and queued, or none is.
pub async fn save(changes: Vec<Change>, photos: Vec<(Uuid, web_sys::Blob)>) -> Result<(), String> {
    let p = phone().ok_or_else(|| text(K::FieldOpening))?;
    // Check everything before queueing anything.
    for change in &changes {
        match change {
            Change::Create { kind, fields, .. } => schema::validate_create(*kind, fields).map_err(|r| r.zh)?,
            Change::Update { id, changes } => {
                let kind = p.state.borrow().view(*id).map(|r| r.kind).ok_or_else(|| text(K::CaseMissing))?;
                for (field, value) in changes {
                    schema::validate_change(kind, field, value).map_err(|r| r.zh)?;
                }
            }
        }
    }
    let mut op_ids = Vec::with_capacity(changes.len());
    let queued: Result<(), String> = (|| {
        let mut s = p.state.borrow_mut();
        for change in changes {
            let op = match change {
                Change::Create { kind, id, fields } => s.create(fresh_id(), kind, p.station_id, id, fields, now_ms()),
                Change::Update { id, changes } => {
                    s.update(fresh_id(), id, changes, now_ms()).map_err(|e| e.message_zh().to_string())?
                }
            };
            op_ids.push(op.op_id);
        }
        Ok(())
    })();
    p.views.replace(None);
    let stored = match queued {
        Ok(()) => {
            let (entries, clock) = {
                let s = p.state.borrow();
                let entries: Vec<_> =
                    s.outbox.entries().iter().filter(|e| op_ids.contains(&e.op.op_id)).cloned().collect();
                (entries, s.clock.clone())
            };
            p.db.save_ops(&entries, &photos, &clock).await.map_err(|e| e.message_zh())
        }
        Err(e) => Err(e),
    };
    if let Err(e) = stored {
        // Take back what was queued so the screen never shows as saved what is not.
        let mut s = p.state.borrow_mut();
        for id in &op_ids {
            s.outbox.dismiss(*id);
        }
        drop(s);
        refresh(&p);
        fail(&p, e.clone());
        return Err(e);
    }
    refresh(&p);
    announce_saved();
    kick();
    Ok(())
}

/// A fresh record id (UUIDv7), for records that others in the same save
/// refer to.
pub fn new_record_id() -> Uuid {
    fresh_id()
}

pub async fn dismiss(op_id: String) {
    let (Some(p), Ok(id)) = (phone(), Uuid::parse_str(&op_id)) else { return };
    if p.db.delete_entry(id).await.is_ok() {
        p.state.borrow_mut().outbox.dismiss(id);
        refresh(&p);
    }
}

/// Ask for a sync; runs now, or once more after the one under way.
pub fn kick() {
    let Some(p) = phone() else { return };
    // The browser knows it has no network: nothing to try until its `online`
    // event kicks again. Trying would only flash "正在同步" on the sync line
    // and lengthen the backoff.
    if offline() {
        return;
    }
    if p.syncing.get() {
        p.again.set(true);
        return;
    }
    leptos::task::spawn_local(run(p));
}

/// `navigator.onLine` is false: the phone certainly has no network (true
/// proves nothing, so a sync is tried then).
pub fn offline() -> bool {
    web_sys::window().is_some_and(|w| !w.navigator().on_line())
}

async fn run(p: Rc<Phone>) {
    p.syncing.set(true);
    p.data.status.update(|st| st.syncing = true);
    let ok = loop {
        p.again.set(false);
        let ok = super::sync_round::sync_once(p.clone()).await;
        if !ok || !p.again.get() {
            break ok;
        }
    };
    p.syncing.set(false);
    p.data.status.update(|st| {
        st.syncing = false;
        st.progress = None;
    });
    if ok {
        p.last_synced_ms.set(Some(js_sys::Date::now()));
        p.data.status.update(|st| st.error = None);
    } else {
        let delay = p.state.borrow_mut().backoff.next_delay_ms(u64::from_le_bytes({
            let r = random10();
            [r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]]
        }));
        gloo_timers::callback::Timeout::new(delay.min(u64::from(u32::MAX)) as u32, kick).forget();
    }
    refresh(&p);
}

/// Keep (`Some`) or forget (`None`) the bytes of a photo in an unsaved
/// form, like a draft.
pub async fn draft_photo(id: Uuid, blob: Option<web_sys::Blob>) {
    let Some(p) = phone() else { return };
    let result = match blob {
        Some(b) => p.db.keep_photo(id, &b).await,
        None => p.db.forget_photo(id).await,
    };
    tell_if_lost(&p, result);
}

/// The bytes of a photo kept on this phone.
pub async fn kept_photo(id: Uuid) -> Option<web_sys::Blob> {
    phone()?.db.photo(id).await.ok().flatten().map(|(blob, _)| blob)
}

/// Where to show a photo from.
pub async fn photo_url(id: Uuid) -> String {
    match phone() {
        Some(p) => super::photo::url(&p.db, id).await,
        None => format!("/api/v1/photos/{id}"),
    }
}

/// Tell the page script a record was saved, so it can ask the browser for
/// a Background Sync (where there is one).
fn announce_saved() {
    if let (Some(w), Ok(ev)) = (web_sys::window(), web_sys::Event::new("yl-saved")) {
        let _ = w.dispatch_event(&ev);
    }
}

/// Online again, the service worker's background sync, and the minute timer.
fn install_triggers() {
    thread_local! {
        static INSTALLED: Cell<bool> = const { Cell::new(false) };
    }
    if INSTALLED.with(|i| i.replace(true)) {
        return;
    }
    let Some(w) = web_sys::window() else { return };
    for event in ["online", "yl-sync-now"] {
        let cb = Closure::<dyn Fn()>::new(kick);
        let _ = w.add_event_listener_with_callback(event, cb.as_ref().unchecked_ref());
        cb.forget();
    }
    gloo_timers::callback::Interval::new(PERIOD_MS, kick).forget();
}

/// Sign-out: close and delete this user's database and forget what the
/// phone cached for them.
pub async fn wipe_local() {
    let p = PHONE.with(|slot| slot.borrow_mut().take());
    if let Some(p) = p {
        let user_id = p.state.borrow().user_id;
        drop(p);
        let _ = PhoneDb::wipe(user_id).await;
    }
    super::local::clear();
}

/// Benchmark hook (`tests/e2e/bench-save.mjs`): save `n` visits exactly as
/// the visit form does (validate, queue, one IndexedDB transaction) and
/// return how many milliseconds each save took. Exported to the page as
/// `ylBenchSaveVisits` by `app/envoy` only. Split out of the main wasm (only
/// the benchmark calls it), so the save path it drives stays with the pages
/// that save rather than in the first load.
#[cfg_attr(all(feature = "split", feature = "csr"), leptos::lazy)]
pub async fn bench_save_visits(n: u32) -> Vec<f64> {
    let mut times = Vec::with_capacity(n as usize);
    let perf = web_sys::window().and_then(|w| w.performance());
    let now = || perf.as_ref().map_or_else(js_sys::Date::now, |p| p.now());
    for i in 0..n {
        let fields = vec![
            ("household_id", FieldValue::String(fresh_id().to_string())),
            ("visited_at", FieldValue::from(now_ms())),
            ("met", FieldValue::Bool(true)),
            ("topics", FieldValue::Array(vec![FieldValue::String("民生诉求·电梯".into())])),
            ("note", FieldValue::String(format!("第{i}户：电梯常坏，老人上下楼困难，已登记并告知物业。"))),
            ("follow_up_needed", FieldValue::Bool(true)),
        ];
        let fields = fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let t0 = now();
        let change = Change::Create { kind: RecordKind::Visit, id: new_record_id(), fields };
        if save(vec![change], Vec::new()).await.is_err() {
            break;
        }
        times.push(now() - t0);
    }
    times
}

//! The field app's data on the phone: the client state of the sync protocol
//! kept in IndexedDB (`store`), and the sync loop (`engine`). Components use
//! only the functions here; they read reactive signals and never touch
//! IndexedDB or the network themselves. On the server these return nothing
//! (the field app's content is drawn only in the browser).

#[cfg(feature = "browser")]
pub mod engine;
#[cfg(feature = "browser")]
pub mod local;
#[cfg(feature = "browser")]
pub mod photo;
#[cfg(feature = "browser")]
mod reference;
#[cfg(feature = "browser")]
pub mod store;
#[cfg(feature = "browser")]
mod sync_round;

use leptos::prelude::*;
use std::collections::BTreeMap;
use uuid::Uuid;
use yinling_protocol::{FieldValue, RecordKind, RecordState};

/// What the sync line on every field screen says.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncStatus {
    /// The phone's database is open and loaded.
    pub ready: bool,
    /// Records saved here and not yet accepted by the server.
    pub waiting: usize,
    pub syncing: bool,
    /// `(done, total)` of the push under way.
    pub progress: Option<(usize, usize)>,
    /// The last failure, in Chinese (sync or storage).
    pub error: Option<String>,
    pub last_synced: Option<String>,
    /// "1.2 MB / 2 GB" when the browser tells.
    pub storage: Option<String>,
    /// Refused records: (op id, what it was, why).
    pub quarantined: Vec<(String, String, String)>,
}

/// Reactive handles on the phone's data, provided by the field shell.
#[derive(Clone, Copy)]
pub struct FieldData {
    pub status: RwSignal<SyncStatus>,
    /// Bumped whenever records change on the phone (save or pull).
    pub version: RwSignal<u64>,
    /// The station's envoys (id, name) for assigning cases; cached on the
    /// phone from the last online visit.
    pub envoys: RwSignal<Vec<(String, String)>>,
    /// The station's compounds and buildings, cached like `envoys`.
    pub address_book: RwSignal<crate::model::AddressBookView>,
}

pub fn provide_field_data() -> FieldData {
    let data = FieldData {
        status: RwSignal::new(SyncStatus::default()),
        version: RwSignal::new(0),
        envoys: RwSignal::new(Vec::new()),
        address_book: RwSignal::new(Default::default()),
    };
    provide_context(data);
    data
}

pub fn field_data() -> FieldData {
    expect_context::<FieldData>()
}

/// For a form that needs the station's envoys or address book: fill them
/// from the phone's cache if nothing fresher has arrived yet.
pub fn use_reference_data() {
    #[cfg(feature = "browser")]
    {
        let station =
            crate::pages::field::current_me().and_then(|me| me.station_id).and_then(|id| Uuid::parse_str(&id).ok());
        if let Some(station) = station {
            reference::show_cached(station, field_data());
        }
    }
}

/// Every record of a kind as this phone sees it (pulled, with local edits).
pub fn records(kind: RecordKind) -> Vec<RecordState> {
    records_where(kind, |_| true)
}

/// The records of a kind that pass `keep`, without copying the others.
pub fn records_where(kind: RecordKind, keep: impl Fn(&RecordState) -> bool) -> Vec<RecordState> {
    field_data().version.track();
    #[cfg(feature = "browser")]
    {
        engine::views()
            .map(|all| all.values().filter(|r| r.kind == kind && !r.deleted && keep(r)).cloned().collect())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "browser"))]
    {
        let _ = (kind, keep);
        Vec::new()
    }
}

pub fn record(id: Uuid) -> Option<RecordState> {
    field_data().version.track();
    #[cfg(feature = "browser")]
    {
        engine::views().and_then(|all| all.get(&id).cloned())
    }
    #[cfg(not(feature = "browser"))]
    {
        let _ = id;
        None
    }
}

/// True while a local change to this record has not reached the server.
pub fn is_waiting(id: Uuid) -> bool {
    field_data().version.track();
    #[cfg(feature = "browser")]
    {
        engine::with_state(|s| s.outbox.unsent_ops().any(|o| o.record_id == id)).unwrap_or(false)
    }
    #[cfg(not(feature = "browser"))]
    {
        let _ = id;
        false
    }
}

/// One change of a [`save`].
pub enum Change {
    Create { kind: RecordKind, id: Uuid, fields: BTreeMap<String, FieldValue> },
    Update { id: Uuid, changes: Vec<(String, FieldValue)> },
}

impl Change {
    pub fn create(kind: RecordKind, id: Uuid, fields: Vec<(&str, FieldValue)>) -> Change {
        Change::Create { kind, id, fields: fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect() }
    }

    pub fn update(id: Uuid, changes: Vec<(&str, FieldValue)>) -> Change {
        Change::Update { id, changes: changes.into_iter().map(|(k, v)| (k.to_string(), v)).collect() }
    }
}

/// The bytes of a photo taken on the phone (a JPEG `Blob` in the browser).
#[cfg(feature = "browser")]
pub type PhotoBlob = web_sys::Blob;
#[cfg(not(feature = "browser"))]
#[derive(Clone)]
pub struct PhotoBlob;

/// Save what one user action recorded (records created and changed, and the
/// bytes of photos they add) atomically, then try to sync. Returns the
/// Chinese reason if nothing was saved.
pub async fn save(changes: Vec<Change>, photos: Vec<(Uuid, PhotoBlob)>) -> Result<(), String> {
    #[cfg(feature = "browser")]
    {
        engine::save(changes, photos).await
    }
    #[cfg(not(feature = "browser"))]
    {
        let _ = (changes, photos);
        Err(String::new())
    }
}

/// Where to show a photo from (the phone's copy, else the server's).
pub async fn photo_url(id: Uuid) -> String {
    #[cfg(feature = "browser")]
    {
        engine::photo_url(id).await
    }
    #[cfg(not(feature = "browser"))]
    {
        format!("/api/v1/photos/{id}")
    }
}

/// Save in the background, then say in `message` that it is saved (`done`)
/// or why not; `then` runs first after a successful save (to clear a form).
pub fn save_and_tell(
    message: crate::components::status::Said,
    changes: Vec<Change>,
    photos: Vec<(Uuid, PhotoBlob)>,
    done: &'static str,
    then: impl FnOnce() + 'static,
) {
    leptos::task::spawn_local(async move {
        match save(changes, photos).await {
            Ok(()) => {
                then();
                message.set(Some((true, done.into())));
            }
            Err(e) => message.set(Some((false, e))),
        }
    });
}

/// A fresh record id (UUIDv7) for a record others in the same save refer to.
pub fn new_id() -> Uuid {
    #[cfg(feature = "browser")]
    {
        engine::new_record_id()
    }
    #[cfg(not(feature = "browser"))]
    {
        Uuid::nil()
    }
}

/// Record a new record on the phone (saved and queued atomically) and try
/// to sync. Returns its id, or the Chinese reason it was not saved.
pub async fn create(kind: RecordKind, fields: Vec<(&str, FieldValue)>) -> Result<Uuid, String> {
    let id = new_id();
    save(vec![Change::create(kind, id, fields)], Vec::new()).await.map(|()| id)
}

/// Change fields of a record on the phone and try to sync.
pub async fn update(id: Uuid, changes: Vec<(&str, FieldValue)>) -> Result<(), String> {
    save(vec![Change::update(id, changes)], Vec::new()).await
}

/// Start a sync now (the 立即同步 button). Offline, say why nothing happens.
pub fn sync_now() {
    #[cfg(feature = "browser")]
    if engine::offline() {
        field_data().status.update(|s| s.error = Some(engine::text(crate::i18n::K::Offline)));
    } else {
        engine::kick();
    }
}

/// Forget a refused record the envoy has read.
pub fn dismiss(op_id: String) {
    #[cfg(feature = "browser")]
    leptos::task::spawn_local(engine::dismiss(op_id));
    #[cfg(not(feature = "browser"))]
    let _ = op_id;
}

/// A form's draft, kept on the phone as the envoy taps and types. Once the
/// phone's database is open, `restore` gets what was kept under `key` (it
/// runs once, though the phone's status changes many times meanwhile: a
/// second restore could undo what the envoy typed after the first). From
/// then on `text` is written under `key` whenever what it reads changes;
/// `None` removes the draft (the form was saved, or holds nothing worth
/// keeping).
pub fn keep_draft<F>(
    key: String,
    restore: impl FnOnce(Option<String>) -> F + 'static,
    text: impl Fn() -> Option<String> + 'static,
) where
    F: std::future::Future<Output = ()> + 'static,
{
    let data = field_data();
    let restored = RwSignal::new(false);
    let mut restore = Some(restore);
    let load_key = key.clone();
    Effect::new(move |_| {
        if data.status.get().ready {
            if let Some(restore) = restore.take() {
                let key = load_key.clone();
                leptos::task::spawn_local(async move {
                    restore(load_draft(&key).await).await;
                    restored.set(true);
                });
            }
        }
    });
    Effect::new(move |_| {
        // Read first, so the effect follows the form even before restoring.
        let t = text();
        if restored.get() {
            match t {
                Some(t) => save_draft(key.clone(), t),
                None => clear_draft(key.clone()),
            }
        }
    });
}

/// A form's unsaved input, kept on the phone as the envoy types.
pub async fn load_draft(key: &str) -> Option<String> {
    #[cfg(feature = "browser")]
    {
        engine::load_draft(key).await
    }
    #[cfg(not(feature = "browser"))]
    {
        let _ = key;
        None
    }
}

pub fn save_draft(key: impl Into<String>, text: String) {
    let key: String = key.into();
    #[cfg(feature = "browser")]
    leptos::task::spawn_local(async move { engine::save_draft(&key, Some(text)).await });
    #[cfg(not(feature = "browser"))]
    let _ = (key, text);
}

pub fn clear_draft(key: impl Into<String>) {
    let key: String = key.into();
    #[cfg(feature = "browser")]
    leptos::task::spawn_local(async move { engine::save_draft(&key, None).await });
    #[cfg(not(feature = "browser"))]
    let _ = key;
}

/// Keep the bytes of a photo taken for an unsaved form (`Some`), or forget
/// them when the envoy takes it out again (`None`).
pub fn draft_photo(id: Uuid, blob: Option<PhotoBlob>) {
    #[cfg(feature = "browser")]
    leptos::task::spawn_local(engine::draft_photo(id, blob));
    #[cfg(not(feature = "browser"))]
    let _ = (id, blob);
}

/// The bytes of a photo kept on this phone (a draft's, on its return).
pub async fn kept_photo(id: Uuid) -> Option<PhotoBlob> {
    #[cfg(feature = "browser")]
    {
        engine::kept_photo(id).await
    }
    #[cfg(not(feature = "browser"))]
    {
        let _ = id;
        None
    }
}

/// Milliseconds since the epoch, now (0 on the server).
pub fn now_ms() -> i64 {
    #[cfg(feature = "browser")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "browser"))]
    {
        0
    }
}

/// The time a UUIDv7 was made (ms), e.g. when a record's creating op was
/// recorded on the phone.
pub fn uuid_ms(id: Uuid) -> i64 {
    let b = id.as_bytes();
    i64::from_be_bytes([0, 0, b[0], b[1], b[2], b[3], b[4], b[5]])
}

/// `11-22 09:05` in the phone's local time.
pub fn when(ms: i64) -> String {
    #[cfg(feature = "browser")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        format!("{:02}-{:02} {:02}:{:02}", d.get_month() + 1, d.get_date(), d.get_hours(), d.get_minutes())
    }
    #[cfg(not(feature = "browser"))]
    {
        let _ = ms;
        String::new()
    }
}

/// Local date `YYYY-MM-DD`, `days` from today.
pub fn date_in(days: i64) -> String {
    #[cfg(feature = "browser")]
    {
        let d = js_sys::Date::new_0();
        d.set_date(d.get_date() + days as u32);
        format!("{:04}-{:02}-{:02}", d.get_full_year(), d.get_month() + 1, d.get_date())
    }
    #[cfg(not(feature = "browser"))]
    {
        let _ = days;
        String::new()
    }
}

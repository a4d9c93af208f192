//! The phone's database (IndexedDB through rexie): one typed module, so no
//! other code touches IndexedDB.
//!
//! One database per signed-in user (`yinling-<user id>`), so two people who
//! share a phone never see each other's records and logout can wipe one
//! user's data whole. Values are JSON text of the protocol's own types.
//!
//! | store     | key            | value                                   |
//! |-----------|----------------|-----------------------------------------|
//! | `meta`    | name           | device identity, pull cursor, HLC clock  |
//! | `outbox`  | op id          | `OutboxEntry` (what waits to be pushed)  |
//! | `replica` | record id      | `RecordState` as last pulled             |
//! | `drafts`  | form key       | a form's unsaved input                   |
//! | `photos`  | photo id       | JPEG bytes (of drafts too), uploaded?    |
//!
//! Saving a record writes its outbox entry and the clock in ONE transaction:
//! either the record is saved and queued, or neither. Schema upgrades only
//! ever add stores (rexie deletes stores a version no longer lists), so
//! drafts and unsynced records survive every app update.

use rexie::{ObjectStore, Rexie, TransactionMode};
use serde::{de::DeserializeOwned, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;
use wasm_bindgen::JsValue;
use yinling_protocol::{client::OutboxEntry, ClientState, HlcClock, LocalReplica, Outbox, RecordState};

/// The stores of each schema version, oldest first. A new version lists
/// every store it keeps (rexie deletes the ones a version leaves out) and
/// only ever adds; the tests open each older layout with data in it and
/// upgrade it.
pub const SCHEMAS: &[(u32, &[&str])] = &[
    (1, &["meta", "outbox", "replica", "drafts"]),
    // 2: photos taken offline (the JPEG bytes, by photo record id).
    (2, &["meta", "outbox", "replica", "drafts", "photos"]),
];
pub const SCHEMA_VERSION: u32 = SCHEMAS[SCHEMAS.len() - 1].0;
const STORES: &[&str] = SCHEMAS[SCHEMAS.len() - 1].1;

/// A storage failure, told to the envoy in Chinese with what to do.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreError {
    /// The phone's storage is full.
    Quota,
    /// IndexedDB is unavailable (private mode, blocked, broken).
    Unavailable(String),
    /// Stored data could not be read back.
    Corrupt(String),
}

impl StoreError {
    pub fn message_zh(&self) -> String {
        match self {
            StoreError::Quota => "手机存储空间已满，记录没有保存。请删除一些照片或不用的应用，再点“保存”。".into(),
            StoreError::Unavailable(_) => {
                "无法使用手机存储（可能开启了无痕模式），记录没有保存。请关闭无痕模式后重新打开。".into()
            }
            StoreError::Corrupt(_) => "手机上的数据读取出错，请联系工作室。".into(),
        }
    }
}

impl From<rexie::Error> for StoreError {
    fn from(e: rexie::Error) -> Self {
        let text = format!("{e:?}");
        if text.contains("QuotaExceeded") || text.contains("quota") {
            StoreError::Quota
        } else {
            StoreError::Unavailable(text)
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

fn js(s: &str) -> JsValue {
    JsValue::from_str(s)
}

fn encode<T: Serialize>(v: &T) -> Result<JsValue> {
    serde_json::to_string(v).map(|s| js(&s)).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn decode<T: DeserializeOwned>(v: &JsValue) -> Result<T> {
    let text = v.as_string().ok_or_else(|| StoreError::Corrupt("not text".into()))?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Identity {
    device_id: Uuid,
    user_id: Uuid,
}

pub fn db_name(user_id: Uuid) -> String {
    format!("yinling-{user_id}")
}

pub struct PhoneDb {
    db: Rexie,
}

impl PhoneDb {
    pub async fn open(user_id: Uuid) -> Result<PhoneDb> {
        Self::open_named(&db_name(user_id), SCHEMA_VERSION, STORES).await
    }

    /// Open (creating or upgrading) with the stores of a given version;
    /// tests use this to build an older schema.
    pub async fn open_named(name: &str, version: u32, stores: &[&str]) -> Result<PhoneDb> {
        let mut b = Rexie::builder(name).version(version);
        for s in stores {
            b = b.add_object_store(ObjectStore::new(s));
        }
        Ok(PhoneDb { db: b.build().await? })
    }

    pub fn close(self) {
        self.db.close();
    }

    /// Delete a user's database (logout).
    pub async fn wipe(user_id: Uuid) -> Result<()> {
        Ok(Rexie::delete(&db_name(user_id)).await?)
    }

    /// The whole client state: identity (made on first use), outbox in
    /// recording order, replica and cursor, clock.
    pub async fn load(&self, user_id: Uuid, new_device: impl FnOnce() -> Uuid) -> Result<ClientState> {
        let tx = self.db.transaction(&["meta", "outbox", "replica"], TransactionMode::ReadOnly)?;
        let meta = tx.store("meta")?;
        let identity: Option<Identity> = match meta.get(js("identity")).await? {
            Some(v) => Some(decode(&v)?),
            None => None,
        };
        let clock: Option<HlcClock> = match meta.get(js("clock")).await? {
            Some(v) => Some(decode(&v)?),
            None => None,
        };
        let cursor: u64 = match meta.get(js("cursor")).await? {
            Some(v) => decode(&v)?,
            None => 0,
        };
        let mut entries: Vec<OutboxEntry> =
            tx.store("outbox")?.get_all(None, None).await?.iter().map(decode).collect::<Result<_>>()?;
        // Recording order: the device's HLC is strictly increasing.
        crate::sort::sort_by_key(&mut entries, |e| e.op.hlc);
        let records: BTreeMap<Uuid, RecordState> = tx
            .store("replica")?
            .get_all(None, None)
            .await?
            .iter()
            .map(|v| decode::<RecordState>(v).map(|r| (r.id, r)))
            .collect::<Result<_>>()?;
        tx.done().await?;

        let fresh = identity.as_ref().is_none_or(|i| i.user_id != user_id);
        let device_id = match identity {
            Some(i) if !fresh => i.device_id,
            _ => new_device(),
        };
        if fresh {
            let tx = self.db.transaction(&["meta"], TransactionMode::ReadWrite)?;
            tx.store("meta")?.put(&encode(&Identity { device_id, user_id })?, Some(&js("identity"))).await?;
            tx.done().await?;
        }
        let mut state = ClientState::new(device_id, user_id);
        if let Some(c) = clock {
            state.clock = c;
        }
        state.outbox = Outbox::from_entries(entries);
        state.replica = LocalReplica::from_parts(records, cursor);
        Ok(state)
    }

    /// Save one recorded op: its outbox entry and the clock, atomically.
    pub async fn save_op(&self, entry: &OutboxEntry, clock: &HlcClock) -> Result<()> {
        self.save_ops(std::slice::from_ref(entry), &[], clock).await
    }

    /// Save what one user action recorded, atomically: the outbox entries,
    /// the bytes of the photos they add (by photo record id, marked not yet
    /// uploaded) and the clock.
    pub async fn save_ops(
        &self,
        entries: &[OutboxEntry],
        photos: &[(Uuid, web_sys::Blob)],
        clock: &HlcClock,
    ) -> Result<()> {
        let stores: &[&str] = if photos.is_empty() { &["outbox", "meta"] } else { &["outbox", "meta", "photos"] };
        let tx = self.db.transaction(stores, TransactionMode::ReadWrite)?;
        let outbox = tx.store("outbox")?;
        for entry in entries {
            outbox.put(&encode(entry)?, Some(&js(&entry.op.op_id.to_string()))).await?;
        }
        if !photos.is_empty() {
            let store = tx.store("photos")?;
            for (id, blob) in photos {
                store.put(&photo_entry(blob, false), Some(&js(&id.to_string()))).await?;
            }
        }
        tx.store("meta")?.put(&encode(clock)?, Some(&js("clock"))).await?;
        tx.done().await?;
        Ok(())
    }

    /// A photo's bytes kept on this phone, and whether the server has them.
    pub async fn photo(&self, id: Uuid) -> Result<Option<(web_sys::Blob, bool)>> {
        let tx = self.db.transaction(&["photos"], TransactionMode::ReadOnly)?;
        let v = tx.store("photos")?.get(js(&id.to_string())).await?;
        tx.done().await?;
        Ok(v.and_then(|v| read_photo_entry(&v)))
    }

    /// Keep the bytes of a photo taken for a form not saved yet, so a draft
    /// keeps its photos (they are written again, with their record, when
    /// the form is saved).
    pub async fn keep_photo(&self, id: Uuid, blob: &web_sys::Blob) -> Result<()> {
        self.put_photo(id, blob, false).await
    }

    /// Forget the bytes of a photo the envoy took out of a draft.
    pub async fn forget_photo(&self, id: Uuid) -> Result<()> {
        let tx = self.db.transaction(&["photos"], TransactionMode::ReadWrite)?;
        tx.store("photos")?.delete(js(&id.to_string())).await?;
        tx.done().await?;
        Ok(())
    }

    /// Ids of photos whose bytes have not reached the server yet.
    pub async fn photos_to_upload(&self) -> Result<Vec<Uuid>> {
        let tx = self.db.transaction(&["photos"], TransactionMode::ReadOnly)?;
        let all = tx.store("photos")?.scan(None, None, None, None).await?;
        tx.done().await?;
        Ok(all
            .into_iter()
            .filter(|(_, v)| read_photo_entry(v).is_some_and(|(_, uploaded)| !uploaded))
            .filter_map(|(k, _)| k.as_string().and_then(|k| Uuid::parse_str(&k).ok()))
            .collect())
    }

    /// Remember that the server has stored a photo's bytes.
    pub async fn mark_uploaded(&self, id: Uuid, blob: &web_sys::Blob) -> Result<()> {
        self.put_photo(id, blob, true).await
    }

    async fn put_photo(&self, id: Uuid, blob: &web_sys::Blob, uploaded: bool) -> Result<()> {
        let tx = self.db.transaction(&["photos"], TransactionMode::ReadWrite)?;
        tx.store("photos")?.put(&photo_entry(blob, uploaded), Some(&js(&id.to_string()))).await?;
        tx.done().await?;
        Ok(())
    }

    /// Write the outbox as it is after a push reply: every entry is put (its
    /// state changed), entries the client let go are deleted.
    pub async fn save_outbox(&self, entries: &[OutboxEntry], gone: &[Uuid], clock: &HlcClock) -> Result<()> {
        let tx = self.db.transaction(&["outbox", "meta"], TransactionMode::ReadWrite)?;
        let store = tx.store("outbox")?;
        for e in entries {
            store.put(&encode(e)?, Some(&js(&e.op.op_id.to_string()))).await?;
        }
        for id in gone {
            store.delete(js(&id.to_string())).await?;
        }
        tx.store("meta")?.put(&encode(clock)?, Some(&js("clock"))).await?;
        tx.done().await?;
        Ok(())
    }

    /// Write one pulled page: the records it changed, the new cursor, the
    /// clock, and the outbox entries a complete pull let go, atomically.
    pub async fn save_pulled(
        &self,
        records: &[RecordState],
        cursor: u64,
        gone: &[Uuid],
        clock: &HlcClock,
    ) -> Result<()> {
        let tx = self.db.transaction(&["replica", "outbox", "meta"], TransactionMode::ReadWrite)?;
        let replica = tx.store("replica")?;
        for r in records {
            replica.put(&encode(r)?, Some(&js(&r.id.to_string()))).await?;
        }
        let outbox = tx.store("outbox")?;
        for id in gone {
            outbox.delete(js(&id.to_string())).await?;
        }
        let meta = tx.store("meta")?;
        meta.put(&encode(&cursor)?, Some(&js("cursor"))).await?;
        meta.put(&encode(clock)?, Some(&js("clock"))).await?;
        tx.done().await?;
        Ok(())
    }

    /// Forget one quarantined entry the envoy has read.
    pub async fn delete_entry(&self, op_id: Uuid) -> Result<()> {
        let tx = self.db.transaction(&["outbox"], TransactionMode::ReadWrite)?;
        tx.store("outbox")?.delete(js(&op_id.to_string())).await?;
        tx.done().await?;
        Ok(())
    }

    pub async fn draft(&self, key: &str) -> Result<Option<String>> {
        let tx = self.db.transaction(&["drafts"], TransactionMode::ReadOnly)?;
        let v = tx.store("drafts")?.get(js(key)).await?;
        tx.done().await?;
        Ok(v.and_then(|v| v.as_string()))
    }

    pub async fn put_draft(&self, key: &str, text: &str) -> Result<()> {
        let tx = self.db.transaction(&["drafts"], TransactionMode::ReadWrite)?;
        tx.store("drafts")?.put(&js(text), Some(&js(key))).await?;
        tx.done().await?;
        Ok(())
    }

    pub async fn delete_draft(&self, key: &str) -> Result<()> {
        let tx = self.db.transaction(&["drafts"], TransactionMode::ReadWrite)?;
        tx.store("drafts")?.delete(js(key)).await?;
        tx.done().await?;
        Ok(())
    }
}

/// `{ blob, uploaded }`: IndexedDB keeps the Blob itself (no base64).
fn photo_entry(blob: &web_sys::Blob, uploaded: bool) -> JsValue {
    let o = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&o, &js("blob"), blob);
    let _ = js_sys::Reflect::set(&o, &js("uploaded"), &JsValue::from_bool(uploaded));
    o.into()
}

fn read_photo_entry(v: &JsValue) -> Option<(web_sys::Blob, bool)> {
    use wasm_bindgen::JsCast;
    let blob = js_sys::Reflect::get(v, &js("blob")).ok()?.dyn_into::<web_sys::Blob>().ok()?;
    let uploaded = js_sys::Reflect::get(v, &js("uploaded")).ok()?.as_bool().unwrap_or(false);
    Some((blob, uploaded))
}

/// Bytes this site uses on the phone, and the browser's quota for it.
pub async fn usage() -> Option<(f64, f64)> {
    let storage = web_sys::window()?.navigator().storage();
    let est = wasm_bindgen_futures::JsFuture::from(storage.estimate().ok()?).await.ok()?;
    let est: web_sys::StorageEstimate = est.into();
    Some((est.get_usage()?, est.get_quota()?))
}

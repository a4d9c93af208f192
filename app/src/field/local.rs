//! Small values the field app keeps in localStorage as JSON, under keys
//! starting `yl_` (sign-out removes them all): who signed in on this phone
//! and the station's reference data. Records never go here (IndexedDB,
//! `store`). A phone without localStorage (some private modes) just does
//! not remember them.

use serde::{de::DeserializeOwned, Serialize};

/// Every key the field app writes starts with this.
const PREFIX: &str = "yl_";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// The value kept under `key`, if there is one and it still parses.
pub fn read<T: DeserializeOwned>(key: &str) -> Option<T> {
    storage()?.get_item(key).ok().flatten().and_then(|json| serde_json::from_str(&json).ok())
}

pub fn write<T: Serialize>(key: &str, value: &T) {
    if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(value)) {
        let _ = s.set_item(key, &json);
    }
}

pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// Forget everything the field app kept here.
pub fn clear() {
    let Some(s) = storage() else { return };
    let keys: Vec<String> = (0..s.length().unwrap_or(0)).filter_map(|i| s.key(i).ok().flatten()).collect();
    for k in keys.into_iter().filter(|k| k.starts_with(PREFIX)) {
        let _ = s.remove_item(&k);
    }
}

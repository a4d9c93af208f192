//! The station's reference data the forms use offline: its envoys (for
//! assigning cases and naming people in a timeline) and its compounds and
//! buildings (for the visit form). Cached in localStorage on each online
//! visit; a form fills it from there as it opens, and the sync round
//! fetches it fresh. Only the forms and the sync round (all split out of
//! the main wasm) use it, so none of it is in the first load.

use super::{local, FieldData};
use leptos::prelude::*;
use uuid::Uuid;

fn envoys_key(station_id: Uuid) -> (String, String) {
    (format!("yl_envoys_{station_id}"), format!("/api/v1/stations/{station_id}"))
}

fn address_book_key(station_id: Uuid) -> (String, String) {
    (format!("yl_addresses_{station_id}"), format!("/api/v1/stations/{station_id}/address-book"))
}

/// Fill what is still empty from the phone's cache (a form that needs the
/// reference data calls this as it opens; offline, that is all there is).
pub fn show_cached(station_id: Uuid, data: FieldData) {
    if data.envoys.with_untracked(Vec::is_empty) {
        if let Some(list) = local::read(&envoys_key(station_id).0) {
            data.envoys.set(list);
        }
    }
    if data.address_book.with_untracked(|b| b.compounds.is_empty()) {
        if let Some(book) = local::read(&address_book_key(station_id).0) {
            data.address_book.set(book);
        }
    }
}

async fn get<T: serde::de::DeserializeOwned>(url: &str) -> Option<T> {
    gloo_net::http::Request::get(url).send().await.ok()?.json::<T>().await.ok()
}

/// The station's envoys (for the assignee picker) and its compounds and
/// buildings (for the visit form). A failure keeps what was cached; true
/// when both arrived.
pub async fn fetch(station_id: Uuid, data: FieldData) -> bool {
    let (key, url) = envoys_key(station_id);
    let home = get::<crate::model::StationHome>(&url).await;
    let got_envoys = home.is_some();
    if let Some(home) = home {
        let list: Vec<(String, String)> = home
            .roster
            .into_iter()
            .filter(|m| m.role == crate::model::Role::Envoy && m.active)
            .map(|m| (m.id, m.name))
            .collect();
        local::write(&key, &list);
        data.envoys.set(list);
    }
    let (key, url) = address_book_key(station_id);
    let book = get::<crate::model::AddressBookView>(&url).await;
    let got_book = book.is_some();
    if let Some(book) = book {
        local::write(&key, &book);
        data.address_book.set(book);
    }
    got_envoys && got_book
}

//! Taking photos for a visit or a case, and showing a record's photos.
//! The camera's picture is shrunk on the phone (≤ 1600 px, JPEG) before it
//! is kept; it is saved with the record in the same transaction and its
//! bytes are uploaded after the record has synced. Until then the photos
//! taken are part of the form's draft: their bytes go to the phone's
//! database as they are taken, so closing the tab or the browser being
//! killed loses none of them.

use crate::field::{self, Change, PhotoBlob};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use yinling_protocol::{FieldValue, RecordKind};

/// A photo taken and shrunk, not yet saved.
#[derive(Clone)]
pub struct Pending {
    pub id: Uuid,
    pub blob: PhotoBlob,
    pub size: i64,
    pub sha256: String,
    /// Where the preview shows it from (an object URL).
    pub url: String,
}

pub type PendingPhotos = RwSignal<Vec<Pending>, LocalStorage>;

/// What a draft keeps of a photo; its bytes are in the phone's database
/// under the same id.
#[derive(Serialize, Deserialize)]
struct DraftPhoto {
    id: Uuid,
    size: i64,
    sha256: String,
}

fn object_url(blob: &PhotoBlob) -> String {
    #[cfg(feature = "browser")]
    {
        web_sys::Url::create_object_url_with_blob(blob).unwrap_or_default()
    }
    #[cfg(not(feature = "browser"))]
    {
        let _ = blob;
        String::new()
    }
}

/// Keep `photos` in the draft `key`: the ones kept come back (with their
/// bytes) once the phone's database is open, then the list is written on
/// every change. Emptied (the form was saved), the draft is removed; the
/// bytes stay, as those of the saved photos.
fn keep_in_draft(photos: PendingPhotos, key: String) {
    field::keep_draft(
        format!("{key}:photos"),
        move |kept| async move {
            let kept: Vec<DraftPhoto> = kept.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
            let mut back = Vec::new();
            for d in kept {
                // Bytes that never reached the database (the tab died in
                // between) leave nothing to show: that photo is dropped.
                if let Some(blob) = field::kept_photo(d.id).await {
                    let url = object_url(&blob);
                    back.push(Pending { id: d.id, blob, size: d.size, sha256: d.sha256, url });
                }
            }
            // Those kept first, then any taken while they were read.
            photos.update(|list| {
                back.append(list);
                *list = back;
            });
        },
        move || {
            let list: Vec<DraftPhoto> = photos
                .with(|l| l.iter().map(|p| DraftPhoto { id: p.id, size: p.size, sha256: p.sha256.clone() }).collect());
            (!list.is_empty()).then(|| serde_json::to_string(&list).ok()).flatten()
        },
    );
}

pub fn pending_photos() -> PendingPhotos {
    RwSignal::new_local(Vec::new())
}

/// The photo records (and their bytes) for `owner`, to save with it.
pub fn photo_changes(photos: Vec<Pending>, owner_kind: &str, owner: Uuid) -> (Vec<Change>, Vec<(Uuid, PhotoBlob)>) {
    let now = field::now_ms();
    photos
        .into_iter()
        .map(|p| {
            let change = Change::create(
                RecordKind::Photo,
                p.id,
                vec![
                    ("owner_kind", FieldValue::String(owner_kind.into())),
                    ("owner_id", FieldValue::String(owner.to_string())),
                    ("content_type", FieldValue::String("image/jpeg".into())),
                    ("byte_size", FieldValue::from(p.size)),
                    ("sha256", FieldValue::String(p.sha256)),
                    ("taken_at", FieldValue::from(now)),
                ],
            );
            (change, (p.id, p.blob))
        })
        .unzip()
}

/// 拍照: opens the camera (or the gallery); each picture is shrunk and
/// previewed, and can be taken out again before saving. The photos are kept
/// in the draft `draft` until the form is saved.
#[component]
pub fn PhotoPicker(
    photos: PendingPhotos,
    #[prop(into)] draft: String,
    #[prop(default = "photo-input")] id: &'static str,
) -> impl IntoView {
    keep_in_draft(photos, draft);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let picked = move |ev: leptos::ev::Event| {
        #[cfg(feature = "browser")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
            let files: Vec<web_sys::File> =
                input.files().map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect()).unwrap_or_default();
            input.set_value("");
            busy.set(true);
            leptos::task::spawn_local(async move {
                for file in files {
                    match field::photo::shrink(&file).await {
                        Ok(s) => {
                            let url = object_url(&s.blob);
                            let id = field::new_id();
                            field::draft_photo(id, Some(s.blob.clone()));
                            photos.update(|list| {
                                list.push(Pending { id, blob: s.blob, size: s.size, sha256: s.sha256, url })
                            });
                            error.set(None);
                        }
                        Err(e) => error.set(Some(e)),
                    }
                }
                busy.set(false);
            });
        }
        #[cfg(not(feature = "browser"))]
        let _ = ev;
    };
    view! {
        <div class="photos">
            <label class="btn photo-button" for=id>"拍照"</label>
            <input type="file" id=id class="visually-hidden" accept="image/*" capture="environment" multiple
                on:change=picked/>
            {move || busy.get().then(|| view! { <p class="muted" role="status">"正在处理照片…"</p> })}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <ul class="photo-strip" id=format!("{id}-pending")>
                {move || photos.get().into_iter().map(|p| {
                    let gone = p.id;
                    view! {
                        <li data-photo=p.id.to_string()>
                            <img src=p.url alt="待保存的照片"/>
                            <button type="button" class="btn" on:click=move |_| {
                                photos.update(|l| l.retain(|x| x.id != gone));
                                field::draft_photo(gone, None);
                            }>
                                "不要这张"
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

/// The photos saved for a record (from the phone, or the server's copy).
#[component]
pub fn PhotoStrip(owner: Uuid) -> impl IntoView {
    let list = move || {
        let key = owner.to_string();
        field::records_where(RecordKind::Photo, |p| p.str_value("owner_id") == Some(key.as_str()))
    };
    view! {
        <ul class="photo-strip" data-owner=owner.to_string()>
            {move || list().into_iter().map(|p| {
                let src = RwSignal::new(String::new());
                let id = p.id;
                leptos::task::spawn_local(async move { src.set(field::photo_url(id).await) });
                view! {
                    <li data-photo=id.to_string() data-waiting=field::is_waiting(id).to_string()>
                        <img src=move || src.get() alt="照片"/>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

//! Photos on the phone: shrink what the camera gives (longest side at most
//! [`MAX_SIDE`] px, JPEG) before it is stored, fingerprint it (SHA-256, which
//! the photo's record carries so the server can check the bytes), show it
//! from the phone, and upload the bytes once the record has synced.

use super::store::PhoneDb;
use js_sys::{Promise, Uint8Array};
use uuid::Uuid;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap};

pub const MAX_SIDE: f64 = 1600.0;
const QUALITY: f64 = 0.82;

/// A photo ready to save: JPEG bytes, size and SHA-256 (hex).
pub struct Shrunk {
    pub blob: Blob,
    pub size: i64,
    pub sha256: String,
}

fn err(_: JsValue) -> String {
    "照片处理失败，请再拍一次。".to_string()
}

/// Shrink a camera picture to a JPEG whose longest side is at most 1600 px.
pub async fn shrink(file: &Blob) -> Result<Shrunk, String> {
    let window = web_sys::window().ok_or("no window")?;
    let bitmap: ImageBitmap = JsFuture::from(window.create_image_bitmap_with_blob(file).map_err(err)?)
        .await
        .map_err(|_| "无法读取这张照片，请再拍一次。".to_string())?
        .unchecked_into();
    let (w, h) = (f64::from(bitmap.width()), f64::from(bitmap.height()));
    let scale = (MAX_SIDE / w.max(h)).min(1.0);
    let (tw, th) = ((w * scale).round().max(1.0), (h * scale).round().max(1.0));
    let canvas: HtmlCanvasElement =
        window.document().ok_or("no document")?.create_element("canvas").map_err(err)?.unchecked_into();
    canvas.set_width(tw as u32);
    canvas.set_height(th as u32);
    let ctx: CanvasRenderingContext2d = canvas.get_context("2d").map_err(err)?.ok_or("no 2d context")?.unchecked_into();
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, tw, th).map_err(err)?;
    bitmap.close();
    let blob = to_jpeg(&canvas).await?;
    let bytes = bytes_of(&blob).await?;
    Ok(Shrunk { size: bytes.len() as i64, sha256: sha256_hex(&bytes).await?, blob })
}

async fn to_jpeg(canvas: &HtmlCanvasElement) -> Result<Blob, String> {
    let mut done = None;
    let promise = Promise::new(&mut |resolve, _reject| {
        let cb = Closure::once_into_js(move |blob: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &blob);
        });
        done = Some(cb);
    });
    let cb = done.ok_or("no callback")?;
    canvas
        .to_blob_with_type_and_encoder_options(cb.unchecked_ref(), "image/jpeg", &JsValue::from_f64(QUALITY))
        .map_err(err)?;
    let blob = JsFuture::from(promise).await.map_err(err)?;
    blob.dyn_into::<Blob>().map_err(|_| "照片处理失败，请再拍一次。".to_string())
}

pub async fn bytes_of(blob: &Blob) -> Result<Vec<u8>, String> {
    let buf = JsFuture::from(blob.array_buffer()).await.map_err(err)?;
    Ok(Uint8Array::new(&buf).to_vec())
}

async fn sha256_hex(bytes: &[u8]) -> Result<String, String> {
    let subtle = web_sys::window().ok_or("no window")?.crypto().map_err(err)?.subtle();
    let data = Uint8Array::from(bytes);
    let digest =
        JsFuture::from(subtle.digest_with_str_and_buffer_source("SHA-256", &data).map_err(err)?).await.map_err(err)?;
    Ok(Uint8Array::new(&digest).to_vec().iter().map(|b| format!("{b:02x}")).collect())
}

/// Where to show a photo from: the phone's own copy, else the server's.
pub async fn url(db: &PhoneDb, id: Uuid) -> String {
    match db.photo(id).await {
        Ok(Some((blob, _))) => web_sys::Url::create_object_url_with_blob(&blob).unwrap_or_default(),
        _ => format!("/api/v1/photos/{id}"),
    }
}

/// Upload the bytes of photos whose records the server has accepted. A
/// photo whose record is still waiting is left for the next sync.
pub async fn upload_pending(db: &PhoneDb, synced: impl Fn(Uuid) -> bool) {
    let Ok(ids) = db.photos_to_upload().await else { return };
    for id in ids.into_iter().filter(|id| synced(*id)) {
        let Ok(Some((blob, _))) = db.photo(id).await else { continue };
        let Ok(req) = gloo_net::http::Request::put(&format!("/api/v1/photos/{id}"))
            .header("x-csrf-token", &crate::prefs::csrf_token())
            .header("content-type", "image/jpeg")
            .body(JsValue::from(blob.clone()))
        else {
            continue;
        };
        if let Ok(resp) = req.send().await {
            if matches!(resp.status(), 201 | 204) {
                let _ = db.mark_uploaded(id, &blob).await;
            }
        }
    }
}

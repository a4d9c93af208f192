//! Photo bytes: `PUT /api/v1/photos/{id}` after the photo's record has
//! synced, `GET /api/v1/photos/{id}` to see it on another phone or desk.
//!
//! The record decides everything: who may upload or view is who may see the
//! record (its station's envoys and staff; confidential owners are not
//! photographed through this path), and the bytes must be exactly the size
//! and SHA-256 the record states, and a JPEG. An upload before the record
//! has arrived is answered 404, and the phone tries again after its next sync.

use super::{caller_of, now_ms};
use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    AppState,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use yinling_app::error::ErrorCode;
use yinling_protocol::{rules::visible_to, RecordKind, RecordState};

/// The photo record the caller may see, or 404 (nothing said about others').
async fn photo_record(state: &AppState, who: Option<&Principal>, id: &str) -> ApiResult<(RecordState, Uuid)> {
    let p = who.ok_or_else(ApiError::unauthenticated)?;
    let caller = caller_of(p)?;
    let id = Uuid::parse_str(id).map_err(|_| ApiError::not_found())?;
    match state.store.record(id).await? {
        Some(r) if r.kind == RecordKind::Photo && !r.deleted && visible_to(&caller, &r) => Ok((r, caller.user_id)),
        _ => Err(ApiError::not_found()),
    }
}

fn refused(zh: &str, en: &str) -> ApiError {
    ApiError::new(ErrorCode::BadRequest, zh, en)
}

/// Keep the bytes of a synced photo record. True if newly kept.
pub async fn upload(state: &AppState, who: Option<&Principal>, id: &str, bytes: &[u8]) -> ApiResult<bool> {
    let (record, user) = photo_record(state, who, id).await?;
    let size = record.value("byte_size").and_then(|v| v.as_i64()).unwrap_or(-1);
    if usize::try_from(size).ok() != Some(bytes.len()) {
        return Err(refused("照片大小与记录不符，请重新同步。", "photo size differs from its record"));
    }
    if !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err(refused("只能上传 JPEG 照片。", "not a JPEG"));
    }
    let digest = hex(&Sha256::digest(bytes));
    if record.str_value("sha256") != Some(digest.as_str()) {
        return Err(refused("照片内容与记录不符，请重新同步。", "photo checksum differs from its record"));
    }
    Ok(state
        .store
        .put_photo_bytes(&record.id.to_string(), &record.station_id.to_string(), bytes, &user.to_string(), now_ms())
        .await?)
}

/// The bytes of a photo the caller may see.
pub async fn download(state: &AppState, who: Option<&Principal>, id: &str) -> ApiResult<Vec<u8>> {
    let (record, _) = photo_record(state, who, id).await?;
    state.store.photo_bytes(&record.id.to_string()).await?.ok_or_else(|| {
        ApiError::new(ErrorCode::NotFound, "照片还在拍摄的手机上，尚未上传。", "photo bytes not uploaded yet")
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

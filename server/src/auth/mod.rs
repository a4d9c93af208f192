//! Who is asking, and may they: passwords, sessions, CSRF, login throttling and
//! the single authorization policy every route and server function goes through.

pub mod csrf;
pub mod password;
pub mod policy;
pub mod principal;
pub mod rate_limit;
pub mod session;

pub use policy::{authorize, Action};
pub use principal::Principal;

use crate::error::{ApiError, ApiResult};

/// The station a desk page is about: the one asked for, else the caller's
/// own (signed out: 401; signed in without a station: 404).
pub fn station_asked(who: Option<&Principal>, station_id: Option<String>) -> ApiResult<String> {
    match station_id.or_else(|| who.and_then(|p| p.user.station_id.clone())) {
        Some(id) => Ok(id),
        None if who.is_none() => Err(ApiError::unauthenticated()),
        None => Err(ApiError::not_found()),
    }
}

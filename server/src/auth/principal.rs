//! The signed-in user behind a request, resolved from the session cookie.

use crate::{storage::UserRow, AppState};
use axum::{extract::FromRequestParts, http::request::Parts};

#[derive(Clone, Debug)]
pub struct Principal {
    pub user: UserRow,
    /// Hash of the session token that authenticated this request.
    pub token_hash: String,
}

impl Principal {
    /// Resolve from request headers; `None` when there is no live session.
    pub async fn from_headers(state: &AppState, headers: &http::HeaderMap) -> Option<Principal> {
        let name = super::session::cookie_names(state.config.behind_tls()).session;
        let token = super::session::read_cookie(headers, name)?;
        let token_hash = super::session::token_hash(token);
        let now = chrono::Utc::now().timestamp_millis();
        match state.store.session_user(&token_hash, now).await {
            Ok(Some(user)) => Some(Principal { user, token_hash }),
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                None
            }
        }
    }
}

/// `Option<Principal>` as an extractor: anonymous requests get `None`, and the
/// policy decides what that means.
pub struct MaybePrincipal(pub Option<Principal>);

impl FromRequestParts<AppState> for MaybePrincipal {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(MaybePrincipal(Some(p.clone())));
        }
        let p = Principal::from_headers(state, &parts.headers).await;
        if let Some(p) = &p {
            parts.extensions.insert(p.clone());
        }
        Ok(MaybePrincipal(p))
    }
}

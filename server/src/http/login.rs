//! Sign in, sign out, and who am I.
//!
//! Browsers post the login form and get redirects (303 to the home page, or
//! back to /login?error=…); scripts and tests that ask for JSON get JSON.

use super::wants_html;
use crate::{
    auth::{password, principal::MaybePrincipal, session},
    error::ApiError,
    service, AppState,
};
use axum::{
    extract::{rejection::FormRejection, ConnectInfo, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Form, Json,
};
use serde::Deserialize;
use std::net::SocketAddr;
use tracing::instrument;
use yinling_app::model::is_mainland_mobile;

#[derive(Deserialize)]
pub struct LoginForm {
    phone: String,
    password: String,
}

pub(crate) fn client_ip(state: &AppState, headers: &HeaderMap, peer: SocketAddr) -> String {
    if state.config.trust_proxy {
        if let Some(first) =
            headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()).and_then(|v| v.split(',').next())
        {
            return first.trim().to_string();
        }
    }
    peer.ip().to_string()
}

/// A failed login in the form the client asked for.
fn login_error(html: bool, code: &str, err: ApiError) -> Response {
    if html {
        Redirect::to(&format!("/login?error={code}")).into_response()
    } else {
        err.into_response()
    }
}

#[instrument(skip_all)]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let html = wants_html(&headers);
    let invalid = || ApiError::bad("请填写 11 位手机号和密码。", "Enter an 11-digit mobile number and the password.");
    let Ok(Form(form)) = form else {
        return login_error(html, "invalid", invalid());
    };
    let phone = form.phone.trim();
    if !is_mainland_mobile(phone) || form.password.is_empty() || form.password.len() > 256 {
        return login_error(html, "invalid", invalid());
    }
    let ip_key = format!("ip:{}", client_ip(&state, &headers, peer));
    let phone_key = format!("phone:{phone}");
    let limits = &state.login_limits;
    if limits.per_ip.is_blocked(&ip_key) || limits.per_phone.is_blocked(&phone_key) {
        let err = ApiError::too_many(
            "登录尝试次数过多，请 15 分钟后再试。",
            "Too many attempts; please try again in 15 minutes.",
        );
        return login_error(html, "too_many", err);
    }

    let user = match state.store.user_by_phone(phone).await {
        Ok(u) => u,
        Err(e) => return ApiError::from(e).into_response(),
    };
    // Verify even for an unknown phone, so timing does not reveal which phones exist.
    let stored = user.as_ref().map(|u| u.password_hash.as_str()).unwrap_or(password::decoy_hash());
    let password_ok = {
        let (pw, stored) = (form.password.clone(), stored.to_string());
        tokio::task::spawn_blocking(move || password::verify(&pw, &stored)).await.unwrap_or(false)
    };
    let user = match user {
        Some(u) if password_ok => u,
        _ => {
            limits.per_ip.record(&ip_key);
            limits.per_phone.record(&phone_key);
            let err = ApiError::new(
                yinling_app::error::ErrorCode::Unauthenticated,
                "手机号或密码不正确，请重新输入。",
                "Wrong mobile number or password; please try again.",
            );
            return login_error(html, "bad_credentials", err);
        }
    };
    if !user.active {
        let err = ApiError::new(
            yinling_app::error::ErrorCode::Forbidden,
            "该账号已停用，请联系工作室。",
            "This account is disabled; please contact your station.",
        );
        return login_error(html, "disabled", err);
    }
    limits.per_phone.clear(&phone_key);

    // Rotate: whatever session this browser had before is ended, and a fresh id is issued.
    let tls = state.config.behind_tls();
    if let Some(old) = session::read_cookie(&headers, session::cookie_names(tls).session) {
        if let Err(e) = state.store.delete_session(&session::token_hash(old)).await {
            return ApiError::from(e).into_response();
        }
    }
    let token = session::new_token();
    let now = chrono::Utc::now().timestamp_millis();
    let ttl = state.config.session_ttl;
    if let Err(e) =
        state.store.create_session(&session::token_hash(&token), &user.id, now, now + ttl.as_millis() as i64).await
    {
        return ApiError::from(e).into_response();
    }
    let _ =
        crate::audit::record(&state, None, user.station_id.as_deref(), "session.login", "user", &user.id, ip_key).await;

    let home = user.role.home_path();
    let mut resp = if html {
        Redirect::to(home).into_response()
    } else {
        Json(serde_json::json!({ "home": home, "role": user.role })).into_response()
    };
    if let Ok(v) = HeaderValue::from_str(&session::session_cookie(tls, &token, ttl.as_secs().max(1))) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

#[instrument(skip_all)]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    MaybePrincipal(who): MaybePrincipal,
) -> Response {
    let tls = state.config.behind_tls();
    if let Some(p) = &who {
        if let Err(e) = state.store.delete_session(&p.token_hash).await {
            return ApiError::from(e).into_response();
        }
    }
    let mut resp = if wants_html(&headers) {
        Redirect::to("/login?error=logged_out").into_response()
    } else {
        StatusCode::NO_CONTENT.into_response()
    };
    if let Ok(v) = HeaderValue::from_str(&session::clear_session_cookie(tls)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// The signed-in user. Never cached: the field app asks on every start.
#[instrument(skip_all)]
pub async fn me(State(state): State<AppState>, MaybePrincipal(who): MaybePrincipal) -> Response {
    match service::me(&state, who.as_ref()).await {
        Ok(me) => ([(header::CACHE_CONTROL, "no-store")], Json(me)).into_response(),
        Err(e) => e.into_response(),
    }
}

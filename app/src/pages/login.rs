//! Login: a plain HTML form posted to `/api/v1/login`, so it works before the
//! page's script has loaded on a slow phone. The server redirects to the
//! user's home page, or back here with an error code.

use crate::{
    components::frame::Frame,
    i18n::K,
    prefs::{tr, CsrfField},
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

fn error_key(code: &str) -> Option<K> {
    Some(match code {
        "bad_credentials" => K::ErrBadCredentials,
        "too_many" => K::ErrTooMany,
        "expired" => K::ErrExpired,
        "invalid" => K::ErrInvalid,
        "disabled" => K::ErrDisabled,
        "logged_out" => K::LoggedOut,
        _ => return None,
    })
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let message = move || query.with(|q| q.get("error").and_then(|c| error_key(&c)));
    let is_notice = move || query.with(|q| q.get("error").as_deref() == Some("logged_out"));
    view! {
        <Frame>
            <h1>{tr(K::LoginTitle)}</h1>
            {move || message().map(|k| view! {
                <p class=if is_notice() { "notice" } else { "error" } role="alert" id="login-message">{tr(k)}</p>
            })}
            <form method="post" action="/api/v1/login" class="form card" id="login-form">
                <CsrfField/>
                <label for="phone">{tr(K::Phone)}</label>
                <input
                    id="phone"
                    name="phone"
                    type="tel"
                    inputmode="numeric"
                    autocomplete="username"
                    maxlength="11"
                    required
                />
                <label for="password">{tr(K::Password)}</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required/>
                <button type="submit" class="btn btn-primary btn-block">{tr(K::Login)}</button>
            </form>
            <p class="muted">{tr(K::LoginHint)}</p>
        </Frame>
    }
}

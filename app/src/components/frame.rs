//! The frame around every page: name, connection state, language and
//! 长辈模式 switches, the "new version" button the service worker script
//! reveals, and the page itself.

use crate::{
    components::connection::ConnectionBadge,
    i18n::K,
    prefs::{tr, use_prefs, write_cookie, CsrfField, ELDER_COOKIE, LANG_COOKIE},
};
use leptos::prelude::*;

#[component]
pub fn Frame(#[prop(optional)] signed_in: bool, children: Children) -> impl IntoView {
    let prefs = use_prefs();
    let other_lang = move || prefs.lang.get().other();
    let switch_lang = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let next = other_lang();
        write_cookie(LANG_COOKIE, next.cookie_value());
        prefs.lang.set(next);
    };
    let toggle_elder = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let next = !prefs.elder.get_untracked();
        write_cookie(ELDER_COOKIE, if next { "1" } else { "0" });
        prefs.elder.set(next);
    };
    view! {
        <div class="app" class:elder=move || prefs.elder.get()>
            <header class="topbar">
                <a class="brand" href="/">{tr(K::AppName)}</a>
                <ConnectionBadge/>
                <nav class="prefs">
                    <a
                        class="btn btn-quiet"
                        id="lang-switch"
                        href=move || format!("/prefs?lang={}", other_lang().cookie_value())
                        on:click=switch_lang
                        lang=move || other_lang().code()
                    >
                        {tr(K::SwitchLang)}
                    </a>
                    <a
                        class="btn btn-quiet"
                        id="elder-switch"
                        href=move || format!("/prefs?elder={}", if prefs.elder.get() { "0" } else { "1" })
                        role="button"
                        aria-pressed=move || prefs.elder.get().to_string()
                        on:click=toggle_elder
                    >
                        {move || if prefs.elder.get() { tr(K::ElderModeOn)() } else { tr(K::ElderMode)() }}
                    </a>
                    {signed_in.then(|| view! {
                        <form method="post" action="/api/v1/logout" class="inline">
                            <CsrfField/>
                            <button type="submit" class="btn btn-quiet">{tr(K::Logout)}</button>
                        </form>
                    })}
                </nav>
            </header>
            <button type="button" id="yl-update" class="update-banner" hidden>{tr(K::UpdateReady)}</button>
            <main id="main">{children()}</main>
        </div>
    }
}

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
                    {signed_in.then(|| view! { <LogoutForm/> })}
                </nav>
            </header>
            <button type="button" id="yl-update" class="update-banner" hidden>{tr(K::UpdateReady)}</button>
            <main id="main">{children()}</main>
        </div>
    }
}

/// Sign out. In the field app, records not yet synced would be lost with the
/// phone's data, so the first tap only warns (in the page, no pop-up) and a
/// second, explicit tap signs out; signing out wipes this user's data from
/// the phone.
#[component]
fn LogoutForm() -> impl IntoView {
    let field = use_context::<crate::field::FieldData>();
    let confirm = RwSignal::new(false);
    let waiting = move || field.map_or(0, |d| d.status.get().waiting);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        let Some(d) = field else { return };
        ev.prevent_default();
        if d.status.get_untracked().waiting > 0 && !confirm.get_untracked() {
            confirm.set(true);
        } else {
            #[cfg(feature = "browser")]
            {
                use wasm_bindgen::JsCast;
                let form = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok());
                leptos::task::spawn_local(async move {
                    crate::field::engine::wipe_local().await;
                    if let Some(f) = form {
                        let _ = f.submit();
                    }
                });
            }
        }
    };
    view! {
        <form method="post" action="/api/v1/logout" class="inline" id="logout-form" on:submit=submit>
            <CsrfField/>
            <button type="submit" class="btn btn-quiet" id="logout">
                {move || if confirm.get() { "仍要退出".to_string() } else { tr(K::Logout)().to_string() }}
            </button>
        </form>
        <Show when=move || confirm.get()>
            <div class="error" role="alert" id="logout-warning">
                {move || format!("还有 {} 条记录没有同步到工作室。现在退出，这些记录会从手机上删除、无法找回。请先联网点“立即同步”。", waiting())}
                <button type="button" class="btn" on:click=move |_| confirm.set(false)>"不退出"</button>
            </div>
        </Show>
    }
}

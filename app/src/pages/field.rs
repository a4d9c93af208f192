//! The envoys' field app (/field/*).
//!
//! Offline first: the server renders the same route-independent, user-
//! independent shell for every /field/* URL, which the service worker caches
//! and answers any field navigation with when the network is gone. The route
//! itself is drawn only after hydration, from data on the phone, so a cached
//! shell hydrates without mismatch whatever deep link it was opened at.

use crate::{
    components::frame::Frame,
    i18n::K,
    model::Me,
    prefs::{tr, use_prefs},
};
use leptos::prelude::*;
use leptos_router::{components::Outlet, hooks::use_params_map};

#[derive(Clone, Debug, PartialEq)]
pub enum Profile {
    Loading,
    /// Never signed in on this phone and no network to do it now.
    NeedLogin,
    Ready(Me),
}

#[derive(Clone, Copy)]
pub struct FieldProfile(pub RwSignal<Profile>);

#[component]
pub fn FieldShell() -> impl IntoView {
    let mounted = RwSignal::new(false);
    let profile = RwSignal::new(Profile::Loading);
    provide_context(FieldProfile(profile));
    Effect::new(move |_| {
        mounted.set(true);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(load_profile(profile));
    });
    let opening = move || view! { <p class="muted" id="field-opening">{tr(K::FieldOpening)}</p> };
    view! {
        <Frame signed_in=true>
            <div id="field-app" data-mounted=move || mounted.get().to_string()>
                <Show when=move || mounted.get() fallback=opening>
                    {move || match profile.get() {
                        Profile::Loading => opening().into_any(),
                        Profile::NeedLogin => view! {
                            <p class="error" role="alert">{tr(K::FieldNeedLogin)}</p>
                            <a class="btn btn-primary" href="/login">{tr(K::Login)}</a>
                        }.into_any(),
                        Profile::Ready(_) => view! { <Outlet/> }.into_any(),
                    }}
                </Show>
            </div>
        </Frame>
    }
}

/// Who is using this phone: asked from the server when it answers, else
/// remembered from the last online visit.
#[cfg(feature = "hydrate")]
async fn load_profile(profile: RwSignal<Profile>) {
    const KEY: &str = "yl_me";
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    let req = gloo_net::http::Request::get("/api/v1/me").cache(web_sys::RequestCache::NoStore);
    match req.send().await {
        Ok(r) if r.ok() => {
            if let Ok(me) = r.json::<Me>().await {
                if let (Some(s), Ok(json)) = (&storage, serde_json::to_string(&me)) {
                    let _ = s.set_item(KEY, &json);
                }
                profile.set(Profile::Ready(me));
                return;
            }
        }
        Ok(r) if r.status() == 401 => {
            if let Some(s) = &storage {
                let _ = s.remove_item(KEY);
            }
            if let Some(w) = web_sys::window() {
                let _ = w.location().set_href("/login");
            }
            return;
        }
        _ => {}
    }
    let remembered =
        storage.and_then(|s| s.get_item(KEY).ok().flatten()).and_then(|json| serde_json::from_str::<Me>(&json).ok());
    profile.set(remembered.map(Profile::Ready).unwrap_or(Profile::NeedLogin));
}

fn current_me() -> Option<Me> {
    match expect_context::<FieldProfile>().0.get() {
        Profile::Ready(me) => Some(me),
        _ => None,
    }
}

#[component]
pub fn FieldHome() -> impl IntoView {
    let prefs = use_prefs();
    view! {
        <h1>{tr(K::FieldHome)}</h1>
        {move || current_me().map(|me| view! {
            <p class="lead" id="field-hello">{tr(K::Hello)()}"，"{me.name}</p>
            <p>{tr(K::YourStation)()}"："{me.station_name.unwrap_or_default()}</p>
        })}
        <p class="sync-line" id="sync-line">{prefs.tr(K::FieldAllSynced)}</p>
    }
}

/// A case opened by deep link. Its content comes from the phone's store.
#[component]
pub fn FieldCase() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    view! {
        <h1 id="case-title">"事项 / Case"</h1>
        <p class="mono" id="case-id">{id}</p>
        <a class="btn" href="/field">{tr(K::FieldHome)}</a>
    }
}

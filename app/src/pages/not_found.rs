use crate::{components::frame::Frame, i18n::K, prefs::tr};
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Frame>
            <h1>{tr(K::NotFound)}</h1>
            <a class="btn btn-primary" href="/">{tr(K::BackHome)}</a>
        </Frame>
    }
}

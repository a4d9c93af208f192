//! What a split-out page shows when its code could not be fetched: the
//! network dropped before the service worker had cached that page's chunk
//! (only possible on a phone's first visit). The rest of the app keeps
//! working; "重试" loads the page again, and the way home leads to a page
//! the phone does have (the field app's home is in its bundle).

use crate::{i18n::K, prefs::tr};
use leptos::prelude::*;

/// `home`: the app's own home, which is in its bundle.
#[component]
pub fn PageNotLoaded(home: &'static str) -> impl IntoView {
    let retry = move |_| {
        #[cfg(feature = "browser")]
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    };
    view! {
        <section id="page-not-loaded" role="alert">
            <h1>{tr(K::PageNotLoaded)}</h1>
            <p class="lead">{tr(K::PageNotLoadedHow)}</p>
            <button type="button" class="btn btn-primary btn-block" on:click=retry>{tr(K::Retry)}</button>
            <a class="btn btn-block" href=home>{tr(K::BackHome)}</a>
        </section>
    }
}

//! A desk page's data from the server, drawn the same way everywhere: "正在加载…"
//! until it first arrives, the error in the user's language if it could not
//! be had, else the page's own view of it. While it is fetched again (a
//! filter changed), the last view stays in place.

use crate::{
    error::AppError,
    i18n::K,
    prefs::{tr, use_prefs},
};
use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

#[component]
pub fn Loaded<T, V, F>(data: Resource<Result<T, AppError>>, ok: F) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
{
    let lang = use_prefs().lang;
    view! {
        <Transition fallback=move || view! { <p class="muted">{tr(K::Loading)}</p> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <p class="error" role="alert">{e.message_in(lang.get()).to_string()}</p> }.into_any(),
                Ok(value) => ok(value).into_any(),
            })}
        </Transition>
    }
}

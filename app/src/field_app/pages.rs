//! The field app's pages, drawn where the field shell leaves room for them.
//! Its home is in the field app's bundle; every other page is split out of
//! it (`cargo leptos build --split`) and fetched the first time it opens —
//! the service worker precaches them all with the shell, so they open
//! offline too.

use super::{nav::use_route, route::FieldRoute};
use crate::pages::{
    field::{FieldCase, FieldHome, FieldNewCase},
    field_mediation::FieldMediation,
    field_points::FieldPoints,
    field_visit::FieldVisit,
};
use crate::{i18n::K, prefs::tr};
use leptos::prelude::*;

/// A page split out of the bundle. The split point is `wasm_split` with
/// `fallible`: a chunk that cannot be fetched (the network gone on a phone's
/// very first visit, before the service worker had cached it) shows
/// [`PageNotLoaded`] instead of stopping the whole app.
macro_rules! split_page {
    ($load:ident => $page:ident, $chunk:ident) => {
        #[cfg(all(feature = "split", feature = "csr"))]
        #[allow(non_snake_case)]
        mod $chunk {
            use super::*;

            #[leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible)]
            pub fn page() -> Result<AnyView, leptos::wasm_split::SplitLoaderError> {
                Ok(view! { <$page/> }.into_any())
            }
        }

        async fn $load() -> AnyView {
            #[cfg(all(feature = "split", feature = "csr"))]
            {
                $chunk::page()
                    .await
                    .unwrap_or_else(|_| view! { <crate::pages::not_loaded::PageNotLoaded home="/field"/> }.into_any())
            }
            #[cfg(not(all(feature = "split", feature = "csr")))]
            {
                view! { <$page/> }.into_any()
            }
        }
    };
}

split_page!(new_case => FieldNewCase, page_field_new_case);
split_page!(case => FieldCase, page_field_case);
split_page!(mediation => FieldMediation, page_field_mediation);
split_page!(points => FieldPoints, page_field_points);
split_page!(new_visit => FieldVisit, page_field_visit);

/// The current page. Drawn afresh when the page changes, not when anything
/// else does. A split page says "正在打开…" until its code is there (at
/// once from the service worker's cache; on a first visit it may take a
/// moment on a slow network).
#[component]
pub fn FieldOutlet() -> impl IntoView {
    let route = use_route();
    move || {
        let page = route.get();
        if page == FieldRoute::Home {
            return view! { <FieldHome/> }.into_any();
        }
        let opening = move || view! { <p class="muted" id="page-opening">{tr(K::FieldOpening)}</p> };
        view! {
            <Suspense fallback=opening>
                {Suspend::new(async move {
                    match page {
                        FieldRoute::Home => view! { <FieldHome/> }.into_any(),
                        FieldRoute::NewCase => new_case().await,
                        FieldRoute::Case(_) => case().await,
                        FieldRoute::Mediation(_) => mediation().await,
                        FieldRoute::Points => points().await,
                        FieldRoute::NewVisit => new_visit().await,
                    }
                })}
            </Suspense>
        }
        .into_any()
    }
}

//! yinling's user interface: server-rendered pages that hydrate in the
//! browser, and the offline field app for envoys.

#![recursion_limit = "256"]

#[cfg(feature = "ssr")]
pub mod backend;
pub mod booking;
pub mod components;
pub mod error;
pub mod field;
pub mod i18n;
pub mod model;
pub mod pages;
pub mod prefs;

pub use yinling_protocol as protocol;

use components::connection::provide_connection;
use leptos::prelude::*;
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, SsrMode,
};
use pages::{
    book::BookPage,
    booking::{BookingPage, LookupPage, ReschedulePage},
    county::CountyPage,
    field::{FieldCase, FieldHome, FieldShell},
    field_mediation::FieldMediation,
    field_points::FieldPoints,
    field_visit::FieldVisit,
    landing::Landing,
    login::LoginPage,
    not_found::NotFound,
    station::StationPage,
    station_bookings::{StationBookingPage, StationBookingsPage},
    station_slots::StationSlotsPage,
    stations_public::StationsPublic,
    sync_queue::SyncQueuePage,
};
use prefs::Prefs;

/// The HTML document around the app (server only renders this).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    provide_request_nonce();
    let prefs = Prefs::from_cookies();
    let lang = prefs.lang.get_untracked();
    // Residents' pages hydrate on first interaction (see `booking::lazy`).
    let lazy = booking::lazy::lazy_hydration();
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                <meta name="theme-color" content="#8a1c14"/>
                <meta name="description" content="银龄解忧：银龄使者走访、调解与居民预约"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="icon" href="/icons/icon-192.png" type="image/png"/>
                <link rel="apple-touch-icon" href="/icons/icon-192.png"/>
                <link rel="stylesheet" href="/pkg/yinling.css"/>
                <title>"银龄解忧"</title>
                <script src="/pwa.js" defer></script>
                <AutoReload options=options.clone()/>
                {if lazy {
                    view! { <booking::lazy::HydrateOnInteraction options/> }.into_any()
                } else {
                    view! { <HydrationScripts options/> }.into_any()
                }}
            </head>
            <body class=lazy.then_some("lazy-hydrate")>
                <App/>
            </body>
        </html>
    }
}

/// Put this request's CSP nonce (made by the server's security-headers layer)
/// where Leptos's hydration script will use it.
#[cfg(feature = "ssr")]
fn provide_request_nonce() {
    if let Some(nonce) = use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<CspNonce>().cloned()) {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}

/// The per-request CSP nonce, placed in request extensions by the server.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

#[component]
pub fn App() -> impl IntoView {
    let prefs = Prefs::from_cookies();
    provide_context(prefs);
    provide_connection();
    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Landing/>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/station") view=StationPage/>
                <Route path=path!("/station/sync") view=SyncQueuePage/>
                <Route path=path!("/county") view=CountyPage/>
                // Residents' bookings: rendered whole on the server (Async), so
                // they read and post without JavaScript.
                <Route path=path!("/stations") view=StationsPublic ssr=SsrMode::Async/>
                <Route path=path!("/stations/:id/book") view=BookPage ssr=SsrMode::Async/>
                <Route path=path!("/booking") view=LookupPage/>
                <Route path=path!("/b/:token") view=BookingPage ssr=SsrMode::Async/>
                <Route path=path!("/b/:token/reschedule") view=ReschedulePage ssr=SsrMode::Async/>
                <Route path=path!("/station/bookings") view=StationBookingsPage ssr=SsrMode::Async/>
                <Route path=path!("/station/bookings/:id") view=StationBookingPage ssr=SsrMode::Async/>
                <Route path=path!("/station/slots") view=StationSlotsPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("/field") view=FieldShell>
                    <Route path=path!("") view=FieldHome/>
                    <Route path=path!("cases/:id") view=FieldCase/>
                    <Route path=path!("cases/:id/mediation") view=FieldMediation/>
                    <Route path=path!("points") view=FieldPoints/>
                    <Route path=path!("visits/new") view=FieldVisit/>
                    <Route path=path!("*rest") view=FieldHome/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}

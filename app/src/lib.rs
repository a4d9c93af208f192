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
pub mod sort;

pub use yinling_protocol as protocol;

use components::connection::provide_connection;
use leptos::prelude::*;
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    lazy_route, path, Lazy, LazyRoute, SsrMode,
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

/// A page whose code is split out of the main WebAssembly (`cargo leptos
/// build --split`) and fetched the first time it is drawn in the browser. On
/// the server it renders as usual. Only the field app (/field/*) stays in the
/// main module: it is what an envoy's phone loads first. The service worker
/// caches every chunk with the shell anyway.
///
/// A split page hydrates only once its chunk has arrived, so nothing may
/// change the page before hydration is over (see `hydrate` below): a text
/// changed earlier keeps the server's words, since hydration adopts text
/// nodes as they are. The field app's own pages (case, visit) stay in the
/// main module for now: split, their deep links hit exactly that (the
/// connection word stuck at "正在检查网络…") before `hydrate` started the
/// connection monitor late; splitting them again needs the offline browser
/// tests rerun.
macro_rules! lazy_page {
    ($route:ident => $page:ident) => {
        #[derive(Debug)]
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    };
}

lazy_page!(LandingRoute => Landing);
lazy_page!(LoginRoute => LoginPage);
lazy_page!(StationRoute => StationPage);
lazy_page!(SyncQueueRoute => SyncQueuePage);
lazy_page!(CountyRoute => CountyPage);
lazy_page!(StationsPublicRoute => StationsPublic);
lazy_page!(BookRoute => BookPage);
lazy_page!(LookupRoute => LookupPage);
lazy_page!(BookingRoute => BookingPage);
lazy_page!(RescheduleRoute => ReschedulePage);
lazy_page!(StationBookingsRoute => StationBookingsPage);
lazy_page!(StationBookingRoute => StationBookingPage);
lazy_page!(StationSlotsRoute => StationSlotsPage);

#[component]
pub fn App() -> impl IntoView {
    let prefs = Prefs::from_cookies();
    provide_context(prefs);
    provide_connection();
    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view={Lazy::<LandingRoute>::new()}/>
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()}/>
                <Route path=path!("/station") view={Lazy::<StationRoute>::new()}/>
                <Route path=path!("/station/sync") view={Lazy::<SyncQueueRoute>::new()}/>
                <Route path=path!("/county") view={Lazy::<CountyRoute>::new()}/>
                // Residents' bookings: rendered whole on the server (Async), so
                // they read and post without JavaScript.
                <Route path=path!("/stations") view={Lazy::<StationsPublicRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/stations/:id/book") view={Lazy::<BookRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/booking") view={Lazy::<LookupRoute>::new()}/>
                <Route path=path!("/b/:token") view={Lazy::<BookingRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/b/:token/reschedule") view={Lazy::<RescheduleRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/station/bookings") view={Lazy::<StationBookingsRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/station/bookings/:id") view={Lazy::<StationBookingRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/station/slots") view={Lazy::<StationSlotsRoute>::new()} ssr=SsrMode::Async/>
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

/// The browser's entry point, exported by `app/web` (yinling-web) with
/// `#[wasm_bindgen]`. Not exported from here: every wasm linking this crate
/// (the phone store's browser tests too) would then carry the whole app and
/// its imports of the split pages, which only `cargo leptos build --split`
/// resolves.
#[cfg(feature = "hydrate")]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // As `leptos::mount::hydrate_lazy` (a page split out of the main module is
    // fetched before it hydrates; `hydrate_body` cannot wait for it), then
    // start what must not change the page before hydration is over.
    wasm_bindgen_futures::spawn_local(async {
        leptos::mount::hydrate_from_async(leptos::tachys::dom::body(), App).await.forget();
        components::connection::start_monitor();
    });
}

//! yinling's user interface: server-rendered pages that hydrate in the
//! browser, and the offline field app for envoys.

#![recursion_limit = "256"]

#[cfg(feature = "ssr")]
pub mod backend;
pub mod booking;
pub mod components;
pub mod error;
pub mod field;
pub mod field_app;
pub mod i18n;
pub mod model;
pub mod pages;
pub mod prefs;
pub mod sort;

pub use yinling_protocol as protocol;

use components::connection::provide_connection;
use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path, Lazy, LazyRoute, SsrMode,
};
use pages::{
    book::BookPage,
    booking::{BookingPage, LookupPage, ReschedulePage},
    county::CountyPage,
    landing::Landing,
    login::LoginPage,
    not_found::NotFound,
    station::StationPage,
    station_bookings::{StationBookingPage, StationBookingsPage},
    station_mediations::{StationAgreementPage, StationMediationsPage},
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
    // Residents' pages hydrate on first interaction (see `booking::lazy`);
    // the field app's pages load the field app's own bundle.
    let lazy = booking::lazy::lazy_hydration();
    let field = field_app::is_field_request();
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
                {if field {
                    view! { <field_app::FieldScripts/> }.into_any()
                } else if lazy {
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
/// the server it renders as usual (and asks the page to preload its chunk).
/// (The field app is a bundle of its own, with its own split pages: see
/// `field_app`.) The service worker caches every chunk with the shell.
///
/// The split point is `wasm_split` with `fallible` (what `#[lazy_route]`
/// does, but a chunk that cannot be fetched — the network gone on a phone's
/// first visit, before the service worker had cached it — shows
/// [`pages::not_loaded::PageNotLoaded`] instead of panicking and stopping the whole app).
///
/// A split page hydrates only once its chunk has arrived, so nothing may
/// change the page before hydration is over (see `hydrate` below): a text
/// changed earlier keeps the server's words, since hydration adopts text
/// nodes as they are (the connection monitor, for one, starts only after
/// hydration).
macro_rules! lazy_page {
    ($route:ident => $page:ident, $chunk:ident) => {
        #[derive(Debug)]
        struct $route;

        #[cfg(all(feature = "split", feature = "hydrate"))]
        #[allow(non_snake_case)]
        mod $chunk {
            use super::*;

            #[leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload))]
            pub fn page() -> Result<AnyView, leptos::wasm_split::SplitLoaderError> {
                Ok(view! { <$page/> }.into_any())
            }
        }

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                #[cfg(all(feature = "split", feature = "hydrate"))]
                {
                    $chunk::page()
                        .await
                        .unwrap_or_else(|_| view! { <pages::not_loaded::PageNotLoaded home="/"/> }.into_any())
                }
                #[cfg(not(all(feature = "split", feature = "hydrate")))]
                {
                    #[cfg(feature = "ssr")]
                    leptos::prefetch_lazy_fn_on_server(stringify!($chunk));
                    view! { <$page/> }.into_any()
                }
            }

            async fn preload() {
                #[cfg(all(feature = "split", feature = "hydrate"))]
                let _ = $chunk::preload().await;
            }
        }
    };
}

lazy_page!(LandingRoute => Landing, page_landing);
lazy_page!(LoginRoute => LoginPage, page_login);
lazy_page!(StationRoute => StationPage, page_station);
lazy_page!(SyncQueueRoute => SyncQueuePage, page_sync_queue);
lazy_page!(CountyRoute => CountyPage, page_county);
lazy_page!(StationsPublicRoute => StationsPublic, page_stations_public);
lazy_page!(BookRoute => BookPage, page_book);
lazy_page!(LookupRoute => LookupPage, page_lookup);
lazy_page!(BookingRoute => BookingPage, page_booking);
lazy_page!(RescheduleRoute => ReschedulePage, page_reschedule);
lazy_page!(StationBookingsRoute => StationBookingsPage, page_station_bookings);
lazy_page!(StationBookingRoute => StationBookingPage, page_station_booking);
lazy_page!(StationSlotsRoute => StationSlotsPage, page_station_slots);
lazy_page!(StationMediationsRoute => StationMediationsPage, page_station_mediations);
lazy_page!(StationAgreementRoute => StationAgreementPage, page_station_agreement);
/// The site's routes, with `$field` routes added by the server (see `App`).
macro_rules! app_routes {
    ($($field:tt)*) => {
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
                    <Route path=path!("/station/mediations") view={Lazy::<StationMediationsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/station/mediations/:id") view={Lazy::<StationAgreementRoute>::new()} ssr=SsrMode::Async/>
                    $($field)*
                </Routes>
            </Router>
        }
    };
}

#[component]
pub fn App() -> impl IntoView {
    let prefs = Prefs::from_cookies();
    provide_context(prefs);
    provide_connection();
    // The field app (/field/*) is a bundle of its own, drawn in the browser
    // (`field_app`): the server renders its shell for every field URL, and
    // the site's bundle carries no field routes.
    #[cfg(feature = "ssr")]
    let routes = app_routes! {
        <Route path=path!("/field") view=pages::field::FieldShell/>
        <Route path=path!("/field/*rest") view=pages::field::FieldShell/>
    };
    #[cfg(not(feature = "ssr"))]
    let routes = app_routes! {};
    routes
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

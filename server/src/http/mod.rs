//! HTTP: the router and its layers. One file per resource; handlers are thin
//! and call `service` or `storage` after the policy has spoken.

pub mod backend;
pub mod booking_port;
pub mod bookings;
pub mod encoding;
pub mod headers;
pub mod login;
pub mod members;
pub mod pages;
pub mod pwa;
pub mod slots;
pub mod stations;
pub mod sync;

use crate::AppState;
use axum::{
    middleware,
    routing::{get, post},
    Router,
};
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::sync::{Arc, OnceLock};
use tower_http::{limit::RequestBodyLimitLayer, trace::TraceLayer};
use yinling_app::{backend::SharedBackend, booking::port::SharedBookingPort, shell, App};

/// Largest request body we accept (a sync batch with photos is the biggest).
pub const MAX_BODY_BYTES: usize = 16 << 20;

/// The app's routes, listed once per process. Listing them runs the app with
/// resource loading suppressed by a process-wide flag (leptos_server's
/// `SuppressResourceLoad`): a page being rendered by another server in the
/// same process at that moment — several servers run side by side in the
/// tests — would have its data resource wait for ever (leptos issue #4773).
/// Listed once, before any server exists, that window never opens.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let backend: SharedBackend = Arc::new(backend::ServerBackend(state.clone()));
    let booking_port: SharedBookingPort = Arc::new(booking_port::ServerBookingPort(state.clone()));
    let api = Router::new()
        .route("/api/v1/login", post(login::login))
        .route("/api/v1/logout", post(login::logout))
        .route("/api/v1/me", get(login::me))
        .route("/api/v1/county", get(stations::county))
        .route("/api/v1/stations/{id}", get(stations::station))
        .route("/api/v1/stations/{id}/address-book", get(stations::address_book))
        .route("/api/v1/stations/{id}/audit", get(stations::audit))
        .route("/api/v1/users/{id}/deactivate", post(members::deactivate))
        .route("/api/v1/users/{id}/reactivate", post(members::reactivate))
        // Residents' bookings (预约调处): public, then staff, then slots.
        .route("/api/v1/public/stations", get(bookings::public_stations))
        .route("/api/v1/public/stations/{id}/slots", get(bookings::public_slots))
        .route("/api/v1/bookings", post(bookings::create))
        .route("/api/v1/bookings/lookup", post(bookings::lookup))
        .route("/api/v1/booking/cancel", post(bookings::cancel))
        .route("/api/v1/booking/reschedule", post(bookings::reschedule))
        .route("/api/v1/booking/rate", post(bookings::rate))
        .route("/api/v1/stations/{id}/bookings", get(bookings::station_list))
        .route("/api/v1/bookings/{id}", get(bookings::detail))
        .route("/api/v1/bookings/{id}/phone", post(bookings::phone))
        .route("/api/v1/bookings/{id}/confirm", post(bookings::confirm))
        .route("/api/v1/bookings/{id}/decline", post(bookings::decline))
        .route("/api/v1/bookings/{id}/reschedule", post(bookings::staff_reschedule))
        .route("/api/v1/bookings/{id}/accept", post(bookings::accept))
        .route("/api/v1/bookings/{id}/resolve", post(bookings::resolve))
        .route("/api/v1/stations/{id}/slots", get(slots::list))
        .route("/api/v1/stations/{id}/slot-templates", post(slots::add_template))
        .route("/api/v1/stations/{id}/slot-templates/{template}/delete", post(slots::delete_template))
        .route("/api/v1/stations/{id}/slot-exceptions", post(slots::add_exception))
        .route("/api/v1/stations/{id}/slot-exceptions/{exception}/delete", post(slots::delete_exception))
        .route("/api/v1/stations/{id}/sync", get(sync::queue))
        .route("/api/v1/photos/{id}", get(sync::photo).put(sync::upload_photo))
        .route("/api/v1/stations/{id}/conflicts/{conflict}/resolve", post(sync::resolve))
        .route("/api/v1/stations/{id}/rejections/{op}/dismiss", post(sync::dismiss))
        .route("/api/v1/stations/{id}/rejections/{op}/fix", post(sync::fix))
        .route("/healthz", get(pwa::healthz))
        .route("/sw.js", get(pwa::service_worker))
        .route("/prefs", get(pwa::prefs));

    // Sync replies choose their own encoding (see `encoding`).
    let api = api.route("/api/v1/sync/push", post(sync::push)).route("/api/v1/sync/pull", post(sync::pull));

    let leptos_state = state.clone();
    let server_fn_backend = (backend.clone(), booking_port.clone());
    let pages = Router::new()
        .route(
            "/api/{*fn_name}",
            get(move |req| server_fn(req, server_fn_backend.clone())).post({
                let b = (backend.clone(), booking_port.clone());
                move |req| server_fn(req, b.clone())
            }),
        )
        .leptos_routes_with_context(
            &leptos_state,
            routes,
            {
                let backend = backend.clone();
                let port = booking_port.clone();
                move || {
                    leptos::prelude::provide_context(backend.clone());
                    leptos::prelude::provide_context(port.clone());
                }
            },
            {
                let options = state.leptos.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell));

    api.merge(pages)
        .layer(middleware::from_fn_with_state(state.clone(), pages::guard))
        .layer(middleware::from_fn_with_state(state.clone(), crate::auth::csrf::layer))
        .layer(middleware::from_fn_with_state(state.clone(), headers::security_headers))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(encoding::compression())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn server_fn(
    req: axum::extract::Request,
    (backend, port): (SharedBackend, SharedBookingPort),
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let context = move || {
        leptos::prelude::provide_context(backend.clone());
        leptos::prelude::provide_context(port.clone());
    };
    leptos_axum::handle_server_fns_with_context(context, req).await.into_response()
}

/// True when the client is a browser navigating (a form post), not a script.
pub fn wants_html(headers: &axum::http::HeaderMap) -> bool {
    headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

/// The path of the page a form was posted from, to send the browser back to.
/// Only the path is kept, so a forged Referer cannot redirect off-site.
pub fn referer_path(headers: &axum::http::HeaderMap, default: &str) -> String {
    headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_string()))
        .filter(|p| !p.starts_with("//"))
        .unwrap_or_else(|| default.to_string())
}

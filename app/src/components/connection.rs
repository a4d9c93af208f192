//! The online/offline word at the top of every page. `navigator.onLine` alone
//! is not enough (a phone in a basement can have a network but no server), so
//! we also ask the server's health endpoint, on start, on every network change
//! and every 20 seconds.

use crate::{i18n::K, prefs::tr};
use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conn {
    Checking,
    Online,
    Offline,
}

/// Shared connection state, so other parts (sync) can read it.
#[derive(Clone, Copy)]
pub struct Connection(pub RwSignal<Conn>);

pub fn provide_connection() -> Connection {
    let c = Connection(RwSignal::new(Conn::Checking));
    provide_context(c);
    #[cfg(feature = "browser")]
    PENDING.with(|p| p.set(Some(c.0)));
    c
}

#[cfg(feature = "browser")]
thread_local! {
    static PENDING: std::cell::Cell<Option<RwSignal<Conn>>> = const { std::cell::Cell::new(None) };
}

/// Start watching the connection; called once the page has hydrated (the
/// field app: once it is drawn). Not
/// earlier: a page split out of the main wasm hydrates only after its chunk
/// has arrived, and a state change before that would leave the server's text
/// ("正在检查网络…") in place, since hydration adopts text nodes as they are.
#[cfg(feature = "browser")]
pub fn start_monitor() {
    if let Some(state) = PENDING.with(|p| p.take()) {
        monitor(state);
    }
}

#[component]
pub fn ConnectionBadge() -> impl IntoView {
    let conn = expect_context::<Connection>().0;
    let (online, offline, checking) = (tr(K::Online), tr(K::Offline), tr(K::Checking));
    view! {
        <p
            class="conn"
            class:conn-online=move || conn.get() == Conn::Online
            class:conn-offline=move || conn.get() == Conn::Offline
            role="status"
            data-conn=move || match conn.get() {
                Conn::Checking => "checking",
                Conn::Online => "online",
                Conn::Offline => "offline",
            }
        >
            {move || match conn.get() {
                Conn::Checking => checking(),
                Conn::Online => online(),
                Conn::Offline => offline(),
            }}
        </p>
    }
}

#[cfg(feature = "browser")]
fn monitor(state: RwSignal<Conn>) {
    use wasm_bindgen::{closure::Closure, JsCast};
    let check = move || {
        leptos::task::spawn_local(async move {
            state.set(if probe().await { Conn::Online } else { Conn::Offline });
        })
    };
    check();
    let on_change = Closure::<dyn Fn()>::new(check);
    if let Some(w) = web_sys::window() {
        let f = on_change.as_ref().unchecked_ref();
        let _ = w.add_event_listener_with_callback("online", f);
        let _ = w.add_event_listener_with_callback("offline", f);
        let _ = w.set_interval_with_callback_and_timeout_and_arguments_0(f, 20_000);
    }
    // The listeners live as long as the page.
    on_change.forget();
}

/// True when the server answered its health check within 4 seconds.
#[cfg(feature = "browser")]
pub async fn probe() -> bool {
    if !web_sys::window().map(|w| w.navigator().on_line()).unwrap_or(false) {
        return false;
    }
    let signal = web_sys::AbortSignal::timeout_with_u32(4_000);
    let req =
        gloo_net::http::Request::get("/healthz").cache(web_sys::RequestCache::NoStore).abort_signal(Some(&signal));
    matches!(req.send().await, Ok(r) if r.ok())
}

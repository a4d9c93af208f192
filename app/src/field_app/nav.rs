//! The field app's navigation, in place of leptos_router (its route
//! matching and per-route view code were a sixth of the envoys' first load,
//! 36 of 213 KiB brotli): the current page is a
//! signal set from the address bar; taps on links to /field/* and the back
//! button change it without loading a page, as a router would. Links
//! anywhere else are left to the browser.

#[cfg(feature = "csr")]
use super::route::is_field_path;
use super::route::FieldRoute;
use leptos::prelude::*;

#[derive(Clone, Copy)]
struct FieldNav(RwSignal<FieldRoute>);

/// Start navigation for this field shell: the page the address bar names,
/// then (in the field app's bundle) link taps and the back button.
pub fn provide_nav() {
    let route = RwSignal::new(FieldRoute::parse(&current_path()));
    provide_context(FieldNav(route));
    #[cfg(feature = "csr")]
    listen(route);
}

/// The page being shown; `Home` outside a field shell.
pub fn use_route() -> Memo<FieldRoute> {
    let nav = use_context::<FieldNav>();
    Memo::new(move |_| nav.map(|n| n.0.get()).unwrap_or(FieldRoute::Home))
}

/// A function that goes to a field page as a tapped link would (a new
/// history entry). Taken while the page is drawn, so it can be called
/// later, when a save has finished.
pub fn use_navigate() -> impl Fn(&str) + Clone {
    let nav = use_context::<FieldNav>();
    move |path: &str| {
        if let Some(nav) = nav {
            go(nav.0, path);
        }
    }
}

/// Put `path` in the address bar, at the top of the page, and show it. The
/// page being left keeps how far it was scrolled in its history entry, so
/// the back button returns to the same place in a long list.
fn go(route: RwSignal<FieldRoute>, path: &str) {
    #[cfg(feature = "browser")]
    if let Some(w) = web_sys::window() {
        if let Ok(history) = w.history() {
            let y = w.scroll_y().unwrap_or(0.0);
            let _ = history.replace_state(&wasm_bindgen::JsValue::from_f64(y), "");
            let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path));
        }
        w.scroll_to_with_x_and_y(0.0, 0.0);
    }
    route.set(FieldRoute::parse(path.split(['?', '#']).next().unwrap_or(path)));
    #[cfg(feature = "csr")]
    focus_heading_when_drawn(HEADING_WAIT_FRAMES);
}

/// How long to wait for a new page's heading: a split page's chunk may be
/// on its way (about 10 s at 60 frames a second).
#[cfg(feature = "csr")]
const HEADING_WAIT_FRAMES: u32 = 600;

/// Once the new page is drawn, move the focus to its heading, so a screen
/// reader says where the envoy now is, as it would after a page load. Not if
/// something else has been focused meanwhile (a tap on a field), and without
/// scrolling (where the page shows is `go`'s and the back button's).
#[cfg(feature = "csr")]
fn focus_heading_when_drawn(frames_left: u32) {
    use wasm_bindgen::JsCast;
    request_animation_frame(move || {
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
        let free = doc.active_element().is_none_or(|el| el.tag_name() == "BODY" || !el.is_connected());
        if !free {
            return;
        }
        match doc.query_selector("#field-app h1").ok().flatten() {
            Some(heading) => {
                let _ = heading.set_attribute("tabindex", "-1");
                if let Ok(heading) = heading.dyn_into::<web_sys::HtmlElement>() {
                    let options = web_sys::FocusOptions::new();
                    options.set_prevent_scroll(true);
                    let _ = heading.focus_with_options(&options);
                }
            }
            None if frames_left > 0 => focus_heading_when_drawn(frames_left - 1),
            None => {}
        }
    });
}

fn current_path() -> String {
    #[cfg(feature = "browser")]
    {
        web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_else(|| "/field".into())
    }
    #[cfg(not(feature = "browser"))]
    {
        "/field".into()
    }
}

/// Follow the back and forward buttons, and take over plain taps on links to
/// field pages (not ones opening elsewhere, downloading, or with a modifier
/// key held, which the browser handles as usual).
#[cfg(feature = "csr")]
fn listen(route: RwSignal<FieldRoute>) {
    use wasm_bindgen::{closure::Closure, JsCast};
    let Some(w) = web_sys::window() else { return };
    // Scrolling back is ours: the browser would restore it before the page
    // it belongs to is drawn again.
    if let Ok(history) = w.history() {
        let _ = history.set_scroll_restoration(web_sys::ScrollRestoration::Manual);
    }
    let on_pop = Closure::<dyn Fn(web_sys::Event)>::new(move |_| {
        route.set(FieldRoute::parse(&current_path()));
        let y = web_sys::window().and_then(|w| w.history().ok()).and_then(|h| h.state().ok()).and_then(|s| s.as_f64());
        // Once the page is drawn (the next frame), where it was left.
        request_animation_frame(move || {
            if let Some(w) = web_sys::window() {
                w.scroll_to_with_x_and_y(0.0, y.unwrap_or(0.0));
            }
        });
        focus_heading_when_drawn(HEADING_WAIT_FRAMES);
    });
    let _ = w.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
    on_pop.forget();

    let on_click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
        if ev.default_prevented()
            || ev.button() != 0
            || ev.meta_key()
            || ev.ctrl_key()
            || ev.shift_key()
            || ev.alt_key()
        {
            return;
        }
        let Some(a) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("a[href]").ok().flatten())
        else {
            return;
        };
        let opens_elsewhere = a.get_attribute("target").is_some_and(|t| !t.is_empty() && t != "_self");
        let external = a.get_attribute("rel").is_some_and(|r| r.split_whitespace().any(|r| r == "external"));
        if opens_elsewhere || external || a.has_attribute("download") {
            return;
        }
        let (Some(href), Some(w)) = (a.get_attribute("href"), web_sys::window()) else { return };
        let Ok(here) = w.location().href() else { return };
        let Ok(url) = web_sys::Url::new_with_base(&href, &here) else { return };
        if url.origin() != w.location().origin().unwrap_or_default() || !is_field_path(&url.pathname()) {
            return;
        }
        ev.prevent_default();
        go(route, &format!("{}{}", url.pathname(), url.search()));
    });
    let _ = w.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    on_click.forget();
}

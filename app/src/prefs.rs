//! Per-browser preferences kept in cookies (language, 长辈模式) and the CSRF
//! token, readable the same way during server rendering and in the browser so
//! the hydrated page matches what the server drew.

use crate::i18n::{t, Lang, K};
use leptos::prelude::*;

pub const LANG_COOKIE: &str = "yl_lang";
pub const ELDER_COOKIE: &str = "yl_elder";

/// The CSRF token of this browser (set by the server's CSRF middleware).
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

#[derive(Clone, Copy)]
pub struct Prefs {
    pub lang: RwSignal<Lang>,
    pub elder: RwSignal<bool>,
}

impl Prefs {
    pub fn from_cookies() -> Self {
        Prefs {
            lang: RwSignal::new(Lang::from_cookie(read_cookie(LANG_COOKIE).as_deref())),
            elder: RwSignal::new(read_cookie(ELDER_COOKIE).as_deref() == Some("1")),
        }
    }

    /// A reactive translation of `key` in the current language.
    pub fn tr(self, key: K) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        let lang = self.lang;
        move || t(lang.get(), key)
    }
}

pub fn use_prefs() -> Prefs {
    expect_context::<Prefs>()
}

/// Shorthand for `use_prefs().tr(key)`.
pub fn tr(key: K) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    use_prefs().tr(key)
}

fn parse_cookie(header: &str, name: &str) -> Option<String> {
    header.split(';').filter_map(|kv| kv.trim().split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
}

/// Read a cookie: from the request while rendering on the server, from
/// `document.cookie` in the browser.
pub fn read_cookie(name: &str) -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        let parts = use_context::<http::request::Parts>()?;
        parts
            .headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|h| parse_cookie(h, name))
    }
    #[cfg(all(feature = "browser", not(feature = "ssr")))]
    {
        use wasm_bindgen::JsCast;
        let doc = web_sys::window()?.document()?.dyn_into::<web_sys::HtmlDocument>().ok()?;
        parse_cookie(&doc.cookie().ok()?, name)
    }
    #[cfg(not(any(feature = "ssr", feature = "browser")))]
    {
        let _ = (name, parse_cookie as fn(&str, &str) -> Option<String>);
        None
    }
}

/// Remember a preference for a year (browser only; a no-op on the server).
pub fn write_cookie(name: &str, value: &str) {
    #[cfg(feature = "browser")]
    {
        use wasm_bindgen::JsCast;
        if let Some(doc) =
            web_sys::window().and_then(|w| w.document()).and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        {
            let _ = doc.set_cookie(&format!("{name}={value}; Path=/; Max-Age=31536000; SameSite=Strict"));
        }
    }
    #[cfg(not(feature = "browser"))]
    let _ = (name, value);
}

/// This browser's CSRF token, for forms and script requests.
pub fn csrf_token() -> String {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<CsrfToken>().map(|t| t.0.clone()))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        read_cookie("__Host-yl_csrf").or_else(|| read_cookie("yl_csrf")).unwrap_or_default()
    }
}

/// Hidden field that carries the CSRF token in a plain HTML form.
#[component]
pub fn CsrfField() -> impl IntoView {
    view! { <input type="hidden" name="csrf_token" value=csrf_token()/> }
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_cookie_header() {
        assert_eq!(super::parse_cookie("a=1; yl_lang=en", "yl_lang").as_deref(), Some("en"));
        assert_eq!(super::parse_cookie("a=1", "yl_lang"), None);
    }
}

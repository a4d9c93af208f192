//! The one line that says what just happened after a tap ("走访已保存在本机",
//! or why not), read out by screen readers as it changes.

use leptos::prelude::*;

/// What a form says after its last action: `(true, text)` for done, `(false,
/// text)` for an error in the envoy's words; `None` before anything happened.
pub type Said = RwSignal<Option<(bool, String)>>;

/// A fresh, empty [`Said`].
pub fn said() -> Said {
    RwSignal::new(None)
}

/// Shows `message` in green (done) or red (not done); nothing while empty.
/// `id` lets tests and the page's own links find it.
#[component]
pub fn StatusLine(message: Said, #[prop(optional)] id: Option<&'static str>) -> impl IntoView {
    move || {
        message.get().map(|(ok, m)| {
            view! {
                <p class=if ok { "ok" } else { "error" } role="status" id=id>{m}</p>
            }
        })
    }
}

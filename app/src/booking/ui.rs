//! Pieces the booking pages share: the error line, the day and slot pickers,
//! the timeline.

use super::{
    model::{fmt_at, fmt_day, fmt_hm, BookingError, BookingEventView, SlotPicker, SlotView},
    text::{bt, B},
};
use crate::prefs::use_prefs;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The message of `?error=<code>` (set by the server when a plain form post
/// failed), as an alert.
#[component]
pub fn QueryError() -> impl IntoView {
    let query = use_query_map();
    let lang = use_prefs().lang;
    let err = move || query.with(|q| q.get("error").and_then(|c| BookingError::parse(&c)));
    move || {
        err().map(|e| {
            view! { <p class="error" role="alert" id="form-error">{move || e.message(lang.get())}</p> }
        })
    }
}

/// The open days as big links (`?day=`); the chosen one is marked.
#[component]
pub fn DayList(picker: SlotPicker, #[prop(into)] base: String) -> impl IntoView {
    let lang = use_prefs().lang;
    let chosen = picker.day.as_ref().map(|d| d.day.clone());
    if picker.days.is_empty() {
        return view! { <p class="muted" id="no-days">{bt(B::NoDays)}</p> }.into_any();
    }
    let items = picker
        .days
        .into_iter()
        .map(|d| {
            let current = chosen.as_deref() == Some(d.day.as_str());
            let href = format!("{base}?day={}", d.day);
            let label = fmt_day(&d.day, d.weekday, lang.get_untracked());
            let free = d.free;
            view! {
                <li>
                    <a
                        class="day"
                        class:day-chosen=current
                        class:day-full=free == 0
                        href=href
                        aria-current=current.then_some("date")
                        data-day=d.day.clone()
                    >
                        <span class="day-date">{label}</span>
                        <span class="day-free">
                            {move || if free == 0 {
                                bt(B::Full)().to_string()
                            } else {
                                format!("{} {free}", bt(B::Left)())
                            }}
                        </span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="day-list" id="day-list">{items}</ul> }.into_any()
}

/// The chosen day's slots as big radio buttons; full ones are disabled.
#[component]
pub fn SlotRadios(slots: Vec<SlotView>) -> impl IntoView {
    slots
        .into_iter()
        .map(|s| {
            let full = s.free() == 0;
            let id = format!("slot-{}", s.value().replace(':', ""));
            let free = s.free();
            view! {
                <label class="choice slot" class:slot-full=full>
                    <input type="radio" id=id name="start" value=s.value() required disabled=full/>
                    <span class="choice-main">{s.range()}</span>
                    <span class="choice-aside">
                        {move || if full { bt(B::Full)().to_string() } else { format!("{} {free}", bt(B::Left)()) }}
                    </span>
                </label>
            }
        })
        .collect_view()
}

/// The booking's public timeline, oldest first.
#[component]
pub fn Timeline(events: Vec<BookingEventView>) -> impl IntoView {
    let lang = use_prefs().lang;
    let items = events
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let what = move || {
                if i == 0 {
                    bt(B::EvSubmitted)().to_string()
                } else {
                    e.status.label(lang.get()).to_string()
                }
            };
            let when = format!(
                "{} {}–{}",
                fmt_day(&e.day, e.weekday, lang.get_untracked()),
                fmt_hm(e.start_min),
                fmt_hm(e.end_min)
            );
            let by_resident = e.by_resident && i > 0;
            let note = (!e.note.is_empty()).then(|| e.note.clone());
            view! {
                <li>
                    <span class="mono">{fmt_at(e.at_ms)}</span>" "
                    <strong>{what}</strong>
                    {by_resident.then(|| bt(B::EvByResident))}
                    <br/>
                    <span class="muted">{bt(B::When)}"："{when}</span>
                    {note.map(|n| view! { <br/><span>{bt(B::Reason)}"："{n}</span> })}
                </li>
            }
        })
        .collect_view();
    view! { <ol class="timeline" id="timeline">{items}</ol> }
}

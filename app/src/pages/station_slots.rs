//! The station desk's bookable slots: a weekly template (e.g. Tue/Thu
//! 9:00–11:30 in 30-minute slots, N at a time) and exceptions (closed days,
//! extra hours). Pick-lists rather than typing.

use crate::{
    booking::{
        model::{fmt_day, fmt_hm, weekday_label, SlotAdmin},
        text::{bt, B},
        ui::QueryError,
    },
    components::{frame::Frame, loaded::Loaded},
    error::AppError,
    pages::station_bookings::DeskNav,
    prefs::{use_prefs, CsrfField},
};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

#[server(input = GetUrl, prefix = "/api", endpoint = "station_slots")]
pub async fn get_station_slots() -> Result<SlotAdmin, AppError> {
    let (port, parts) = crate::booking::port::port_and_parts()?;
    port.station_slots(&parts, None).await
}

#[component]
pub fn StationSlotsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_station_slots());
    view! {
        <Frame signed_in=true>
            <DeskNav/>
            <h1>{bt(B::DeskSlots)}</h1>
            <QueryError/>
            <Loaded data ok=|a| view! { <SlotForms a/> }/>
        </Frame>
    }
}

fn time_options(from: u32, to: u32, selected: u32) -> impl IntoView {
    (from..=to)
        .step_by(30)
        .map(|m| view! { <option value=fmt_hm(m) selected=m == selected>{fmt_hm(m)}</option> })
        .collect_view()
}

fn number_options(values: &[u32], selected: u32) -> impl IntoView {
    values
        .iter()
        .map(|v| view! { <option value=v.to_string() selected=*v == selected>{v.to_string()}</option> })
        .collect_view()
}

/// Start, end, slot length and capacity pick-lists.
fn span_fields(prefix: &'static str) -> impl IntoView {
    let id = move |f: &str| format!("{prefix}-{f}");
    view! {
        <div class="row4">
            <div>
                <label for=id("start")>{bt(B::From)}</label>
                <select id=id("start") name="start">{time_options(7 * 60, 21 * 60, 9 * 60)}</select>
            </div>
            <div>
                <label for=id("end")>{bt(B::To)}</label>
                <select id=id("end") name="end">{time_options(7 * 60 + 30, 22 * 60, 11 * 60 + 30)}</select>
            </div>
            <div>
                <label for=id("len")>{bt(B::SlotLength)}</label>
                <select id=id("len") name="slot_minutes">{number_options(&[15, 20, 30, 45, 60, 90, 120], 30)}</select>
            </div>
            <div>
                <label for=id("cap")>{bt(B::Capacity)}</label>
                <select id=id("cap") name="capacity">{number_options(&[1, 2, 3, 4, 5, 6, 8, 10], 1)}</select>
            </div>
        </div>
    }
}

#[component]
fn SlotForms(a: SlotAdmin) -> impl IntoView {
    let lang = use_prefs().lang;
    let l = lang.get_untracked();
    let sid = a.station.id.clone();
    let templates = a
        .templates
        .iter()
        .map(|t| {
            view! {
                <tr>
                    <td>{weekday_label(t.weekday, l)}</td>
                    <td>{fmt_hm(t.start_min)}"–"{fmt_hm(t.end_min)}</td>
                    <td>{t.slot_minutes}" "{bt(B::Minutes)}</td>
                    <td>{t.capacity}</td>
                    <td>
                        <form method="post" action=format!("/api/v1/stations/{sid}/slot-templates/{}/delete", t.id) class="inline">
                            <CsrfField/>
                            <button type="submit" class="btn btn-small">{bt(B::Delete)}</button>
                        </form>
                    </td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    let exceptions = a
        .exceptions
        .iter()
        .map(|e| {
            let what = if e.closed {
                bt(B::ClosedDay)().to_string()
            } else {
                format!("{} {}–{} · {} {}", bt(B::ExtraHours)(), fmt_hm(e.start_min), fmt_hm(e.end_min), e.slot_minutes, bt(B::Minutes)())
            };
            view! {
                <tr>
                    <td>{fmt_day(&e.day, e.weekday, l)}</td>
                    <td>{what}</td>
                    <td>{e.note.clone()}</td>
                    <td>
                        <form method="post" action=format!("/api/v1/stations/{sid}/slot-exceptions/{}/delete", e.id) class="inline">
                            <CsrfField/>
                            <button type="submit" class="btn btn-small">{bt(B::Delete)}</button>
                        </form>
                    </td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    let weekdays = (1..=7u32)
        .map(|d| view! { <option value=d.to_string()>{move || weekday_label(d, lang.get())}</option> })
        .collect_view();
    let no_templates = templates.is_empty();
    let no_exceptions = exceptions.is_empty();
    view! {
        <p class="lead">{a.station.name.clone()}</p>
        <h2>{bt(B::Weekly)}</h2>
        {if no_templates {
            view! { <p class="error" role="status">{bt(B::NoTemplates)}</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap"><table class="table" id="templates">
                    <thead><tr><th>{bt(B::Weekday)}</th><th>{bt(B::When)}</th><th>{bt(B::SlotLength)}</th><th>{bt(B::Capacity)}</th><th></th></tr></thead>
                    <tbody>{templates}</tbody>
                </table></div>
            }.into_any()
        }}
        <form method="post" action=format!("/api/v1/stations/{}/slot-templates", a.station.id) class="form card" id="template-form">
            <CsrfField/>
            <label for="tpl-weekday">{bt(B::Weekday)}</label>
            <select id="tpl-weekday" name="weekday">{weekdays}</select>
            {span_fields("tpl")}
            <button type="submit" class="btn btn-primary btn-block">{bt(B::Add)}</button>
        </form>
        <h2>{bt(B::Exceptions)}</h2>
        {if no_exceptions {
            view! { <p class="muted">{bt(B::NoExceptions)}</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap"><table class="table" id="exceptions">
                    <thead><tr><th>{bt(B::Date)}</th><th></th><th>{bt(B::Note)}</th><th></th></tr></thead>
                    <tbody>{exceptions}</tbody>
                </table></div>
            }.into_any()
        }}
        <form method="post" action=format!("/api/v1/stations/{}/slot-exceptions", a.station.id) class="form card" id="exception-form">
            <CsrfField/>
            <label for="exc-day">{bt(B::Date)}</label>
            <input id="exc-day" name="day" type="date" required/>
            <div class="choices">
                <label class="choice" for="exc-closed">
                    <input type="radio" id="exc-closed" name="kind" value="closed" checked/>
                    <span class="choice-main">{bt(B::ClosedDay)}</span>
                </label>
                <label class="choice" for="exc-extra">
                    <input type="radio" id="exc-extra" name="kind" value="extra"/>
                    <span class="choice-main">{bt(B::ExtraHours)}</span>
                </label>
            </div>
            {span_fields("exc")}
            <label for="exc-note">{bt(B::Note)}</label>
            <input id="exc-note" name="note" type="text" maxlength="100"/>
            <button type="submit" class="btn btn-primary btn-block">{bt(B::Add)}</button>
        </form>
    }
}

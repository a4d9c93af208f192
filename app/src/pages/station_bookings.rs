//! The station desk's bookings: the list (phones masked), and one booking
//! with what staff can do to it — confirm, reschedule, decline with a reason,
//! turn into a case assigned to envoys, resolve — and its timeline.

use crate::{
    booking::{
        model::{fmt_day, fmt_hm, matter_kind_label, BookingStatus, StaffBookingDetail, StationBookings, MAX_REASON},
        text::{bt, B},
        ui::{DayList, QueryError, SlotRadios, Timeline},
    },
    components::{frame::Frame, loaded::Loaded},
    error::AppError,
    i18n::K,
    prefs::{tr, use_prefs, CsrfField},
};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use server_fn::codec::GetUrl;

#[server(input = GetUrl, prefix = "/api", endpoint = "station_bookings")]
pub async fn get_station_bookings(filter: Option<String>) -> Result<StationBookings, AppError> {
    let (port, parts) = crate::booking::port::port_and_parts()?;
    port.station_bookings(&parts, None, filter).await
}

#[server(input = GetUrl, prefix = "/api", endpoint = "station_booking")]
pub async fn get_station_booking(id: String, day: Option<String>) -> Result<StaffBookingDetail, AppError> {
    let (port, parts) = crate::booking::port::port_and_parts()?;
    port.station_booking(&parts, id, day).await
}

/// Links between the desk's pages.
#[component]
pub fn DeskNav() -> impl IntoView {
    view! {
        <nav class="desk-nav">
            <a class="btn btn-small" href="/station">{tr(K::StationTitle)}</a>
            <a class="btn btn-small" href="/station/sync">{tr(K::SyncQueueTitle)}</a>
            <a class="btn btn-small" href="/station/bookings">{bt(B::DeskBookings)}</a>
            <a class="btn btn-small" href="/station/slots">{bt(B::DeskSlots)}</a>
            <a class="btn btn-small" href="/station/mediations">{tr(K::MediationsTitle)}</a>
        </nav>
    }
}

#[component]
pub fn StationBookingsPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || query.with(|q| q.get("filter")), get_station_bookings);
    let all = move || query.with(|q| q.get("filter").as_deref() == Some("all"));
    view! {
        <Frame signed_in=true>
            <DeskNav/>
            <h1>{bt(B::DeskBookings)}</h1>
            <nav class="tabs">
                <a href="/station/bookings" aria-current=move || (!all()).then_some("page")>{bt(B::FilterOpen)}</a>
                <a href="/station/bookings?filter=all" aria-current=move || all().then_some("page")>{bt(B::FilterAll)}</a>
            </nav>
            <Loaded data ok=|list| view! { <BookingTable list/> }/>
        </Frame>
    }
}

#[component]
fn BookingTable(list: StationBookings) -> impl IntoView {
    let lang = use_prefs().lang;
    let satisfaction = list.satisfaction;
    let rows = list
        .rows
        .into_iter()
        .map(|r| {
            let l = lang.get_untracked();
            view! {
                <tr data-booking=r.id.clone() data-status=r.status.code()>
                    <td>{fmt_day(&r.day, r.weekday, l)}" "{fmt_hm(r.start_min)}</td>
                    <td class="mono">{r.reference.clone()}</td>
                    <td>{r.resident_name.clone()}</td>
                    <td class="mono">{r.phone_masked.clone()}</td>
                    <td>{matter_kind_label(&r.matter_kind, l)}</td>
                    <td>{move || r.status.label(lang.get())}</td>
                    <td><a class="btn btn-small" href=format!("/station/bookings/{}", r.id)>{bt(B::Open)}</a></td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    let empty = rows.is_empty();
    view! {
        <p class="lead">{list.station.name.clone()}</p>
        <p class="satisfaction" id="desk-satisfaction" data-rated=satisfaction.rated().to_string()>
            {move || satisfaction.describe(lang.get())}
        </p>
        {if empty {
            view! { <p class="muted">{bt(B::NoBookings)}</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table" id="bookings">
                        <thead><tr>
                            <th>{bt(B::When)}</th><th>{bt(B::Reference)}</th><th>{bt(B::Resident)}</th>
                            <th>{tr(K::Phone)}</th><th>{bt(B::Kind)}</th><th>{bt(B::Status)}</th><th></th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }.into_any()
        }}
    }
}

#[component]
pub fn StationBookingPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || (params.with(|p| p.get("id").unwrap_or_default()), query.with(|q| q.get("day")));
    let data = Resource::new(key, |(id, day)| get_station_booking(id, day));
    view! {
        <Frame signed_in=true>
            <DeskNav/>
            <QueryError/>
            <Loaded data ok=|d| view! { <BookingDesk d/> }/>
        </Frame>
    }
}

/// The resident's full number, shown on request (the server audits it).
#[component]
fn PhoneReveal(id: String, masked: String) -> impl IntoView {
    let shown = RwSignal::new(None::<String>);
    // True once hydrated (effects run only in the browser): the button then
    // answers in place instead of posting the page away.
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "browser")]
        {
            use wasm_bindgen::JsCast;
            ev.prevent_default();
            if let Some(form) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok()) {
                leptos::task::spawn_local(async move {
                    if let Ok(json) = crate::booking::submit::post_form(&form).await {
                        shown.set(json["phone"].as_str().map(str::to_string));
                    }
                });
            }
        }
        #[cfg(not(feature = "browser"))]
        let _ = ev;
    };
    view! {
        <span class="mono" id="resident-phone">{move || shown.get().unwrap_or_else(|| masked.clone())}</span>
        <Show when=move || shown.get().is_none() fallback=move || view! { <span class="muted">{bt(B::PhoneShownLogged)}</span> }>
            <form method="post" action=format!("/api/v1/bookings/{id}/phone") class="inline" on:submit=on_submit>
                <CsrfField/>
                " "<button type="submit" class="btn btn-small" id="show-phone" data-ready=move || ready.get().to_string()>{bt(B::ShowPhone)}</button>
            </form>
        </Show>
    }
}

#[component]
fn BookingDesk(d: StaffBookingDetail) -> impl IntoView {
    use BookingStatus as S;
    let lang = use_prefs().lang;
    let l = lang.get_untracked();
    let r = d.row.clone();
    let id = r.id.clone();
    let status = r.status;
    let action = move |what: &str| format!("/api/v1/bookings/{}/{what}", r.id);
    let base = format!("/station/bookings/{}", id);
    let may_move = matches!(status, S::Pending | S::Confirmed | S::Rescheduled);
    let chosen = d.picker.day.clone();
    let slots = d.picker.slots.clone();
    let envoys = d
        .envoys
        .iter()
        .map(|e| {
            let eid = format!("assignee-{}", e.id);
            view! {
                <label class="choice">
                    <input type="checkbox" id=eid name="assignee" value=e.id.clone()/>
                    <span class="choice-main">{e.name.clone()}</span>
                    <span class="choice-aside">{e.former_field.clone()}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <h1>{bt(B::Reference)}" "<span class="mono" id="desk-ref">{d.row.reference.clone()}</span></h1>
        <dl class="facts" id="desk-facts">
            <dt>{bt(B::Status)}</dt><dd id="desk-status" data-status=status.code()>{move || status.label(lang.get())}</dd>
            <dt>{bt(B::When)}</dt><dd>{fmt_day(&d.row.day, d.row.weekday, l)}" "{fmt_hm(d.row.start_min)}"–"{fmt_hm(d.row.end_min)}</dd>
            <dt>{bt(B::Kind)}</dt><dd>{matter_kind_label(&d.row.matter_kind, l)}</dd>
            <dt>{bt(B::Description)}</dt><dd class="pre" id="desk-description">{d.description.clone()}</dd>
            <dt>{bt(B::Resident)}</dt><dd id="desk-name">{d.row.resident_name.clone()}</dd>
            <dt>{tr(K::Phone)}</dt><dd><PhoneReveal id=id.clone() masked=d.row.phone_masked.clone()/></dd>
            <dt>{bt(B::OtherPartyStaff)}</dt><dd id="desk-other">{d.other_party.clone()}</dd>
            {(!d.decline_reason.is_empty()).then(|| view! { <dt>{bt(B::Reason)}</dt><dd>{d.decline_reason.clone()}</dd> })}
            {d.case_id.clone().map(|c| view! { <dt>{bt(B::CaseId)}</dt><dd class="mono" id="desk-case">{c}</dd> })}
            <dt>{bt(B::Rating)}</dt>
            <dd id="desk-rating">{move || d.rating.map(|x| x.label(lang.get())).unwrap_or(bt(B::NotRated)())}</dd>
        </dl>
        {(status == S::Pending).then(|| view! {
            <form method="post" action=action("confirm") class="form" id="confirm-form">
                <CsrfField/>
                <button type="submit" class="btn btn-primary btn-block">{bt(B::Confirm)}</button>
            </form>
        })}
        {matches!(status, S::Confirmed | S::Rescheduled).then(|| view! {
            <form method="post" action=action("accept") class="form card" id="accept-form">
                <CsrfField/>
                <fieldset>
                    <legend>{bt(B::AcceptTitle)}</legend>
                    <p class="muted">{bt(B::AcceptHint)}</p>
                    <div class="choices">{envoys}</div>
                </fieldset>
                <button type="submit" class="btn btn-primary btn-block">{bt(B::Accept)}</button>
            </form>
        })}
        {(status == S::Accepted).then(|| view! {
            <form method="post" action=action("resolve") class="form card" id="resolve-form">
                <CsrfField/>
                <h2>{bt(B::ResolveTitle)}</h2>
                <p class="muted">{bt(B::ResolveHint)}</p>
                <button type="submit" class="btn btn-primary btn-block">{bt(B::Resolve)}</button>
            </form>
        })}
        {may_move.then(|| view! {
            <section class="card" id="move-section">
                <h2>{bt(B::MoveTitle)}</h2>
                <DayList picker=d.picker.clone() base=base.clone()/>
                {chosen.clone().map(|day| view! {
                    <form method="post" action=action("reschedule") class="form" id="move-form">
                        <CsrfField/>
                        <input type="hidden" name="day" value=day.day.clone()/>
                        <div class="choices"><SlotRadios slots=slots.clone()/></div>
                        <button type="submit" class="btn btn-block">{bt(B::MoveTo)}</button>
                    </form>
                })}
            </section>
            <form method="post" action=action("decline") class="form card" id="decline-form">
                <CsrfField/>
                <label for="reason">{bt(B::DeclineReason)}</label>
                <textarea id="reason" name="reason" rows="2" maxlength=MAX_REASON required></textarea>
                <button type="submit" class="btn btn-block">{bt(B::Decline)}</button>
            </form>
        })}
        <h2>{bt(B::Progress)}</h2>
        <Timeline events=d.events/>
    }
}

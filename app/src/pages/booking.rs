//! A resident's booking: its page behind the secret link (/b/<token>), the
//! reschedule form, and the lookup by reference + phone (/booking). Plain
//! HTML forms that post to the REST routes and come back here (no JS needed).

use crate::{
    booking::{
        model::{matter_kind_label, BookingError, Rating, ResidentBooking, SlotPicker, MAX_COMMENT},
        text::{bt, B},
        ui::{DayList, QueryError, SlotRadios, Timeline},
    },
    components::frame::Frame,
    error::AppError,
    i18n::K,
    prefs::{tr, use_prefs, CsrfField},
};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use server_fn::codec::GetUrl;

#[server(input = GetUrl, prefix = "/api", endpoint = "booking_view")]
pub async fn get_booking(token: String) -> Result<ResidentBooking, AppError> {
    let (port, _) = crate::booking::port::port_and_parts()?;
    port.resident_booking(token).await
}

#[server(input = GetUrl, prefix = "/api", endpoint = "booking_reschedule_form")]
pub async fn get_reschedule_form(
    token: String,
    day: Option<String>,
) -> Result<(ResidentBooking, SlotPicker), AppError> {
    let (port, _) = crate::booking::port::port_and_parts()?;
    port.reschedule_form(token, day).await
}

/// The page's URL is a secret: keep it out of caches and search engines.
fn private_page() {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.insert_header(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
        resp.insert_header(
            http::header::HeaderName::from_static("x-robots-tag"),
            http::HeaderValue::from_static("noindex"),
        );
    }
}

fn token_param() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("token").unwrap_or_default()))
}

#[component]
pub fn BookingPage() -> impl IntoView {
    private_page();
    let token = token_param();
    let data = Resource::new(move || token.get(), get_booking);
    let lang = use_prefs().lang;
    let query = use_query_map();
    let is_new = move || query.with(|q| q.get("new").as_deref() == Some("1"));
    view! {
        <Frame>
            <h1>{bt(B::BookingTitle)}</h1>
            {move || is_new().then(|| view! { <p class="notice" role="status" id="booked">{bt(B::Submitted)}</p> })}
            <QueryError/>
            <Suspense fallback=move || view! { <p class="muted">{tr(K::Loading)}</p> }>
                {move || data.get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{e.message_in(lang.get()).to_string()}</p> }.into_any(),
                    Ok(b) => view! { <BookingView b token=token.get_untracked()/> }.into_any(),
                })}
            </Suspense>
            <p><a href="/stations">{bt(B::BackToStations)}</a></p>
        </Frame>
    }
}

#[component]
fn BookingView(b: ResidentBooking, token: String) -> impl IntoView {
    let lang = use_prefs().lang;
    let status = b.status;
    let when = b.when(lang.get_untracked());
    let kind = matter_kind_label(&b.matter_kind, lang.get_untracked());
    let declined = (!b.decline_reason.is_empty()).then(|| b.decline_reason.clone());
    let rating = b.rating;
    let comment = b.rating_comment.clone();
    view! {
        <section class="card">
            <p class="ref-label">{bt(B::Reference)}</p>
            <p class="reference" id="booking-ref">{b.reference.clone()}</p>
            <p class="muted">{bt(B::KeepReference)}</p>
        </section>
        <section
            class=format!("card status-card status-{}", status.code())
            id="booking-status"
            data-status=status.code()
            aria-live="polite"
        >
            <h2 id="status-label">{move || status.label(lang.get())}</h2>
            <p>{move || status.explain(lang.get())}</p>
            {declined.map(|r| view! { <p><strong>{bt(B::Reason)}"："</strong>{r}</p> })}
        </section>
        <dl class="facts">
            <dt>{bt(B::Station)}</dt><dd>{b.station_name.clone()}</dd>
            <dt>{tr(K::Address)}</dt><dd>{b.station_address.clone()}</dd>
            <dt>{bt(B::When)}</dt><dd id="booking-when">{when}</dd>
            <dt>{bt(B::Kind)}</dt><dd>{kind}</dd>
            <dt>{bt(B::Description)}</dt><dd class="pre">{b.description.clone()}</dd>
            <dt>{tr(K::Name)}</dt><dd>{b.resident_name.clone()}</dd>
            <dt>{tr(K::Phone)}</dt><dd class="mono">{b.phone_masked.clone()}</dd>
        </dl>
        {b.can_change.then(|| {
            let token = token.clone();
            view! {
                <a class="btn btn-block" id="reschedule-link" href=format!("/b/{token}/reschedule")>{bt(B::Reschedule)}</a>
                <details class="cancel">
                    <summary class="btn btn-block">{bt(B::CancelBooking)}</summary>
                    <form method="post" action="/api/v1/booking/cancel" id="cancel-form">
                        <CsrfField/>
                        <input type="hidden" name="token" value=token/>
                        <button type="submit" class="btn btn-primary btn-block">{bt(B::CancelConfirm)}</button>
                    </form>
                </details>
            }
        })}
        {b.can_rate.then(|| view! { <RateForm token=token.clone()/> })}
        {rating.map(|r| view! {
            <section class="card" id="my-rating">
                <h2>{bt(B::YourRating)}</h2>
                <p class="lead">{move || r.label(lang.get())}</p>
                {(!comment.is_empty()).then(|| view! { <p class="pre">{comment.clone()}</p> })}
                <p class="notice">{bt(B::ThanksRating)}</p>
            </section>
        })}
        <h2>{bt(B::Progress)}</h2>
        <Timeline events=b.events/>
    }
}

#[component]
fn RateForm(token: String) -> impl IntoView {
    let lang = use_prefs().lang;
    let choices = Rating::ALL
        .into_iter()
        .map(|r| {
            let id = format!("rating-{}", r.code());
            view! {
                <label class="choice">
                    <input type="radio" id=id name="rating" value=r.code() required/>
                    <span class="choice-main">{move || r.label(lang.get())}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <form method="post" action="/api/v1/booking/rate" class="form card" id="rate-form">
            <CsrfField/>
            <input type="hidden" name="token" value=token/>
            <fieldset>
                <legend>{bt(B::RateTitle)}</legend>
                <div class="choices">{choices}</div>
            </fieldset>
            <label for="comment">{bt(B::RateComment)}</label>
            <textarea id="comment" name="comment" rows="3" maxlength=MAX_COMMENT></textarea>
            <button type="submit" class="btn btn-primary btn-block" id="rate-submit">{bt(B::RateSubmit)}</button>
        </form>
    }
}

#[component]
pub fn ReschedulePage() -> impl IntoView {
    private_page();
    let token = token_param();
    let query = use_query_map();
    let data = Resource::new(move || (token.get(), query.with(|q| q.get("day"))), |(t, d)| get_reschedule_form(t, d));
    let lang = use_prefs().lang;
    view! {
        <Frame>
            <h1>{bt(B::RescheduleTitle)}</h1>
            <QueryError/>
            <Transition fallback=move || view! { <p class="muted">{tr(K::Loading)}</p> }>
                {move || data.get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{e.message_in(lang.get()).to_string()}</p> }.into_any(),
                    Ok((b, p)) => view! { <RescheduleForm b p token=token.get_untracked()/> }.into_any(),
                })}
            </Transition>
            <p><a href=move || format!("/b/{}", token.get())>{bt(B::BookingTitle)}</a></p>
        </Frame>
    }
}

#[component]
fn RescheduleForm(b: ResidentBooking, p: SlotPicker, token: String) -> impl IntoView {
    let lang = use_prefs().lang;
    if !b.can_change {
        return view! { <p class="error" role="alert">{move || BookingError::NotChangeable.message(lang.get())}</p> }
            .into_any();
    }
    let base = format!("/b/{token}/reschedule");
    let chosen = p.day.clone();
    let slots = p.slots.clone();
    view! {
        <dl class="facts">
            <dt>{bt(B::CurrentTime)}</dt><dd>{b.when(lang.get_untracked())}</dd>
            <dt>{bt(B::Station)}</dt><dd>{b.station_name.clone()}</dd>
        </dl>
        <p class="muted">{bt(B::RescheduleHint)}</p>
        <h2>{bt(B::StepDay)}</h2>
        <DayList picker=p base=base/>
        {chosen.map(|day| view! {
            <form method="post" action="/api/v1/booking/reschedule" class="form" id="reschedule-form">
                <CsrfField/>
                <input type="hidden" name="token" value=token.clone()/>
                <input type="hidden" name="day" value=day.day.clone()/>
                <fieldset class="card">
                    <legend>{bt(B::StepSlot)}</legend>
                    <div class="choices"><SlotRadios slots/></div>
                </fieldset>
                <button type="submit" class="btn btn-primary btn-block">{bt(B::RescheduleSubmit)}</button>
            </form>
        })}
    }
    .into_any()
}

#[component]
pub fn LookupPage() -> impl IntoView {
    view! {
        <Frame>
            <h1>{bt(B::LookupTitle)}</h1>
            <p>{bt(B::LookupHint)}</p>
            <QueryError/>
            <form method="post" action="/api/v1/bookings/lookup" class="form card" id="lookup-form">
                <CsrfField/>
                <label for="reference">{bt(B::Reference)}</label>
                <input
                    id="reference" name="reference" type="text" autocomplete="off" autocapitalize="characters"
                    spellcheck="false" maxlength="12" required
                />
                <label for="lookup-phone">{bt(B::YourPhone)}</label>
                <input
                    id="lookup-phone" name="phone" type="tel" inputmode="numeric" autocomplete="tel"
                    maxlength="11" required
                />
                <button type="submit" class="btn btn-primary btn-block">{bt(B::Lookup)}</button>
            </form>
            <p><a href="/stations">{bt(B::BackToStations)}</a></p>
        </Frame>
    }
}

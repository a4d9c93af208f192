//! Booking a mediation (预约调处): pick a day, a free slot, say what the
//! matter is, give a name and phone, read the notice and agree. A plain HTML
//! form (works without JavaScript); once hydrated it posts through `fetch`,
//! keeping what was typed if the server finds a problem.

use crate::{
    booking::{
        model::{matter_kinds, SlotPicker, MAX_DESCRIPTION, MAX_NAME, MAX_OTHER_PARTY},
        text::{bt, B},
        ui::{DayList, QueryError, SlotRadios},
    },
    components::frame::Frame,
    error::AppError,
    i18n::{Lang, K},
    prefs::{tr, use_prefs, CsrfField},
};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use server_fn::codec::GetUrl;

#[server(input = GetUrl, prefix = "/api", endpoint = "book_form")]
pub async fn get_book_form(station_id: String, day: Option<String>) -> Result<SlotPicker, AppError> {
    let (port, _) = crate::booking::port::port_and_parts()?;
    port.book_form(station_id, day).await
}

#[component]
pub fn BookPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || (params.with(|p| p.get("id").unwrap_or_default()), query.with(|q| q.get("day")));
    let data = Resource::new(key, |(id, day)| get_book_form(id, day));
    let lang = use_prefs().lang;
    view! {
        <Frame>
            <h1>{bt(B::BookTitle)}</h1>
            <Transition fallback=move || view! { <p class="muted">{tr(K::Loading)}</p> }>
                {move || data.get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{e.message_in(lang.get()).to_string()}</p> }.into_any(),
                    Ok(p) => view! { <BookForm p/> }.into_any(),
                })}
            </Transition>
        </Frame>
    }
}

/// The short notice a resident agrees to (what mediation is, their rights,
/// how their data is used and kept).
#[component]
pub fn Notice() -> impl IntoView {
    view! {
        <div class="notice-text" id="notice">
            <p>{bt(B::NoticeWhat)}</p>
            <p>{bt(B::NoticeRights)}</p>
            <p>{bt(B::NoticeData)}</p>
        </div>
    }
}

#[component]
fn BookForm(p: SlotPicker) -> impl IntoView {
    let lang = use_prefs().lang;
    let base = format!("/stations/{}/book", p.station.id);
    let station = p.station.clone();
    let chosen = p.day.clone();
    let slots = p.slots.clone();
    let key = p.idempotency_key.clone();
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<AppError>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "browser")]
        {
            use wasm_bindgen::JsCast;
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            let Some(form) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok()) else {
                return;
            };
            busy.set(true);
            failure.set(None);
            leptos::task::spawn_local(async move {
                match crate::booking::submit::post_form(&form).await {
                    Ok(json) => {
                        let url = json["url"].as_str().unwrap_or("/booking").to_string();
                        crate::booking::submit::go(&format!("{url}?new=1"));
                    }
                    Err(e) => {
                        failure.set(Some(e));
                        busy.set(false);
                    }
                }
            });
        }
        #[cfg(not(feature = "browser"))]
        let _ = ev;
    };
    let kinds = matter_kinds()
        .iter()
        .map(|k| {
            view! { <option value=k.code>{move || if lang.get() == Lang::Zh { k.zh } else { k.en }}</option> }
        })
        .collect_view();
    view! {
        <p class="lead" id="book-station">{station.name.clone()}</p>
        <p class="muted">{station.address.clone()}</p>
        <QueryError/>
        <h2 id="step-day">{bt(B::StepDay)}</h2>
        <DayList picker=p base=base/>
        {match chosen {
            None => view! { <p class="muted" id="choose-day-first">{bt(B::ChooseDayFirst)}</p> }.into_any(),
            Some(day) => view! {
                <form method="post" action="/api/v1/bookings" class="form" id="book-form" on:submit=on_submit>
                    <CsrfField/>
                    <input type="hidden" name="station_id" value=station.id.clone()/>
                    <input type="hidden" name="day" value=day.day.clone()/>
                    <input type="hidden" name="idempotency_key" value=key/>
                    <fieldset class="card">
                        <legend>{bt(B::StepSlot)}</legend>
                        <div class="choices" id="slots"><SlotRadios slots/></div>
                    </fieldset>
                    <fieldset class="card">
                        <legend>{bt(B::StepMatter)}</legend>
                        <label for="kind">{bt(B::MatterKind)}</label>
                        <select id="kind" name="kind" required>
                            <option value="">{bt(B::PleaseChoose)}</option>
                            {kinds}
                        </select>
                        <label for="description">{bt(B::Description)}</label>
                        <textarea id="description" name="description" rows="4" maxlength=MAX_DESCRIPTION required></textarea>
                    </fieldset>
                    <fieldset class="card">
                        <legend>{bt(B::StepContact)}</legend>
                        <label for="name">{bt(B::YourName)}</label>
                        <input id="name" name="name" type="text" autocomplete="name" maxlength=MAX_NAME required/>
                        <label for="phone">{bt(B::YourPhone)}</label>
                        <input
                            id="phone" name="phone" type="tel" inputmode="numeric" autocomplete="tel"
                            maxlength="11" pattern="1[3-9][0-9]{9}" required
                        />
                        <label for="other_party">{bt(B::OtherParty)}</label>
                        <input id="other_party" name="other_party" type="text" maxlength=MAX_OTHER_PARTY/>
                    </fieldset>
                    <fieldset class="card">
                        <legend>{bt(B::StepNotice)}</legend>
                        <Notice/>
                        <label class="check" for="consent">
                            <input id="consent" name="consent" type="checkbox" value="yes" required/>
                            <span>{bt(B::Consent)}</span>
                        </label>
                    </fieldset>
                    {move || failure.get().map(|e| view! {
                        <p class="error" role="alert" id="submit-error">{e.message_in(lang.get()).to_string()}</p>
                    })}
                    <button type="submit" class="btn btn-primary btn-block" id="book-submit" disabled=move || busy.get()>
                        {move || if busy.get() { bt(B::Submitting)() } else { bt(B::Submit)() }}
                    </button>
                </form>
            }.into_any(),
        }}
    }
}

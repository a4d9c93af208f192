//! The public list of stations (找工作室): by 街道 and 社区, with address,
//! opening hours, services, the envoys (name and former field only) and the
//! residents' satisfaction. Rendered whole on the server (no JS needed).

use crate::{
    booking::{
        model::PublicStation,
        text::{bt, B},
    },
    components::frame::Frame,
    error::AppError,
    i18n::K,
    prefs::{tr, use_prefs},
};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

#[server(input = GetUrl, prefix = "/api", endpoint = "public_stations")]
pub async fn get_public_stations() -> Result<Vec<PublicStation>, AppError> {
    let (port, _) = crate::booking::port::port_and_parts()?;
    port.public_stations().await
}

#[component]
pub fn StationsPublic() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_public_stations());
    let lang = use_prefs().lang;
    view! {
        <Frame>
            <h1>{bt(B::FindStation)}</h1>
            <p class="lead">{bt(B::FindStationIntro)}</p>
            <p><a class="btn btn-block" href="/booking" id="find-my-booking">{bt(B::MyBooking)}</a></p>
            <Suspense fallback=move || view! { <p class="muted">{tr(K::Loading)}</p> }>
                {move || data.get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{e.message_in(lang.get()).to_string()}</p> }.into_any(),
                    Ok(list) => view! { <StationList list/> }.into_any(),
                })}
            </Suspense>
        </Frame>
    }
}

#[component]
fn StationList(list: Vec<PublicStation>) -> impl IntoView {
    // Stations arrive ordered by street, then name: group them by street.
    let mut streets: Vec<(String, Vec<PublicStation>)> = Vec::new();
    for s in list {
        match streets.last_mut() {
            Some((street, group)) if *street == s.station.street => group.push(s),
            _ => streets.push((s.station.street.clone(), vec![s])),
        }
    }
    streets
        .into_iter()
        .map(|(street, group)| {
            view! {
                <section class="street">
                    <h2>{street}</h2>
                    {group.into_iter().map(|s| view! { <StationCard s/> }).collect_view()}
                </section>
            }
        })
        .collect_view()
}

#[component]
fn StationCard(s: PublicStation) -> impl IntoView {
    let lang = use_prefs().lang;
    let st = s.station;
    let envoys = if s.envoys.is_empty() {
        None
    } else {
        Some(
            s.envoys
                .iter()
                .map(|e| {
                    if e.former_field.is_empty() {
                        e.name.clone()
                    } else {
                        format!("{}（{}）", e.name, e.former_field)
                    }
                })
                .collect::<Vec<_>>()
                .join("、"),
        )
    };
    let satisfaction = s.satisfaction;
    let rated = satisfaction.rated();
    let book_href = format!("/stations/{}/book", st.id);
    let name = st.name.clone();
    view! {
        <article class="card station-card" id=format!("station-{}", st.id)>
            <h3>{st.name}</h3>
            <dl class="facts">
                <dt>{bt(B::Community)}</dt><dd>{st.community}</dd>
                <dt>{tr(K::Address)}</dt><dd>{st.address}</dd>
                <dt>{tr(K::OpeningHours)}</dt><dd>{st.opening_hours}</dd>
                <dt>{tr(K::Services)}</dt><dd>{st.services}</dd>
                <dt>{bt(B::EnvoysOnStation)}</dt>
                <dd>{envoys.unwrap_or_else(|| bt(B::NoEnvoys)().to_string())}</dd>
            </dl>
            <p class="satisfaction" data-rated=rated.to_string()>{move || satisfaction.describe(lang.get())}</p>
            {if s.bookable {
                view! {
                    <a class="btn btn-primary btn-block" href=book_href>
                        {bt(B::BookHere)}<span class="sr-only">"："{name}</span>
                    </a>
                }.into_any()
            } else {
                view! { <p class="muted">{bt(B::NoSlots)}</p> }.into_any()
            }}
        </article>
    }
}

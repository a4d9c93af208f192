use crate::{
    booking::text::{bt, B},
    components::frame::Frame,
    i18n::K,
    prefs::tr,
};
use leptos::prelude::*;

/// The public start page: where residents and volunteers each go next.
#[component]
pub fn Landing() -> impl IntoView {
    view! {
        <Frame>
            <h1>{tr(K::AppName)}</h1>
            <p class="lead">{tr(K::Tagline)}</p>
            <section class="card">
                <h2>{tr(K::ForResidents)}</h2>
                <p>{tr(K::ForResidentsText)}</p>
                <a class="btn btn-primary btn-block" id="to-stations" href="/stations">{bt(B::BookHere)}</a>
                <a class="btn btn-block" id="to-my-booking" href="/booking">{bt(B::MyBooking)}</a>
                <p class="muted">{tr(K::LoginHint)}</p>
            </section>
            <section class="card">
                <h2>{tr(K::ForVolunteers)}</h2>
                <a class="btn btn-primary btn-block" href="/login">{tr(K::Login)}</a>
            </section>
        </Frame>
    }
}

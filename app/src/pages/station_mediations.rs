//! The station desk's mediations: the list, and one agreement to print
//! (人民调解协议书, the same document the mediator's phone prints).

use crate::{
    components::{agreement::AgreementSheet, frame::Frame, loaded::Loaded},
    error::AppError,
    i18n::K,
    model::{AgreementDoc, StationMediations},
    pages::station_bookings::DeskNav,
    prefs::tr,
};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use server_fn::codec::GetUrl;

#[server(input = GetUrl, prefix = "/api", endpoint = "station_mediations")]
pub async fn get_station_mediations() -> Result<StationMediations, AppError> {
    let (backend, parts) = crate::backend::backend_and_parts()?;
    backend.mediations(&parts, None).await
}

#[server(input = GetUrl, prefix = "/api", endpoint = "mediation_agreement")]
pub async fn get_mediation_agreement(id: String) -> Result<AgreementDoc, AppError> {
    let (backend, parts) = crate::backend::backend_and_parts()?;
    backend.agreement(&parts, id).await
}

#[component]
pub fn StationMediationsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_station_mediations());
    view! {
        <Frame signed_in=true>
            <DeskNav/>
            <h1>{tr(K::MediationsTitle)}</h1>
            <Loaded data ok=|list| view! { <MediationTable list/> }/>
        </Frame>
    }
}

/// The station's mediations, each with its agreement when there is one.
#[component]
fn MediationTable(list: StationMediations) -> impl IntoView {
    if list.rows.is_empty() {
        return view! { <p class="muted" id="no-mediations">{tr(K::NoMediations)}</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="table" id="mediations">
                <thead><tr>
                    <th>{tr(K::DisputeCase)}</th><th>{tr(K::Status)}</th><th>{tr(K::Parties)}</th>
                    <th>{tr(K::LastChanged)}</th><th></th>
                </tr></thead>
                <tbody>
                    {list.rows.into_iter().map(|m| view! {
                        <tr data-mediation=m.id.clone()>
                            <td>{m.case_title}</td>
                            <td>{m.status}</td>
                            <td>{m.parties}</td>
                            <td>{m.updated}</td>
                            <td>{if m.has_agreement {
                                view! { <a class="btn btn-small" href=format!("/station/mediations/{}", m.id)>{tr(K::OpenAgreement)}</a> }.into_any()
                            } else {
                                view! { <span class="muted">{tr(K::NoAgreementYet)}</span> }.into_any()
                            }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
pub fn StationAgreementPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(move || params.with(|p| p.get("id").unwrap_or_default()), get_mediation_agreement);
    view! {
        <Frame signed_in=true>
            <p class="no-print"><a class="btn btn-small" href="/station/mediations">{tr(K::BackToMediations)}</a></p>
            <Loaded data ok=|doc| view! { <AgreementSheet doc/> }/>
        </Frame>
    }
}

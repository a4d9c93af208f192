//! The county office's view: every station with its head counts.

use crate::{
    components::{frame::Frame, loaded::Loaded},
    error::AppError,
    i18n::K,
    model::CountyStationRow,
    prefs::tr,
};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

#[server(input = GetUrl, prefix = "/api", endpoint = "county")]
pub async fn get_county() -> Result<Vec<CountyStationRow>, AppError> {
    let (backend, parts) = crate::backend::backend_and_parts()?;
    backend.county(&parts).await
}

#[component]
pub fn CountyPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_county());
    view! {
        <Frame signed_in=true>
            <h1>{tr(K::CountyTitle)}</h1>
            <Loaded data ok=|rows| view! { <StationTable rows/> }/>
        </Frame>
    }
}

/// Every station with its head counts and a way into its desk.
#[component]
fn StationTable(rows: Vec<CountyStationRow>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table" id="stations">
                <thead><tr>
                    <th>{tr(K::Street)}</th><th>{tr(K::StationTitle)}</th>
                    <th>{tr(K::Envoys)}</th><th>{tr(K::Staff)}</th><th></th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr>
                            <td>{r.station.street}</td>
                            <td>{r.station.name}</td>
                            <td>{r.envoys}</td>
                            <td>{r.staff}</td>
                            <td><a class="btn btn-small" href=format!("/station?id={}", r.station.id)>{tr(K::Open)}</a></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

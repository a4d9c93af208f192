//! The station desk (工作室工作人员): the station's profile and its members.

use crate::{
    components::{frame::Frame, loaded::Loaded},
    error::AppError,
    i18n::K,
    model::StationHome,
    prefs::{tr, use_prefs, CsrfField},
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use server_fn::codec::GetUrl;

#[server(input = GetUrl, prefix = "/api", endpoint = "station_home")]
pub async fn get_station_home(id: Option<String>) -> Result<StationHome, AppError> {
    let (backend, parts) = crate::backend::backend_and_parts()?;
    backend.station_home(&parts, id).await
}

#[component]
pub fn StationPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || query.with(|q| q.get("id")), get_station_home);
    view! {
        <Frame signed_in=true>
            <Loaded data ok=|home| view! { <StationView home/> }/>
        </Frame>
    }
}

#[component]
fn StationView(home: StationHome) -> impl IntoView {
    let s = home.station;
    let lang = use_prefs().lang;
    let rows = home
        .roster
        .into_iter()
        .map(|m| {
            let action = if m.active { "deactivate" } else { "reactivate" };
            let label = if m.active { K::Deactivate } else { K::Reactivate };
            let role_label = match lang.get_untracked() {
                crate::i18n::Lang::Zh => m.role.label_zh(),
                crate::i18n::Lang::En => m.role.as_str(),
            };
            view! {
                <tr data-user=m.id.clone()>
                    <td>{m.name}</td>
                    <td>{role_label}</td>
                    <td class="mono">{m.phone_masked}</td>
                    <td>{m.former_field}</td>
                    <td>{m.specialties}</td>
                    <td>{if m.active { tr(K::Active) } else { tr(K::Inactive) }}</td>
                    <td>
                        {(m.role == crate::model::Role::Envoy).then(|| view! {
                            <form method="post" action=format!("/api/v1/users/{}/{action}", m.id) class="inline">
                                <CsrfField/>
                                <button type="submit" class="btn btn-small">{tr(label)}</button>
                            </form>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h1 id="station-name">{s.name}</h1>
        <dl class="facts">
            <dt>{tr(K::Street)}</dt><dd>{s.street}" · "{s.community}</dd>
            <dt>{tr(K::Address)}</dt><dd>{s.address}</dd>
            <dt>{tr(K::OpeningHours)}</dt><dd>{s.opening_hours}</dd>
            <dt>{tr(K::Services)}</dt><dd>{s.services}</dd>
        </dl>
        <p><a class="btn" id="to-sync-queue" href="/station/sync">{tr(K::SyncQueueTitle)}</a></p>
        <p><a class="btn" id="to-bookings" href="/station/bookings">{crate::booking::text::bt(crate::booking::text::B::DeskBookings)}</a></p>
        <p><a class="btn" id="to-mediations" href="/station/mediations">{tr(K::MediationsTitle)}</a></p>
        <h2>{tr(K::Roster)}</h2>
        <div class="table-wrap">
            <table class="table" id="roster">
                <thead><tr>
                    <th>{tr(K::Name)}</th><th>{tr(K::Role)}</th><th>{tr(K::Phone)}</th>
                    <th>{tr(K::FormerField)}</th><th>{tr(K::Specialties)}</th><th>{tr(K::Status)}</th><th></th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

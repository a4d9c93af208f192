//! 同步队列: what the station's phones sent, conflicts to settle side by
//! side, and records the server refused. Plain forms post to the REST
//! endpoints and come back here, so it works without scripts too.

use crate::{
    components::{frame::Frame, loaded::Loaded},
    error::AppError,
    i18n::K,
    model::{ConflictView, RejectionView, SyncQueue},
    prefs::{tr, CsrfField},
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use server_fn::codec::GetUrl;

#[server(input = GetUrl, prefix = "/api", endpoint = "sync_queue")]
pub async fn get_sync_queue(id: Option<String>) -> Result<SyncQueue, AppError> {
    let (backend, parts) = crate::backend::backend_and_parts()?;
    backend.sync_queue(&parts, id).await
}

#[component]
pub fn SyncQueuePage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || query.with(|q| q.get("id")), get_sync_queue);
    view! {
        <Frame signed_in=true>
            <Loaded data ok=|q| view! { <QueueView q/> }/>
        </Frame>
    }
}

#[component]
fn QueueView(q: SyncQueue) -> impl IntoView {
    let station = q.station_id.clone();
    let devices = q.devices;
    let conflicts = q.conflicts;
    let rejections = q.rejections;
    view! {
        <h1 id="queue-title">{tr(K::SyncQueueTitle)}" · "{q.station_name}</h1>
        <h2>{tr(K::Conflicts)}" ("{conflicts.len()}")"</h2>
        {if conflicts.is_empty() {
            view! { <p class="muted" id="no-conflicts">{tr(K::NoConflicts)}</p> }.into_any()
        } else {
            let s = station.clone();
            view! {
                <ul class="cards" id="conflicts">
                    {conflicts.into_iter().map(|c| view! { <ConflictCard station=s.clone() c/> }).collect_view()}
                </ul>
            }.into_any()
        }}
        <h2>{tr(K::Rejections)}" ("{rejections.len()}")"</h2>
        {if rejections.is_empty() {
            view! { <p class="muted" id="no-rejections">{tr(K::NoRejections)}</p> }.into_any()
        } else {
            let s = station.clone();
            view! {
                <ul class="cards" id="rejections">
                    {rejections.into_iter().map(|r| view! { <RejectionCard station=s.clone() r/> }).collect_view()}
                </ul>
            }.into_any()
        }}
        <h2>{tr(K::Devices)}</h2>
        {if devices.is_empty() {
            view! { <p class="muted">{tr(K::NoDevices)}</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table" id="devices">
                        <thead><tr>
                            <th>{tr(K::Name)}</th><th>"手机"</th><th>"版本"</th>
                            <th>{tr(K::LastSynced)}</th><th>"上次上传"</th><th>{tr(K::Waiting)}</th><th>"已收到"</th>
                        </tr></thead>
                        <tbody>
                            {devices.into_iter().map(|d| view! {
                                <tr>
                                    <td>{d.user_name}</td><td class="mono">{d.device_short}</td><td>{d.app_version}</td>
                                    <td>{d.last_seen}</td><td>{d.last_push}</td><td>{d.pending}</td><td>{d.ops_received}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <a class="btn" href="/station">{tr(K::StationTitle)}</a>
    }
}

#[component]
fn ConflictCard(station: String, c: ConflictView) -> impl IntoView {
    let action = format!("/api/v1/stations/{station}/conflicts/{}/resolve", c.id);
    let side = |label: &'static str, v: crate::model::ConflictSide, choice: &'static str, button: K, action: String| {
        view! {
            <div class="side" data-side=choice>
                <p class="muted">{label}" · "{v.by}" · "{v.at}</p>
                <p class="value">{v.value}</p>
                <form method="post" action=action>
                    <CsrfField/>
                    <input type="hidden" name="choice" value=choice/>
                    <button type="submit" class="btn">{tr(button)}</button>
                </form>
            </div>
        }
    };
    view! {
        <li class="card conflict" data-conflict=c.id.clone()>
            <h3>{c.record_label}" · "{c.field_label}</h3>
            <div class="sides">
                {side("现在保存的", c.stored, "stored", K::KeepStored, action.clone())}
                {side("另一台手机改的", c.incoming, "incoming", K::TakeIncoming, action.clone())}
            </div>
            {c.mergeable.then(|| view! {
                <form method="post" action=action.clone() class="form merge">
                    <CsrfField/>
                    <input type="hidden" name="choice" value="merged"/>
                    <label for=format!("merge-{}", c.id)>"合并两者"</label>
                    <textarea id=format!("merge-{}", c.id) name="merged" rows="3"></textarea>
                    <button type="submit" class="btn">{tr(K::Merge)}</button>
                </form>
            })}
        </li>
    }
}

#[component]
fn RejectionCard(station: String, r: RejectionView) -> impl IntoView {
    let base = format!("/api/v1/stations/{station}/rejections/{}", r.op_id);
    view! {
        <li class="card rejection" data-op=r.op_id.clone()>
            <h3>{r.record_label}" · "{r.user_name}" · "{r.at}</h3>
            <p class="error">{r.reason_zh}</p>
            <dl class="facts">
                {r.fields.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
            </dl>
            {(!r.editable.is_empty()).then(|| view! {
                <details>
                    <summary>{tr(K::Fix)}</summary>
                    <form method="post" action=format!("{base}/fix") class="form">
                        <CsrfField/>
                        {r.editable.into_iter().map(|(name, label, value)| {
                            let id = format!("fix-{}-{name}", r.op_id);
                            view! {
                                <label for=id.clone()>{label}</label>
                                <input id=id name=format!("f.{name}") value=value/>
                            }
                        }).collect_view()}
                        <button type="submit" class="btn">{tr(K::Fix)}</button>
                    </form>
                </details>
            })}
            <form method="post" action=format!("{base}/dismiss")>
                <CsrfField/>
                <button type="submit" class="btn">{tr(K::Dismiss)}</button>
            </form>
        </li>
    }
}

//! The envoys' field app (/field/*).
//!
//! Offline first: the server renders the same route-independent, user-
//! independent shell for every /field/* URL, which the service worker caches
//! and answers any field navigation with when the network is gone. The field
//! app's own bundle (`field_app`) then draws itself over it in the browser,
//! the route from the address bar and the content from the phone, so a
//! cached shell serves whatever deep link it was opened at.

use super::field_photos::{pending_photos, photo_changes, PhotoPicker, PhotoStrip};
use super::field_timeline::{person, step_entry, Timeline};
use crate::components::status::{said, StatusLine};
use crate::{
    components::frame::Frame,
    field::field_data,
    field_app::pages::FieldOutlet,
    i18n::K,
    model::Me,
    prefs::{tr, use_prefs},
};
use leptos::prelude::*;
use yinling_protocol::{schema, FieldValue, RecordKind, RecordState};

#[derive(Clone, Debug, PartialEq)]
pub enum Profile {
    Loading,
    /// Never signed in on this phone and no network to do it now.
    NeedLogin,
    Ready(Me),
}

#[derive(Clone, Copy)]
pub struct FieldProfile(pub RwSignal<Profile>);

#[component]
pub fn FieldShell() -> impl IntoView {
    let mounted = RwSignal::new(false);
    let profile = RwSignal::new(Profile::Loading);
    provide_context(FieldProfile(profile));
    let data = crate::field::provide_field_data();
    crate::field_app::nav::provide_nav();
    Effect::new(move |_| {
        if let Profile::Ready(me) = profile.get() {
            #[cfg(feature = "browser")]
            leptos::task::spawn_local(crate::field::engine::start(me, data));
            #[cfg(not(feature = "browser"))]
            let _ = (me, data);
        }
    });
    Effect::new(move |_| {
        mounted.set(true);
        #[cfg(feature = "browser")]
        leptos::task::spawn_local(load_profile(profile));
    });
    let opening = move || view! { <p class="muted" id="field-opening">{tr(K::FieldOpening)}</p> };
    view! {
        <Frame signed_in=true>
            <div id="field-app" data-mounted=move || mounted.get().to_string()>
                <Show when=move || mounted.get() fallback=opening>
                    {move || match profile.get() {
                        Profile::Loading => opening().into_any(),
                        Profile::NeedLogin => view! {
                            <p class="error" role="alert">{tr(K::FieldNeedLogin)}</p>
                            <a class="btn btn-primary" href="/login">{tr(K::Login)}</a>
                        }.into_any(),
                        Profile::Ready(_) => view! { <FieldOutlet/> }.into_any(),
                    }}
                </Show>
            </div>
        </Frame>
    }
}

/// Who is using this phone: asked from the server when it answers, else
/// remembered from the last online visit.
#[cfg(feature = "browser")]
async fn load_profile(profile: RwSignal<Profile>) {
    use crate::field::local;
    const KEY: &str = "yl_me";
    let req = gloo_net::http::Request::get("/api/v1/me").cache(web_sys::RequestCache::NoStore);
    match req.send().await {
        Ok(r) if r.ok() => {
            if let Ok(me) = r.json::<Me>().await {
                local::write(KEY, &me);
                profile.set(Profile::Ready(me));
                return;
            }
        }
        Ok(r) if r.status() == 401 => {
            local::remove(KEY);
            if let Some(w) = web_sys::window() {
                let _ = w.location().set_href("/login");
            }
            return;
        }
        _ => {}
    }
    let remembered = local::read::<Me>(KEY);
    profile.set(remembered.map(Profile::Ready).unwrap_or(Profile::NeedLogin));
}

pub(crate) fn current_me() -> Option<Me> {
    match expect_context::<FieldProfile>().0.get() {
        Profile::Ready(me) => Some(me),
        _ => None,
    }
}

#[component]
pub fn FieldHome() -> impl IntoView {
    view! {
        <h1>{tr(K::FieldHome)}</h1>
        {move || current_me().map(|me| view! {
            <p class="lead" id="field-hello">{tr(K::Hello)()}"，"{me.name}</p>
            <p>{tr(K::YourStation)()}"："{me.station_name.unwrap_or_default()}</p>
        })}
        <SyncBar/>
        <p><a class="btn btn-primary btn-block" id="new-visit" href="/field/visits/new">"登记走访"</a></p>
        <p><a class="btn btn-block" id="new-case-link" href="/field/cases/new">{tr(K::NewCase)}</a></p>
        <p><a class="btn btn-block" id="my-points" href="/field/points">"我的积分"</a></p>
        <Quarantined/>
        <DueToday/>
        <MyCases/>
    }
}

/// The plain line on what is saved and what waits, and the sync button.
#[component]
pub fn SyncBar() -> impl IntoView {
    let data = field_data();
    let prefs = use_prefs();
    let line = move || {
        let st = data.status.get();
        let t = |k| crate::i18n::t(prefs.lang.get(), k);
        if let Some((done, total)) = st.progress {
            format!("{}…{} {done} / {total}", t(K::Syncing), t(K::SyncedCount))
        } else if st.waiting > 0 {
            format!("{} {}", st.waiting, t(K::WaitingToSync))
        } else if st.ready {
            t(K::FieldAllSynced).to_string()
        } else {
            t(K::FieldOpening).to_string()
        }
    };
    view! {
        <section class="sync-bar" aria-live="polite">
            <p class="sync-line" id="sync-line" data-waiting=move || data.status.get().waiting.to_string()
                data-syncing=move || data.status.get().syncing.to_string()
                data-ready=move || data.status.get().ready.to_string()>{line}</p>
            {move || data.status.get().error.map(|e| view! { <p class="error" id="sync-error" role="status">{e}</p> })}
            <p class="muted small">
                {move || data.status.get().last_synced.map(|t| format!("{}：{t}", crate::i18n::t(prefs.lang.get(), K::LastSynced)))}
                " "
                {move || data.status.get().storage.map(|s| format!("{}：{s}", crate::i18n::t(prefs.lang.get(), K::StorageUsed)))}
            </p>
            <button type="button" class="btn" id="sync-now" on:click=move |_| crate::field::sync_now()
                disabled=move || data.status.get().syncing>{tr(K::SyncNow)}</button>
        </section>
    }
}

/// Records the server refused, with the reason, until the envoy has read it.
#[component]
fn Quarantined() -> impl IntoView {
    let data = field_data();
    move || {
        let items = data.status.get().quarantined;
        (!items.is_empty()).then(|| view! {
            <section class="quarantine" id="quarantine">
                <h2>{tr(K::Quarantined)}</h2>
                <p>{tr(K::QuarantinedHint)}</p>
                <ul class="cards">
                    {items.into_iter().map(|(op_id, what, why)| view! {
                        <li class="card">
                            <strong>{what}</strong>
                            <p class="error">{why}</p>
                            <button type="button" class="btn" on:click=move |_| crate::field::dismiss(op_id.clone())>
                                {tr(K::Understood)}
                            </button>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })
    }
}

fn status_label(code: &str) -> &'static str {
    schema::choice(RecordKind::Case, "status", code).map_or("", |c| c.zh)
}

fn is_open(c: &RecordState) -> bool {
    !matches!(c.str_value("status"), Some("resolved" | "follow_up" | "referred"))
}

fn case_card(c: RecordState) -> impl IntoView {
    let waiting = crate::field::is_waiting(c.id);
    let title = c.str_value("title").unwrap_or_default().to_string();
    let status = status_label(c.str_value("status").unwrap_or_default());
    let booked = c.str_value("mechanism") == Some("appointment");
    let due = c.str_value("follow_up_on").map(|d| format!("跟进 {d}"));
    view! {
        <li class="card" data-case=c.id.to_string()>
            <a class="card-link" href=format!("/field/cases/{}", c.id)>{title}</a>
            {booked.then(|| view! { <span class="tag">"预约调处"</span> })}
            <span class="tag">{status}</span>
            {due.map(|d| view! { <span class="tag">{d}</span> })}
            <span class="tag" class:tag-wait=waiting>
                {if waiting { tr(K::Waiting) } else { tr(K::Synced) }}
            </span>
        </li>
    }
}

/// Follow-ups due today or overdue: visits marked for follow-up and open
/// cases with a follow-up date.
#[component]
fn DueToday() -> impl IntoView {
    move || {
        let today = crate::field::date_in(0);
        let due = |r: &RecordState| r.str_value("follow_up_on").is_some_and(|d| d <= today.as_str());
        let mut items: Vec<(String, String, String)> = crate::field::records(RecordKind::Visit)
            .into_iter()
            .filter(|v| v.value("follow_up_needed") == Some(&FieldValue::Bool(true)) && due(v))
            .map(|v| {
                let topics = v
                    .value("topics")
                    .and_then(|t| t.as_array().cloned())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect::<Vec<_>>()
                    .join("、");
                let when = v.str_value("follow_up_on").unwrap_or_default().to_string();
                (
                    when,
                    format!("走访跟进：{}", if topics.is_empty() { "回访住户".into() } else { topics }),
                    String::new(),
                )
            })
            .collect();
        items.extend(crate::field::records(RecordKind::Case).into_iter().filter(|c| is_open(c) && due(c)).map(|c| {
            let when = c.str_value("follow_up_on").unwrap_or_default().to_string();
            (when, format!("事项跟进：{}", c.str_value("title").unwrap_or_default()), format!("/field/cases/{}", c.id))
        }));
        crate::sort::sort_by(&mut items, Ord::cmp);
        (!items.is_empty()).then(|| {
            view! {
                <section id="due-today">
                    <h2>"今天要跟进"</h2>
                    <ul class="cards">
                        {items.into_iter().map(|(when, what, href)| view! {
                            <li class="card">
                                {if href.is_empty() { view! { <strong>{what}</strong> }.into_any() }
                                 else { view! { <a class="card-link" href=href>{what}</a> }.into_any() }}
                                <span class="tag">{when}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            }
        })
    }
}

/// Open cases this envoy handles (created or assigned), newest change first;
/// the station's other open cases below.
#[component]
fn MyCases() -> impl IntoView {
    view! {
        <section>
            <h2>{tr(K::MyCases)}</h2>
            {move || {
                let me = current_me().and_then(|m| uuid::Uuid::parse_str(&m.id).ok());
                let mut cases: Vec<RecordState> =
                    crate::field::records(RecordKind::Case).into_iter().filter(is_open).collect();
                crate::sort::sort_by(&mut cases, |a, b| b.rev.cmp(&a.rev).then(b.id.cmp(&a.id)));
                let (mine, others): (Vec<_>, Vec<_>) =
                    cases.into_iter().partition(|c| me.is_some_and(|m| c.handlers.contains(&m)));
                view! {
                    {if mine.is_empty() {
                        view! { <p class="muted" id="no-cases">{tr(K::NoCases)}</p> }.into_any()
                    } else {
                        view! { <ul class="cards" id="case-list">{mine.into_iter().map(case_card).collect_view()}</ul> }.into_any()
                    }}
                    {(!others.is_empty()).then(|| view! {
                        <details>
                            <summary>{format!("本站其他在办事项（{}）", others.len())}</summary>
                            <ul class="cards" id="other-cases">{others.into_iter().map(case_card).collect_view()}</ul>
                        </details>
                    })}
                }.into_any()
            }}
        </section>
    }
}

/// Register a case with a title and a kind picked from the list, then go on
/// to the case (its own page, so the form's code loads only when used).
#[component]
pub fn FieldNewCase() -> impl IntoView {
    let navigate = crate::field_app::nav::use_navigate();
    let title = RwSignal::new(String::new());
    let kind = RwSignal::new("livelihood".to_string());
    let message = said();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let fields = vec![
            ("title", FieldValue::String(title.get_untracked().trim().to_string())),
            ("kind", FieldValue::String(kind.get_untracked())),
            ("status", FieldValue::String("registered".into())),
        ];
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match crate::field::create(RecordKind::Case, fields).await {
                Ok(id) => navigate(&format!("/field/cases/{id}")),
                Err(e) => message.set(Some((false, e))),
            }
        });
    };
    view! {
        <section>
            <h1>{tr(K::NewCase)}</h1>
            <form id="new-case" class="form" on:submit=save>
                <label for="case-title-input">{tr(K::CaseTitle)}</label>
                <input id="case-title-input" name="title" maxlength="100" required
                    prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
                <label for="case-kind">{tr(K::CaseKind)}</label>
                <select id="case-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    {schema::CASE_KIND.iter().map(|c| view! {
                        <option value=c.code selected=move || kind.get() == c.code>{c.zh}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class="btn btn-primary">{tr(K::Save)}</button>
            </form>
            <StatusLine message id="new-case-message"/>
        </section>
        <a class="btn" href="/field">{tr(K::FieldHome)}</a>
    }
}

/// A case opened from the list or a deep link; its content is on the phone.
#[component]
pub fn FieldCase() -> impl IntoView {
    crate::field::use_reference_data();
    let route = crate::field_app::nav::use_route();
    let id = move || route.with(|r| r.case_id());
    view! {
        <p class="mono small" id="case-id">{move || id().map(|i| i.to_string()).unwrap_or_default()}</p>
        {move || match id().and_then(crate::field::record) {
            None => view! {
                <h1 id="case-title">{tr(K::MyCases)}</h1>
                <p class="muted" id="case-missing">{tr(K::CaseMissing)}</p>
            }.into_any(),
            Some(case) => view! { <CaseView case/> }.into_any(),
        }}
        <SyncBar/>
        <a class="btn" href="/field">{tr(K::FieldHome)}</a>
    }
}

#[component]
fn CaseView(case: RecordState) -> impl IntoView {
    let id = case.id;
    let status = case.str_value("status").unwrap_or("registered").to_string();
    let kind = case.str_value("kind").and_then(|k| schema::choice(RecordKind::Case, "kind", k)).map_or("", |c| c.zh);
    let description = RwSignal::new(case.str_value("description").unwrap_or_default().to_string());
    let message = said();
    let waiting = move || crate::field::is_waiting(id);
    // A change and, for a step of the case, its timeline entry: one save.
    let save_step = move |changes: Vec<(&'static str, FieldValue)>, step: Option<(&'static str, String)>| {
        let mut all = vec![crate::field::Change::update(id, changes)];
        all.extend(step.map(|(kind, text)| step_entry(id, kind, text)));
        crate::field::save_and_tell(message, all, Vec::new(), "已保存在本机", || ());
    };
    let save_description = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save_step(vec![("description", FieldValue::String(description.get_untracked()))], None);
    };
    let next = schema::case_status::next_statuses(&status);
    let mechanism = case.str_value("mechanism").map(str::to_string);
    // Who raised it and how to reach them: the phone in full only for the
    // case's handlers (the phone shows what the server let it pull).
    let me = current_me().and_then(|m| uuid::Uuid::parse_str(&m.id).ok());
    let handler = me.is_some_and(|m| case.handlers.contains(&m));
    let raised_by = case.str_value("raised_by").map(str::to_string);
    let phone =
        case.str_value("contact_phone").map(|p| if handler { p.to_string() } else { crate::model::mask_phone(p) });
    let referred_to = case.str_value("referred_to").map(str::to_string);
    let is_dispute = case.str_value("kind") == Some("dispute");
    view! {
        <h1 id="case-title">{case.str_value("title").unwrap_or_default().to_string()}</h1>
        {(raised_by.is_some() || phone.is_some()).then(|| view! {
            <p id="case-contact">"反映人："{raised_by.unwrap_or_default()}" "{phone.unwrap_or_default()}</p>
        })}
        {referred_to.map(|t| view! { <p id="case-referred">"已转交："{t}</p> })}
        <p>
            <span class="tag">{kind}</span>" "
            <span class="tag" id="case-status">{status_label(&status)}</span>" "
            <span class="tag" id="case-sync" class:tag-wait=waiting>
                {move || if waiting() { tr(K::Waiting)() } else { tr(K::Synced)() }}
            </span>
        </p>
        <form id="case-description" class="form" on:submit=save_description>
            <label for="description">{tr(K::Description)}</label>
            <textarea id="description" rows="5" maxlength="5000"
                prop:value=move || description.get()
                on:input=move |ev| description.set(event_target_value(&ev))></textarea>
            <button type="submit" class="btn btn-primary">{tr(K::Save)}</button>
        </form>
        <Assignees id assignees=case.value("assignees").cloned()/>
        {(!next.is_empty()).then(|| view! {
            <h2>{tr(K::ChangeStatus)}</h2>
            <div class="actions" id="status-actions">
                {next.iter().filter(|s| **s != "referred").map(|s| {
                    let code = *s;
                    view! {
                        <button type="button" class="btn" data-status=code
                            on:click=move |_| save_step(
                                vec![("status", FieldValue::String(code.into()))],
                                Some(("status", format!("状态改为“{}”", status_label(code)))),
                            )>
                            {status_label(code)}
                        </button>
                    }
                }).collect_view()}
            </div>
        })}
        {next.contains(&"referred").then(|| {
            let to = RwSignal::new(String::new());
            let refer = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let whom = to.get_untracked().trim().to_string();
                if whom.is_empty() {
                    message.set(Some((false, "请选择转交给哪个单位。".into())));
                    return;
                }
                let step = Some(("referral", format!("转交{whom}")));
                save_step(
                    vec![("status", FieldValue::String("referred".into())), ("referred_to", FieldValue::String(whom))],
                    step,
                );
            };
            view! {
                <details class="card">
                    <summary>"转交其他单位"</summary>
                    <form class="form" id="refer-form" on:submit=refer>
                        <label for="refer-to">"转交给"</label>
                        <select id="refer-to" on:change=move |ev| to.set(event_target_value(&ev))>
                            <option value="">"请选择"</option>
                            {["司法所", "信访办", "派出所", "物业公司", "街道办事处", "住建部门", "民政部门"].into_iter()
                                .map(|u| view! { <option value=u>{u}</option> }).collect_view()}
                        </select>
                        <button type="submit" class="btn">"转交"</button>
                    </form>
                </details>
            }
        })}
        <h2>"处理方式"</h2>
        <div class="choices" role="group" data-pick="mechanism">
            {schema::CASE_MECHANISM.iter().map(|c| {
                let code = c.code;
                let pressed = mechanism.as_deref() == Some(code);
                view! {
                    <button type="button" class="btn choice" aria-pressed=pressed.to_string()
                        on:click=move |_| save_step(
                            vec![("mechanism", FieldValue::String(code.into()))],
                            Some(("note", format!("处理方式：{}", c.zh))),
                        )>{c.zh}</button>
                }
            }).collect_view()}
        </div>
        <StatusLine message id="case-message"/>
        <h2>"照片"</h2>
        <PhotoStrip owner=id/>
        <CasePhotos case_id=id/>
        {is_dispute.then(|| view! { <MediationLink case_id=id/> })}
        <Timeline case=case.clone() me/>
    }
}

/// Photos taken for the case, saved with a timeline entry.
#[component]
fn CasePhotos(case_id: uuid::Uuid) -> impl IntoView {
    let photos = pending_photos();
    let message = said();
    let save = move |_| {
        let list = photos.get_untracked();
        if list.is_empty() {
            return;
        }
        let n = list.len();
        let (mut changes, blobs) = photo_changes(list, "case", case_id);
        changes.push(step_entry(case_id, "note", format!("添加照片 {n} 张")));
        crate::field::save_and_tell(message, changes, blobs, "照片已保存在本机", move || {
            photos.set(Vec::new())
        });
    };
    view! {
        <PhotoPicker photos draft=format!("case-photos-{case_id}") id="case-photo"/>
        {move || (!photos.with(Vec::is_empty)).then(|| view! {
            <button type="button" class="btn btn-primary" id="save-case-photos" on:click=save>"保存照片"</button>
        })}
        <StatusLine message/>
    }
}

/// A dispute's mediation: open it, or start one.
#[component]
fn MediationLink(case_id: uuid::Uuid) -> impl IntoView {
    let href = format!("/field/cases/{case_id}/mediation");
    move || {
        let key = case_id.to_string();
        let found =
            crate::field::records_where(RecordKind::Mediation, |m| m.str_value("case_id") == Some(key.as_str()))
                .into_iter()
                .next();
        let label = match found.as_ref().and_then(|m| m.str_value("status")) {
            Some(s) => {
                format!("调解记录（{}）", schema::choice(RecordKind::Mediation, "status", s).map_or("", |c| c.zh))
            }
            None => "开始调解".into(),
        };
        view! {
            <h2>"人民调解"</h2>
            <p><a class="btn btn-primary btn-block" id="open-mediation" href=href.clone()>{label}</a></p>
        }
    }
}

/// Who handles the case, and adding a colleague from the station's envoys.
#[component]
fn Assignees(id: uuid::Uuid, assignees: Option<FieldValue>) -> impl IntoView {
    let data = field_data();
    let current: Vec<String> = assignees
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let pick = RwSignal::new(String::new());
    let message = said();
    // The case's creator handles it already; offer the others.
    let me = current_me().map(|m| m.id);
    let names = {
        let current = current.clone();
        move || {
            let envoys = data.envoys.get();
            current
                .iter()
                .map(|id| envoys.iter().find(|(e, _)| e == id).map_or_else(|| id.clone(), |(_, n)| n.clone()))
                .collect::<Vec<_>>()
                .join("、")
        }
    };
    let add = {
        let current = current.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let who = pick.get_untracked();
            if who.is_empty() || current.contains(&who) {
                return;
            }
            let mut list: Vec<FieldValue> = current.iter().cloned().map(FieldValue::String).collect();
            list.push(FieldValue::String(who.clone()));
            let name = uuid::Uuid::parse_str(&who).map(|u| person(u, None)).unwrap_or_default();
            let changes = vec![
                crate::field::Change::update(id, vec![("assignees", FieldValue::Array(list))]),
                step_entry(id, "note", format!("添加经办人：{name}")),
            ];
            crate::field::save_and_tell(message, changes, Vec::new(), "已保存在本机", || ());
        }
    };
    view! {
        <h2>"经办人"</h2>
        <p id="case-assignees">{names}</p>
        <form id="add-assignee" class="form" on:submit=add>
            <label for="assignee-pick">"添加经办人"</label>
            <select id="assignee-pick" on:change=move |ev| pick.set(event_target_value(&ev))>
                <option value="">"请选择"</option>
                {move || data.envoys.get().into_iter().filter(|(e, _)| !current.contains(e) && Some(e) != me.as_ref()).map(|(e, n)| view! {
                    <option value=e>{n}</option>
                }).collect_view()}
            </select>
            <button type="submit" class="btn">"添加"</button>
        </form>
        <StatusLine message/>
    }
}

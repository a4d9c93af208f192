//! 走访: log a door-to-door visit in under a minute, by taps. Compound →
//! building → unit → household from the station's address book (a new
//! household is added on the spot), whether the resident was met, what was
//! raised (pick-lists), a note (works with the keyboard's voice input), and
//! a follow-up date. Every tap and keystroke is kept as a draft on the phone;
//! a saved visit is final (append-only) and any topic can become a case.

use super::field_photos::{pending_photos, photo_changes, PhotoPicker};
use crate::components::status::{said, StatusLine};
use crate::{
    field::{self, field_data, Change},
    i18n::K,
    prefs::tr,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use yinling_protocol::{FieldValue, RecordKind};

const DRAFT: &str = "visit-new";

/// What the envoy has entered so far (also the draft's JSON).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct VisitForm {
    compound: Option<String>,
    building: Option<String>,
    unit: Option<i64>,
    household: Option<String>,
    /// Adding a household: floor and door on that floor.
    new_floor: Option<i64>,
    new_door: Option<i64>,
    head_name: String,
    met: Option<bool>,
    topics: Vec<String>,
    note: String,
    follow_up: bool,
    follow_up_on: String,
}

/// Topics and the case kind each becomes (民生诉求 has sub-kinds).
pub const TOPICS: &[(&str, &str)] = &[
    ("民生诉求·物业", "livelihood"),
    ("民生诉求·维修", "livelihood"),
    ("民生诉求·电梯", "livelihood"),
    ("民生诉求·停车", "livelihood"),
    ("民生诉求·环境", "livelihood"),
    ("民生诉求·助医", "livelihood"),
    ("民生诉求·助餐", "livelihood"),
    ("民生诉求·助浴", "livelihood"),
    ("矛盾纠纷", "dispute"),
    ("社情民意", "public_opinion"),
    ("安全隐患", "safety_hazard"),
    ("特殊人群关怀", "special_care"),
];

fn door_label(unit: i64, floor: i64, door: i64) -> String {
    format!("{unit}单元{floor}{door:02}")
}

/// Big buttons for picking one value; the chosen one is pressed.
pub(crate) fn choices<T: Clone + PartialEq + Send + Sync + 'static>(
    name: &'static str,
    items: Vec<(T, String)>,
    chosen: impl Fn() -> Option<T> + Send + Sync + Copy + 'static,
    pick: impl Fn(T) + Send + Sync + Copy + 'static,
) -> impl IntoView {
    view! {
        <div class="choices" role="group" data-pick=name>
            {items.into_iter().map(|(value, label)| {
                let v = value.clone();
                let pressed = move || chosen().as_ref() == Some(&v);
                view! {
                    <button type="button" class="btn choice" aria-pressed=move || pressed().to_string()
                        on:click=move |_| pick(value.clone())>{label}</button>
                }
            }).collect_view()}
        </div>
    }
}

#[component]
pub fn FieldVisit() -> impl IntoView {
    crate::field::use_reference_data();
    let data = field_data();
    let form = RwSignal::new(VisitForm { follow_up_on: field::date_in(7), ..Default::default() });
    let saved = RwSignal::new(None::<(String, Vec<String>, Option<String>)>);
    let message = said();
    let saved_note = RwSignal::new(String::new());
    let photos = pending_photos();

    field::keep_draft(
        DRAFT.into(),
        move |kept| async move {
            if let Some(d) = kept.and_then(|t| serde_json::from_str(&t).ok()) {
                form.set(d);
            }
        },
        move || serde_json::to_string(&form.get()).ok(),
    );

    let book = move || data.address_book.get();
    let compounds = move || book().compounds.into_iter().map(|c| (c.id, c.name)).collect::<Vec<_>>();
    let buildings = move || {
        let c = form.with(|f| f.compound.clone());
        book().buildings.into_iter().filter(|b| Some(&b.compound_id) == c.as_ref()).collect::<Vec<_>>()
    };
    let building = move || {
        let b = form.with(|f| f.building.clone());
        book().buildings.into_iter().find(|x| Some(&x.id) == b.as_ref())
    };
    let households = move || {
        let (b, u) = form.with(|f| (f.building.clone(), f.unit));
        let (Some(b), Some(u)) = (b, u) else { return Vec::new() };
        let prefix = format!("{u}单元");
        let mut list: Vec<(String, String)> = field::records(RecordKind::Household)
            .into_iter()
            .filter(|h| h.str_value("building_id") == Some(b.as_str()))
            .filter_map(|h| {
                let door = h.str_value("door")?.to_string();
                door.starts_with(&prefix).then(|| {
                    let name = h.str_value("head_name").map(|n| format!(" {n}")).unwrap_or_default();
                    (h.id.to_string(), format!("{door}{name}"))
                })
            })
            .collect();
        crate::sort::sort_by(&mut list, |a, b| a.1.cmp(&b.1));
        list
    };

    let can_save = move || {
        form.with(|f| {
            f.met.is_some()
                && (f.household.is_some() || (f.unit.is_some() && f.new_floor.is_some() && f.new_door.is_some()))
        })
    };

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let f = form.get_untracked();
        let (Some(compound), Some(building), Some(unit), Some(met)) =
            (f.compound.clone(), f.building.clone(), f.unit, f.met)
        else {
            message.set(Some((false, "请选好小区、楼栋、单元、住户，以及是否见到住户。".into())));
            return;
        };
        // The new household (if any), the visit and its photos: one save.
        let mut changes = Vec::new();
        let household = match f.household.clone() {
            Some(h) => h,
            None => {
                let (Some(floor), Some(door)) = (f.new_floor, f.new_door) else {
                    message.set(Some((false, "请选择住户，或选楼层和门牌新增住户。".into())));
                    return;
                };
                let mut fields = vec![
                    ("compound_id", FieldValue::String(compound.clone())),
                    ("building_id", FieldValue::String(building.clone())),
                    ("door", FieldValue::String(door_label(unit, floor, door))),
                ];
                if !f.head_name.trim().is_empty() {
                    fields.push(("head_name", FieldValue::String(f.head_name.trim().to_string())));
                }
                let id = field::new_id();
                changes.push(Change::create(RecordKind::Household, id, fields));
                id.to_string()
            }
        };
        let mut fields = vec![
            ("compound_id", FieldValue::String(compound)),
            ("building_id", FieldValue::String(building)),
            ("household_id", FieldValue::String(household.clone())),
            ("visited_at", FieldValue::from(js_now())),
            ("met", FieldValue::Bool(met)),
            ("topics", FieldValue::Array(f.topics.iter().cloned().map(FieldValue::String).collect())),
            ("follow_up_needed", FieldValue::Bool(f.follow_up)),
        ];
        if !f.note.trim().is_empty() {
            fields.push(("note", FieldValue::String(f.note.trim().to_string())));
        }
        if f.follow_up && !f.follow_up_on.is_empty() {
            fields.push(("follow_up_on", FieldValue::String(f.follow_up_on.clone())));
        }
        let visit_id = field::new_id();
        changes.push(Change::create(RecordKind::Visit, visit_id, fields));
        let (photo_records, blobs) = photo_changes(photos.get_untracked(), "visit", visit_id);
        changes.extend(photo_records);
        leptos::task::spawn_local(async move {
            match field::save(changes, blobs).await.map(|()| visit_id) {
                Ok(id) => {
                    field::clear_draft(DRAFT);
                    saved.set(Some((id.to_string(), f.topics.clone(), Some(household))));
                    saved_note.set(f.note.trim().to_string());
                    form.set(VisitForm { follow_up_on: field::date_in(7), ..Default::default() });
                    photos.set(Vec::new());
                    message.set(Some((true, "走访已保存在本机".into())));
                }
                Err(e) => message.set(Some((false, e))),
            }
        });
    };
    view! {
        <h1 id="visit-title">"登记走访"</h1>
        <StatusLine message id="visit-message"/>
        {move || saved.get().map(|(visit_id, topics, household)| view! {
            <ToCase visit_id topics household note=saved_note.get()/>
        })}
        <form id="visit-form" class="form" on:submit=save>
            <h2>"小区"</h2>
            {move || choices("compound", compounds(), move || form.with(|f| f.compound.clone()), move |id| form.update(|f| {
                *f = VisitForm { compound: Some(id), follow_up_on: f.follow_up_on.clone(), note: f.note.clone(), ..Default::default() };
            }))}
            <Show when=move || form.with(|f| f.compound.is_some())>
                <h2>"楼栋"</h2>
                {move || choices("building", buildings().into_iter().map(|b| (b.id, b.name)).collect(),
                    move || form.with(|f| f.building.clone()),
                    move |id| form.update(|f| { f.building = Some(id); f.unit = None; f.household = None; }))}
            </Show>
            {move || building().map(|b| view! {
                <h2>"单元"</h2>
                {choices("unit", (1..=b.units).map(|u| (u, format!("{u}单元"))).collect(),
                    move || form.with(|f| f.unit),
                    move |u| form.update(|f| { f.unit = Some(u); f.household = None; }))}
            })}
            {move || form.with(|f| f.unit).map(|unit| {
                let floors = building().map_or(6, |b| b.floors);
                view! {
                    <h2>"住户"</h2>
                    {choices("household", households(), move || form.with(|f| f.household.clone()),
                        move |id| form.update(|f| { f.household = Some(id); f.new_floor = None; f.new_door = None; }))}
                    <details class="card" id="new-household">
                        <summary>"新增住户"</summary>
                        <label for="new-floor">"楼层"</label>
                        <select id="new-floor" on:change=move |ev| {
                            let v = event_target_value(&ev).parse().ok();
                            form.update(|f| { f.new_floor = v; f.household = None; });
                        }>
                            <option value="">"请选择"</option>
                            {(1..=floors).map(|n| view! {
                                <option value=n.to_string() selected=move || form.with(|f| f.new_floor == Some(n))>{format!("{n}楼")}</option>
                            }).collect_view()}
                        </select>
                        <label for="new-door">"门牌"</label>
                        <select id="new-door" on:change=move |ev| {
                            let v = event_target_value(&ev).parse().ok();
                            form.update(|f| { f.new_door = v; f.household = None; });
                        }>
                            <option value="">"请选择"</option>
                            {(1..=4).map(|n| view! {
                                <option value=n.to_string() selected=move || form.with(|f| f.new_door == Some(n))>
                                    {move || door_label(unit, form.with(|f| f.new_floor.unwrap_or(1)), n)}
                                </option>
                            }).collect_view()}
                        </select>
                        <label for="head-name">"户主姓名（可不填）"</label>
                        <input id="head-name" maxlength="50" prop:value=move || form.with(|f| f.head_name.clone())
                            on:input=move |ev| form.update(|f| f.head_name = event_target_value(&ev))/>
                    </details>
                }
            })}
            <h2>"是否见到住户"</h2>
            {choices("met", vec![(true, "见到了".to_string()), (false, "没见到".to_string())],
                move || form.with(|f| f.met), move |m| form.update(|f| f.met = Some(m)))}
            <h2>"反映的问题（可多选）"</h2>
            <div class="choices" role="group" data-pick="topics">
                {TOPICS.iter().map(|(topic, _)| {
                    let t = topic.to_string();
                    let on = { let t = t.clone(); move || form.with(|f| f.topics.contains(&t)) };
                    view! {
                        <button type="button" class="btn choice" aria-pressed=move || on().to_string()
                            on:click=move |_| { let t = t.clone(); form.update(|f| {
                                if let Some(i) = f.topics.iter().position(|x| *x == t) { f.topics.remove(i); } else { f.topics.push(t); }
                            }) }>{*topic}</button>
                    }
                }).collect_view()}
            </div>
            <label for="visit-note">"走访记录（可用语音输入）"</label>
            <textarea id="visit-note" rows="5" maxlength="5000" prop:value=move || form.with(|f| f.note.clone())
                on:input=move |ev| form.update(|f| f.note = event_target_value(&ev))></textarea>
            <label class="check">
                <input type="checkbox" id="follow-up" prop:checked=move || form.with(|f| f.follow_up)
                    on:change=move |ev| form.update(|f| f.follow_up = event_target_checked(&ev))/>
                " 需要跟进"
            </label>
            <Show when=move || form.with(|f| f.follow_up)>
                <label for="follow-up-on">"跟进日期"</label>
                <input type="date" id="follow-up-on" prop:value=move || form.with(|f| f.follow_up_on.clone())
                    on:input=move |ev| form.update(|f| f.follow_up_on = event_target_value(&ev))/>
            </Show>
            <h2>"照片"</h2>
            <PhotoPicker photos draft=DRAFT id="visit-photo"/>
            <button type="submit" class="btn btn-primary btn-block" id="save-visit" disabled=move || !can_save()>
                {tr(K::Save)}
            </button>
        </form>
        <super::field::SyncBar/>
        <a class="btn" href="/field">{tr(K::FieldHome)}</a>
    }
}

fn js_now() -> i64 {
    #[cfg(feature = "browser")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "browser"))]
    {
        0
    }
}

/// After a visit is saved: each topic raised can become a case at once.
#[component]
fn ToCase(visit_id: String, topics: Vec<String>, household: Option<String>, note: String) -> impl IntoView {
    let done = RwSignal::new(Vec::<(String, String)>::new());
    view! {
        <section class="card" id="to-case">
            <h2>"转为事项"</h2>
            {if topics.is_empty() { Some(view! { <p class="muted">"这次走访没有选择问题。"</p> }) } else { None }}
            {topics.into_iter().map(|topic| {
                let kind = TOPICS.iter().find(|(t, _)| *t == topic).map_or("livelihood", |(_, k)| *k);
                let (visit_id, household, note, t) = (visit_id.clone(), household.clone(), note.clone(), topic.clone());
                let made = { let t = topic.clone(); move || done.get().iter().find(|(x, _)| *x == t).map(|(_, id)| id.clone()) };
                view! {
                    <div class="row" data-topic=topic.clone()>
                        <span>{topic.clone()}</span>
                        {move || match made() {
                            Some(id) => view! { <a class="btn" href=format!("/field/cases/{id}")>"查看事项"</a> }.into_any(),
                            None => {
                                let (visit_id, household, note, t) = (visit_id.clone(), household.clone(), note.clone(), t.clone());
                                view! {
                                    <button type="button" class="btn" on:click=move |_| {
                                        let (visit_id, household, note, t) = (visit_id.clone(), household.clone(), note.clone(), t.clone());
                                        leptos::task::spawn_local(async move {
                                            let mut fields = vec![
                                                ("title", FieldValue::String(t.clone())),
                                                ("kind", FieldValue::String(kind.into())),
                                                ("status", FieldValue::String("registered".into())),
                                                ("visit_id", FieldValue::String(visit_id)),
                                            ];
                                            if let Some(h) = household { fields.push(("household_id", FieldValue::String(h))); }
                                            if !note.is_empty() { fields.push(("description", FieldValue::String(note))); }
                                            if let Ok(id) = field::create(RecordKind::Case, fields).await {
                                                done.update(|d| d.push((t, id.to_string())));
                                            }
                                        });
                                    }>"转为事项"</button>
                                }.into_any()
                            }
                        }}
                    </div>
                }
            }).collect_view()}
        </section>
    }
}

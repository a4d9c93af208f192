//! A case's timeline (事项进展): every step with who and when, newest last.
//!
//! Steps are timeline-entry records (append-only, so two envoys adding
//! entries offline never conflict). Status changes, referrals, the handling
//! mechanism and new handlers add their entry in the same save as the change
//! itself (see [`step_entry`]); envoys add notes, calls and home visits by
//! hand. The case's registration heads the list.

use crate::components::status::{said, StatusLine};
use crate::field::{self, field_data, Change};
use leptos::prelude::*;
use uuid::Uuid;
use yinling_protocol::{schema, FieldValue, RecordKind, RecordState};

/// The timeline entry recording a step, to save together with it.
pub fn step_entry(case_id: Uuid, entry_type: &str, text: String) -> Change {
    Change::create(
        RecordKind::TimelineEntry,
        field::new_id(),
        vec![
            ("case_id", FieldValue::String(case_id.to_string())),
            ("entry_type", FieldValue::String(entry_type.into())),
            ("text", FieldValue::String(text)),
            ("at", FieldValue::from(field::now_ms())),
        ],
    )
}

/// The name of a user for display: an envoy of the station by name, the
/// signed-in user as 我, anyone else as 工作人员.
pub fn person(id: Uuid, me: Option<Uuid>) -> String {
    if me == Some(id) {
        return "我".into();
    }
    let key = id.to_string();
    field_data()
        .envoys
        .with(|e| e.iter().find(|(i, _)| *i == key).map(|(_, n)| n.clone()))
        .unwrap_or_else(|| "工作人员".into())
}

#[component]
pub fn Timeline(case: RecordState, me: Option<Uuid>) -> impl IntoView {
    let case_id = case.id;
    let registered = (field::uuid_ms(case.created_op), case.created_by);
    let entries = move || {
        let key = case_id.to_string();
        let mut list: Vec<(i64, String, String, Uuid, bool)> =
            field::records_where(RecordKind::TimelineEntry, |e| e.str_value("case_id") == Some(key.as_str()))
                .into_iter()
                .map(|e| {
                    let at = e.value("at").and_then(FieldValue::as_i64).unwrap_or_default();
                    let kind = e
                        .str_value("entry_type")
                        .and_then(|t| schema::choice(RecordKind::TimelineEntry, "entry_type", t))
                        .map_or("", |c| c.zh)
                        .to_string();
                    (
                        at,
                        kind,
                        e.str_value("text").unwrap_or_default().to_string(),
                        e.created_by,
                        field::is_waiting(e.id),
                    )
                })
                .collect();
        list.sort_by_key(|e| e.0);
        list
    };
    view! {
        <section id="timeline">
            <h2>"办理经过"</h2>
            <ol class="timeline" id="timeline-list">
                <li>
                    <span class="when">{field::when(registered.0)}</span>" "
                    <strong>"登记"</strong>" · "{person(registered.1, me)}
                </li>
                {move || entries().into_iter().map(|(at, kind, text, who, waiting)| {
                    let data_kind = kind.clone();
                    view! {
                    <li data-entry=data_kind>
                        <span class="when">{field::when(at)}</span>" "
                        <strong>{kind}</strong>" · "{person(who, me)}
                        {waiting.then(|| view! { " " <span class="tag tag-wait">"待同步"</span> })}
                        <p>{text}</p>
                    </li>
                    }
                }).collect_view()}
            </ol>
            <AddEntry case_id/>
        </section>
    }
}

/// 记一笔: a note, a phone call or a home visit, picked, then a few words.
#[component]
fn AddEntry(case_id: Uuid) -> impl IntoView {
    let kind = RwSignal::new("note".to_string());
    let text = RwSignal::new(String::new());
    let message = said();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let words = text.get_untracked().trim().to_string();
        if words.is_empty() {
            message.set(Some((false, "请写几句办理情况（可用语音输入）。".into())));
            return;
        }
        let entry = step_entry(case_id, &kind.get_untracked(), words);
        field::save_and_tell(message, vec![entry], Vec::new(), "已保存在本机", move || text.set(String::new()));
    };
    view! {
        <details class="card">
            <summary>"记一笔进展"</summary>
            <form class="form" id="add-entry" on:submit=add>
                <div class="choices" role="group" data-pick="entry-type">
                    {schema::TIMELINE_TYPE.iter().filter(|c| matches!(c.code, "note" | "call" | "visit")).map(|c| {
                        let code = c.code;
                        view! {
                            <button type="button" class="btn choice" aria-pressed=move || (kind.get() == code).to_string()
                                on:click=move |_| kind.set(code.into())>{c.zh}</button>
                        }
                    }).collect_view()}
                </div>
                <label for="entry-text">"情况"</label>
                <textarea id="entry-text" rows="3" maxlength="2000"
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                <button type="submit" class="btn btn-primary">"保存"</button>
            </form>
            <StatusLine message/>
        </details>
    }
}

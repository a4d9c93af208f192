//! 人民调解: the mediation record of a dispute case, offline on the phone.
//!
//! Follows the People's Mediation Law: the parties (name, contact, relation,
//! role) and, for each, that they were told their rights and duties (第二十三条)
//! and agreed to mediation (第十七条); the facts, the disputed matters and each
//! side's responsibility; every session (append-only records: when, where,
//! who mediated, what was said); the outcome. A success records the terms,
//! how and by when they are carried out, and either a written agreement
//! signed on the screen by every party and the mediator, or an oral one
//! recorded as such (第二十八条). The written agreement prints as 调解协议书.
//!
//! Only the mediation's handlers (who opened it and the case's handlers at
//! that moment) and the station's staff receive these records; the server
//! enforces it. Everything typed is kept as a draft until saved.

use super::field_timeline::{person, step_entry};
use super::field_visit::choices;
use crate::components::agreement::{AgreementSheet, SignatureImage, PAD_H, PAD_W};
use crate::components::status::{said, StatusLine};
use crate::field::{self, Change};
use crate::model::{AgreementDoc, AgreementParty, AgreementSignature};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;
use yinling_protocol::{schema, FieldValue, RecordKind, RecordState};

const RELATIONS: &[&str] = &["邻居", "楼上楼下", "家人", "房东与租户", "业主与物业", "其他"];
const PLACES: &[&str] = &["社区调解室", "银龄解忧工作室", "当事人家中", "纠纷现场"];
const PERFORMANCE: &[&str] = &["当场履行", "限期履行", "分期履行"];
const REFER_TO: &[&str] = &["司法所", "派出所", "人民法院", "信访办", "街道办事处", "物业公司"];

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Party {
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    relation: String,
    role: String,
    informed: bool,
    consented: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Signature {
    signer: String,
    role: String,
    path: String,
    signed_at: i64,
}

/// What the mediation form holds (also its draft's JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Form {
    parties: Vec<Party>,
    facts: String,
    disputes: String,
    responsibilities: String,
    status: String,
    referred_to: String,
    agreement_form: String,
    terms: String,
    performance: String,
    deadline: String,
    signatures: Vec<Signature>,
}

impl Default for Form {
    fn default() -> Self {
        Form {
            parties: Vec::new(),
            facts: String::new(),
            disputes: String::new(),
            responsibilities: String::new(),
            status: schema::mediation_status::MEDIATING.into(),
            referred_to: String::new(),
            agreement_form: String::new(),
            terms: String::new(),
            performance: String::new(),
            deadline: String::new(),
            signatures: Vec::new(),
        }
    }
}

impl Form {
    fn of(record: &RecordState) -> Form {
        let text = |k: &str| record.str_value(k).unwrap_or_default().to_string();
        fn list<T: serde::de::DeserializeOwned>(record: &RecordState, k: &str) -> Vec<T> {
            record.value(k).cloned().and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default()
        }
        Form {
            parties: list(record, "parties"),
            facts: text("facts"),
            disputes: text("disputes"),
            responsibilities: text("responsibilities"),
            status: record.str_value("status").unwrap_or(schema::mediation_status::MEDIATING).to_string(),
            referred_to: text("referred_to"),
            agreement_form: text("agreement_form"),
            terms: text("terms"),
            performance: text("performance"),
            deadline: text("deadline"),
            signatures: list(record, "signatures"),
        }
    }

    /// Every field as it goes on the wire; empty text is "not set".
    fn values(&self) -> Vec<(&'static str, FieldValue)> {
        let text =
            |s: &str| if s.trim().is_empty() { FieldValue::Null } else { FieldValue::String(s.trim().to_string()) };
        let parties: Vec<FieldValue> = self
            .parties
            .iter()
            .map(|p| {
                let mut o =
                    json!({"name": p.name.trim(), "role": p.role, "informed": p.informed, "consented": p.consented});
                if !p.phone.trim().is_empty() {
                    o["phone"] = json!(p.phone.trim());
                }
                if !p.relation.trim().is_empty() {
                    o["relation"] = json!(p.relation.trim());
                }
                o
            })
            .collect();
        let signatures = self.signatures.iter().map(|s| json!(s)).collect::<Vec<_>>();
        let list = |items: Vec<FieldValue>| if items.is_empty() { FieldValue::Null } else { FieldValue::Array(items) };
        vec![
            ("status", FieldValue::String(self.status.clone())),
            ("parties", list(parties)),
            ("facts", text(&self.facts)),
            ("disputes", text(&self.disputes)),
            ("responsibilities", text(&self.responsibilities)),
            ("referred_to", text(&self.referred_to)),
            ("agreement_form", text(&self.agreement_form)),
            ("terms", text(&self.terms)),
            ("performance", text(&self.performance)),
            ("deadline", text(&self.deadline)),
            ("signatures", list(signatures)),
        ]
    }

    /// The agreement as it prints; `when` writes a signature's time.
    fn agreement(&self, station: String, when: &dyn Fn(i64) -> String) -> AgreementDoc {
        AgreementDoc {
            station,
            written: self.agreement_form == "written",
            parties: self
                .parties
                .iter()
                .map(|p| AgreementParty {
                    name: p.name.clone(),
                    role: label(schema::PARTY_ROLE, &p.role).to_string(),
                    relation: p.relation.clone(),
                })
                .collect(),
            facts: self.facts.clone(),
            disputes: self.disputes.clone(),
            responsibilities: self.responsibilities.clone(),
            terms: self.terms.clone(),
            performance: self.performance.clone(),
            deadline: self.deadline.clone(),
            signatures: self
                .signatures
                .iter()
                .map(|s| AgreementSignature {
                    path: s.path.clone(),
                    caption: format!("{}（{}）{}", s.signer, label(schema::SIGNER_ROLE, &s.role), when(s.signed_at)),
                })
                .collect(),
        }
    }

    /// Who must sign a written agreement: every party, then the mediator.
    fn signers(&self, mediator: &str) -> Vec<(String, &'static str)> {
        let mut out: Vec<(String, &'static str)> = self
            .parties
            .iter()
            .filter(|p| !p.name.trim().is_empty())
            .map(|p| (p.name.trim().to_string(), "party"))
            .collect();
        out.push((mediator.to_string(), "mediator"));
        out
    }

    /// What the law asks before an outcome is recorded, in words for the envoy.
    fn check(&self, mediator: &str) -> Result<(), String> {
        if self.parties.is_empty() {
            return Err("请先添加当事人。".into());
        }
        if self.status == schema::mediation_status::SUCCEEDED {
            if let Some(p) = self.parties.iter().find(|p| !(p.informed && p.consented)) {
                return Err(format!(
                    "{}尚未确认“已告知权利义务”和“同意调解”（人民调解法第十七条、第二十三条），不能记录调解成功。",
                    p.name
                ));
            }
            if self.agreement_form == "written" {
                let missing: Vec<String> = self
                    .signers(mediator)
                    .into_iter()
                    .filter(|(n, _)| !self.signatures.iter().any(|s| &s.signer == n))
                    .map(|(n, _)| n)
                    .collect();
                if !missing.is_empty() {
                    return Err(format!("书面协议还缺签名：{}", missing.join("、")));
                }
            }
        }
        let values = self.values();
        schema::check_mediation(|k| values.iter().find(|(n, _)| *n == k).map(|(_, v)| v).filter(|v| !v.is_null()))
            .map_err(|r| r.zh)
    }
}

fn label(list: &'static [schema::Choice], code: &str) -> &'static str {
    list.iter().find(|c| c.code == code).map_or("", |c| c.zh)
}

fn mediation_of(case_id: Uuid) -> Option<RecordState> {
    let key = case_id.to_string();
    field::records_where(RecordKind::Mediation, |m| m.str_value("case_id") == Some(key.as_str())).into_iter().next()
}

fn my_id() -> Option<Uuid> {
    super::field::current_me().and_then(|m| Uuid::parse_str(&m.id).ok())
}

fn my_name() -> String {
    super::field::current_me().map(|m| m.name).unwrap_or_else(|| "调解员".into())
}

#[component]
pub fn FieldMediation() -> impl IntoView {
    crate::field::use_reference_data();
    let route = crate::field_app::nav::use_route();
    let case_id = move || route.with(|r| r.case_id());
    // Re-draw only when the case appears or goes, not on every save.
    let case_here = Memo::new(move |_| case_id().and_then(field::record).map(|c| c.id));
    view! {
        {move || match case_here.get() {
            None => view! {
                <h1>"人民调解"</h1>
                <p class="muted" id="mediation-missing">{"这台手机上没有这条事项，请先同步。"}</p>
            }.into_any(),
            Some(id) => view! { <Editor case_id=id/> }.into_any(),
        }}
        <super::field::SyncBar/>
        {move || case_id().map(|id| view! { <a class="btn" href=format!("/field/cases/{id}")>"返回事项"</a> })}
    }
}

#[component]
fn Editor(case_id: Uuid) -> impl IntoView {
    let draft_key = format!("mediation-{case_id}");
    let case = untrack(|| field::record(case_id));
    let stored = untrack(|| mediation_of(case_id));
    let med_id = RwSignal::new(stored.as_ref().map(|m| m.id));
    let saved_form = RwSignal::new(stored.as_ref().map(Form::of));
    let form = RwSignal::new(stored.as_ref().map(Form::of).unwrap_or_default());
    let message = said();

    // The draft holds what differs from the saved mediation; none if nothing.
    field::keep_draft(
        draft_key.clone(),
        move |kept| async move {
            if let Some(d) = kept.and_then(|t| serde_json::from_str::<Form>(&t).ok()) {
                form.set(d);
            }
        },
        move || {
            let f = form.get();
            (saved_form.get_untracked().as_ref() != Some(&f)).then(|| serde_json::to_string(&f).ok()).flatten()
        },
    );

    let title = case.as_ref().and_then(|c| c.str_value("title")).unwrap_or_default().to_string();
    let handlers: Vec<FieldValue> = case
        .as_ref()
        .map(|c| c.handlers.iter().map(|h| FieldValue::String(h.to_string())).collect())
        .unwrap_or_default();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        message.set(None);
        let f = form.get_untracked();
        if let Err(e) = f.check(&my_name()) {
            message.set(Some((false, e)));
            return;
        }
        let before = saved_form.get_untracked();
        let mut changes = Vec::new();
        let id = match med_id.get_untracked() {
            Some(id) => {
                let old = before.clone().unwrap_or_default().values();
                let changed: Vec<(&str, FieldValue)> = f
                    .values()
                    .into_iter()
                    .filter(|(k, v)| old.iter().find(|(o, _)| o == k).map(|(_, ov)| ov) != Some(v))
                    .collect();
                if changed.is_empty() {
                    message.set(Some((true, "没有改动，已是最新".into())));
                    return;
                }
                changes.push(Change::update(id, changed));
                id
            }
            None => {
                let id = field::new_id();
                let mut fields: Vec<(&str, FieldValue)> =
                    f.values().into_iter().filter(|(_, v)| !v.is_null()).collect();
                fields.push(("case_id", FieldValue::String(case_id.to_string())));
                fields.push(("mediator_ids", FieldValue::Array(handlers.clone())));
                changes.push(Change::create(RecordKind::Mediation, id, fields));
                changes.push(step_entry(case_id, "note", "开始人民调解".into()));
                id
            }
        };
        if before.as_ref().is_some_and(|b| b.status != f.status) || (before.is_none() && f.status != "mediating") {
            changes.push(step_entry(
                case_id,
                "status",
                format!("调解结果：{}", label(schema::MEDIATION_STATUS, &f.status)),
            ));
        }
        let key = draft_key.clone();
        leptos::task::spawn_local(async move {
            match field::save(changes, Vec::new()).await {
                Ok(()) => {
                    med_id.set(Some(id));
                    saved_form.set(Some(f));
                    field::clear_draft(key);
                    message.set(Some((true, "调解记录已保存在本机".into())));
                }
                Err(e) => message.set(Some((false, e))),
            }
        });
    };

    view! {
        <h1 id="mediation-title">"人民调解"</h1>
        <p class="lead">{title}</p>
        <p class="muted small">"调解记录只有本事项的经办人和工作室工作人员能看到。"</p>
        <form id="mediation-form" class="form" on:submit=save>
            <Parties form/>
            <h2>"纠纷情况"</h2>
            <TextArea id="facts" label="纠纷事实" value=move || form.with(|f| f.facts.clone())
                set=move |v| form.update(|f| f.facts = v)/>
            <TextArea id="disputes" label="争议事项" value=move || form.with(|f| f.disputes.clone())
                set=move |v| form.update(|f| f.disputes = v)/>
            <TextArea id="responsibilities" label="各方责任" value=move || form.with(|f| f.responsibilities.clone())
                set=move |v| form.update(|f| f.responsibilities = v)/>
            <Outcome form/>
            <button type="submit" class="btn btn-primary btn-block" id="save-mediation">"保存调解记录"</button>
            <StatusLine message id="mediation-message"/>
        </form>
        {move || med_id.get().map(|id| view! { <Sessions mediation_id=id case_id/> })}
        {move || saved_form.get().filter(|f| f.status == schema::mediation_status::SUCCEEDED).map(|f| view! {
            <Agreement form=f/>
        })}
    }
}

#[component]
fn TextArea(
    id: &'static str,
    label: &'static str,
    value: impl Fn() -> String + Send + Sync + 'static,
    set: impl Fn(String) + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <textarea id=id rows="3" maxlength="4000" prop:value=value on:input=move |ev| set(event_target_value(&ev))></textarea>
    }
}

/// The parties, and adding one: name, phone, role and relation by taps,
/// and the two confirmations the law asks for.
#[component]
fn Parties(form: RwSignal<Form>) -> impl IntoView {
    let new = RwSignal::new(Party { role: "applicant".into(), ..Default::default() });
    let error = RwSignal::new(None::<String>);
    let add = move |_| {
        let p = new.get_untracked();
        if p.name.trim().is_empty() {
            error.set(Some("请填写当事人姓名。".into()));
            return;
        }
        if !p.phone.trim().is_empty() && !yinling_protocol::validate::is_mainland_mobile(p.phone.trim()) {
            error.set(Some("联系电话应为11位手机号，可以不填。".into()));
            return;
        }
        form.update(|f| f.parties.push(p));
        new.set(Party { role: "respondent".into(), ..Default::default() });
        error.set(None);
    };
    let toggle = move |i: usize, which: &'static str| {
        form.update(|f| {
            if let Some(p) = f.parties.get_mut(i) {
                match which {
                    "informed" => p.informed = !p.informed,
                    _ => p.consented = !p.consented,
                }
            }
        })
    };
    view! {
        <h2>"当事人"</h2>
        <ul class="cards" id="parties">
            {move || form.get().parties.into_iter().enumerate().map(|(i, p)| view! {
                <li class="card" data-party=p.name.clone()>
                    <strong>{p.name.clone()}</strong>" "
                    <span class="tag">{label(schema::PARTY_ROLE, &p.role)}</span>" "
                    {(!p.relation.is_empty()).then(|| view! { <span class="tag">{p.relation.clone()}</span> })}
                    {(!p.phone.is_empty()).then(|| view! { <p class="small">{crate::model::mask_phone(&p.phone)}</p> })}
                    <label class="check">
                        <input type="checkbox" data-confirm="informed" prop:checked=p.informed on:change=move |_| toggle(i, "informed")/>
                        "已告知其权利义务（第二十三条）"
                    </label>
                    <label class="check">
                        <input type="checkbox" data-confirm="consented" prop:checked=p.consented on:change=move |_| toggle(i, "consented")/>
                        "本人同意调解（第十七条）"
                    </label>
                    <button type="button" class="btn" on:click=move |_| form.update(|f| { f.parties.remove(i); })>"删除"</button>
                </li>
            }).collect_view()}
        </ul>
        <details class="card" id="add-party" open=move || form.with(|f| f.parties.len() < 2)>
            <summary>"添加当事人"</summary>
            <label for="party-name">"姓名"</label>
            <input id="party-name" maxlength="50" prop:value=move || new.with(|p| p.name.clone())
                on:input=move |ev| new.update(|p| p.name = event_target_value(&ev))/>
            <label for="party-phone">"联系电话（可不填）"</label>
            <input id="party-phone" type="tel" inputmode="numeric" maxlength="11" prop:value=move || new.with(|p| p.phone.clone())
                on:input=move |ev| new.update(|p| p.phone = event_target_value(&ev))/>
            <p>"身份"</p>
            {choices("party-role", schema::PARTY_ROLE.iter().map(|c| (c.code.to_string(), c.zh.to_string())).collect(),
                move || Some(new.with(|p| p.role.clone())), move |v| new.update(|p| p.role = v))}
            <p>"与对方关系"</p>
            {choices("party-relation", RELATIONS.iter().map(|r| (r.to_string(), r.to_string())).collect(),
                move || Some(new.with(|p| p.relation.clone())), move |v| new.update(|p| p.relation = v))}
            <label class="check">
                <input type="checkbox" id="party-informed" prop:checked=move || new.with(|p| p.informed)
                    on:change=move |_| new.update(|p| p.informed = !p.informed)/>
                "已告知其权利义务（人民调解法第二十三条）"
            </label>
            <label class="check">
                <input type="checkbox" id="party-consented" prop:checked=move || new.with(|p| p.consented)
                    on:change=move |_| new.update(|p| p.consented = !p.consented)/>
                "本人同意调解（人民调解法第十七条）"
            </label>
            <button type="button" class="btn" id="add-party-button" on:click=add>"加入当事人"</button>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </details>
    }
}

/// The outcome and, on success, the agreement with its signatures.
#[component]
fn Outcome(form: RwSignal<Form>) -> impl IntoView {
    let status = move || form.with(|f| f.status.clone());
    view! {
        <h2>"调解结果"</h2>
        {choices("mediation-status", schema::MEDIATION_STATUS.iter().map(|c| (c.code.to_string(), c.zh.to_string())).collect(),
            move || Some(status()), move |v| form.update(|f| f.status = v))}
        {move || (status() == schema::mediation_status::REFERRED).then(|| view! {
            <p>"转交给"</p>
            {choices("mediation-referred", REFER_TO.iter().map(|r| (r.to_string(), r.to_string())).collect(),
                move || Some(form.with(|f| f.referred_to.clone())), move |v| form.update(|f| f.referred_to = v))}
        })}
        {move || (status() == schema::mediation_status::SUCCEEDED).then(|| view! {
            <h2>"调解协议"</h2>
            {choices("agreement-form", schema::AGREEMENT_FORM.iter().map(|c| (c.code.to_string(), c.zh.to_string())).collect(),
                move || Some(form.with(|f| f.agreement_form.clone())), move |v| form.update(|f| f.agreement_form = v))}
            <TextArea id="terms" label="协议内容" value=move || form.with(|f| f.terms.clone())
                set=move |v| form.update(|f| f.terms = v)/>
            <p>"履行方式"</p>
            {choices("performance", PERFORMANCE.iter().map(|r| (r.to_string(), r.to_string())).collect(),
                move || Some(form.with(|f| f.performance.clone())), move |v| form.update(|f| f.performance = v))}
            <label for="deadline">"履行期限"</label>
            <input id="deadline" type="date" prop:value=move || form.with(|f| f.deadline.clone())
                on:input=move |ev| form.update(|f| f.deadline = event_target_value(&ev))/>
            {move || (form.with(|f| f.agreement_form == "written")).then(|| view! { <Signatures form/> })}
            {move || (form.with(|f| f.agreement_form == "oral")).then(|| view! {
                <p class="muted">"口头协议：由调解员记录协议内容，不需签名（人民调解法第二十八条）。"</p>
            })}
        })}
    }
}

/// One signature per party and one by the mediator, drawn with a finger.
#[component]
fn Signatures(form: RwSignal<Form>) -> impl IntoView {
    let mediator = my_name();
    let signing = RwSignal::new(None::<(String, &'static str)>);
    view! {
        <h2>"签名"</h2>
        <ul class="cards" id="signatures">
            {move || form.with(|f| f.signers(&mediator)).into_iter().map(|(name, role)| {
                let sig = form.with(|f| f.signatures.iter().find(|s| s.signer == name).cloned());
                let who = (name.clone(), role);
                let signed = sig.is_some().to_string();
                view! {
                    <li class="card" data-signer=name.clone() data-signed=signed>
                        <strong>{name.clone()}</strong>" "<span class="tag">{label(schema::SIGNER_ROLE, role)}</span>
                        {sig.map(|s| view! { <SignatureImage path=s.path/> })}
                        <button type="button" class="btn" on:click=move |_| signing.set(Some(who.clone()))>
                            {format!("请{name}签名")}
                        </button>
                    </li>
                }
            }).collect_view()}
        </ul>
        {move || signing.get().map(|(name, role)| view! {
            <SignaturePad name=name.clone() done=move |path: String| {
                let name = name.clone();
                form.update(|f| {
                    f.signatures.retain(|s| s.signer != name);
                    f.signatures.push(Signature { signer: name, role: role.into(), path, signed_at: field::now_ms() });
                });
                signing.set(None);
            } cancel=move || signing.set(None)/>
        })}
    }
}

/// Where a pointer is in the pad's own coordinates.
#[cfg(feature = "browser")]
fn pad_point(ev: &leptos::ev::PointerEvent) -> Option<(i64, i64)> {
    use wasm_bindgen::JsCast;
    let el = ev.current_target()?.dyn_into::<web_sys::Element>().ok()?;
    let r = el.get_bounding_client_rect();
    if r.width() <= 0.0 || r.height() <= 0.0 {
        return None;
    }
    let x = (f64::from(ev.client_x()) - r.left()) * PAD_W / r.width();
    let y = (f64::from(ev.client_y()) - r.top()) * PAD_H / r.height();
    Some((x.clamp(0.0, PAD_W) as i64, y.clamp(0.0, PAD_H) as i64))
}

#[cfg(not(feature = "browser"))]
fn pad_point(_: &leptos::ev::PointerEvent) -> Option<(i64, i64)> {
    None
}

/// A box to sign in with a finger: the strokes are kept as SVG path data
/// (an image that prints sharply and holds no script).
#[component]
fn SignaturePad(
    name: String,
    done: impl Fn(String) + Send + Sync + 'static,
    cancel: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let path = RwSignal::new(String::new());
    let drawing = RwSignal::new(false);
    let point = move |ev: &leptos::ev::PointerEvent| -> Option<(i64, i64)> { pad_point(ev) };
    let down = move |ev: leptos::ev::PointerEvent| {
        ev.prevent_default();
        if let Some((x, y)) = point(&ev) {
            drawing.set(true);
            path.update(|p| {
                if !p.is_empty() {
                    p.push(' ');
                }
                p.push_str(&format!("M{x} {y}"));
            });
        }
    };
    let moved = move |ev: leptos::ev::PointerEvent| {
        if !drawing.get_untracked() {
            return;
        }
        if let Some((x, y)) = point(&ev) {
            path.update(|p| p.push_str(&format!(" L{x} {y}")));
        }
    };
    let up = move |_| drawing.set(false);
    let error = RwSignal::new(None::<&'static str>);
    let confirm = move |_| {
        let p = path.get_untracked();
        if !p.contains('L') {
            error.set(Some("请在框内写下名字再确认。"));
            return;
        }
        if p.len() > 24_000 {
            error.set(Some("签名太长了，请点“重写”，写得简单一些。"));
            return;
        }
        done(p);
    };
    view! {
        <section class="signature-pad card" id="signature-pad" role="dialog" aria-label=format!("{name}签名")>
            <p><strong>{format!("请{name}在框内签名")}</strong></p>
            <svg class="signature pad" id="pad" viewBox=format!("0 0 {PAD_W} {PAD_H}")
                on:pointerdown=down on:pointermove=moved on:pointerup=up on:pointerleave=up>
                <path d=move || path.get() fill="none" stroke="#000" stroke-width="4"
                    stroke-linecap="round" stroke-linejoin="round"/>
            </svg>
            <div class="actions">
                <button type="button" class="btn" on:click=move |_| path.set(String::new())>"重写"</button>
                <button type="button" class="btn" on:click=move |_| cancel()>"取消"</button>
                <button type="button" class="btn btn-primary" id="pad-done" on:click=confirm>"确认签名"</button>
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </section>
    }
}

/// Sessions of this mediation, and recording one (date, place, summary).
#[component]
fn Sessions(mediation_id: Uuid, case_id: Uuid) -> impl IntoView {
    let place = RwSignal::new(PLACES[0].to_string());
    let date = RwSignal::new(field::date_in(0));
    let summary = RwSignal::new(String::new());
    let message = said();
    let me = my_id();
    let list = move || {
        let key = mediation_id.to_string();
        let mut s =
            field::records_where(RecordKind::MediationSession, |r| r.str_value("mediation_id") == Some(key.as_str()));
        s.sort_by_key(|r| r.value("held_at").and_then(FieldValue::as_i64));
        s
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let words = summary.get_untracked().trim().to_string();
        if words.is_empty() {
            message.set(Some((false, "请写下这次调解的情况（可用语音输入）。".into())));
            return;
        }
        let held = held_at(&date.get_untracked());
        let mediators = field::record(mediation_id)
            .and_then(|m| m.value("mediator_ids").cloned())
            .unwrap_or(FieldValue::Array(Vec::new()));
        let session = Change::create(
            RecordKind::MediationSession,
            field::new_id(),
            vec![
                ("mediation_id", FieldValue::String(mediation_id.to_string())),
                ("held_at", FieldValue::from(held)),
                ("location", FieldValue::String(place.get_untracked())),
                ("mediator_ids", mediators),
                ("summary", FieldValue::String(words)),
            ],
        );
        let entry = step_entry(case_id, "note", format!("调解会（{}）", place.get_untracked()));
        field::save_and_tell(
            message,
            vec![session, entry],
            Vec::new(),
            "调解会记录已保存在本机",
            move || summary.set(String::new()),
        );
    };
    view! {
        <section id="sessions">
            <h2>"调解会记录"</h2>
            <ol class="timeline" id="session-list">
                {move || list().into_iter().map(|s| {
                    let at = s.value("held_at").and_then(FieldValue::as_i64).unwrap_or_default();
                    view! {
                        <li>
                            <span class="when">{field::when(at)}</span>" "
                            <strong>{s.str_value("location").unwrap_or_default().to_string()}</strong>" · "{person(s.created_by, me)}
                            {field::is_waiting(s.id).then(|| view! { " " <span class="tag tag-wait">"待同步"</span> })}
                            <p>{s.str_value("summary").unwrap_or_default().to_string()}</p>
                        </li>
                    }
                }).collect_view()}
            </ol>
            <details class="card">
                <summary>"记录一次调解会"</summary>
                <form class="form" id="add-session" on:submit=add>
                    <label for="session-date">"日期"</label>
                    <input id="session-date" type="date" prop:value=move || date.get() on:input=move |ev| date.set(event_target_value(&ev))/>
                    <p>"地点"</p>
                    {choices("session-place", PLACES.iter().map(|p| (p.to_string(), p.to_string())).collect(),
                        move || Some(place.get()), move |v| place.set(v))}
                    <label for="session-summary">"调解情况（各方说了什么、达成了什么）"</label>
                    <textarea id="session-summary" rows="4" maxlength="4000"
                        prop:value=move || summary.get() on:input=move |ev| summary.set(event_target_value(&ev))></textarea>
                    <button type="submit" class="btn btn-primary">"保存调解会记录"</button>
                </form>
                <StatusLine message id="session-message"/>
            </details>
        </section>
    }
}

/// A session held on `date` (today: now; another day: that day at noon).
fn held_at(date: &str) -> i64 {
    if date == field::date_in(0) || date.is_empty() {
        return field::now_ms();
    }
    #[cfg(feature = "browser")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(&format!("{date}T12:00:00")));
        let ms = d.get_time();
        if ms.is_finite() && ms > 0.0 {
            return ms as i64;
        }
    }
    field::now_ms()
}

/// 人民调解协议书, as saved, ready to print.
#[component]
fn Agreement(form: Form) -> impl IntoView {
    let station = super::field::current_me().and_then(|m| m.station_name).unwrap_or_default();
    view! { <AgreementSheet doc=form.agreement(station, &field::when)/> }
}

/// A saved mediation's agreement as it prints: the same document on the
/// station desk (the server builds it from its copy) as on the phone.
pub fn agreement_of(record: &RecordState, station: String, when: &dyn Fn(i64) -> String) -> AgreementDoc {
    Form::of(record).agreement(station, when)
}

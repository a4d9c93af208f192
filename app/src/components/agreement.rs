//! 人民调解协议书 on paper: one print layout for the envoy's phone and the
//! station desk, so both print the same document.

use crate::model::AgreementDoc;
use leptos::prelude::*;

/// The signature pad's drawing area; signatures are drawn in it as SVG.
pub const PAD_W: f64 = 600.0;
pub const PAD_H: f64 = 240.0;

/// A signature as it was drawn (SVG path data: prints sharply, holds no script).
#[component]
pub fn SignatureImage(path: String) -> impl IntoView {
    view! {
        <svg class="signature" viewBox=format!("0 0 {PAD_W} {PAD_H}") role="img" aria-label="签名">
            <path d=path fill="none" stroke="#000" stroke-width="4" stroke-linecap="round" stroke-linejoin="round"/>
        </svg>
    }
}

/// The agreement with a button that prints it (the button itself does not print).
#[component]
pub fn AgreementSheet(doc: AgreementDoc) -> impl IntoView {
    let AgreementDoc {
        station,
        written,
        parties,
        facts,
        disputes,
        responsibilities,
        terms,
        performance,
        deadline,
        signatures,
    } = doc;
    let section =
        |title: &'static str, text: String| (!text.is_empty()).then(|| view! { <h3>{title}</h3><p>{text}</p> });
    view! {
        <section class="agreement" id="agreement">
            <h2>{if written { "人民调解协议书" } else { "口头调解协议记录" }}</h2>
            <p>{station}</p>
            <h3>"当事人"</h3>
            <ul>
                {parties.into_iter().map(|p| view! { <li>{format!("{}（{}）{}", p.name, p.role, p.relation)}</li> }).collect_view()}
            </ul>
            {section("纠纷事实", facts)}
            {section("争议事项", disputes)}
            {section("各方责任", responsibilities)}
            <h3>"协议内容"</h3>
            <p id="agreement-terms">{terms}</p>
            <p>{format!("履行方式：{performance}　履行期限：{deadline}")}</p>
            {written.then(|| view! {
                <div class="signature-row">
                    {signatures.into_iter().map(|s| view! {
                        <figure>
                            <SignatureImage path=s.path/>
                            <figcaption>{s.caption}</figcaption>
                        </figure>
                    }).collect_view()}
                </div>
            })}
            <button type="button" class="btn no-print" id="print-agreement" on:click=move |_| {
                #[cfg(feature = "browser")]
                if let Some(w) = web_sys::window() { let _ = w.print(); }
            }>"打印协议书"</button>
        </section>
    }
}

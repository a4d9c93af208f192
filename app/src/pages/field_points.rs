//! 我的积分: the envoy's time-bank points, counted on the phone from the
//! records it holds, so the figure is there offline and needs no hand
//! counting. Rules (simple for now; staff-side management comes later):
//! a case the envoy handles reaching 办结 (or 回访 after it) earns
//! [`PER_CASE`]; a successful mediation they handled earns [`PER_MEDIATION`]
//! more; every visit they logged earns [`PER_VISIT`].

use crate::field;
use leptos::prelude::*;
use uuid::Uuid;
use yinling_protocol::{schema::case_status, RecordKind, RecordState};

pub const PER_CASE: u32 = 10;
pub const PER_MEDIATION: u32 = 5;
pub const PER_VISIT: u32 = 1;

/// One line of the points list: what, and how many points.
pub fn points_of(
    me: Uuid,
    cases: &[RecordState],
    mediations: &[RecordState],
    visits: &[RecordState],
) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    for c in cases {
        let done = matches!(c.str_value("status"), Some(case_status::RESOLVED | case_status::FOLLOW_UP));
        if done && c.handlers.contains(&me) {
            out.push((format!("办结事项：{}", c.str_value("title").unwrap_or_default()), PER_CASE));
        }
    }
    let succeeded =
        mediations.iter().filter(|m| m.handlers.contains(&me) && m.str_value("status") == Some("succeeded")).count()
            as u32;
    if succeeded > 0 {
        out.push((format!("调解成功 {succeeded} 件"), succeeded * PER_MEDIATION));
    }
    let visits = visits.iter().filter(|v| v.created_by == me).count() as u32;
    if visits > 0 {
        out.push((format!("入户走访 {visits} 次"), visits * PER_VISIT));
    }
    out
}

#[component]
pub fn FieldPoints() -> impl IntoView {
    let lines = move || {
        let me = super::field::current_me().and_then(|m| Uuid::parse_str(&m.id).ok())?;
        Some(points_of(
            me,
            &field::records(RecordKind::Case),
            &field::records(RecordKind::Mediation),
            &field::records(RecordKind::Visit),
        ))
    };
    view! {
        <h1>"我的积分"</h1>
        {move || lines().map(|lines| {
            let total: u32 = lines.iter().map(|(_, p)| p).sum();
            view! {
                <p class="lead">"共 "<strong id="points-total">{total}</strong>" 分"</p>
                {if lines.is_empty() {
                    view! { <p class="muted" id="no-points">"还没有积分：办结事项、调解成功、入户走访都会记分。"</p> }.into_any()
                } else {
                    view! {
                        <ul class="cards" id="points-list">
                            {lines.into_iter().map(|(what, p)| view! {
                                <li class="card"><span>{what}</span>" "<span class="tag">{format!("+{p}")}</span></li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            }
        })}
        <p class="muted small">{format!("计分办法：每办结一件事项 {PER_CASE} 分，调解成功另加 {PER_MEDIATION} 分，每次入户走访 {PER_VISIT} 分。以工作室核定为准。")}</p>
        <a class="btn" href="/field">"返回首页"</a>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use yinling_protocol::{FieldState, Hlc};

    fn record(kind: RecordKind, by: u128, handlers: &[u128], fields: &[(&str, &str)]) -> RecordState {
        let fields: BTreeMap<String, FieldState> = fields
            .iter()
            .map(|(k, v)| {
                let s = FieldState { value: (*v).into(), rev: 1, hlc: Hlc::default(), author: Uuid::from_u128(by) };
                (k.to_string(), s)
            })
            .collect();
        RecordState {
            kind,
            id: Uuid::from_u128(u128::from(fields.len() as u32) << 64 | by),
            station_id: Uuid::nil(),
            fields,
            deleted: false,
            rev: 1,
            created_op: Uuid::nil(),
            created_by: Uuid::from_u128(by),
            created_hash: String::new(),
            handlers: handlers.iter().map(|h| Uuid::from_u128(*h)).collect(),
        }
    }

    #[test]
    fn resolved_cases_mediations_and_visits_count_for_their_envoy_only() {
        let me = Uuid::from_u128(1);
        let cases = [
            record(RecordKind::Case, 1, &[1], &[("title", "漏水"), ("status", "resolved")]),
            record(RecordKind::Case, 2, &[2, 1], &[("title", "停车"), ("status", "follow_up")]),
            record(RecordKind::Case, 1, &[1], &[("title", "噪音"), ("status", "in_progress")]),
            record(RecordKind::Case, 2, &[2], &[("title", "别人的"), ("status", "resolved")]),
        ];
        let mediations = [
            record(RecordKind::Mediation, 1, &[1], &[("status", "succeeded")]),
            record(RecordKind::Mediation, 1, &[1], &[("status", "failed")]),
        ];
        let visits = [record(RecordKind::Visit, 1, &[], &[]), record(RecordKind::Visit, 2, &[], &[])];
        let lines = points_of(me, &cases, &mediations, &visits);
        let total: u32 = lines.iter().map(|(_, p)| p).sum();
        assert_eq!(total, 2 * PER_CASE + PER_MEDIATION + PER_VISIT, "{lines:?}");
        assert!(lines.iter().any(|(w, _)| w == "办结事项：停车"));
        assert!(!lines.iter().any(|(w, _)| w.contains("别人的") || w.contains("噪音")));
    }
}

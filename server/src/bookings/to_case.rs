//! Turning a confirmed booking into a case (事项, mechanism 预约调处), and
//! closing it.
//!
//! The case is a record of the sync protocol, made by ops like any envoy's
//! edit and pushed through `SyncStore::push` in the staff member's request:
//! a create (status 登记, as the rules require of every new case) and an
//! update to 受理. The case id is derived from the booking (a UUIDv7 with the
//! booking's creation time), and the ops from the case id, so a repeated
//! accept (a double click) pushes the same ops again: a duplicate, not a
//! second case. Closing (办结) is an update of the case's status; the booking
//! follows the case record's status.

use crate::{storage::BookingRow, sync::desk_device};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use yinling_app::booking::model::fmt_hm;
use yinling_protocol::{
    canon::{derived_uuid, new_id},
    hlc::{node_id, Hlc},
    record::{FieldValue, RecordKind},
    schema::{self, case_status},
    FieldChange, Op, OpBody,
};

/// The case a booking becomes: a UUIDv7 stamped with the booking's creation
/// time whose random part is derived from the booking's id.
pub fn case_id_for(b: &BookingRow) -> Uuid {
    let digest = Sha256::digest(format!("yinling-booking-case:{}", b.id).as_bytes());
    let mut random = [0u8; 10];
    random.copy_from_slice(&digest[..10]);
    new_id(b.created_at.max(0) as u64, &random)
}

fn hlc(author: Uuid, now_ms: u64, counter: u32) -> Hlc {
    Hlc { wall_ms: now_ms, counter, node: node_id(desk_device(author)) }
}

/// The fields of the case a booking becomes. No phone number: the resident's
/// number stays with the booking (stored once), staff open it when needed.
pub fn case_fields(b: &BookingRow, assignees: &[Uuid]) -> std::collections::BTreeMap<String, FieldValue> {
    let kind_zh = schema::choice(RecordKind::Case, "kind", &b.matter_kind).map_or("事项", |c| c.zh);
    let mut description = format!(
        "{}\n\n预约号：{}\n预约时间：{} {}–{}",
        b.description,
        b.reference,
        b.day,
        fmt_hm(b.start_min as u32),
        fmt_hm(b.end_min as u32)
    );
    if !b.other_party.is_empty() {
        description.push_str(&format!("\n对方：{}", b.other_party));
    }
    let mut f = std::collections::BTreeMap::new();
    f.insert("title".into(), FieldValue::from(format!("预约调处：{kind_zh}（{}）", b.reference)));
    f.insert("description".into(), FieldValue::from(description));
    f.insert("kind".into(), FieldValue::from(b.matter_kind.clone()));
    f.insert("status".into(), FieldValue::from(case_status::REGISTERED));
    f.insert("mechanism".into(), FieldValue::from("appointment"));
    f.insert("raised_by".into(), FieldValue::from(b.resident_name.clone()));
    f.insert(
        "assignees".into(),
        FieldValue::Array(assignees.iter().map(|a| FieldValue::from(a.to_string())).collect()),
    );
    f
}

/// The create op of the case (status 登记).
pub fn case_op(b: &BookingRow, case_id: Uuid, station_id: Uuid, author: Uuid, assignees: &[Uuid], now_ms: u64) -> Op {
    Op {
        op_id: derived_uuid(&[b"booking-case-create", case_id.as_bytes()]),
        device_id: desk_device(author),
        author,
        station_id,
        kind: RecordKind::Case,
        record_id: case_id,
        hlc: hlc(author, now_ms, 0),
        body: OpBody::Create { fields: case_fields(b, assignees) },
    }
}

/// The update that accepts it (登记 → 受理), right after the create.
pub fn accept_op(case_id: Uuid, station_id: Uuid, author: Uuid, now_ms: u64) -> Op {
    Op {
        op_id: derived_uuid(&[b"booking-case-accept", case_id.as_bytes()]),
        device_id: desk_device(author),
        author,
        station_id,
        kind: RecordKind::Case,
        record_id: case_id,
        hlc: hlc(author, now_ms, 1),
        body: OpBody::Update { changes: vec![FieldChange::new("status", 0, FieldValue::from(case_status::ACCEPTED))] },
    }
}

/// The status updates that take a case from `current` to 办结 (through
/// 办理中 if needed); empty if it is resolved already or cannot get there.
pub fn resolve_ops(
    case_id: Uuid,
    station_id: Uuid,
    author: Uuid,
    current: &str,
    status_rev: u64,
    now_ms: u64,
) -> Vec<Op> {
    let steps: &[&str] = match current {
        case_status::REGISTERED => &[case_status::ACCEPTED, case_status::IN_PROGRESS, case_status::RESOLVED],
        case_status::ACCEPTED => &[case_status::IN_PROGRESS, case_status::RESOLVED],
        case_status::IN_PROGRESS => &[case_status::RESOLVED],
        _ => &[],
    };
    steps
        .iter()
        .enumerate()
        .map(|(i, to)| Op {
            op_id: Uuid::now_v7(),
            device_id: desk_device(author),
            author,
            station_id,
            kind: RecordKind::Case,
            record_id: case_id,
            hlc: hlc(author, now_ms, i as u32),
            body: OpBody::Update { changes: vec![FieldChange::new("status", status_rev, FieldValue::from(*to))] },
        })
        .collect()
}

/// Both ops, in push order.
pub fn case_ops(
    b: &BookingRow,
    case_id: Uuid,
    station_id: Uuid,
    author: Uuid,
    assignees: &[Uuid],
    now_ms: u64,
) -> Vec<Op> {
    vec![case_op(b, case_id, station_id, author, assignees, now_ms), accept_op(case_id, station_id, author, now_ms)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use yinling_app::booking::model::BookingStatus;
    use yinling_protocol::{rules, Caller, Outcome};

    fn booking() -> BookingRow {
        BookingRow {
            id: "b".into(),
            reference: "AB2C-DE3F".into(),
            idempotency_key: "k".into(),
            station_id: Uuid::from_u128(9).to_string(),
            day: "2026-11-24".into(),
            start_min: 540,
            end_min: 570,
            starts_at: 0,
            status: BookingStatus::Confirmed,
            matter_kind: "dispute".into(),
            description: "楼上装修噪音".into(),
            resident_name: "王秀英".into(),
            phone: "13812345678".into(),
            other_party: "502 住户".into(),
            consent_version: "v".into(),
            consented_at: 0,
            decline_reason: String::new(),
            case_id: None,
            case_ops: None,
            rating: None,
            rating_comment: String::new(),
            rated_at: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn the_ops_pass_the_protocol_rules_and_accept_the_case() {
        let (station, staff, envoy, case_id) =
            (Uuid::from_u128(9), Uuid::from_u128(2), Uuid::from_u128(3), Uuid::from_u128(7));
        let ops = case_ops(&booking(), case_id, station, staff, &[envoy], 1_795_000_000_000);
        let OpBody::Create { fields } = &ops[0].body else { panic!("a create first") };
        schema::validate_create(RecordKind::Case, fields).unwrap();
        assert!(!serde_json::to_string(fields).unwrap().contains("13812345678"), "no phone in the case");

        let caller = Caller { user_id: staff, role: rules::Role::Staff, station_id: Some(station) };
        let mut rev = 0u64;
        let created = rules::decide(&caller, &ops[0], None, None, &mut rev);
        assert!(matches!(created.result.outcome, Outcome::Applied { .. }), "{:?}", created.result);
        let record = created.record.unwrap();
        assert_eq!(record.str_value("mechanism"), Some("appointment"));
        assert!(record.handlers.contains(&envoy), "the envoy will pull it");
        let accepted = rules::decide(&caller, &ops[1], Some(&record), None, &mut rev);
        assert!(matches!(accepted.result.outcome, Outcome::Applied { .. }), "{:?}", accepted.result);
        let mut record = accepted.record.unwrap();
        assert_eq!(record.str_value("status"), Some(case_status::ACCEPTED));

        // Built again, the same ops: a repeated push is a duplicate, not a second case.
        assert_eq!(ops, case_ops(&booking(), case_id, station, staff, &[envoy], 1_795_000_000_000));
        assert_eq!(case_id_for(&booking()), case_id_for(&booking()));
        assert_eq!(case_id_for(&booking()).get_version_num(), 7);

        // Closing: 受理 → 办理中 → 办结, as the rules allow.
        let rev_status = record.field_rev("status");
        for op in resolve_ops(case_id, station, staff, case_status::ACCEPTED, rev_status, 1_795_000_100_000) {
            let d = rules::decide(&caller, &op, Some(&record), None, &mut rev);
            assert!(matches!(d.result.outcome, Outcome::Applied { .. }), "{:?}", d.result);
            record = d.record.unwrap();
        }
        assert_eq!(record.str_value("status"), Some(case_status::RESOLVED));
        assert!(resolve_ops(case_id, station, staff, case_status::RESOLVED, 9, 0).is_empty());
    }
}

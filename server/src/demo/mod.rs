//! The demo county, shaped like Pingyin's report: 10 银龄解忧工作室 in two
//! 街道, each with compounds and buildings, 6–8 envoys with former fields and
//! specialties, 2 staff members; and one county administrator.
//!
//! Phones and passwords are fixed so the README can list them:
//! - county admin: 13700000000 / yinling-admin
//! - staff of station s (1–10), member n (1–2): 1390{s:02}{n:05} / yinling-staff
//! - envoy n of station s: 1380{s:02}{n:05} / yinling-envoy

use crate::{
    auth::password,
    storage::{Building, Compound, NewCounty, SlotTemplateRow, StationRow, Street, UserRow},
};
use yinling_app::model::Role;

pub const ADMIN_PHONE: &str = "13700000000";
pub const ADMIN_PASSWORD: &str = "yinling-admin";
pub const STAFF_PASSWORD: &str = "yinling-staff";
pub const ENVOY_PASSWORD: &str = "yinling-envoy";

pub fn staff_phone(station: usize, n: usize) -> String {
    format!("1390{station:02}{n:05}")
}

pub fn envoy_phone(station: usize, n: usize) -> String {
    format!("1380{station:02}{n:05}")
}

const STREETS: [(&str, [&str; 5]); 2] = [
    ("榆山街道", ["东关社区", "西关社区", "府前社区", "南关社区", "榆苑社区"]),
    ("锦水街道", ["锦东社区", "翠屏社区", "书院社区", "青龙社区", "玫瑰社区"]),
];
const COMPOUNDS: [&str; 6] = ["幸福小区", "和谐家园", "阳光花园", "锦绣苑", "康乐小区", "翠竹园"];
const SURNAMES: [&str; 12] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "孙", "马"];
const GIVEN: [&str; 10] = ["建国", "秀英", "志强", "桂兰", "德明", "玉珍", "文华", "淑芬", "国庆", "凤兰"];
const FIELDS: [&str; 8] = ["公检法司", "信访", "城市更新", "教育", "医疗", "民政", "街道办", "国有企业"];
const SPECIALTIES: [&str; 7] = ["邻里纠纷调解", "法律咨询", "物业协调", "政策解读", "心理疏导", "助老服务", "矛盾排查"];

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Builds the county; hashes each demo password once (argon2id is slow on purpose).
pub fn county() -> NewCounty {
    let (admin_hash, staff_hash, envoy_hash) =
        (password::hash(ADMIN_PASSWORD), password::hash(STAFF_PASSWORD), password::hash(ENVOY_PASSWORD));
    let mut c = NewCounty::default();
    let user =
        |phone: String, name: String, role: Role, station: Option<String>, hash: &str, field: &str, spec: String| {
            UserRow {
                id: id(),
                phone,
                name,
                role,
                station_id: station,
                password_hash: hash.to_string(),
                active: true,
                former_field: field.to_string(),
                specialties: spec,
            }
        };
    c.users.push(user(
        ADMIN_PHONE.into(),
        "县委老干部局 管理员".into(),
        Role::Admin,
        None,
        &admin_hash,
        "",
        String::new(),
    ));

    let mut s = 0usize;
    for (street_name, communities) in STREETS {
        let street = Street { id: id(), name: street_name.into() };
        for community in communities {
            s += 1;
            let station_id = id();
            c.stations.push(StationRow {
                id: station_id.clone(),
                street_id: street.id.clone(),
                street_name: street.name.clone(),
                name: format!("{community}银龄解忧工作室"),
                community: community.into(),
                address: format!("平阴县{street_name}{community}党群服务中心一楼"),
                opening_hours: "周一至周五 8:30–11:30，14:00–17:30".into(),
                services: "邻里纠纷调解、民生诉求代办、政策咨询、预约调处".into(),
            });
            for k in 0..3 {
                let compound_id = id();
                c.compounds.push(Compound {
                    id: compound_id.clone(),
                    station_id: station_id.clone(),
                    name: format!("{}{}", community.trim_end_matches("社区"), COMPOUNDS[(s + k) % COMPOUNDS.len()]),
                });
                for b in 1..=4 {
                    c.buildings.push(Building {
                        id: id(),
                        compound_id: compound_id.clone(),
                        name: format!("{b}号楼"),
                        units: 2 + (b as i64 % 2),
                        floors: 6,
                    });
                }
            }
            for n in 1..=2 {
                let name = format!("{}{}", SURNAMES[(s + n) % 12], GIVEN[(s * 3 + n) % 10]);
                c.users.push(user(
                    staff_phone(s, n),
                    name,
                    Role::Staff,
                    Some(station_id.clone()),
                    &staff_hash,
                    "",
                    String::new(),
                ));
            }
            let envoys = 6 + s % 3;
            for n in 1..=envoys {
                let name = format!("{}{}", SURNAMES[(s * 5 + n) % 12], GIVEN[(s + n * 7) % 10]);
                let spec = format!("{}、{}", SPECIALTIES[(s + n) % 7], SPECIALTIES[(s + n + 3) % 7]);
                let field = FIELDS[(s + n) % FIELDS.len()];
                c.users.push(user(
                    envoy_phone(s, n),
                    name,
                    Role::Envoy,
                    Some(station_id.clone()),
                    &envoy_hash,
                    field,
                    spec,
                ));
            }
        }
        c.streets.push(street);
    }
    c
}

/// Each station's weekly bookable slots: Tuesday and Thursday mornings
/// 9:00–11:30 in 30-minute slots with 2 mediations at a time, and one
/// afternoon (Monday, Wednesday or Friday by station) 14:30–17:00, one at a time.
pub fn slot_templates(county: &NewCounty) -> Vec<SlotTemplateRow> {
    let mut out = Vec::new();
    for (i, s) in county.stations.iter().enumerate() {
        let mut add = |weekday: i64, start_min: i64, end_min: i64, capacity: i64| {
            out.push(SlotTemplateRow {
                id: id(),
                station_id: s.id.clone(),
                weekday,
                start_min,
                end_min,
                slot_minutes: 30,
                capacity,
            })
        };
        add(2, 9 * 60, 11 * 60 + 30, 2);
        add(4, 9 * 60, 11 * 60 + 30, 2);
        add([1, 3, 5][i % 3], 14 * 60 + 30, 17 * 60, 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use yinling_app::model::is_mainland_mobile;

    #[test]
    fn county_is_shaped_like_pingyin() {
        let c = county();
        assert_eq!(c.streets.len(), 2);
        assert_eq!(c.stations.len(), 10);
        for st in &c.stations {
            let members =
                |r: Role| c.users.iter().filter(|u| u.role == r && u.station_id.as_ref() == Some(&st.id)).count();
            assert!((6..=8).contains(&members(Role::Envoy)), "{}", st.name);
            assert_eq!(members(Role::Staff), 2);
            assert!(c.compounds.iter().any(|x| x.station_id == st.id));
        }
        assert_eq!(c.users.iter().filter(|u| u.role == Role::Admin).count(), 1);
        let mut phones: Vec<_> = c.users.iter().map(|u| u.phone.clone()).collect();
        assert!(phones.iter().all(|p| is_mainland_mobile(p)), "demo phones must pass validation");
        phones.sort();
        phones.dedup();
        assert_eq!(phones.len(), c.users.len(), "phones are unique");
        assert!(c.users.iter().filter(|u| u.role == Role::Envoy).all(|u| !u.former_field.is_empty()));
    }
}

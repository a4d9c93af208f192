//! Types the pages and the server share: what a server function returns and
//! what the UI shows. Wire types of the sync protocol live in `yinling-protocol`.

use serde::{Deserialize, Serialize};

/// Who a signed-in user is to the system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 银龄使者: belongs to one station, works in the field app.
    Envoy,
    /// 工作室工作人员: belongs to one station, works at the station desk.
    Staff,
    /// 县级管理员 (老干部局/组织部): sees every station.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Envoy => "envoy",
            Role::Staff => "staff",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "envoy" => Some(Role::Envoy),
            "staff" => Some(Role::Staff),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// The page a user lands on after login.
    pub fn home_path(self) -> &'static str {
        match self {
            Role::Envoy => "/field",
            Role::Staff => "/station",
            Role::Admin => "/county",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Envoy => "银龄使者",
            Role::Staff => "工作室工作人员",
            Role::Admin => "县级管理员",
        }
    }
}

/// The signed-in user as the UI sees them (no secrets, phone masked).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub phone_masked: String,
    pub station_id: Option<String>,
    pub station_name: Option<String>,
}

/// One member of a station as staff and the county see them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RosterEntry {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub phone_masked: String,
    pub former_field: String,
    pub specialties: String,
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StationInfo {
    pub id: String,
    pub name: String,
    pub street: String,
    pub community: String,
    pub address: String,
    pub opening_hours: String,
    pub services: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StationHome {
    pub station: StationInfo,
    pub roster: Vec<RosterEntry>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CountyStationRow {
    pub station: StationInfo,
    pub envoys: u32,
    pub staff: u32,
}

/// `13812345678` → `138****5678`. Anything that is not 11 digits is masked whole
/// except its last two characters, so a malformed value never leaks either.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() == 11 && chars.iter().all(|c| c.is_ascii_digit()) {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else {
        let keep = chars.len().min(2);
        let tail: String = chars[chars.len() - keep..].iter().collect();
        format!("{}{}", "*".repeat(chars.len() - keep), tail)
    }
}

/// Mainland China mobile number: 11 digits starting 13–19.
pub fn is_mainland_mobile(phone: &str) -> bool {
    let b = phone.as_bytes();
    b.len() == 11 && b.iter().all(u8::is_ascii_digit) && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_mobile_numbers_keeping_prefix_and_suffix() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("12"), "12");
        assert_eq!(mask_phone("0531-1234"), "*******34");
    }

    #[test]
    fn validates_mainland_mobiles() {
        assert!(is_mainland_mobile("13912345678"));
        assert!(!is_mainland_mobile("12912345678"));
        assert!(!is_mainland_mobile("1391234567"));
        assert!(!is_mainland_mobile("1391234567a"));
    }
}

/// The station's sync review page (同步队列), ready to render: names and
/// labels resolved, times formatted in the station's time zone.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncQueue {
    pub station_id: String,
    pub station_name: String,
    pub devices: Vec<DeviceView>,
    pub conflicts: Vec<ConflictView>,
    pub rejections: Vec<RejectionView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeviceView {
    pub user_name: String,
    /// First 8 characters of the device id (enough to tell phones apart).
    pub device_short: String,
    pub app_version: String,
    pub last_seen: String,
    pub last_push: String,
    /// Outbox entries still waiting, as the phone last reported.
    pub pending: i64,
    pub ops_received: i64,
}

/// One side of a conflict: the value with who set it and when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConflictSide {
    pub value: String,
    pub by: String,
    pub at: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConflictView {
    pub id: String,
    pub record_id: String,
    /// e.g. 事项「楼道堆物」.
    pub record_label: String,
    pub field_label: String,
    /// True when the field is free text (a merged value can be typed).
    pub mergeable: bool,
    pub stored: ConflictSide,
    pub incoming: ConflictSide,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RejectionView {
    pub op_id: String,
    pub user_name: String,
    pub record_label: String,
    pub reason_zh: String,
    pub reason_en: String,
    pub at: String,
    /// The op's field values (label, value) as sent.
    pub fields: Vec<(String, String)>,
    /// Field name → value as JSON text, for the fix form.
    pub editable: Vec<(String, String, String)>,
}

/// A station's compounds and buildings, as the field app caches them for
/// the visit form's pick-lists.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AddressBookView {
    pub compounds: Vec<CompoundView>,
    pub buildings: Vec<BuildingView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompoundView {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BuildingView {
    pub id: String,
    pub compound_id: String,
    pub name: String,
    pub units: i64,
    pub floors: i64,
}

/// The station's mediations as the staff desk lists them (newest first).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StationMediations {
    pub station_id: String,
    pub station_name: String,
    pub rows: Vec<MediationRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MediationRow {
    pub id: String,
    /// The dispute case's title.
    pub case_title: String,
    /// 调解中 / 调解成功 / …
    pub status: String,
    /// The parties' names, joined.
    pub parties: String,
    pub updated: String,
    /// A success with its terms: there is an agreement to print.
    pub has_agreement: bool,
}

/// 人民调解协议书 (or the record of an oral agreement), ready to print: the
/// phone builds it from its copy, the staff desk gets it from the server.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgreementDoc {
    pub station: String,
    /// Written and signed (else an oral agreement, recorded as such).
    pub written: bool,
    pub parties: Vec<AgreementParty>,
    pub facts: String,
    pub disputes: String,
    pub responsibilities: String,
    pub terms: String,
    pub performance: String,
    pub deadline: String,
    pub signatures: Vec<AgreementSignature>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgreementParty {
    pub name: String,
    /// 申请人 / 被申请人 …
    pub role: String,
    pub relation: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgreementSignature {
    /// SVG path data of the strokes.
    pub path: String,
    /// Who signed, as what, and when.
    pub caption: String,
}

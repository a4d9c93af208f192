//! Plain row types the store reads and writes.

use yinling_app::model::{Role, StationInfo};

#[derive(Clone, Debug)]
pub struct UserRow {
    pub id: String,
    pub phone: String,
    pub name: String,
    pub role: Role,
    pub station_id: Option<String>,
    pub password_hash: String,
    pub active: bool,
    pub former_field: String,
    pub specialties: String,
}

#[derive(Clone, Debug)]
pub struct StationRow {
    pub id: String,
    pub street_id: String,
    pub street_name: String,
    pub name: String,
    pub community: String,
    pub address: String,
    pub opening_hours: String,
    pub services: String,
}

impl StationRow {
    pub fn info(&self) -> StationInfo {
        StationInfo {
            id: self.id.clone(),
            name: self.name.clone(),
            street: self.street_name.clone(),
            community: self.community.clone(),
            address: self.address.clone(),
            opening_hours: self.opening_hours.clone(),
            services: self.services.clone(),
        }
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Compound {
    pub id: String,
    pub station_id: String,
    pub name: String,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Building {
    pub id: String,
    pub compound_id: String,
    pub name: String,
    pub units: i64,
    pub floors: i64,
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct AddressBook {
    pub compounds: Vec<Compound>,
    pub buildings: Vec<Building>,
}

#[derive(Clone, Debug)]
pub struct Street {
    pub id: String,
    pub name: String,
}

/// A county to write in one go (the demo data, or an import).
#[derive(Clone, Debug, Default)]
pub struct NewCounty {
    pub streets: Vec<Street>,
    pub stations: Vec<StationRow>,
    pub compounds: Vec<Compound>,
    pub buildings: Vec<Building>,
    pub users: Vec<UserRow>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AuditEntry {
    pub id: String,
    pub at_ms: i64,
    pub actor_id: Option<String>,
    pub station_id: Option<String>,
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    pub detail: String,
}

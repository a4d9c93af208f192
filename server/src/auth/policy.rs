//! The authorization policy, in one place. Every route and server function
//! names the action it performs and the station that owns the object; this
//! function decides. Objects of another station answer "not found", so a
//! user cannot even learn that they exist.

use super::Principal;
use yinling_app::model::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// A station's profile and roster (phones masked).
    ViewStation,
    /// A station's compounds and buildings (the field app's address book).
    ViewAddressBook,
    /// Deactivate or reactivate a member of a station.
    ManageMembers,
    /// A station's audit trail.
    ViewAudit,
    /// County-wide figures and the list of every station.
    ViewCounty,
    /// A station's residents' bookings: see them, confirm, reschedule,
    /// decline, turn into cases, open a resident's phone number (audited).
    ManageBookings,
    /// A station's bookable slots (weekly template and exceptions).
    ManageSlots,
    /// A station's sync review queue: devices, conflicts, rejected records.
    ReviewSync,
    /// A station's mediations and their agreements (to print; audited).
    ViewMediations,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Denied {
    /// Not signed in: 401.
    Unauthenticated,
    /// Signed in, own station, but the role may not do this: 403.
    Forbidden,
    /// The object belongs to another station: 404.
    NotFound,
}

/// `owner` is the station owning the object, `None` for county-wide objects.
pub fn authorize(who: Option<&Principal>, action: Action, owner: Option<&str>) -> Result<(), Denied> {
    let p = who.ok_or(Denied::Unauthenticated)?;
    let role = p.user.role;
    if role == Role::Admin {
        return Ok(());
    }
    match owner {
        None => return Err(Denied::Forbidden),
        Some(station) if p.user.station_id.as_deref() != Some(station) => return Err(Denied::NotFound),
        Some(_) => {}
    }
    let allowed = match action {
        Action::ViewStation | Action::ViewAddressBook => matches!(role, Role::Envoy | Role::Staff),
        Action::ManageMembers
        | Action::ViewAudit
        | Action::ManageBookings
        | Action::ManageSlots
        | Action::ReviewSync
        | Action::ViewMediations => role == Role::Staff,
        Action::ViewCounty => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::UserRow;

    fn p(role: Role, station: Option<&str>) -> Principal {
        Principal {
            user: UserRow {
                id: "u".into(),
                phone: "13800000000".into(),
                name: "n".into(),
                role,
                station_id: station.map(str::to_string),
                password_hash: String::new(),
                active: true,
                former_field: String::new(),
                specialties: String::new(),
            },
            token_hash: String::new(),
        }
    }

    #[test]
    fn foreign_station_is_not_found_for_every_station_role() {
        for role in [Role::Envoy, Role::Staff] {
            let who = p(role, Some("A"));
            for action in [Action::ViewStation, Action::ViewAddressBook, Action::ManageMembers, Action::ViewAudit] {
                assert_eq!(authorize(Some(&who), action, Some("B")), Err(Denied::NotFound), "{role:?} {action:?}");
            }
        }
    }

    #[test]
    fn envoy_reads_own_station_but_cannot_manage_it() {
        let who = p(Role::Envoy, Some("A"));
        assert_eq!(authorize(Some(&who), Action::ViewAddressBook, Some("A")), Ok(()));
        assert_eq!(authorize(Some(&who), Action::ManageMembers, Some("A")), Err(Denied::Forbidden));
        assert_eq!(authorize(Some(&who), Action::ViewCounty, None), Err(Denied::Forbidden));
    }

    #[test]
    fn admin_everywhere_anonymous_nowhere() {
        let admin = p(Role::Admin, None);
        assert_eq!(authorize(Some(&admin), Action::ManageMembers, Some("B")), Ok(()));
        assert_eq!(authorize(None, Action::ViewStation, Some("A")), Err(Denied::Unauthenticated));
    }
}

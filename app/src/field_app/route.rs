//! Which page of the field app a path names. Pure, so the field app's whole
//! route table is tested natively; `nav` keeps the current one in a signal.

use uuid::Uuid;

/// A page of the field app (/field/*). Any other path under /field is its
/// home, as the service worker answers every field URL with the same shell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldRoute {
    Home,
    NewCase,
    /// A case; `None` when the link's id is not an id (the page says the
    /// case is not on this phone).
    Case(Option<Uuid>),
    Mediation(Option<Uuid>),
    Points,
    NewVisit,
}

impl FieldRoute {
    pub fn parse(path: &str) -> Self {
        let Some(rest) = path.strip_prefix("/field") else {
            return Self::Home;
        };
        if !(rest.is_empty() || rest.starts_with('/')) {
            return Self::Home;
        }
        let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let id = |s: &str| Uuid::parse_str(s).ok();
        match segments.as_slice() {
            ["cases", "new"] => Self::NewCase,
            ["cases", case] => Self::Case(id(case)),
            ["cases", case, "mediation"] => Self::Mediation(id(case)),
            ["points"] => Self::Points,
            ["visits", "new"] => Self::NewVisit,
            _ => Self::Home,
        }
    }

    /// The case a case or mediation page is about.
    pub fn case_id(&self) -> Option<Uuid> {
        match self {
            Self::Case(id) | Self::Mediation(id) => *id,
            _ => None,
        }
    }
}

/// True for the paths the field app draws itself (others are left to the
/// browser: the site's pages are another app).
pub fn is_field_path(path: &str) -> bool {
    path == "/field" || path.starts_with("/field/")
}

#[cfg(test)]
mod tests {
    use super::is_field_path;
    use super::FieldRoute::{self, *};

    const ID: &str = "0190f3a2-7b1c-7def-8abc-0123456789ab";

    #[test]
    fn every_page_of_the_field_app_is_found_by_its_path() {
        let id = uuid::Uuid::parse_str(ID).ok();
        assert_eq!(FieldRoute::parse("/field"), Home);
        assert_eq!(FieldRoute::parse("/field/"), Home);
        assert_eq!(FieldRoute::parse("/field/cases/new"), NewCase);
        assert_eq!(FieldRoute::parse(&format!("/field/cases/{ID}")), Case(id));
        assert_eq!(FieldRoute::parse(&format!("/field/cases/{ID}/")), Case(id));
        assert_eq!(FieldRoute::parse(&format!("/field/cases/{ID}/mediation")), Mediation(id));
        assert_eq!(FieldRoute::parse("/field/points"), Points);
        assert_eq!(FieldRoute::parse("/field/visits/new"), NewVisit);
        assert_eq!(Mediation(id).case_id(), id);
    }

    #[test]
    fn a_bad_id_is_kept_as_no_case_and_unknown_paths_go_home() {
        assert_eq!(FieldRoute::parse("/field/cases/not-an-id"), Case(None));
        assert_eq!(FieldRoute::parse("/field/cases/x/mediation"), Mediation(None));
        assert_eq!(FieldRoute::parse("/field/somewhere/else"), Home);
        assert_eq!(FieldRoute::parse("/fieldwork"), Home);
        assert!(is_field_path("/field") && is_field_path("/field/points"));
        assert!(!is_field_path("/fieldwork") && !is_field_path("/station") && !is_field_path("/"));
    }
}

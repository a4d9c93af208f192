//! The authorization matrix: every role × every endpoint × own and foreign
//! station, on every backend. A user of station A must get 403/404 for
//! anything of station B, and a refused change must change nothing.

mod common;
use common::*;
use yinling_server::demo::{envoy_phone, staff_phone, ADMIN_PASSWORD, ADMIN_PHONE, ENVOY_PASSWORD, STAFF_PASSWORD};

#[derive(Clone, Copy, Debug)]
enum Who {
    Anonymous,
    Envoy,
    Staff,
    Admin,
}

#[derive(Clone, Copy, Debug)]
enum Endpoint {
    Station,
    AddressBook,
    Audit,
    DeactivateEnvoy,
    County,
    StationPageFn,
}

/// Expected HTTP status for (who, endpoint, own station?). Who is always of station A.
fn expected(who: Who, ep: Endpoint, own: bool) -> u16 {
    use Endpoint::*;
    use Who::*;
    match (who, ep) {
        (Anonymous, _) => 401,
        (Admin, DeactivateEnvoy) => 204,
        (Admin, _) => 200,
        (_, County) => 403,
        (_, _) if !own => 404,
        (Envoy, Station | AddressBook | StationPageFn) => 200,
        (Envoy, Audit | DeactivateEnvoy) => 403,
        (Staff, DeactivateEnvoy) => 204,
        (Staff, _) => 200,
    }
}

#[tokio::test]
async fn every_role_endpoint_and_station_combination() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let ids = s.station_ids().await;
        // Station numbers in demo phones follow creation order, which is also
        // the order by street and name the store returns for this county.
        let station_of = |phone: String| {
            let store = s.store().clone();
            async move { store.user_by_phone(&phone).await.unwrap().unwrap().station_id.unwrap() }
        };
        let a = station_of(envoy_phone(1, 1)).await;
        let b = station_of(envoy_phone(2, 1)).await;
        assert!(ids.contains(&a) && ids.contains(&b) && a != b);

        let mut failures = Vec::new();
        let mut checked = 0;
        for who in [Who::Anonymous, Who::Envoy, Who::Staff, Who::Admin] {
            for ep in [
                Endpoint::Station,
                Endpoint::AddressBook,
                Endpoint::Audit,
                Endpoint::DeactivateEnvoy,
                Endpoint::County,
                Endpoint::StationPageFn,
            ] {
                for own in [true, false] {
                    let v = match who {
                        Who::Anonymous => s.visitor().await,
                        Who::Envoy => s.signed_in(&envoy_phone(1, 1), ENVOY_PASSWORD).await,
                        Who::Staff => s.signed_in(&staff_phone(1, 1), STAFF_PASSWORD).await,
                        Who::Admin => s.signed_in(ADMIN_PHONE, ADMIN_PASSWORD).await,
                    };
                    let (station, target_phone) = if own { (&a, envoy_phone(1, 5)) } else { (&b, envoy_phone(2, 5)) };
                    let target = s.store().user_by_phone(&target_phone).await.unwrap().unwrap();
                    let status = match ep {
                        Endpoint::Station => v.get(&format!("/api/v1/stations/{station}")).await.status(),
                        Endpoint::AddressBook => {
                            v.get(&format!("/api/v1/stations/{station}/address-book")).await.status()
                        }
                        Endpoint::Audit => v.get(&format!("/api/v1/stations/{station}/audit")).await.status(),
                        Endpoint::County => v.get("/api/v1/county").await.status(),
                        Endpoint::StationPageFn => v.get(&format!("/api/station_home?id={station}")).await.status(),
                        Endpoint::DeactivateEnvoy => {
                            v.post_form(&format!("/api/v1/users/{}/deactivate", target.id), &[]).await.status()
                        }
                    }
                    .as_u16();
                    // Server functions answer errors with 500 plus the typed error body;
                    // read the code out of it to compare.
                    let status = if matches!(ep, Endpoint::StationPageFn) && status == 500 {
                        let r = v.get(&format!("/api/station_home?id={station}")).await;
                        let body: serde_json::Value = r.json().await.unwrap_or_default();
                        match body["error"].as_str() {
                            Some("unauthenticated") => 401,
                            Some("forbidden") => 403,
                            Some("not_found") => 404,
                            _ => 500,
                        }
                    } else {
                        status
                    };
                    checked += 1;
                    let want = expected(who, ep, own);
                    if status != want {
                        failures.push(format!("{db:?} {who:?} {ep:?} own={own}: got {status}, want {want}"));
                    }
                    if matches!(ep, Endpoint::DeactivateEnvoy) {
                        let active = s.store().user_by_id(&target.id).await.unwrap().unwrap().active;
                        assert_eq!(
                            active,
                            want != 204,
                            "{who:?} own={own}: a refused deactivation must change nothing"
                        );
                        if !active {
                            s.store().set_user_active(&target.id, true).await.unwrap();
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 48);
        assert!(failures.is_empty(), "authorization matrix mismatches:\n{}", failures.join("\n"));
    }
}

#[tokio::test]
async fn staff_cannot_deactivate_other_staff_but_the_county_can() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let colleague = s.store().user_by_phone(&staff_phone(1, 2)).await.unwrap().unwrap();
        let staff = s.signed_in(&staff_phone(1, 1), STAFF_PASSWORD).await;
        assert_eq!(staff.post_form(&format!("/api/v1/users/{}/deactivate", colleague.id), &[]).await.status(), 403);
        let admin = s.signed_in(ADMIN_PHONE, ADMIN_PASSWORD).await;
        assert_eq!(admin.post_form(&format!("/api/v1/users/{}/deactivate", colleague.id), &[]).await.status(), 204);
    }
}

#[tokio::test]
async fn roster_shows_phones_masked() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let staff = s.signed_in(&staff_phone(1, 1), STAFF_PASSWORD).await;
        let a = s.store().user_by_phone(&staff_phone(1, 1)).await.unwrap().unwrap().station_id.unwrap();
        let text = staff.get(&format!("/api/v1/stations/{a}")).await.text().await.unwrap();
        assert!(!text.contains(&envoy_phone(1, 1)), "a full phone number leaked");
        assert!(text.contains("138****0001"), "envoy 1's phone is shown masked: {text}");
    }
}

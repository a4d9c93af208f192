//! Storage conformance: the same behaviour from the SQLite file and PostgreSQL.

mod common;
use common::*;
use yinling_server::{
    demo,
    storage::{self, AuditEntry},
};

async fn open(db: Db) -> (std::sync::Arc<dyn storage::Store>, Option<tempfile::TempDir>) {
    let (url, guard) = fresh_database(db).await;
    (storage::connect(&url).await.expect("connect and migrate"), guard)
}

#[tokio::test]
async fn migrations_run_and_rerun_cleanly() {
    for db in backends() {
        let (url, _guard) = fresh_database(db).await;
        let first = storage::connect(&url).await.unwrap();
        assert!(first.is_empty().await.unwrap());
        drop(first);
        let again = storage::connect(&url).await.expect("migrating twice is a no-op");
        assert!(again.is_empty().await.unwrap());
    }
}

#[tokio::test]
async fn county_round_trips() {
    for db in backends() {
        let (store, _g) = open(db).await;
        let county = demo::county();
        store.insert_county(&county).await.unwrap();
        assert!(!store.is_empty().await.unwrap());
        let stations = store.stations().await.unwrap();
        assert_eq!(stations.len(), 10, "{db:?}");
        let first = &county.stations[0];
        let got = store.station(&first.id).await.unwrap().unwrap();
        assert_eq!((got.name.as_str(), got.street_name.as_str()), (first.name.as_str(), "榆山街道"));
        let users = store.station_users(&first.id).await.unwrap();
        assert_eq!(users.len(), county.users.iter().filter(|u| u.station_id.as_ref() == Some(&first.id)).count());
        let book = store.address_book(&first.id).await.unwrap();
        assert_eq!(book.compounds.len(), 3);
        assert_eq!(book.buildings.len(), 12);
        assert!(book.compounds.iter().all(|c| c.station_id == first.id), "address book is scoped to its station");
        let u = store.user_by_phone(&demo::envoy_phone(1, 1)).await.unwrap().unwrap();
        assert_eq!(store.user_by_id(&u.id).await.unwrap().unwrap().phone, u.phone);
        assert!(store.user_by_phone("13999999999").await.unwrap().is_none());
    }
}

#[tokio::test]
async fn a_failed_county_insert_leaves_nothing_behind() {
    for db in backends() {
        let (store, _g) = open(db).await;
        let mut county = demo::county();
        let dup = county.users[1].clone();
        county.users.push(dup); // same id and phone: violates the keys at the very end
        assert!(store.insert_county(&county).await.is_err());
        assert!(store.is_empty().await.unwrap(), "{db:?}: the transaction rolled back");
    }
}

#[tokio::test]
async fn sessions_expire_end_and_follow_deactivation() {
    for db in backends() {
        let (store, _g) = open(db).await;
        store.insert_county(&demo::county()).await.unwrap();
        let u = store.user_by_phone(&demo::envoy_phone(1, 1)).await.unwrap().unwrap();
        store.create_session("h1", &u.id, 1_000, 2_000).await.unwrap();
        store.create_session("h2", &u.id, 1_000, 9_000).await.unwrap();
        assert_eq!(store.session_user("h1", 1_500).await.unwrap().unwrap().id, u.id);
        assert!(store.session_user("h1", 2_000).await.unwrap().is_none(), "expired at expires_at");
        assert!(store.session_user("nope", 1_500).await.unwrap().is_none());
        store.set_user_active(&u.id, false).await.unwrap();
        assert!(store.session_user("h2", 1_500).await.unwrap().is_none(), "inactive users have no sessions");
        store.set_user_active(&u.id, true).await.unwrap();
        store.delete_session("h2").await.unwrap();
        assert!(store.session_user("h2", 1_500).await.unwrap().is_none());
        store.create_session("h3", &u.id, 1_000, 9_000).await.unwrap();
        store.create_session("h4", &u.id, 1_000, 9_000).await.unwrap();
        assert_eq!(store.delete_user_sessions(&u.id).await.unwrap(), 3, "h1 (expired), h3, h4");
        assert!(!store.set_user_active("no-such-user", false).await.unwrap());
    }
}

#[tokio::test]
async fn audit_entries_filter_by_station_newest_first() {
    for db in backends() {
        let (store, _g) = open(db).await;
        let e = |id: &str, at: i64, station: Option<&str>| AuditEntry {
            id: id.into(),
            at_ms: at,
            actor_id: Some("u".into()),
            station_id: station.map(str::to_string),
            action: "phone.view".into(),
            object_kind: "user".into(),
            object_id: "x".into(),
            detail: String::new(),
        };
        store.audit(&e("1", 10, Some("A"))).await.unwrap();
        store.audit(&e("2", 30, Some("A"))).await.unwrap();
        store.audit(&e("3", 20, Some("B"))).await.unwrap();
        let a = store.audit_entries(Some("A"), 10).await.unwrap();
        assert_eq!(a.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(), ["2", "1"]);
        assert_eq!(store.audit_entries(None, 10).await.unwrap().len(), 3);
        assert_eq!(store.audit_entries(None, 1).await.unwrap()[0].id, "2");
    }
}

#[tokio::test]
async fn unsupported_database_urls_are_refused_without_leaking_passwords() {
    let err = storage::connect("mysql://root:hunter2@db/yl").await.err().unwrap().to_string();
    assert!(err.contains("sqlite://") && !err.contains("hunter2"), "{err}");
}

//! Signing in and out, sessions, CSRF and login throttling, on every backend.

mod common;
use common::*;
use yinling_server::demo::{envoy_phone, staff_phone, ADMIN_PASSWORD, ADMIN_PHONE, ENVOY_PASSWORD, STAFF_PASSWORD};

#[tokio::test]
async fn each_role_lands_on_its_own_home_page() {
    for db in backends() {
        let s = TestServer::start(db).await;
        for (phone, pw, home) in [
            (envoy_phone(1, 1), ENVOY_PASSWORD, "/field"),
            (staff_phone(1, 1), STAFF_PASSWORD, "/station"),
            (ADMIN_PHONE.to_string(), ADMIN_PASSWORD, "/county"),
        ] {
            let v = s.visitor().await;
            let r = v.login(&phone, pw).await;
            assert_eq!(r.status(), 200, "{db:?} {phone}");
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body["home"], home, "{db:?}");
            let me: serde_json::Value = v.get("/api/v1/me").await.json().await.unwrap();
            assert_eq!(me["phone_masked"].as_str().unwrap(), format!("{}****{}", &phone[..3], &phone[7..]));
        }
        // A browser's form post is redirected to the home page.
        let v = s.visitor().await;
        let r = v
            .client
            .post(format!("{}/api/v1/login", s.base))
            .header("accept", "text/html")
            .form(&[("phone", staff_phone(2, 1).as_str()), ("password", STAFF_PASSWORD), ("csrf_token", &v.csrf())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/station");
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_phone_get_the_same_clear_answer() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let v = s.visitor().await;
        let wrong = message(v.login(&envoy_phone(1, 1), "nope").await).await;
        let unknown = message(v.login("13312345678", "nope").await).await;
        assert_eq!(wrong.0, 401);
        assert_eq!(wrong.2, "手机号或密码不正确，请重新输入。");
        assert_eq!(wrong, unknown, "an unknown phone must not be distinguishable");
        assert_eq!(v.get("/api/v1/me").await.status(), 401, "no session was made");
    }
}

#[tokio::test]
async fn malformed_login_forms_are_rejected_with_a_chinese_message() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let v = s.visitor().await;
        for fields in [
            vec![("phone", envoy_phone(1, 1))],
            vec![("phone", "12345".to_string()), ("password", "x".to_string())],
            vec![("password", ENVOY_PASSWORD.to_string())],
        ] {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (status, code, msg) = message(v.post_form("/api/v1/login", &f).await).await;
            assert_eq!((status, code.as_str()), (400, "bad_request"), "{fields:?}");
            assert!(msg.contains("手机号"), "{msg}");
        }
        assert_eq!(v.get("/api/v1/me").await.status(), 401);
    }
}

#[tokio::test]
async fn missing_or_wrong_csrf_token_is_refused_and_changes_nothing() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let v = s.visitor().await;
        let url = format!("{}/api/v1/login", s.base);
        let form = [("phone", envoy_phone(1, 1)), ("password", ENVOY_PASSWORD.to_string())];
        let no_token = v.client.post(&url).form(&form).send().await.unwrap();
        let (status, code, msg) = message(no_token).await;
        assert_eq!((status, code.as_str()), (403, "csrf"));
        assert!(msg.contains("刷新页面"));
        let wrong = v.client.post(&url).header("x-csrf-token", "forged").form(&form).send().await.unwrap();
        assert_eq!(wrong.status(), 403);
        let cross_site = v
            .client
            .post(&url)
            .header("origin", "https://evil.example")
            .form(&[("phone", envoy_phone(1, 1).as_str()), ("password", ENVOY_PASSWORD), ("csrf_token", &v.csrf())])
            .send()
            .await
            .unwrap();
        assert_eq!(cross_site.status(), 403);
        assert_eq!(v.get("/api/v1/me").await.status(), 401, "no login happened");

        // The same holds for a signed-in user's state change.
        let staff = s.signed_in(&staff_phone(1, 1), STAFF_PASSWORD).await;
        let envoy = s.store().user_by_phone(&envoy_phone(1, 2)).await.unwrap().unwrap();
        let r = staff.client.post(format!("{}/api/v1/users/{}/deactivate", s.base, envoy.id)).send().await.unwrap();
        assert_eq!(r.status(), 403);
        assert!(s.store().user_by_id(&envoy.id).await.unwrap().unwrap().active, "envoy still active");
    }
}

#[tokio::test]
async fn login_is_throttled_per_phone_with_a_chinese_message() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let v = s.visitor().await;
        let phone = envoy_phone(1, 3);
        for _ in 0..5 {
            assert_eq!(v.login(&phone, "wrong").await.status(), 401);
        }
        let (status, _, msg) = message(v.login(&phone, ENVOY_PASSWORD).await).await;
        assert_eq!(status, 429, "even the right password waits once the phone is throttled");
        assert_eq!(msg, "登录尝试次数过多，请 15 分钟后再试。");
        // Another phone from the same address is not locked out by this.
        assert_eq!(v.login(&envoy_phone(1, 4), ENVOY_PASSWORD).await.status(), 200);
    }
}

#[tokio::test]
async fn login_rotates_the_session_and_logout_ends_it_on_the_server() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let v = s.signed_in(&envoy_phone(1, 1), ENVOY_PASSWORD).await;
        let first = v.cookie("yl_session").unwrap();
        assert_eq!(v.login(&envoy_phone(1, 1), ENVOY_PASSWORD).await.status(), 200);
        let second = v.cookie("yl_session").unwrap();
        assert_ne!(first, second, "a new session id at each login");

        let replay = reqwest::Client::new();
        let me = |token: String| {
            replay.get(format!("{}/api/v1/me", s.base)).header("cookie", format!("yl_session={token}")).send()
        };
        assert_eq!(me(first.clone()).await.unwrap().status(), 401, "the old session was ended at login");
        assert_eq!(me(second.clone()).await.unwrap().status(), 200);

        let r = v.post_form("/api/v1/logout", &[]).await;
        assert_eq!(r.status(), 204);
        assert_eq!(me(second).await.unwrap().status(), 401, "a copied cookie is useless after logout");
    }
}

#[tokio::test]
async fn deactivating_a_user_ends_all_their_sessions() {
    for db in backends() {
        let s = TestServer::start(db).await;
        let phone = envoy_phone(2, 1);
        let phone_a = s.signed_in(&phone, ENVOY_PASSWORD).await;
        let phone_b = s.signed_in(&phone, ENVOY_PASSWORD).await;
        let envoy = s.store().user_by_phone(&phone).await.unwrap().unwrap();
        let staff = s.signed_in(&staff_phone(2, 1), STAFF_PASSWORD).await;
        // Both sessions in use before the deactivation.
        assert_eq!(phone_a.get("/api/v1/me").await.status(), 200);
        assert_eq!(phone_b.get("/api/v1/me").await.status(), 200);
        assert_eq!(staff.post_form(&format!("/api/v1/users/{}/deactivate", envoy.id), &[]).await.status(), 204);
        assert_eq!(phone_a.get("/api/v1/me").await.status(), 401);
        assert_eq!(phone_b.get("/api/v1/me").await.status(), 401);
        let (status, _, msg) = message(s.visitor().await.login(&phone, ENVOY_PASSWORD).await).await;
        assert_eq!(status, 403);
        assert!(msg.contains("已停用"));
        let audit = s.store().audit_entries(envoy.station_id.as_deref(), 50).await.unwrap();
        assert!(
            audit.iter().any(|a| a.action == "user.deactivate" && a.object_id == envoy.id),
            "deactivation is audited"
        );
        // Reactivated, the envoy can sign in again.
        assert_eq!(staff.post_form(&format!("/api/v1/users/{}/reactivate", envoy.id), &[]).await.status(), 204);
        assert_eq!(s.visitor().await.login(&phone, ENVOY_PASSWORD).await.status(), 200);
    }
}

#[tokio::test]
async fn an_expired_session_is_treated_as_signed_out() {
    for db in backends() {
        let s = TestServer::start_with(db, |c| c.session_ttl = std::time::Duration::from_millis(1500)).await;
        let v = s.signed_in(&envoy_phone(1, 1), ENVOY_PASSWORD).await;
        let token = v.cookie("yl_session").unwrap();
        // Replay the cookie by hand: the server, not the client's jar, must refuse it.
        let me = || {
            reqwest::Client::new()
                .get(format!("{}/api/v1/me", s.base))
                .header("cookie", format!("yl_session={token}"))
                .send()
        };
        assert_eq!(me().await.unwrap().status(), 200);
        tokio::time::sleep(std::time::Duration::from_millis(1700)).await;
        let (status, code, _) = message(me().await.unwrap()).await;
        assert_eq!((status, code.as_str()), (401, "unauthenticated"));
    }
}

#[tokio::test]
async fn cookies_over_tls_are_secure_and_host_prefixed() {
    let s = TestServer::start_with(Db::Sqlite, |c| c.public_url = "https://yinling.example".into()).await;
    // A plain client: cookie jars keep Secure cookies away from http://, so we
    // carry them by hand, as a browser on https would.
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let first = client.get(format!("{}/login", s.base)).send().await.unwrap();
    let set_cookie = |r: &reqwest::Response| -> Vec<String> {
        r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect()
    };
    let csrf_cookie =
        set_cookie(&first).into_iter().find(|c| c.starts_with("__Host-yl_csrf=")).expect("TLS csrf cookie name");
    assert!(csrf_cookie.contains("Secure") && csrf_cookie.contains("SameSite=Strict"));
    let token = csrf_cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_string();
    let r = client
        .post(format!("{}/api/v1/login", s.base))
        .header("accept", "application/json")
        .header("cookie", format!("__Host-yl_csrf={token}"))
        .form(&[("phone", envoy_phone(1, 1).as_str()), ("password", ENVOY_PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookies = set_cookie(&r);
    let session = cookies.iter().find(|c| c.starts_with("__Host-yl_session=")).expect("session cookie");
    for attr in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(session.contains(attr), "{session} lacks {attr}");
    }
    assert!(r.headers()["strict-transport-security"].to_str().unwrap().contains("max-age="));
}

//! Residents' bookings over HTTP: the public booking form, lookup, and the
//! resident's own actions (by secret link), and station staff's actions.
//!
//! Browsers post plain HTML forms and get 303 redirects (to the booking's
//! page, or back to the form with `?error=<code>`), so booking works without
//! JavaScript; scripts and tests that ask for JSON get JSON.

use super::{login::client_ip, referer_path, wants_html};
use crate::{
    auth::principal::MaybePrincipal,
    bookings::{self as service, BookingForm, Fail, StaffAction},
    error::ApiResult,
    AppState,
};
use axum::{
    extract::{rejection::FormRejection, ConnectInfo, Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Form, Json,
};
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;
use tracing::instrument;
use yinling_app::booking::model::{BookingError, PublicStation, SlotPicker, StaffBookingDetail, StationBookings};

/// `path` with its `error` query parameter set to `code` (others kept).
pub fn with_error(path: &str, code: &str) -> String {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let mut params: Vec<&str> = query.split('&').filter(|p| !p.is_empty() && !p.starts_with("error=")).collect();
    let err = format!("error={code}");
    params.push(&err);
    format!("{base}?{}", params.join("&"))
}

/// `path` without its `error` and `new` parameters.
pub fn without_error(path: &str) -> String {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let params: Vec<&str> =
        query.split('&').filter(|p| !p.is_empty() && !p.starts_with("error=") && !p.starts_with("new=")).collect();
    if params.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", params.join("&"))
    }
}

/// A failure in the form the client asked for: back to the page with the
/// error's code for a browser, the JSON error otherwise.
fn failed(html: bool, back: &str, fail: Fail) -> Response {
    match fail {
        Fail::User(e) if html => Redirect::to(&with_error(back, e.code())).into_response(),
        Fail::Api(e) if html && e.code == yinling_app::error::ErrorCode::Unauthenticated => {
            Redirect::to("/login").into_response()
        }
        other => other.api().into_response(),
    }
}

fn no_store(resp: impl IntoResponse) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], resp).into_response()
}

// ---------------------------------------------------------------- public

#[instrument(skip_all)]
pub async fn public_stations(State(state): State<AppState>) -> ApiResult<Json<Vec<PublicStation>>> {
    service::public_stations(&state).await.map(Json).map_err(Fail::api)
}

#[derive(Deserialize)]
pub struct DayQuery {
    day: Option<String>,
}

#[instrument(skip_all)]
pub async fn public_slots(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<DayQuery>,
) -> ApiResult<Json<SlotPicker>> {
    service::picker(&state, &id, q.day.as_deref()).await.map(Json).map_err(Fail::api)
}

#[instrument(skip_all)]
pub async fn create(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<BookingForm>, FormRejection>,
) -> Response {
    let html = wants_html(&headers);
    let Ok(Form(form)) = form else {
        return failed(html, &referer_path(&headers, "/stations"), BookingError::Form.into());
    };
    let client = client_ip(&state, &headers, peer);
    match service::create(&state, &form, &client).await {
        Ok(b) => {
            let url = service::reference::booking_path(&b.token);
            if html {
                Redirect::to(&format!("{url}?new=1")).into_response()
            } else {
                let status = if b.created { StatusCode::CREATED } else { StatusCode::OK };
                let body = json!({
                    "reference": b.booking.reference,
                    "status": b.booking.status,
                    "url": url,
                    "token": b.token,
                    "created": b.created,
                });
                no_store((status, Json(body)))
            }
        }
        Err(fail) => {
            let default = format!("/stations/{}/book?day={}", form.station_id, form.day);
            failed(html, &referer_path(&headers, &default), fail)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LookupForm {
    reference: String,
    phone: String,
}

#[instrument(skip_all)]
pub async fn lookup(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<LookupForm>, FormRejection>,
) -> Response {
    let html = wants_html(&headers);
    let Ok(Form(form)) = form else {
        return failed(html, "/booking", BookingError::Form.into());
    };
    let client = client_ip(&state, &headers, peer);
    match service::lookup(&state, &form.reference, &form.phone, &client).await {
        Ok(token) => {
            let url = service::reference::booking_path(&token);
            if html {
                Redirect::to(&url).into_response()
            } else {
                no_store(Json(json!({ "url": url, "token": token })))
            }
        }
        Err(fail) => failed(html, "/booking", fail),
    }
}

/// What the resident's own forms post: the secret token, and per action a
/// new day and time, or a rating and comment.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResidentForm {
    token: String,
    day: String,
    start: String,
    rating: String,
    comment: String,
}

#[derive(Clone, Copy)]
enum ResidentAction {
    Cancel,
    Reschedule,
    Rate,
}

async fn resident(
    state: AppState,
    headers: HeaderMap,
    form: Result<Form<ResidentForm>, FormRejection>,
    action: ResidentAction,
) -> Response {
    let html = wants_html(&headers);
    let Ok(Form(f)) = form else {
        return failed(html, &referer_path(&headers, "/booking"), BookingError::Form.into());
    };
    let page = service::reference::booking_path(&f.token);
    let result = match action {
        ResidentAction::Cancel => service::resident_cancel(&state, &f.token).await.map(|b| b.status),
        ResidentAction::Reschedule => {
            service::resident_reschedule(&state, &f.token, &f.day, &f.start).await.map(|b| b.status)
        }
        ResidentAction::Rate => service::rate(&state, &f.token, &f.rating, &f.comment)
            .await
            .map(|()| yinling_app::booking::model::BookingStatus::Resolved),
    };
    match result {
        Ok(_) if html => Redirect::to(&page).into_response(),
        Ok(status) => no_store(Json(json!({ "status": status }))),
        Err(fail) => {
            let back = match action {
                ResidentAction::Reschedule => format!("{page}/reschedule?day={}", f.day),
                _ => page,
            };
            failed(html, &back, fail)
        }
    }
}

#[instrument(skip_all)]
pub async fn cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<ResidentForm>, FormRejection>,
) -> Response {
    resident(state, headers, form, ResidentAction::Cancel).await
}

#[instrument(skip_all)]
pub async fn reschedule(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<ResidentForm>, FormRejection>,
) -> Response {
    resident(state, headers, form, ResidentAction::Reschedule).await
}

#[instrument(skip_all)]
pub async fn rate(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<ResidentForm>, FormRejection>,
) -> Response {
    resident(state, headers, form, ResidentAction::Rate).await
}

// ---------------------------------------------------------------- staff

#[derive(Deserialize)]
pub struct ListQuery {
    open: Option<String>,
}

#[instrument(skip_all)]
pub async fn station_list(
    State(state): State<AppState>,
    MaybePrincipal(who): MaybePrincipal,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Response> {
    let open = q.open.as_deref() == Some("1");
    let list: StationBookings =
        service::station_bookings(&state, who.as_ref(), Some(id), open).await.map_err(Fail::api)?;
    Ok(no_store(Json(list)))
}

#[instrument(skip_all)]
pub async fn detail(
    State(state): State<AppState>,
    MaybePrincipal(who): MaybePrincipal,
    Path(id): Path<String>,
    Query(q): Query<DayQuery>,
) -> ApiResult<Response> {
    let d: StaffBookingDetail =
        service::staff_detail(&state, who.as_ref(), &id, q.day.as_deref()).await.map_err(Fail::api)?;
    Ok(no_store(Json(d)))
}

/// The full phone number of a booking's resident; every opening is audited.
#[instrument(skip_all)]
pub async fn phone(
    State(state): State<AppState>,
    MaybePrincipal(who): MaybePrincipal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let phone = service::reveal_phone(&state, who.as_ref(), &id).await.map_err(Fail::api)?;
    Ok(no_store(Json(json!({ "phone": phone }))))
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

async fn staff(
    state: AppState,
    who: MaybePrincipal,
    id: String,
    headers: HeaderMap,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
    kind: &'static str,
) -> Response {
    let html = wants_html(&headers);
    let back = referer_path(&headers, &format!("/station/bookings/{id}"));
    let fields = match form {
        Ok(Form(f)) => f,
        Err(_) => return failed(html, &back, BookingError::Form.into()),
    };
    let assignees: Vec<String> = fields.iter().filter(|(k, _)| k == "assignee").map(|(_, v)| v.clone()).collect();
    let action = match kind {
        "confirm" => StaffAction::Confirm,
        "decline" => StaffAction::Decline { reason: field(&fields, "reason") },
        "reschedule" => StaffAction::Reschedule { day: field(&fields, "day"), start: field(&fields, "start") },
        "accept" => StaffAction::Accept { assignees: &assignees },
        _ => StaffAction::Resolve,
    };
    match service::staff_act(&state, who.0.as_ref(), &id, action).await {
        Ok(_) if html => {
            // Back to the booking, without the day picked for rescheduling.
            let page = without_error(&back);
            let page = if kind == "reschedule" { page.split('?').next().unwrap_or("").to_string() } else { page };
            Redirect::to(&page).into_response()
        }
        Ok(b) => Json(json!({ "status": b.status, "case_id": b.case_id })).into_response(),
        Err(fail) => failed(html, &back, fail),
    }
}

macro_rules! staff_route {
    ($name:ident, $kind:literal) => {
        #[instrument(skip_all)]
        pub async fn $name(
            State(state): State<AppState>,
            who: MaybePrincipal,
            Path(id): Path<String>,
            headers: HeaderMap,
            form: Result<Form<Vec<(String, String)>>, FormRejection>,
        ) -> Response {
            staff(state, who, id, headers, form, $kind).await
        }
    };
}

staff_route!(confirm, "confirm");
staff_route!(decline, "decline");
staff_route!(staff_reschedule, "reschedule");
staff_route!(accept, "accept");
staff_route!(resolve, "resolve");

#[cfg(test)]
mod tests {
    #[test]
    fn error_parameter_is_replaced_not_repeated() {
        assert_eq!(super::with_error("/booking", "x"), "/booking?error=x");
        assert_eq!(super::with_error("/s/1/book?day=2026-11-24&error=a", "b"), "/s/1/book?day=2026-11-24&error=b");
        assert_eq!(super::without_error("/b/t?new=1&error=a"), "/b/t");
        assert_eq!(super::without_error("/x?day=1&error=a"), "/x?day=1");
    }
}

//! A station's bookable slots: the weekly template and exceptions (staff).

use super::{bookings::with_error, referer_path, wants_html};
use crate::{
    auth::principal::MaybePrincipal,
    bookings::{self as service, BookingResult, Fail, SlotSpecForm},
    error::ApiResult,
    AppState,
};
use axum::{
    extract::{rejection::FormRejection, Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Form, Json,
};
use tracing::instrument;
use yinling_app::booking::model::{BookingError, SlotAdmin};

#[instrument(skip_all)]
pub async fn list(
    State(state): State<AppState>,
    MaybePrincipal(who): MaybePrincipal,
    Path(id): Path<String>,
) -> ApiResult<Json<SlotAdmin>> {
    Ok(Json(service::slot_admin(&state, who.as_ref(), Some(id)).await?))
}

fn done(headers: &HeaderMap, result: BookingResult<()>) -> Response {
    let html = wants_html(headers);
    let back = referer_path(headers, "/station/slots");
    match result {
        Ok(()) if html => Redirect::to(back.split('?').next().unwrap_or("/station/slots")).into_response(),
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(Fail::User(e)) if html => Redirect::to(&with_error(&back, e.code())).into_response(),
        Err(f) => f.api().into_response(),
    }
}

fn spec(form: Result<Form<SlotSpecForm>, FormRejection>) -> BookingResult<SlotSpecForm> {
    form.map(|Form(f)| f).map_err(|_| Fail::User(BookingError::SlotSpec))
}

#[instrument(skip_all)]
pub async fn add_template(
    State(state): State<AppState>,
    MaybePrincipal(who): MaybePrincipal,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<SlotSpecForm>, FormRejection>,
) -> Response {
    let result = async { service::add_template(&state, who.as_ref(), &id, &spec(form)?).await }.await;
    done(&headers, result)
}

#[instrument(skip_all)]
pub async fn delete_template(
    State(state): State<AppState>,
    MaybePrincipal(who): MaybePrincipal,
    Path((id, template)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    done(&headers, service::delete_template(&state, who.as_ref(), &id, &template).await)
}

#[instrument(skip_all)]
pub async fn add_exception(
    State(state): State<AppState>,
    MaybePrincipal(who): MaybePrincipal,
    Path(id): Path<String>,
    headers: HeaderMap,
    form: Result<Form<SlotSpecForm>, FormRejection>,
) -> Response {
    let result = async { service::add_exception(&state, who.as_ref(), &id, &spec(form)?).await }.await;
    done(&headers, result)
}

#[instrument(skip_all)]
pub async fn delete_exception(
    State(state): State<AppState>,
    MaybePrincipal(who): MaybePrincipal,
    Path((id, exception)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    done(&headers, service::delete_exception(&state, who.as_ref(), &id, &exception).await)
}

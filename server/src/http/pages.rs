//! Desk pages need a signed-in user: send anonymous visitors to the login
//! page instead of drawing an empty page. (The field app is not guarded here:
//! it must open offline, and checks its user itself.)

use crate::{auth::Principal, AppState};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};

const GUARDED: [&str; 3] = ["/station", "/station/sync", "/county"];

pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if (GUARDED.contains(&path) || path.starts_with("/station/"))
        && Principal::from_headers(&state, req.headers()).await.is_none()
    {
        return Redirect::to("/login").into_response();
    }
    next.run(req).await
}

//! Errors that reach users, shared by REST routes and server functions.
//!
//! Policy:
//! - Every error a user can see has a Chinese message (what happened and what
//!   to do) and an English one; `code` is stable for programs and tests.
//! - Internal failures are logged on the server with detail and shown only as
//!   "服务器内部错误" — never a SQL message, a path or a stack trace.
//! - Objects of another station are "not found", never "forbidden", so their
//!   existence does not leak.
//! - A rejected request changes nothing: handlers validate before they write,
//!   and multi-step writes run in one transaction.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    NotFound,
    Csrf,
    BadRequest,
    TooManyRequests,
    /// The request clashes with the current state (a full slot, a booking already handled).
    Conflict,
    /// The request body is over a limit (e.g. too many ops in one sync).
    TooLarge,
    /// The client speaks an older/newer protocol and must update.
    UpgradeRequired,
    Internal,
    /// The server could not be reached (client side only).
    Network,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct AppError {
    #[serde(rename = "error")]
    pub code: ErrorCode,
    pub message: String,
    pub message_en: String,
}

impl AppError {
    pub fn new(code: ErrorCode, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self { code, message: zh.into(), message_en: en.into() }
    }
    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "请先登录。", "Please sign in.")
    }
    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, "您没有权限进行此操作。", "You are not allowed to do this.")
    }
    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound, "没有找到该内容。", "Not found.")
    }
    pub fn csrf() -> Self {
        Self::new(
            ErrorCode::Csrf,
            "页面已过期或来源不明，请刷新页面后重试。",
            "This page has expired or the request came from elsewhere; reload the page and try again.",
        )
    }
    pub fn bad(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, zh, en)
    }
    pub fn too_many(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(ErrorCode::TooManyRequests, zh, en)
    }
    /// `detail` is for the log only; users see a generic message.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        #[cfg(feature = "ssr")]
        tracing::error!(%detail, "internal error");
        #[cfg(not(feature = "ssr"))]
        let _ = detail.to_string();
        Self::new(ErrorCode::Internal, "服务器内部错误，请稍后再试。", "Server error; please try again later.")
    }
    pub fn network() -> Self {
        Self::new(ErrorCode::Network, "无法连接服务器，请检查网络。", "Cannot reach the server; check the network.")
    }

    pub fn message_in(&self, lang: crate::i18n::Lang) -> &str {
        match lang {
            crate::i18n::Lang::Zh => &self.message,
            crate::i18n::Lang::En => &self.message_en,
        }
    }

    #[cfg(feature = "ssr")]
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode as S;
        match self.code {
            ErrorCode::Unauthenticated => S::UNAUTHORIZED,
            ErrorCode::Forbidden | ErrorCode::Csrf => S::FORBIDDEN,
            ErrorCode::NotFound => S::NOT_FOUND,
            ErrorCode::BadRequest => S::BAD_REQUEST,
            ErrorCode::TooManyRequests => S::TOO_MANY_REQUESTS,
            ErrorCode::Conflict => S::CONFLICT,
            ErrorCode::TooLarge => S::PAYLOAD_TOO_LARGE,
            ErrorCode::UpgradeRequired => S::UPGRADE_REQUIRED,
            ErrorCode::Internal => S::INTERNAL_SERVER_ERROR,
            ErrorCode::Network => S::BAD_GATEWAY,
        }
    }
}

#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        (self.status(), axum::Json(self)).into_response()
    }
}

impl server_fn::error::FromServerFnError for AppError {
    type Encoder = server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: server_fn::error::ServerFnErrorErr) -> Self {
        use server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Request(_) => AppError::network(),
            E::Args(m) | E::MissingArg(m) => AppError::bad("提交的内容格式不正确。", format!("Malformed input: {m}")),
            other => AppError::internal(other),
        }
    }
}

impl From<yinling_protocol::ProtocolError> for AppError {
    fn from(e: yinling_protocol::ProtocolError) -> Self {
        use yinling_protocol::ProtocolError as P;
        let code = match e {
            P::UnsupportedVersion { .. } => ErrorCode::UpgradeRequired,
            P::BatchTooLarge { .. } => ErrorCode::TooLarge,
            P::Malformed { .. } => ErrorCode::BadRequest,
        };
        AppError::new(code, e.message_zh(), e.message_en())
    }
}

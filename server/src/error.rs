//! Server side of the error policy written at the top of `yinling_app::error`:
//! conversions from storage and authorization failures.

pub use yinling_app::error::AppError as ApiError;

pub type ApiResult<T> = Result<T, ApiError>;

impl From<crate::storage::StoreError> for ApiError {
    fn from(e: crate::storage::StoreError) -> Self {
        ApiError::internal(e)
    }
}

impl From<crate::auth::policy::Denied> for ApiError {
    fn from(d: crate::auth::policy::Denied) -> Self {
        use crate::auth::policy::Denied;
        match d {
            Denied::Unauthenticated => ApiError::unauthenticated(),
            Denied::Forbidden => ApiError::forbidden(),
            Denied::NotFound => ApiError::not_found(),
        }
    }
}

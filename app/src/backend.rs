//! The server's side of the pages: a port the server crate implements and
//! provides as context, so server functions here stay thin and the same code
//! serves the REST routes and the pages (no database code in the UI crate).

use crate::{
    error::AppError,
    model::{AgreementDoc, CountyStationRow, Me, StationHome, StationMediations, SyncQueue},
};
use std::sync::Arc;

#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// The signed-in user, or `None` for an anonymous request.
    async fn me(&self, req: &http::request::Parts) -> Result<Option<Me>, AppError>;
    /// A station's profile and roster; `None` means the caller's own station.
    async fn station_home(
        &self,
        req: &http::request::Parts,
        station_id: Option<String>,
    ) -> Result<StationHome, AppError>;
    /// Every station with its head counts (county administrators only).
    async fn county(&self, req: &http::request::Parts) -> Result<Vec<CountyStationRow>, AppError>;
    /// A station's sync review queue; `None` means the caller's own station.
    async fn sync_queue(&self, req: &http::request::Parts, station_id: Option<String>) -> Result<SyncQueue, AppError>;
    /// A station's mediations; `None` means the caller's own station.
    async fn mediations(
        &self,
        req: &http::request::Parts,
        station_id: Option<String>,
    ) -> Result<StationMediations, AppError>;
    /// One successful mediation's agreement, to print (audited).
    async fn agreement(&self, req: &http::request::Parts, mediation_id: String) -> Result<AgreementDoc, AppError>;
}

pub type SharedBackend = Arc<dyn Backend>;

/// The backend and the current request, from a server function or page render.
pub fn backend_and_parts() -> Result<(SharedBackend, http::request::Parts), AppError> {
    let backend =
        leptos::prelude::use_context::<SharedBackend>().ok_or_else(|| AppError::internal("no backend in context"))?;
    let parts = leptos::prelude::use_context::<http::request::Parts>()
        .ok_or_else(|| AppError::internal("no request in context"))?;
    Ok((backend, parts))
}

//! The server's implementation of the pages' `Backend` port.

use crate::{auth::Principal, service, AppState};
use yinling_app::{
    backend::Backend,
    error::AppError,
    model::{AgreementDoc, CountyStationRow, Me, StationHome, StationMediations, SyncQueue},
};

pub struct ServerBackend(pub AppState);

#[async_trait::async_trait]
impl Backend for ServerBackend {
    async fn me(&self, req: &http::request::Parts) -> Result<Option<Me>, AppError> {
        match Principal::from_headers(&self.0, &req.headers).await {
            Some(p) => service::me(&self.0, Some(&p)).await.map(Some),
            None => Ok(None),
        }
    }

    async fn station_home(
        &self,
        req: &http::request::Parts,
        station_id: Option<String>,
    ) -> Result<StationHome, AppError> {
        let p = Principal::from_headers(&self.0, &req.headers).await;
        service::station_home(&self.0, p.as_ref(), station_id).await
    }

    async fn county(&self, req: &http::request::Parts) -> Result<Vec<CountyStationRow>, AppError> {
        let p = Principal::from_headers(&self.0, &req.headers).await;
        service::county(&self.0, p.as_ref()).await
    }

    async fn sync_queue(&self, req: &http::request::Parts, station_id: Option<String>) -> Result<SyncQueue, AppError> {
        let p = Principal::from_headers(&self.0, &req.headers).await;
        crate::sync::queue::queue(&self.0, p.as_ref(), station_id).await
    }

    async fn mediations(
        &self,
        req: &http::request::Parts,
        station_id: Option<String>,
    ) -> Result<StationMediations, AppError> {
        let p = Principal::from_headers(&self.0, &req.headers).await;
        crate::sync::mediations::list(&self.0, p.as_ref(), station_id).await
    }

    async fn agreement(&self, req: &http::request::Parts, mediation_id: String) -> Result<AgreementDoc, AppError> {
        let p = Principal::from_headers(&self.0, &req.headers).await;
        crate::sync::mediations::agreement(&self.0, p.as_ref(), &mediation_id).await
    }
}

//! The server's implementation of the booking pages' `BookingPort`.

use crate::{auth::Principal, bookings as service, AppState};
use yinling_app::{
    booking::{
        model::{PublicStation, ResidentBooking, SlotAdmin, SlotPicker, StaffBookingDetail, StationBookings},
        port::BookingPort,
    },
    error::AppError,
};

pub struct ServerBookingPort(pub AppState);

#[async_trait::async_trait]
impl BookingPort for ServerBookingPort {
    async fn public_stations(&self) -> Result<Vec<PublicStation>, AppError> {
        Ok(service::public_stations(&self.0).await?)
    }

    async fn book_form(&self, station_id: String, day: Option<String>) -> Result<SlotPicker, AppError> {
        Ok(service::picker(&self.0, &station_id, day.as_deref()).await?)
    }

    async fn resident_booking(&self, token: String) -> Result<ResidentBooking, AppError> {
        Ok(service::resident_view(&self.0, &token).await?)
    }

    async fn reschedule_form(
        &self,
        token: String,
        day: Option<String>,
    ) -> Result<(ResidentBooking, SlotPicker), AppError> {
        Ok(service::reschedule_form(&self.0, &token, day.as_deref()).await?)
    }

    async fn station_bookings(
        &self,
        req: &http::request::Parts,
        station_id: Option<String>,
        filter: Option<String>,
    ) -> Result<StationBookings, AppError> {
        let p = Principal::from_headers(&self.0, &req.headers).await;
        let open = filter.as_deref() != Some("all");
        Ok(service::station_bookings(&self.0, p.as_ref(), station_id, open).await?)
    }

    async fn station_booking(
        &self,
        req: &http::request::Parts,
        id: String,
        day: Option<String>,
    ) -> Result<StaffBookingDetail, AppError> {
        let p = Principal::from_headers(&self.0, &req.headers).await;
        Ok(service::staff_detail(&self.0, p.as_ref(), &id, day.as_deref()).await?)
    }

    async fn station_slots(
        &self,
        req: &http::request::Parts,
        station_id: Option<String>,
    ) -> Result<SlotAdmin, AppError> {
        let p = Principal::from_headers(&self.0, &req.headers).await;
        Ok(service::slot_admin(&self.0, p.as_ref(), station_id).await?)
    }
}

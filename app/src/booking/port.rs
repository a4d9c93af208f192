//! The server's side of the booking pages: a port the server implements and
//! provides as context (like `crate::backend::Backend`), so the pages' server
//! functions stay thin and hold no database code.

use super::model::{PublicStation, ResidentBooking, SlotAdmin, SlotPicker, StaffBookingDetail, StationBookings};
use crate::error::AppError;
use std::sync::Arc;

#[async_trait::async_trait]
pub trait BookingPort: Send + Sync + 'static {
    /// Every station with its envoys (name, former field) and satisfaction.
    async fn public_stations(&self) -> Result<Vec<PublicStation>, AppError>;
    /// The booking form of a station: open days, and the slots of `day`.
    async fn book_form(&self, station_id: String, day: Option<String>) -> Result<SlotPicker, AppError>;
    /// The booking behind a secret link.
    async fn resident_booking(&self, token: String) -> Result<ResidentBooking, AppError>;
    /// The slots a resident may move their booking to.
    async fn reschedule_form(
        &self,
        token: String,
        day: Option<String>,
    ) -> Result<(ResidentBooking, SlotPicker), AppError>;
    /// The caller's station's bookings (staff).
    async fn station_bookings(
        &self,
        req: &http::request::Parts,
        station_id: Option<String>,
        filter: Option<String>,
    ) -> Result<StationBookings, AppError>;
    /// One booking of the caller's station (staff); `day` picks reschedule slots.
    async fn station_booking(
        &self,
        req: &http::request::Parts,
        id: String,
        day: Option<String>,
    ) -> Result<StaffBookingDetail, AppError>;
    /// The caller's station's weekly slots and exceptions (staff).
    async fn station_slots(
        &self,
        req: &http::request::Parts,
        station_id: Option<String>,
    ) -> Result<SlotAdmin, AppError>;
}

pub type SharedBookingPort = Arc<dyn BookingPort>;

/// The port and the current request, from a server function or page render.
pub fn port_and_parts() -> Result<(SharedBookingPort, http::request::Parts), AppError> {
    let port = leptos::prelude::use_context::<SharedBookingPort>()
        .ok_or_else(|| AppError::internal("no booking port in context"))?;
    let parts = leptos::prelude::use_context::<http::request::Parts>()
        .ok_or_else(|| AppError::internal("no request in context"))?;
    Ok((port, parts))
}

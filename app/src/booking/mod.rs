//! Residents' bookings (预约调处): shared types, texts, and the server port.

pub mod model;
#[cfg(feature = "ssr")]
pub mod port;
pub mod text;

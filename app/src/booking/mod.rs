//! Residents' bookings (预约调处): shared types, texts, page pieces, and the
//! server port.

pub mod lazy;
pub mod model;
#[cfg(feature = "ssr")]
pub mod port;
pub mod submit;
pub mod text;
pub mod ui;

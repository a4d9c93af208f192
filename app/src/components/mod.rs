pub mod agreement;
pub mod connection;
pub mod frame;
pub mod loaded;
pub mod status;

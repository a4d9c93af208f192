pub mod connection;
pub mod frame;

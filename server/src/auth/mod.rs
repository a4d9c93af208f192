//! Who is asking, and may they: passwords, sessions, CSRF, login throttling and
//! the single authorization policy every route and server function goes through.

pub mod csrf;
pub mod password;
pub mod policy;
pub mod principal;
pub mod rate_limit;
pub mod session;

pub use policy::{authorize, Action};
pub use principal::Principal;

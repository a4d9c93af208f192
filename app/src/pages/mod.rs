pub mod county;
pub mod field;
pub mod field_visit;
pub mod landing;
pub mod login;
pub mod not_found;
pub mod station;
pub mod sync_queue;

//! `sqlx::migrate!` embeds the migration files at compile time; without
//! this, adding one would not rebuild the server.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

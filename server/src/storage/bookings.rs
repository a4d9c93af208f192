//! Storage of residents' bookings (预约调处): slot templates and exceptions,
//! bookings with their secret links and public timeline, ratings.
//!
//! Same conventions as `sql.rs` (shared `$n` SQL text, TEXT ids, BIGINT
//! milliseconds); `booking_store!` stamps the implementation out per backend.
//! What differs is only how a write transaction takes its lock: SQLite starts
//! it with `BEGIN IMMEDIATE` (the database write lock, before anything is
//! read); PostgreSQL locks the slot's row with `SELECT … FOR UPDATE`. Either
//! way the capacity check and the insert see no concurrent booking of the
//! same slot, so a slot is never over-booked.

use super::{
    sql::{PgStore, SqliteStore},
    StoreError, StoreResult,
};
use async_trait::async_trait;
use sqlx::{postgres::PgRow, sqlite::SqliteRow, Row};
use yinling_app::booking::model::{BookingStatus, Rating};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotTemplateRow {
    pub id: String,
    pub station_id: String,
    /// ISO weekday, 1 = Monday.
    pub weekday: i64,
    pub start_min: i64,
    pub end_min: i64,
    pub slot_minutes: i64,
    pub capacity: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotExceptionRow {
    pub id: String,
    pub station_id: String,
    pub day: String,
    /// Closed all day; otherwise extra hours on top of the template.
    pub closed: bool,
    pub start_min: i64,
    pub end_min: i64,
    pub slot_minutes: i64,
    pub capacity: i64,
    pub note: String,
}

/// How many live bookings one slot holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotLoad {
    pub day: String,
    pub start_min: i64,
    pub booked: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BookingRow {
    pub id: String,
    pub reference: String,
    pub idempotency_key: String,
    pub station_id: String,
    pub day: String,
    pub start_min: i64,
    pub end_min: i64,
    /// The slot's start as unix milliseconds.
    pub starts_at: i64,
    pub status: BookingStatus,
    pub matter_kind: String,
    pub description: String,
    pub resident_name: String,
    /// Read from `booking_contacts`, where each number is stored once.
    pub phone: String,
    pub other_party: String,
    pub consent_version: String,
    pub consented_at: i64,
    pub decline_reason: String,
    pub case_id: Option<String>,
    pub case_ops: Option<String>,
    pub rating: Option<Rating>,
    pub rating_comment: String,
    pub rated_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A booking to write, with the first secret link to it.
#[derive(Clone, Debug)]
pub struct NewBooking {
    pub id: String,
    pub reference: String,
    pub idempotency_key: String,
    pub station_id: String,
    pub day: String,
    pub start_min: i64,
    pub end_min: i64,
    pub starts_at: i64,
    pub matter_kind: String,
    pub description: String,
    pub resident_name: String,
    pub phone: String,
    pub other_party: String,
    pub consent_version: String,
    pub token_hash: String,
    pub now: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CreateOutcome {
    Created(BookingRow),
    /// A booking with this idempotency key exists already (a repeated submit).
    Existing(BookingRow),
    /// The slot holds `capacity` live bookings already.
    Full,
    /// The random reference is taken; try again with another.
    ReferenceTaken,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookingEventRow {
    pub at: i64,
    pub status: BookingStatus,
    pub day: String,
    pub start_min: i64,
    pub end_min: i64,
    pub by_resident: bool,
    pub actor_id: Option<String>,
    pub note: String,
}

/// Move a booking to another slot (checked against the slot's capacity).
#[derive(Clone, Debug)]
pub struct SlotMove {
    pub day: String,
    pub start_min: i64,
    pub end_min: i64,
    pub starts_at: i64,
    pub capacity: i64,
}

/// One status change of a booking, applied only if the booking is in one of
/// the `from` states (and, when `starts_after` is set, has not started).
#[derive(Clone, Debug)]
pub struct BookingChange {
    pub booking_id: String,
    pub from: Vec<BookingStatus>,
    pub to: BookingStatus,
    pub starts_after: Option<i64>,
    pub move_to: Option<SlotMove>,
    pub decline_reason: Option<String>,
    /// `(case id, the case's sync ops as JSON)`.
    pub case: Option<(String, String)>,
    pub by_resident: bool,
    pub actor_id: Option<String>,
    /// Shown to the resident on the timeline.
    pub note: String,
    pub now: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ChangeOutcome {
    Done(BookingRow),
    NotFound,
    /// The booking is not in a state the change applies to (or has started).
    WrongState(BookingRow),
    Full,
}

/// Row counts of the booking tables (tests check nothing was half-written).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BookingTableCounts {
    pub bookings: i64,
    pub contacts: i64,
    pub links: i64,
    pub events: i64,
}

#[async_trait]
pub trait BookingStore: Send + Sync {
    async fn slot_templates(&self, station_id: &str) -> StoreResult<Vec<SlotTemplateRow>>;
    /// Write templates in one transaction (the demo county, imports).
    async fn insert_slot_templates(&self, rows: &[SlotTemplateRow]) -> StoreResult<()>;
    async fn delete_slot_template(&self, station_id: &str, id: &str) -> StoreResult<bool>;
    /// Exceptions on days `from..=to` (`YYYY-MM-DD`).
    async fn slot_exceptions(&self, station_id: &str, from: &str, to: &str) -> StoreResult<Vec<SlotExceptionRow>>;
    async fn insert_slot_exception(&self, row: &SlotExceptionRow) -> StoreResult<()>;
    async fn delete_slot_exception(&self, station_id: &str, id: &str) -> StoreResult<bool>;
    /// Stations with a weekly template or extra hours from `from` on.
    async fn stations_with_slots(&self, from: &str) -> StoreResult<Vec<String>>;
    /// Live bookings per slot on days `from..=to`.
    async fn slot_load(&self, station_id: &str, from: &str, to: &str) -> StoreResult<Vec<SlotLoad>>;

    /// Insert a booking unless its slot already holds `capacity` live ones,
    /// or return the booking an earlier submit with the same key made.
    async fn create_booking(&self, new: &NewBooking, capacity: i64) -> StoreResult<CreateOutcome>;
    async fn add_booking_link(&self, booking_id: &str, token_hash: &str, now: i64) -> StoreResult<()>;
    async fn booking_by_link(&self, token_hash: &str) -> StoreResult<Option<BookingRow>>;
    async fn booking_by_reference(&self, reference: &str) -> StoreResult<Option<BookingRow>>;
    async fn booking(&self, id: &str) -> StoreResult<Option<BookingRow>>;
    /// A station's bookings by appointment time; `open_only` leaves out the
    /// cancelled, declined and resolved ones.
    async fn station_bookings(&self, station_id: &str, open_only: bool, limit: i64) -> StoreResult<Vec<BookingRow>>;
    async fn booking_events(&self, booking_id: &str) -> StoreResult<Vec<BookingEventRow>>;
    async fn change_booking(&self, change: &BookingChange) -> StoreResult<ChangeOutcome>;
    /// Rate a resolved, unrated booking; false if it is not (or no longer) one.
    async fn rate_booking(&self, id: &str, rating: Rating, comment: &str, now: i64) -> StoreResult<bool>;
    /// `(station id, rating, count)` over every rated booking.
    async fn satisfaction(&self) -> StoreResult<Vec<(String, Rating, i64)>>;
    /// Active envoys: `(station id, name, former field)`, by station and name.
    async fn public_envoys(&self) -> StoreResult<Vec<(String, String, String)>>;
    async fn booking_table_counts(&self) -> StoreResult<BookingTableCounts>;
}

const BOOKING_COLS: &str = "b.id, b.reference, b.idempotency_key, b.station_id, b.day, b.start_min, b.end_min, \
     b.starts_at, b.status, b.matter_kind, b.description, b.resident_name, c.phone, b.other_party, \
     b.consent_version, b.consented_at, b.decline_reason, b.case_id, b.case_ops, b.rating, b.rating_comment, \
     b.rated_at, b.created_at, b.updated_at";
const BOOKING_FROM: &str = "bookings b JOIN booking_contacts c ON c.id = b.contact_id";
const TEMPLATE_COLS: &str = "id, station_id, weekday, start_min, end_min, slot_minutes, capacity";
const EXCEPTION_COLS: &str = "id, station_id, day, closed, start_min, end_min, slot_minutes, capacity, note";

/// `status IN (...)` from fixed status codes (never user text).
fn status_in(statuses: &[BookingStatus]) -> String {
    let codes: Vec<String> = statuses.iter().map(|s| format!("'{}'", s.code())).collect();
    format!("status IN ({})", codes.join(", "))
}

fn live_statuses() -> String {
    let live: Vec<BookingStatus> = BookingStatus::ALL.into_iter().filter(|s| s.holds_slot()).collect();
    status_in(&live)
}

fn status_of(s: &str) -> StoreResult<BookingStatus> {
    BookingStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown booking status {s:?}")))
}

fn rating_of(s: &str) -> StoreResult<Rating> {
    Rating::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown rating {s:?}")))
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl SqliteStore {
    /// SQLite: take the database's write lock before reading anything.
    async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        super::sql::begin_with(&self.pool, "BEGIN IMMEDIATE").await
    }
}

impl PgStore {
    /// PostgreSQL: an ordinary transaction; the slot row is locked explicitly.
    async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin().await
    }
}

macro_rules! booking_store {
    ($store:ident, $row:ty, $for_update:literal) => {
        impl $store {
            fn booking_row(r: &$row) -> StoreResult<BookingRow> {
                Ok(BookingRow {
                    id: r.try_get("id")?,
                    reference: r.try_get("reference")?,
                    idempotency_key: r.try_get("idempotency_key")?,
                    station_id: r.try_get("station_id")?,
                    day: r.try_get("day")?,
                    start_min: r.try_get("start_min")?,
                    end_min: r.try_get("end_min")?,
                    starts_at: r.try_get("starts_at")?,
                    status: status_of(r.try_get::<&str, _>("status")?)?,
                    matter_kind: r.try_get("matter_kind")?,
                    description: r.try_get("description")?,
                    resident_name: r.try_get("resident_name")?,
                    phone: r.try_get("phone")?,
                    other_party: r.try_get("other_party")?,
                    consent_version: r.try_get("consent_version")?,
                    consented_at: r.try_get("consented_at")?,
                    decline_reason: r.try_get("decline_reason")?,
                    case_id: r.try_get("case_id")?,
                    case_ops: r.try_get("case_ops")?,
                    rating: r.try_get::<Option<&str>, _>("rating")?.map(rating_of).transpose()?,
                    rating_comment: r.try_get("rating_comment")?,
                    rated_at: r.try_get("rated_at")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                })
            }

            fn template_row(r: &$row) -> StoreResult<SlotTemplateRow> {
                Ok(SlotTemplateRow {
                    id: r.try_get("id")?,
                    station_id: r.try_get("station_id")?,
                    weekday: r.try_get("weekday")?,
                    start_min: r.try_get("start_min")?,
                    end_min: r.try_get("end_min")?,
                    slot_minutes: r.try_get("slot_minutes")?,
                    capacity: r.try_get("capacity")?,
                })
            }

            fn exception_row(r: &$row) -> StoreResult<SlotExceptionRow> {
                Ok(SlotExceptionRow {
                    id: r.try_get("id")?,
                    station_id: r.try_get("station_id")?,
                    day: r.try_get("day")?,
                    closed: r.try_get("closed")?,
                    start_min: r.try_get("start_min")?,
                    end_min: r.try_get("end_min")?,
                    slot_minutes: r.try_get("slot_minutes")?,
                    capacity: r.try_get("capacity")?,
                    note: r.try_get("note")?,
                })
            }

            async fn booking_where(&self, cond: &str, arg: &str) -> StoreResult<Option<BookingRow>> {
                let q = format!("SELECT {BOOKING_COLS} FROM {BOOKING_FROM} WHERE {cond}");
                let row = sqlx::query(&q).bind(arg).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::booking_row).transpose()
            }
        }

        #[async_trait]
        impl BookingStore for $store {
            async fn slot_templates(&self, station_id: &str) -> StoreResult<Vec<SlotTemplateRow>> {
                let q = format!(
                    "SELECT {TEMPLATE_COLS} FROM slot_templates WHERE station_id = $1 ORDER BY weekday, start_min"
                );
                let rows = sqlx::query(&q).bind(station_id).fetch_all(&self.pool).await?;
                rows.iter().map(Self::template_row).collect()
            }

            async fn insert_slot_templates(&self, rows: &[SlotTemplateRow]) -> StoreResult<()> {
                let now = chrono::Utc::now().timestamp_millis();
                let mut tx = self.pool.begin().await?;
                for t in rows {
                    sqlx::query(
                        "INSERT INTO slot_templates \
                         (id, station_id, weekday, start_min, end_min, slot_minutes, capacity, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(&t.id)
                    .bind(&t.station_id)
                    .bind(t.weekday)
                    .bind(t.start_min)
                    .bind(t.end_min)
                    .bind(t.slot_minutes)
                    .bind(t.capacity)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn delete_slot_template(&self, station_id: &str, id: &str) -> StoreResult<bool> {
                let r = sqlx::query("DELETE FROM slot_templates WHERE id = $1 AND station_id = $2")
                    .bind(id)
                    .bind(station_id)
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() == 1)
            }

            async fn slot_exceptions(
                &self,
                station_id: &str,
                from: &str,
                to: &str,
            ) -> StoreResult<Vec<SlotExceptionRow>> {
                let q = format!(
                    "SELECT {EXCEPTION_COLS} FROM slot_exceptions \
                     WHERE station_id = $1 AND day >= $2 AND day <= $3 ORDER BY day, start_min"
                );
                let rows = sqlx::query(&q).bind(station_id).bind(from).bind(to).fetch_all(&self.pool).await?;
                rows.iter().map(Self::exception_row).collect()
            }

            async fn insert_slot_exception(&self, e: &SlotExceptionRow) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO slot_exceptions \
                     (id, station_id, day, closed, start_min, end_min, slot_minutes, capacity, note, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&e.id)
                .bind(&e.station_id)
                .bind(&e.day)
                .bind(e.closed)
                .bind(e.start_min)
                .bind(e.end_min)
                .bind(e.slot_minutes)
                .bind(e.capacity)
                .bind(&e.note)
                .bind(chrono::Utc::now().timestamp_millis())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn delete_slot_exception(&self, station_id: &str, id: &str) -> StoreResult<bool> {
                let r = sqlx::query("DELETE FROM slot_exceptions WHERE id = $1 AND station_id = $2")
                    .bind(id)
                    .bind(station_id)
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() == 1)
            }

            async fn stations_with_slots(&self, from: &str) -> StoreResult<Vec<String>> {
                let ids = sqlx::query_scalar(
                    "SELECT station_id FROM slot_templates \
                     UNION SELECT station_id FROM slot_exceptions WHERE closed = FALSE AND day >= $1",
                )
                .bind(from)
                .fetch_all(&self.pool)
                .await?;
                Ok(ids)
            }

            async fn slot_load(&self, station_id: &str, from: &str, to: &str) -> StoreResult<Vec<SlotLoad>> {
                let q = format!(
                    "SELECT day, start_min, COUNT(*) AS booked FROM bookings \
                     WHERE station_id = $1 AND day >= $2 AND day <= $3 AND {} GROUP BY day, start_min",
                    live_statuses()
                );
                let rows = sqlx::query(&q).bind(station_id).bind(from).bind(to).fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        Ok(SlotLoad {
                            day: r.try_get("day")?,
                            start_min: r.try_get("start_min")?,
                            booked: r.try_get("booked")?,
                        })
                    })
                    .collect()
            }

            async fn create_booking(&self, n: &NewBooking, capacity: i64) -> StoreResult<CreateOutcome> {
                let mut tx = self.write_tx().await?;
                // The slot's row is the lock point: create it, then lock it.
                sqlx::query(
                    "INSERT INTO booking_slots (station_id, day, start_min) VALUES ($1, $2, $3) \
                     ON CONFLICT (station_id, day, start_min) DO NOTHING",
                )
                .bind(&n.station_id)
                .bind(&n.day)
                .bind(n.start_min)
                .execute(&mut *tx)
                .await?;
                sqlx::query(concat!(
                    "SELECT start_min FROM booking_slots WHERE station_id = $1 AND day = $2 AND start_min = $3",
                    $for_update
                ))
                .bind(&n.station_id)
                .bind(&n.day)
                .bind(n.start_min)
                .fetch_one(&mut *tx)
                .await?;
                // A repeated submit (double tap, a retrying network) finds the first one.
                let q = format!("SELECT {BOOKING_COLS} FROM {BOOKING_FROM} WHERE b.idempotency_key = $1");
                if let Some(r) = sqlx::query(&q).bind(&n.idempotency_key).fetch_optional(&mut *tx).await? {
                    let row = Self::booking_row(&r)?;
                    tx.rollback().await?;
                    return Ok(CreateOutcome::Existing(row));
                }
                let q = format!(
                    "SELECT COUNT(*) FROM bookings WHERE station_id = $1 AND day = $2 AND start_min = $3 AND {}",
                    live_statuses()
                );
                let booked: i64 = sqlx::query_scalar(&q)
                    .bind(&n.station_id)
                    .bind(&n.day)
                    .bind(n.start_min)
                    .fetch_one(&mut *tx)
                    .await?;
                if booked >= capacity {
                    tx.rollback().await?;
                    return Ok(CreateOutcome::Full);
                }
                sqlx::query(
                    "INSERT INTO booking_contacts (id, phone, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (phone) DO NOTHING",
                )
                .bind(new_id())
                .bind(&n.phone)
                .bind(n.now)
                .execute(&mut *tx)
                .await?;
                let contact_id: String = sqlx::query_scalar("SELECT id FROM booking_contacts WHERE phone = $1")
                    .bind(&n.phone)
                    .fetch_one(&mut *tx)
                    .await?;
                let inserted = sqlx::query(
                    "INSERT INTO bookings (id, reference, idempotency_key, station_id, day, start_min, end_min, \
                     starts_at, status, matter_kind, description, resident_name, contact_id, other_party, \
                     consent_version, consented_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $11, $12, $13, $14, $15, $15, $15)",
                )
                .bind(&n.id)
                .bind(&n.reference)
                .bind(&n.idempotency_key)
                .bind(&n.station_id)
                .bind(&n.day)
                .bind(n.start_min)
                .bind(n.end_min)
                .bind(n.starts_at)
                .bind(&n.matter_kind)
                .bind(&n.description)
                .bind(&n.resident_name)
                .bind(&contact_id)
                .bind(&n.other_party)
                .bind(&n.consent_version)
                .bind(n.now)
                .execute(&mut *tx)
                .await;
                match inserted {
                    Ok(_) => {}
                    Err(e) if is_unique_violation(&e) => {
                        tx.rollback().await?;
                        // Same key committed meanwhile (PostgreSQL), or a reference collision.
                        return Ok(match self.booking_where("b.idempotency_key = $1", &n.idempotency_key).await? {
                            Some(row) => CreateOutcome::Existing(row),
                            None => CreateOutcome::ReferenceTaken,
                        });
                    }
                    Err(e) => return Err(e.into()),
                }
                sqlx::query(
                    "INSERT INTO booking_events (id, booking_id, at, status, day, start_min, end_min, by_resident) \
                     VALUES ($1, $2, $3, 'pending', $4, $5, $6, TRUE)",
                )
                .bind(new_id())
                .bind(&n.id)
                .bind(n.now)
                .bind(&n.day)
                .bind(n.start_min)
                .bind(n.end_min)
                .execute(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO booking_links (token_hash, booking_id, created_at) VALUES ($1, $2, $3)")
                    .bind(&n.token_hash)
                    .bind(&n.id)
                    .bind(n.now)
                    .execute(&mut *tx)
                    .await?;
                let q = format!("SELECT {BOOKING_COLS} FROM {BOOKING_FROM} WHERE b.id = $1");
                let row = Self::booking_row(&sqlx::query(&q).bind(&n.id).fetch_one(&mut *tx).await?)?;
                tx.commit().await?;
                Ok(CreateOutcome::Created(row))
            }

            async fn add_booking_link(&self, booking_id: &str, token_hash: &str, now: i64) -> StoreResult<()> {
                sqlx::query("INSERT INTO booking_links (token_hash, booking_id, created_at) VALUES ($1, $2, $3)")
                    .bind(token_hash)
                    .bind(booking_id)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn booking_by_link(&self, token_hash: &str) -> StoreResult<Option<BookingRow>> {
                self.booking_where("b.id = (SELECT booking_id FROM booking_links WHERE token_hash = $1)", token_hash)
                    .await
            }

            async fn booking_by_reference(&self, reference: &str) -> StoreResult<Option<BookingRow>> {
                self.booking_where("b.reference = $1", reference).await
            }

            async fn booking(&self, id: &str) -> StoreResult<Option<BookingRow>> {
                self.booking_where("b.id = $1", id).await
            }

            async fn station_bookings(
                &self,
                station_id: &str,
                open_only: bool,
                limit: i64,
            ) -> StoreResult<Vec<BookingRow>> {
                let open = if open_only {
                    format!(
                        "AND b.{}",
                        status_in(&[
                            BookingStatus::Pending,
                            BookingStatus::Confirmed,
                            BookingStatus::Rescheduled,
                            BookingStatus::Accepted,
                        ])
                    )
                } else {
                    String::new()
                };
                let q = format!(
                    "SELECT {BOOKING_COLS} FROM {BOOKING_FROM} WHERE b.station_id = $1 {open} \
                     ORDER BY b.starts_at, b.created_at LIMIT $2"
                );
                let rows = sqlx::query(&q).bind(station_id).bind(limit).fetch_all(&self.pool).await?;
                rows.iter().map(Self::booking_row).collect()
            }

            async fn booking_events(&self, booking_id: &str) -> StoreResult<Vec<BookingEventRow>> {
                let rows = sqlx::query(
                    "SELECT at, status, day, start_min, end_min, by_resident, actor_id, note FROM booking_events \
                     WHERE booking_id = $1 ORDER BY at, id",
                )
                .bind(booking_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(BookingEventRow {
                            at: r.try_get("at")?,
                            status: status_of(r.try_get::<&str, _>("status")?)?,
                            day: r.try_get("day")?,
                            start_min: r.try_get("start_min")?,
                            end_min: r.try_get("end_min")?,
                            by_resident: r.try_get("by_resident")?,
                            actor_id: r.try_get("actor_id")?,
                            note: r.try_get("note")?,
                        })
                    })
                    .collect()
            }

            async fn change_booking(&self, c: &BookingChange) -> StoreResult<ChangeOutcome> {
                let mut tx = self.write_tx().await?;
                let q = format!("SELECT {BOOKING_COLS} FROM {BOOKING_FROM} WHERE b.id = $1");
                let Some(current) = sqlx::query(&q).bind(&c.booking_id).fetch_optional(&mut *tx).await? else {
                    tx.rollback().await?;
                    return Ok(ChangeOutcome::NotFound);
                };
                let current = Self::booking_row(&current)?;
                if let Some(m) = &c.move_to {
                    sqlx::query(
                        "INSERT INTO booking_slots (station_id, day, start_min) VALUES ($1, $2, $3) \
                         ON CONFLICT (station_id, day, start_min) DO NOTHING",
                    )
                    .bind(&current.station_id)
                    .bind(&m.day)
                    .bind(m.start_min)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(concat!(
                        "SELECT start_min FROM booking_slots WHERE station_id = $1 AND day = $2 AND start_min = $3",
                        $for_update
                    ))
                    .bind(&current.station_id)
                    .bind(&m.day)
                    .bind(m.start_min)
                    .fetch_one(&mut *tx)
                    .await?;
                    let q = format!(
                        "SELECT COUNT(*) FROM bookings WHERE station_id = $1 AND day = $2 AND start_min = $3 \
                         AND id <> $4 AND {}",
                        live_statuses()
                    );
                    let booked: i64 = sqlx::query_scalar(&q)
                        .bind(&current.station_id)
                        .bind(&m.day)
                        .bind(m.start_min)
                        .bind(&c.booking_id)
                        .fetch_one(&mut *tx)
                        .await?;
                    if booked >= m.capacity {
                        tx.rollback().await?;
                        return Ok(ChangeOutcome::Full);
                    }
                }
                let (day, start_min, end_min, starts_at) = match &c.move_to {
                    Some(m) => (m.day.clone(), m.start_min, m.end_min, m.starts_at),
                    None => (current.day.clone(), current.start_min, current.end_min, current.starts_at),
                };
                let (case_id, case_ops) = match &c.case {
                    Some((id, ops)) => (Some(id.clone()), Some(ops.clone())),
                    None => (current.case_id.clone(), current.case_ops.clone()),
                };
                let q = format!(
                    "UPDATE bookings SET status = $1, day = $2, start_min = $3, end_min = $4, starts_at = $5, \
                     decline_reason = $6, case_id = $7, case_ops = $8, updated_at = $9 \
                     WHERE id = $10 AND {} AND starts_at > $11",
                    status_in(&c.from)
                );
                let updated = sqlx::query(&q)
                    .bind(c.to.code())
                    .bind(&day)
                    .bind(start_min)
                    .bind(end_min)
                    .bind(starts_at)
                    .bind(c.decline_reason.as_deref().unwrap_or(&current.decline_reason))
                    .bind(&case_id)
                    .bind(&case_ops)
                    .bind(c.now)
                    .bind(&c.booking_id)
                    .bind(c.starts_after.unwrap_or(i64::MIN))
                    .execute(&mut *tx)
                    .await?;
                if updated.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Ok(ChangeOutcome::WrongState(current));
                }
                sqlx::query(
                    "INSERT INTO booking_events \
                     (id, booking_id, at, status, day, start_min, end_min, by_resident, actor_id, note) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(new_id())
                .bind(&c.booking_id)
                .bind(c.now)
                .bind(c.to.code())
                .bind(&day)
                .bind(start_min)
                .bind(end_min)
                .bind(c.by_resident)
                .bind(&c.actor_id)
                .bind(&c.note)
                .execute(&mut *tx)
                .await?;
                let q = format!("SELECT {BOOKING_COLS} FROM {BOOKING_FROM} WHERE b.id = $1");
                let row = Self::booking_row(&sqlx::query(&q).bind(&c.booking_id).fetch_one(&mut *tx).await?)?;
                tx.commit().await?;
                Ok(ChangeOutcome::Done(row))
            }

            async fn rate_booking(&self, id: &str, rating: Rating, comment: &str, now: i64) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE bookings SET rating = $1, rating_comment = $2, rated_at = $3, updated_at = $3 \
                     WHERE id = $4 AND status = 'resolved' AND rating IS NULL",
                )
                .bind(rating.code())
                .bind(comment)
                .bind(now)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(r.rows_affected() == 1)
            }

            async fn satisfaction(&self) -> StoreResult<Vec<(String, Rating, i64)>> {
                let rows = sqlx::query(
                    "SELECT station_id, rating, COUNT(*) AS n FROM bookings WHERE rating IS NOT NULL \
                     GROUP BY station_id, rating",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok((
                            r.try_get("station_id")?,
                            rating_of(r.try_get::<&str, _>("rating")?)?,
                            r.try_get("n")?,
                        ))
                    })
                    .collect()
            }

            async fn public_envoys(&self) -> StoreResult<Vec<(String, String, String)>> {
                let rows = sqlx::query(
                    "SELECT station_id, name, former_field FROM users \
                     WHERE role = 'envoy' AND active = TRUE AND station_id IS NOT NULL ORDER BY station_id, name",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| Ok((r.try_get("station_id")?, r.try_get("name")?, r.try_get("former_field")?)))
                    .collect()
            }

            async fn booking_table_counts(&self) -> StoreResult<BookingTableCounts> {
                let count = |table: &'static str| {
                    let q = format!("SELECT COUNT(*) FROM {table}");
                    async move { sqlx::query_scalar::<_, i64>(&q).fetch_one(&self.pool).await }
                };
                Ok(BookingTableCounts {
                    bookings: count("bookings").await?,
                    contacts: count("booking_contacts").await?,
                    links: count("booking_links").await?,
                    events: count("booking_events").await?,
                })
            }
        }
    };
}

booking_store!(SqliteStore, SqliteRow, "");
booking_store!(PgStore, PgRow, " FOR UPDATE");

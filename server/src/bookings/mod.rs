//! Residents' bookings (预约调处): what residents and station staff may do,
//! checked here once for the REST routes and the pages alike.
//!
//! Residents have no account: a booking is reached through a secret link
//! (`/b/<token>`, only the token's hash is stored) or its reference plus the
//! phone number it was made with. Staff act on their own station's bookings
//! through the policy (`Action::ManageBookings`, `Action::ManageSlots`).

pub mod limits;
pub mod reference;
pub mod slots;
pub mod to_case;

use crate::{
    auth::{authorize, policy::Denied, Action, Principal},
    error::ApiError,
    storage::{
        AuditEntry, BookingChange, BookingEventRow, BookingRow, ChangeOutcome, CreateOutcome, NewBooking, PushBatch,
        SlotExceptionRow, SlotMove, SlotTemplateRow, StoreError,
    },
    AppState,
};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use slots::{day_str, local_day, parse_day, slots_on, starts_at, weekday, window};
use std::collections::HashMap;
use yinling_app::{
    booking::model::{
        check_text, matter_kinds, normalize_reference, parse_hm, AssignableEnvoy, BookingError, BookingEventView,
        BookingStatus, DayOption, PublicEnvoy, PublicStation, Rating, ResidentBooking, Satisfaction, SlotAdmin,
        SlotExceptionView, SlotPicker, SlotTemplateView, SlotView, StaffBookingDetail, StaffBookingRow,
        StationBookings, TextProblem, MAX_COMMENT, MAX_DESCRIPTION, MAX_NAME, MAX_OTHER_PARTY, MAX_REASON,
        NOTICE_VERSION,
    },
    error::ErrorCode,
    model::{is_mainland_mobile, mask_phone, Role},
};
use yinling_protocol::{schema::case_status, Op, Outcome};

/// A failed booking request: a problem the user can fix (with a stable code
/// the no-JS pages show), or anything else (not found, internal).
#[derive(Debug)]
pub enum Fail {
    User(BookingError),
    Api(ApiError),
}

pub type BookingResult<T> = Result<T, Fail>;

impl From<BookingError> for Fail {
    fn from(e: BookingError) -> Self {
        Fail::User(e)
    }
}
impl From<ApiError> for Fail {
    fn from(e: ApiError) -> Self {
        Fail::Api(e)
    }
}
impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Self {
        Fail::Api(e.into())
    }
}
impl From<Denied> for Fail {
    fn from(d: Denied) -> Self {
        Fail::Api(d.into())
    }
}

/// The HTTP error of a user-fixable problem.
pub fn user_error(e: BookingError) -> ApiError {
    use BookingError as E;
    let code = match e {
        E::SlotFull | E::WrongState | E::NotChangeable | E::RateNotAllowed => ErrorCode::Conflict,
        E::TooMany | E::LookupTooMany => ErrorCode::TooManyRequests,
        E::UnknownStation | E::LookupFailed => ErrorCode::NotFound,
        _ => ErrorCode::BadRequest,
    };
    ApiError::new(code, e.zh(), e.en())
}

impl From<Fail> for ApiError {
    fn from(f: Fail) -> Self {
        f.api()
    }
}

impl Fail {
    pub fn api(self) -> ApiError {
        match self {
            Fail::User(e) => user_error(e),
            Fail::Api(e) => e,
        }
    }
    /// The code a no-JS page shows the message of (`?error=`).
    pub fn code(&self) -> &'static str {
        match self {
            Fail::User(e) => e.code(),
            Fail::Api(_) => "form",
        }
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn text(s: &str, max: usize, required: bool, err: BookingError) -> BookingResult<String> {
    check_text(s, max, required).map_err(|p| match p {
        TextProblem::Markup => Fail::User(BookingError::Markup),
        TextProblem::Missing | TextProblem::TooLong => Fail::User(err),
    })
}

/// `138 1234-5678` → `13812345678`; the result must be a mainland mobile.
pub fn normalize_phone(s: &str) -> BookingResult<String> {
    let p: String = s.chars().filter(|c| !matches!(c, ' ' | '-' | '\u{3000}')).collect();
    if is_mainland_mobile(&p) {
        Ok(p)
    } else {
        Err(BookingError::Phone.into())
    }
}

/// Constant-time string comparison (phone numbers on lookup).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// ---------------------------------------------------------------- the calendar

/// A station's slots on the days `from..=to` that start after `now`, with
/// how many live bookings each holds.
async fn calendar(
    state: &AppState,
    station_id: &str,
    from: NaiveDate,
    to: NaiveDate,
    now: i64,
) -> BookingResult<Vec<(NaiveDate, Vec<SlotView>)>> {
    let templates = state.store.slot_templates(station_id).await?;
    let exceptions = state.store.slot_exceptions(station_id, &day_str(from), &day_str(to)).await?;
    let load: HashMap<(String, i64), i64> = state
        .store
        .slot_load(station_id, &day_str(from), &day_str(to))
        .await?
        .into_iter()
        .map(|l| ((l.day, l.start_min), l.booked))
        .collect();
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        let key = day_str(d);
        let views: Vec<SlotView> = slots_on(d, &templates, &exceptions)
            .into_iter()
            .filter(|s| starts_at(d, s.start_min) > now)
            .map(|s| SlotView {
                day: key.clone(),
                start_min: s.start_min as u32,
                end_min: s.end_min as u32,
                capacity: s.capacity as u32,
                booked: load.get(&(key.clone(), s.start_min)).copied().unwrap_or(0) as u32,
            })
            .collect();
        if !views.is_empty() {
            out.push((d, views));
        }
        d += Duration::days(1);
    }
    Ok(out)
}

/// The booking form's data: open days in the window, the chosen day's slots.
pub async fn picker(state: &AppState, station_id: &str, day: Option<&str>) -> BookingResult<SlotPicker> {
    let station = state.store.station(station_id).await?.ok_or(BookingError::UnknownStation)?;
    let now = now_ms();
    let (from, to) = window(now);
    let cal = calendar(state, station_id, from, to, now).await?;
    let option = |d: &NaiveDate, slots: &[SlotView]| DayOption {
        day: day_str(*d),
        weekday: weekday(*d),
        free: slots.iter().map(SlotView::free).sum(),
    };
    let days: Vec<DayOption> = cal.iter().map(|(d, s)| option(d, s)).collect();
    let chosen = day.and_then(parse_day).and_then(|want| cal.iter().find(|(d, _)| *d == want));
    Ok(SlotPicker {
        station: station.info(),
        days,
        day: chosen.map(|(d, s)| option(d, s)),
        slots: chosen.map(|(_, s)| s.clone()).unwrap_or_default(),
        idempotency_key: uuid::Uuid::new_v4().simple().to_string(),
    })
}

/// Check that `day` + `start` is a bookable slot of the station now; returns
/// where the booking would go and the slot's capacity.
async fn bookable_slot(
    state: &AppState,
    station_id: &str,
    day: &str,
    start: &str,
    now: i64,
) -> BookingResult<SlotMove> {
    let day = parse_day(day).ok_or(BookingError::BadDay)?;
    let (from, to) = window(now);
    if day < from {
        return Err(BookingError::PastSlot.into());
    }
    if day > to {
        return Err(BookingError::TooFar.into());
    }
    let templates = state.store.slot_templates(station_id).await?;
    let exceptions = state.store.slot_exceptions(station_id, &day_str(day), &day_str(day)).await?;
    let slots = slots_on(day, &templates, &exceptions);
    if slots.is_empty() {
        return Err(BookingError::Closed.into());
    }
    let start = parse_hm(start).ok_or(BookingError::NoSuchSlot)? as i64;
    let slot = slots.into_iter().find(|s| s.start_min == start).ok_or(BookingError::NoSuchSlot)?;
    let at = starts_at(day, slot.start_min);
    if at <= now {
        return Err(BookingError::PastSlot.into());
    }
    Ok(SlotMove {
        day: day_str(day),
        start_min: slot.start_min,
        end_min: slot.end_min,
        starts_at: at,
        capacity: slot.capacity,
    })
}

// ---------------------------------------------------------------- residents

/// What the booking form posts.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct BookingForm {
    pub station_id: String,
    pub day: String,
    /// `HH:MM`
    pub start: String,
    pub kind: String,
    pub description: String,
    pub name: String,
    pub phone: String,
    pub other_party: String,
    /// Present (any value) when the consent box is ticked.
    pub consent: Option<String>,
    pub idempotency_key: String,
}

pub struct Booked {
    pub booking: BookingRow,
    /// A fresh secret link token for the booking's page.
    pub token: String,
    /// False when the submit repeated an earlier one (same idempotency key).
    pub created: bool,
}

/// Book a slot. Everything is checked before anything is written; the slot's
/// capacity is checked in the same transaction as the insert.
pub async fn create(state: &AppState, f: &BookingForm, client: &str) -> BookingResult<Booked> {
    let now = now_ms();
    let station = state.store.station(f.station_id.trim()).await?.ok_or(BookingError::UnknownStation)?;
    let slot = bookable_slot(state, &station.id, &f.day, &f.start, now).await?;
    if !matter_kinds().iter().any(|k| k.code == f.kind) {
        return Err(BookingError::Kind.into());
    }
    let description = text(&f.description, MAX_DESCRIPTION, true, BookingError::Description)?;
    let name = text(&f.name, MAX_NAME, true, BookingError::Name)?;
    let phone = normalize_phone(&f.phone)?;
    let other_party = text(&f.other_party, MAX_OTHER_PARTY, false, BookingError::OtherParty)?;
    if f.consent.as_deref().is_none_or(|v| v.is_empty()) {
        return Err(BookingError::Consent.into());
    }
    let key = f.idempotency_key.trim();
    if !(16..=64).contains(&key.len()) || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(BookingError::Form.into());
    }

    let limits = &state.booking_limits;
    let (ip_key, phone_key) = (format!("ip:{client}"), format!("phone:{phone}"));
    if limits.book_per_ip.is_blocked(&ip_key) || limits.book_per_phone.is_blocked(&phone_key) {
        return Err(BookingError::TooMany.into());
    }
    limits.book_per_ip.record(&ip_key);
    limits.book_per_phone.record(&phone_key);

    for _ in 0..5 {
        let token = reference::new_token();
        let new = NewBooking {
            id: uuid::Uuid::now_v7().to_string(),
            reference: reference::new_reference(),
            idempotency_key: key.to_string(),
            station_id: station.id.clone(),
            day: slot.day.clone(),
            start_min: slot.start_min,
            end_min: slot.end_min,
            starts_at: slot.starts_at,
            matter_kind: f.kind.clone(),
            description: description.clone(),
            resident_name: name.clone(),
            phone: phone.clone(),
            other_party: other_party.clone(),
            consent_version: NOTICE_VERSION.into(),
            token_hash: reference::token_hash(&token),
            now,
        };
        match state.store.create_booking(&new, slot.capacity).await? {
            CreateOutcome::Created(booking) => {
                crate::audit::record(state, None, Some(&station.id), "booking.create", "booking", &booking.id, "")
                    .await?;
                return Ok(Booked { booking, token, created: true });
            }
            CreateOutcome::Existing(booking) => {
                // The same form again: the same booking, reached by a fresh link.
                if !same(&booking.phone, &phone) || booking.station_id != station.id {
                    return Err(BookingError::Form.into());
                }
                state.store.add_booking_link(&booking.id, &reference::token_hash(&token), now).await?;
                return Ok(Booked { booking, token, created: false });
            }
            CreateOutcome::Full => return Err(BookingError::SlotFull.into()),
            CreateOutcome::ReferenceTaken => continue,
        }
    }
    Err(ApiError::internal("could not find a free booking reference in 5 tries").into())
}

async fn by_token(state: &AppState, token: &str) -> BookingResult<BookingRow> {
    if !reference::plausible_token(token) {
        return Err(ApiError::not_found().into());
    }
    let b = state.store.booking_by_link(&reference::token_hash(token)).await?.ok_or_else(ApiError::not_found)?;
    follow_case(state, b).await
}

fn event_view(e: BookingEventRow) -> BookingEventView {
    BookingEventView {
        at_ms: e.at,
        status: e.status,
        weekday: parse_day(&e.day).map(weekday).unwrap_or(1),
        day: e.day,
        start_min: e.start_min as u32,
        end_min: e.end_min as u32,
        by_resident: e.by_resident,
        note: e.note,
    }
}

/// The booking behind a secret link, as its resident sees it.
pub async fn resident_view(state: &AppState, token: &str) -> BookingResult<ResidentBooking> {
    let b = by_token(state, token).await?;
    let station = state.store.station(&b.station_id).await?.ok_or_else(ApiError::not_found)?;
    let events = state.store.booking_events(&b.id).await?.into_iter().map(event_view).collect();
    let now = now_ms();
    Ok(ResidentBooking {
        weekday: parse_day(&b.day).map(weekday).unwrap_or(1),
        can_change: b.status.resident_may_change() && b.starts_at > now,
        can_rate: b.status == BookingStatus::Resolved && b.rating.is_none(),
        reference: b.reference,
        station_id: station.id,
        station_name: station.name,
        station_address: station.address,
        day: b.day,
        start_min: b.start_min as u32,
        end_min: b.end_min as u32,
        status: b.status,
        matter_kind: b.matter_kind,
        description: b.description,
        resident_name: b.resident_name,
        phone_masked: mask_phone(&b.phone),
        decline_reason: b.decline_reason,
        events,
        rating: b.rating,
        rating_comment: b.rating_comment,
    })
}

/// The booking (for the reschedule page) and the slots it may move to.
pub async fn reschedule_form(
    state: &AppState,
    token: &str,
    day: Option<&str>,
) -> BookingResult<(ResidentBooking, SlotPicker)> {
    let view = resident_view(state, token).await?;
    let picker = picker(state, &view.station_id, day).await?;
    Ok((view, picker))
}

/// Reference + phone → a fresh secret link. A wrong phone and an unknown
/// reference get the same answer, and failures are rate limited.
pub async fn lookup(state: &AppState, reference_text: &str, phone: &str, client: &str) -> BookingResult<String> {
    let reference = normalize_reference(reference_text);
    let phone = normalize_phone(phone)?;
    let limits = &state.booking_limits;
    let (ip_key, phone_key) = (format!("ip:{client}"), format!("phone:{phone}"));
    if limits.lookup_per_ip.is_blocked(&ip_key) || limits.lookup_per_phone.is_blocked(&phone_key) {
        return Err(BookingError::LookupTooMany.into());
    }
    let found = state.store.booking_by_reference(&reference).await?;
    match found {
        Some(b) if same(&b.phone, &phone) => {
            let token = reference::new_token();
            state.store.add_booking_link(&b.id, &reference::token_hash(&token), now_ms()).await?;
            Ok(token)
        }
        _ => {
            limits.lookup_per_ip.record(&ip_key);
            limits.lookup_per_phone.record(&phone_key);
            Err(BookingError::LookupFailed.into())
        }
    }
}

const RESIDENT_CHANGEABLE: [BookingStatus; 3] =
    [BookingStatus::Pending, BookingStatus::Confirmed, BookingStatus::Rescheduled];

fn change(b: &BookingRow, from: &[BookingStatus], to: BookingStatus, who: Option<&Principal>) -> BookingChange {
    BookingChange {
        booking_id: b.id.clone(),
        from: from.to_vec(),
        to,
        starts_after: None,
        move_to: None,
        decline_reason: None,
        case: None,
        by_resident: who.is_none(),
        actor_id: who.map(|p| p.user.id.clone()),
        note: String::new(),
        now: now_ms(),
    }
}

fn settle(outcome: ChangeOutcome, wrong_state: BookingError) -> BookingResult<BookingRow> {
    match outcome {
        ChangeOutcome::Done(b) => Ok(b),
        ChangeOutcome::NotFound => Err(ApiError::not_found().into()),
        ChangeOutcome::WrongState(_) => Err(wrong_state.into()),
        ChangeOutcome::Full => Err(BookingError::SlotFull.into()),
    }
}

/// The resident cancels, before the appointment starts.
pub async fn resident_cancel(state: &AppState, token: &str) -> BookingResult<BookingRow> {
    let b = by_token(state, token).await?;
    let mut c = change(&b, &RESIDENT_CHANGEABLE, BookingStatus::Cancelled, None);
    c.starts_after = Some(c.now);
    let done = settle(state.store.change_booking(&c).await?, BookingError::NotChangeable)?;
    crate::audit::record(state, None, Some(&b.station_id), "booking.cancel", "booking", &b.id, "by resident").await?;
    Ok(done)
}

/// The resident moves the booking to another free slot; the station then
/// confirms it again (待确认).
pub async fn resident_reschedule(state: &AppState, token: &str, day: &str, start: &str) -> BookingResult<BookingRow> {
    let b = by_token(state, token).await?;
    let now = now_ms();
    if !b.status.resident_may_change() || b.starts_at <= now {
        return Err(BookingError::NotChangeable.into());
    }
    let mut c = change(&b, &RESIDENT_CHANGEABLE, BookingStatus::Pending, None);
    c.move_to = Some(bookable_slot(state, &b.station_id, day, start, now).await?);
    c.starts_after = Some(now);
    let done = settle(state.store.change_booking(&c).await?, BookingError::NotChangeable)?;
    crate::audit::record(state, None, Some(&b.station_id), "booking.reschedule", "booking", &b.id, "by resident")
        .await?;
    Ok(done)
}

/// The resident rates a resolved matter, once.
pub async fn rate(state: &AppState, token: &str, rating: &str, comment: &str) -> BookingResult<()> {
    let b = by_token(state, token).await?;
    if b.status != BookingStatus::Resolved || b.rating.is_some() {
        return Err(BookingError::RateNotAllowed.into());
    }
    let rating = Rating::parse(rating).ok_or(BookingError::RatingChoice)?;
    let comment = text(comment, MAX_COMMENT, false, BookingError::Comment)?;
    if !state.store.rate_booking(&b.id, rating, &comment, now_ms()).await? {
        return Err(BookingError::RateNotAllowed.into());
    }
    Ok(())
}

// ---------------------------------------------------------------- the public list

fn satisfaction_by_station(rows: Vec<(String, Rating, i64)>) -> HashMap<String, Satisfaction> {
    let mut map: HashMap<String, Satisfaction> = HashMap::new();
    for (station, rating, n) in rows {
        map.entry(station).or_default().add(rating, n as u32);
    }
    map
}

/// Every station with its envoys (name and former field only) and satisfaction.
pub async fn public_stations(state: &AppState) -> BookingResult<Vec<PublicStation>> {
    let stations = state.store.stations().await?;
    let mut envoys: HashMap<String, Vec<PublicEnvoy>> = HashMap::new();
    for (station, name, former_field) in state.store.public_envoys().await? {
        envoys.entry(station).or_default().push(PublicEnvoy { name, former_field });
    }
    let satisfaction = satisfaction_by_station(state.store.satisfaction().await?);
    let bookable: std::collections::HashSet<String> =
        state.store.stations_with_slots(&day_str(local_day(now_ms()))).await?.into_iter().collect();
    Ok(stations
        .into_iter()
        .map(|s| PublicStation {
            envoys: envoys.remove(&s.id).unwrap_or_default(),
            satisfaction: satisfaction.get(&s.id).copied().unwrap_or_default(),
            bookable: bookable.contains(&s.id),
            station: s.info(),
        })
        .collect())
}

// ---------------------------------------------------------------- station staff

fn own_station(who: Option<&Principal>, station_id: Option<String>) -> BookingResult<String> {
    match station_id.filter(|s| !s.is_empty()).or_else(|| who.and_then(|p| p.user.station_id.clone())) {
        Some(id) => Ok(id),
        None if who.is_none() => Err(ApiError::unauthenticated().into()),
        None => Err(ApiError::not_found().into()),
    }
}

/// A booking the caller may manage (another station's answers "not found").
async fn staff_booking(state: &AppState, who: Option<&Principal>, id: &str) -> BookingResult<BookingRow> {
    if who.is_none() {
        return Err(ApiError::unauthenticated().into());
    }
    let b = state.store.booking(id).await?.ok_or_else(ApiError::not_found)?;
    authorize(who, Action::ManageBookings, Some(&b.station_id))?;
    follow_case(state, b).await
}

fn staff_row(b: &BookingRow) -> StaffBookingRow {
    StaffBookingRow {
        id: b.id.clone(),
        reference: b.reference.clone(),
        weekday: parse_day(&b.day).map(weekday).unwrap_or(1),
        day: b.day.clone(),
        start_min: b.start_min as u32,
        end_min: b.end_min as u32,
        status: b.status,
        matter_kind: b.matter_kind.clone(),
        resident_name: b.resident_name.clone(),
        phone_masked: mask_phone(&b.phone),
        created_at_ms: b.created_at,
    }
}

async fn station_satisfaction(state: &AppState, station_id: &str) -> BookingResult<Satisfaction> {
    let all = satisfaction_by_station(state.store.satisfaction().await?);
    Ok(all.get(station_id).copied().unwrap_or_default())
}

/// The station's bookings; `open_only` shows those still to handle.
pub async fn station_bookings(
    state: &AppState,
    who: Option<&Principal>,
    station_id: Option<String>,
    open_only: bool,
) -> BookingResult<StationBookings> {
    let id = own_station(who, station_id)?;
    authorize(who, Action::ManageBookings, Some(&id))?;
    let station = state.store.station(&id).await?.ok_or_else(ApiError::not_found)?;
    let mut rows = Vec::new();
    for b in state.store.station_bookings(&id, open_only, 500).await? {
        rows.push(staff_row(&follow_case(state, b).await?));
    }
    Ok(StationBookings { station: station.info(), rows, satisfaction: station_satisfaction(state, &id).await? })
}

/// One booking for staff: everything but the full phone number, the envoys
/// it can be assigned to, and the slots of `day` it can move to.
pub async fn staff_detail(
    state: &AppState,
    who: Option<&Principal>,
    id: &str,
    day: Option<&str>,
) -> BookingResult<StaffBookingDetail> {
    let b = staff_booking(state, who, id).await?;
    let events = state.store.booking_events(&b.id).await?.into_iter().map(event_view).collect();
    let envoys = state
        .store
        .station_users(&b.station_id)
        .await?
        .into_iter()
        .filter(|u| u.role == Role::Envoy && u.active)
        .map(|u| AssignableEnvoy { id: u.id, name: u.name, former_field: u.former_field })
        .collect();
    let picker = picker(state, &b.station_id, day).await?;
    Ok(StaffBookingDetail {
        row: staff_row(&b),
        description: b.description,
        other_party: b.other_party,
        decline_reason: b.decline_reason,
        case_id: b.case_id,
        rating: b.rating,
        rating_comment: b.rating_comment,
        events,
        envoys,
        picker,
    })
}

/// The full phone number, for a staff member who opens it. Audited.
pub async fn reveal_phone(state: &AppState, who: Option<&Principal>, id: &str) -> BookingResult<String> {
    let b = staff_booking(state, who, id).await?;
    crate::audit::record(state, who, Some(&b.station_id), "booking.reveal_phone", "booking", &b.id, "").await?;
    Ok(b.phone)
}

/// What staff do to a booking.
pub enum StaffAction<'a> {
    Confirm,
    Decline {
        reason: &'a str,
    },
    Reschedule {
        day: &'a str,
        start: &'a str,
    },
    /// Turn it into a case (预约调处) assigned to these envoys.
    Accept {
        assignees: &'a [String],
    },
    /// 办结: close its case (the booking follows the case record's status,
    /// however the case got there — this desk button or an envoy's phone).
    Resolve,
}

pub async fn staff_act(
    state: &AppState,
    who: Option<&Principal>,
    id: &str,
    action: StaffAction<'_>,
) -> BookingResult<BookingRow> {
    use BookingStatus as S;
    let b = staff_booking(state, who, id).await?;
    let (c, name, detail) = match action {
        StaffAction::Confirm => (change(&b, &[S::Pending], S::Confirmed, who), "booking.confirm", String::new()),
        StaffAction::Decline { reason } => {
            let reason = text(reason, MAX_REASON, true, BookingError::Reason)?;
            let mut c = change(&b, &[S::Pending, S::Confirmed, S::Rescheduled], S::Declined, who);
            c.decline_reason = Some(reason.clone());
            c.note = reason;
            (c, "booking.decline", String::new())
        }
        StaffAction::Reschedule { day, start } => {
            let mut c = change(&b, &[S::Pending, S::Confirmed, S::Rescheduled], S::Rescheduled, who);
            let to = bookable_slot(state, &b.station_id, day, start, c.now).await?;
            let detail = format!("{} {}", to.day, yinling_app::booking::model::fmt_hm(to.start_min as u32));
            c.move_to = Some(to);
            (c, "booking.reschedule", detail)
        }
        StaffAction::Accept { assignees } => return accept(state, who, b, assignees).await,
        StaffAction::Resolve => return resolve(state, who, b).await,
    };
    let done = settle(state.store.change_booking(&c).await?, BookingError::WrongState)?;
    crate::audit::record(state, who, Some(&b.station_id), name, "booking", &b.id, detail).await?;
    Ok(done)
}

fn audit_entry(who: &Principal, station_id: &str, action: &str, booking_id: &str, detail: String) -> AuditEntry {
    AuditEntry {
        id: uuid::Uuid::now_v7().to_string(),
        at_ms: now_ms(),
        actor_id: Some(who.user.id.clone()),
        station_id: Some(station_id.to_string()),
        action: action.into(),
        object_kind: "booking".into(),
        object_id: booking_id.into(),
        detail,
    }
}

/// Push ops a staff member's desk made (the audit entry commits with them);
/// each must apply, or be a repeat of one that did.
async fn push_as(state: &AppState, who: &Principal, ops: &[Op], audit: &AuditEntry) -> BookingResult<()> {
    let caller = crate::sync::caller_of(who)?;
    let batch = PushBatch {
        caller: &caller,
        device_id: crate::sync::desk_device(caller.user_id),
        app_version: crate::sync::DESK_VERSION,
        pending_after: 0,
        ops,
        now_ms: now_ms(),
        queue_rejections: false,
    };
    for result in state.store.push(&batch, Some(audit)).await? {
        match result.outcome {
            Outcome::Applied { .. } => {}
            Outcome::Duplicate { original } if matches!(*original, Outcome::Applied { .. }) => {}
            Outcome::Rejected { reason } => return Err(ApiError::bad(reason.zh, reason.en).into()),
            _ => return Err(BookingError::WrongState.into()),
        }
    }
    Ok(())
}

fn uuid_of(s: &str) -> BookingResult<uuid::Uuid> {
    uuid::Uuid::parse_str(s).map_err(|e| Fail::Api(ApiError::internal(format!("bad uuid {s}: {e}"))))
}

/// Turn a confirmed booking into a case (预约调处) assigned to envoys of the
/// station: the case's ops go through the sync push in this request, so the
/// case reaches the envoys' phones on their next pull.
async fn accept(
    state: &AppState,
    who: Option<&Principal>,
    b: BookingRow,
    assignees: &[String],
) -> BookingResult<BookingRow> {
    use BookingStatus as S;
    let p = who.ok_or_else(ApiError::unauthenticated)?;
    if !matches!(b.status, S::Confirmed | S::Rescheduled) {
        return Err(BookingError::WrongState.into());
    }
    let members = state.store.station_users(&b.station_id).await?;
    let mut envoys = Vec::new();
    for a in assignees {
        let ok = members.iter().any(|u| &u.id == a && u.role == Role::Envoy && u.active);
        match uuid::Uuid::parse_str(a) {
            Ok(id) if ok && !envoys.contains(&id) => envoys.push(id),
            _ => return Err(BookingError::Assignees.into()),
        }
    }
    if envoys.is_empty() {
        return Err(BookingError::Assignees.into());
    }
    let (station, author) = (uuid_of(&b.station_id)?, uuid_of(&p.user.id)?);
    let case_id = to_case::case_id_for(&b);
    let now = now_ms();
    let ops = to_case::case_ops(&b, case_id, station, author, &envoys, now as u64);
    let audit = audit_entry(p, &b.station_id, "booking.accept", &b.id, format!("case {case_id}"));
    push_as(state, p, &ops, &audit).await?;
    let mut c = change(&b, &[S::Confirmed, S::Rescheduled], S::Accepted, who);
    c.case = Some((case_id.to_string(), serde_json::to_string(&ops).map_err(ApiError::internal)?));
    match state.store.change_booking(&c).await? {
        // A second click while the first was on its way: the same case.
        ChangeOutcome::WrongState(cur) if cur.case_id.as_deref() == Some(case_id.to_string().as_str()) => Ok(cur),
        other => settle(other, BookingError::WrongState),
    }
}

/// 办结: close the booking's case (受理 → 办理中 → 办结, through the sync
/// push like any status change); the booking follows the case.
async fn resolve(state: &AppState, who: Option<&Principal>, b: BookingRow) -> BookingResult<BookingRow> {
    let p = who.ok_or_else(ApiError::unauthenticated)?;
    let case_id = match (&b.status, &b.case_id) {
        (BookingStatus::Accepted, Some(id)) => uuid_of(id)?,
        _ => return Err(BookingError::WrongState.into()),
    };
    let record =
        state.store.record(case_id).await?.ok_or_else(|| ApiError::internal("the booking's case is missing"))?;
    let current = record.str_value("status").unwrap_or(case_status::REGISTERED).to_string();
    let now = now_ms();
    let ops = to_case::resolve_ops(
        case_id,
        uuid_of(&b.station_id)?,
        uuid_of(&p.user.id)?,
        &current,
        record.field_rev("status"),
        now as u64,
    );
    if ops.is_empty() && !matches!(current.as_str(), case_status::RESOLVED | case_status::FOLLOW_UP) {
        return Err(BookingError::WrongState.into());
    }
    let audit = audit_entry(p, &b.station_id, "booking.resolve", &b.id, format!("case {case_id}"));
    if ops.is_empty() {
        state.store.audit(&audit).await?;
    } else {
        push_as(state, p, &ops, &audit).await?;
    }
    follow_case(state, b).await
}

/// A booking taken on as a case follows the case record: once the case is
/// 办结 (or followed up), so is the booking, and the resident may rate it.
pub async fn follow_case(state: &AppState, b: BookingRow) -> BookingResult<BookingRow> {
    let Some(case_id) = b.case_id.as_deref().filter(|_| b.status == BookingStatus::Accepted) else {
        return Ok(b);
    };
    let Some(record) = state.store.record(uuid_of(case_id)?).await? else {
        return Ok(b);
    };
    if !matches!(record.str_value("status"), Some(case_status::RESOLVED | case_status::FOLLOW_UP)) {
        return Ok(b);
    }
    let mut c = change(&b, &[BookingStatus::Accepted], BookingStatus::Resolved, None);
    c.by_resident = false;
    match state.store.change_booking(&c).await? {
        ChangeOutcome::Done(row) | ChangeOutcome::WrongState(row) => Ok(row),
        ChangeOutcome::NotFound | ChangeOutcome::Full => Ok(b),
    }
}

// ---------------------------------------------------------------- slots

fn template_view(t: SlotTemplateRow) -> SlotTemplateView {
    SlotTemplateView {
        id: t.id,
        weekday: t.weekday as u32,
        start_min: t.start_min as u32,
        end_min: t.end_min as u32,
        slot_minutes: t.slot_minutes as u32,
        capacity: t.capacity as u32,
    }
}

/// The station's weekly slots and its exceptions from today on.
pub async fn slot_admin(
    state: &AppState,
    who: Option<&Principal>,
    station_id: Option<String>,
) -> BookingResult<SlotAdmin> {
    let id = own_station(who, station_id)?;
    authorize(who, Action::ManageSlots, Some(&id))?;
    let station = state.store.station(&id).await?.ok_or_else(ApiError::not_found)?;
    let today = local_day(now_ms());
    let templates = state.store.slot_templates(&id).await?.into_iter().map(template_view).collect();
    let exceptions = state
        .store
        .slot_exceptions(&id, &day_str(today), &day_str(today + Duration::days(366)))
        .await?
        .into_iter()
        .map(|e| SlotExceptionView {
            weekday: parse_day(&e.day).map(weekday).unwrap_or(1),
            id: e.id,
            day: e.day,
            closed: e.closed,
            start_min: e.start_min as u32,
            end_min: e.end_min as u32,
            slot_minutes: e.slot_minutes as u32,
            capacity: e.capacity as u32,
            note: e.note,
        })
        .collect();
    Ok(SlotAdmin { station: station.info(), templates, exceptions })
}

/// A span of slots as staff enter it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SlotSpecForm {
    pub weekday: String,
    pub day: String,
    /// `closed` or `extra` (exceptions only).
    pub kind: String,
    pub start: String,
    pub end: String,
    pub slot_minutes: String,
    pub capacity: String,
    pub note: String,
}

fn span(f: &SlotSpecForm) -> BookingResult<(i64, i64, i64, i64)> {
    let bad = || Fail::User(BookingError::SlotSpec);
    let start = parse_hm(&f.start).ok_or_else(bad)? as i64;
    let end = match f.end.trim() {
        "24:00" => 1440,
        e => parse_hm(e).ok_or_else(bad)? as i64,
    };
    let len: i64 = f.slot_minutes.trim().parse().map_err(|_| bad())?;
    let cap: i64 = f.capacity.trim().parse().map_err(|_| bad())?;
    if end <= start || !(10..=240).contains(&len) || end - start < len || !(1..=50).contains(&cap) {
        return Err(bad());
    }
    Ok((start, end, len, cap))
}

pub async fn add_template(
    state: &AppState,
    who: Option<&Principal>,
    station_id: &str,
    f: &SlotSpecForm,
) -> BookingResult<()> {
    authorize(who, Action::ManageSlots, Some(station_id))?;
    state.store.station(station_id).await?.ok_or_else(ApiError::not_found)?;
    let wd: i64 = f.weekday.trim().parse().map_err(|_| Fail::User(BookingError::SlotSpec))?;
    if !(1..=7).contains(&wd) {
        return Err(BookingError::SlotSpec.into());
    }
    let (start, end, len, cap) = span(f)?;
    let existing = state.store.slot_templates(station_id).await?;
    if existing.iter().any(|t| t.weekday == wd && slots::overlaps((t.start_min, t.end_min), (start, end))) {
        return Err(BookingError::Overlap.into());
    }
    let row = SlotTemplateRow {
        id: uuid::Uuid::now_v7().to_string(),
        station_id: station_id.to_string(),
        weekday: wd,
        start_min: start,
        end_min: end,
        slot_minutes: len,
        capacity: cap,
    };
    state.store.insert_slot_templates(std::slice::from_ref(&row)).await?;
    let detail = format!("weekday {wd} {}-{} /{len}min x{cap}", f.start.trim(), f.end.trim());
    crate::audit::record(state, who, Some(station_id), "slots.template_add", "slot_template", &row.id, detail).await?;
    Ok(())
}

pub async fn delete_template(
    state: &AppState,
    who: Option<&Principal>,
    station_id: &str,
    id: &str,
) -> BookingResult<()> {
    authorize(who, Action::ManageSlots, Some(station_id))?;
    if !state.store.delete_slot_template(station_id, id).await? {
        return Err(ApiError::not_found().into());
    }
    crate::audit::record(state, who, Some(station_id), "slots.template_delete", "slot_template", id, "").await?;
    Ok(())
}

pub async fn add_exception(
    state: &AppState,
    who: Option<&Principal>,
    station_id: &str,
    f: &SlotSpecForm,
) -> BookingResult<()> {
    authorize(who, Action::ManageSlots, Some(station_id))?;
    state.store.station(station_id).await?.ok_or_else(ApiError::not_found)?;
    let day = parse_day(&f.day).ok_or(BookingError::BadDay)?;
    if day < local_day(now_ms()) {
        return Err(BookingError::PastSlot.into());
    }
    let note = text(&f.note, 100, false, BookingError::SlotSpec)?;
    let (closed, (start, end, len, cap)) = match f.kind.as_str() {
        "closed" => (true, (0, 0, 30, 1)),
        "extra" => (false, span(f)?),
        _ => return Err(BookingError::SlotSpec.into()),
    };
    let row = SlotExceptionRow {
        id: uuid::Uuid::now_v7().to_string(),
        station_id: station_id.to_string(),
        day: day_str(day),
        closed,
        start_min: start,
        end_min: end,
        slot_minutes: len,
        capacity: cap,
        note,
    };
    state.store.insert_slot_exception(&row).await?;
    let detail = format!("{} {}", row.day, if closed { "closed" } else { "extra" });
    crate::audit::record(state, who, Some(station_id), "slots.exception_add", "slot_exception", &row.id, detail)
        .await?;
    Ok(())
}

pub async fn delete_exception(
    state: &AppState,
    who: Option<&Principal>,
    station_id: &str,
    id: &str,
) -> BookingResult<()> {
    authorize(who, Action::ManageSlots, Some(station_id))?;
    if !state.store.delete_slot_exception(station_id, id).await? {
        return Err(ApiError::not_found().into());
    }
    crate::audit::record(state, who, Some(station_id), "slots.exception_delete", "slot_exception", id, "").await?;
    Ok(())
}

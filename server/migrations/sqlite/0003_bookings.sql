-- Residents' bookings (预约调处): the stations' bookable slots, the bookings,
-- their public timeline, the secret links that open them, and ratings.
-- Same conventions as 0001: UUID text ids, unix-millisecond BIGINT times,
-- days as 'YYYY-MM-DD' and times of day as minutes after midnight, both in
-- the station's local time (UTC+8).

-- A station's weekly template: on `weekday` (ISO, 1 = Monday) from
-- `start_min` to `end_min` in slots of `slot_minutes`, each taking
-- `capacity` parallel mediations.
CREATE TABLE slot_templates (
    id           TEXT PRIMARY KEY,
    station_id   TEXT NOT NULL REFERENCES stations(id),
    weekday      BIGINT NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_min    BIGINT NOT NULL CHECK (start_min >= 0 AND start_min < 1440),
    end_min      BIGINT NOT NULL CHECK (end_min > start_min AND end_min <= 1440),
    slot_minutes BIGINT NOT NULL CHECK (slot_minutes BETWEEN 10 AND 240),
    capacity     BIGINT NOT NULL CHECK (capacity BETWEEN 1 AND 50),
    created_at   BIGINT NOT NULL
);
CREATE INDEX slot_templates_station ON slot_templates(station_id);

-- Exceptions to the template on one day: closed (no slots at all), or extra
-- hours added to what the template offers.
CREATE TABLE slot_exceptions (
    id           TEXT PRIMARY KEY,
    station_id   TEXT NOT NULL REFERENCES stations(id),
    day          TEXT NOT NULL,
    closed       BOOLEAN NOT NULL,
    start_min    BIGINT NOT NULL DEFAULT 0,
    end_min      BIGINT NOT NULL DEFAULT 0,
    slot_minutes BIGINT NOT NULL DEFAULT 30,
    capacity     BIGINT NOT NULL DEFAULT 1,
    note         TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX slot_exceptions_station_day ON slot_exceptions(station_id, day);

-- One row per slot that was ever booked: the row a booking locks before it
-- counts the slot's bookings, so a slot is never over-booked.
CREATE TABLE booking_slots (
    station_id  TEXT NOT NULL REFERENCES stations(id),
    day         TEXT NOT NULL,
    start_min   BIGINT NOT NULL,
    PRIMARY KEY (station_id, day, start_min)
);

-- Residents' phone numbers, each stored once.
CREATE TABLE booking_contacts (
    id          TEXT PRIMARY KEY,
    phone       TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE bookings (
    id              TEXT PRIMARY KEY,
    reference       TEXT NOT NULL UNIQUE,
    idempotency_key TEXT NOT NULL UNIQUE,
    station_id      TEXT NOT NULL REFERENCES stations(id),
    day             TEXT NOT NULL,
    start_min       BIGINT NOT NULL,
    end_min         BIGINT NOT NULL,
    starts_at       BIGINT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN
                      ('pending', 'confirmed', 'rescheduled', 'cancelled', 'declined', 'accepted', 'resolved')),
    matter_kind     TEXT NOT NULL,
    description     TEXT NOT NULL,
    resident_name   TEXT NOT NULL,
    contact_id      TEXT NOT NULL REFERENCES booking_contacts(id),
    other_party     TEXT NOT NULL DEFAULT '',
    consent_version TEXT NOT NULL,
    consented_at    BIGINT NOT NULL,
    decline_reason  TEXT NOT NULL DEFAULT '',
    case_id         TEXT UNIQUE,
    -- The sync ops that create the case (JSON array), kept until pushed.
    case_ops        TEXT,
    rating          TEXT CHECK (rating IN ('satisfied', 'basically', 'unsatisfied')),
    rating_comment  TEXT NOT NULL DEFAULT '',
    rated_at        BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX bookings_slot ON bookings(station_id, day, start_min);
CREATE INDEX bookings_station_starts ON bookings(station_id, starts_at);
CREATE INDEX bookings_contact ON bookings(contact_id);

-- Secret links to a booking: only the SHA-256 of each token is kept.
CREATE TABLE booking_links (
    token_hash  TEXT PRIMARY KEY,
    booking_id  TEXT NOT NULL REFERENCES bookings(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX booking_links_booking ON booking_links(booking_id);

-- The booking's public timeline: each status change with its time and the
-- appointment time it left; `note` is shown to the resident.
CREATE TABLE booking_events (
    id          TEXT PRIMARY KEY,
    booking_id  TEXT NOT NULL REFERENCES bookings(id),
    at          BIGINT NOT NULL,
    status      TEXT NOT NULL,
    day         TEXT NOT NULL,
    start_min   BIGINT NOT NULL,
    end_min     BIGINT NOT NULL,
    by_resident BOOLEAN NOT NULL,
    actor_id    TEXT,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX booking_events_booking ON booking_events(booking_id, at);

-- Foundation: the county's geography, accounts, sessions and the audit trail.
-- Ids are UUID text; times are unix milliseconds (BIGINT) so the SQLite and
-- PostgreSQL schemas hold the same values and share query text.

CREATE TABLE streets (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE
);

CREATE TABLE stations (
    id            TEXT PRIMARY KEY,
    street_id     TEXT NOT NULL REFERENCES streets(id),
    name          TEXT NOT NULL UNIQUE,
    community     TEXT NOT NULL,
    address       TEXT NOT NULL,
    opening_hours TEXT NOT NULL,
    services      TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE compounds (
    id          TEXT PRIMARY KEY,
    station_id  TEXT NOT NULL REFERENCES stations(id),
    name        TEXT NOT NULL
);
CREATE INDEX compounds_station ON compounds(station_id);

CREATE TABLE buildings (
    id          TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL REFERENCES compounds(id),
    name        TEXT NOT NULL,
    units       BIGINT NOT NULL,
    floors      BIGINT NOT NULL
);
CREATE INDEX buildings_compound ON buildings(compound_id);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    phone         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('envoy', 'staff', 'admin')),
    station_id    TEXT REFERENCES stations(id),
    password_hash TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    former_field  TEXT NOT NULL DEFAULT '',
    specialties   TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    CHECK ((role = 'admin') = (station_id IS NULL))
);
CREATE INDEX users_station ON users(station_id);

-- Only a hash of the session token is stored: a leaked database does not
-- hand out live logins.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_id    TEXT,
    station_id  TEXT,
    action      TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_station_at ON audit_log(station_id, at);

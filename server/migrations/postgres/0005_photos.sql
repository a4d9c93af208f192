-- The bytes of photos envoys take (the photo's record, with its size and
-- SHA-256, syncs like any other record; the bytes follow once it is in).
CREATE TABLE photo_bytes (
    id           TEXT PRIMARY KEY,
    station_id   TEXT NOT NULL,
    bytes        BYTEA NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  BIGINT NOT NULL
);

-- Sync: the records phones push and pull, what each op resulted in, the
-- station's review queue (conflicts, rejections) and the devices seen.
-- Record states are stored whole as JSON (`yinling_protocol::RecordState`);
-- the columns beside it are what pull filters and orders on.

-- One global revision counter: every write takes the next value, so a
-- record's `rev` is also its place in the pull order. Writers serialise on
-- this row until commit, which makes revisions visible in allocation order.
CREATE TABLE sync_counter (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    rev BIGINT NOT NULL
);
INSERT INTO sync_counter (id, rev) VALUES (1, 0);

CREATE TABLE records (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    station_id  TEXT NOT NULL,
    rev         BIGINT NOT NULL,
    deleted     BOOLEAN NOT NULL,
    -- ' uid1 uid2 ' for cases (who handles it), '' otherwise.
    handlers    TEXT NOT NULL,
    state       TEXT NOT NULL
);
CREATE INDEX records_rev ON records(rev);
CREATE INDEX records_station_rev ON records(station_id, rev);

-- The result of every op ever decided, by its client-made id: a retried op
-- gets this back as a duplicate and changes nothing.
CREATE TABLE op_results (
    op_id       TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL,
    result      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE conflicts (
    id           TEXT PRIMARY KEY,
    station_id   TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    field        TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    resolved_by  TEXT,
    resolved_op  TEXT,
    resolved_at  BIGINT
);
CREATE INDEX conflicts_station ON conflicts(station_id, resolved_at);

-- Ops the server refused, kept whole so staff can see, fix or dismiss them.
CREATE TABLE rejections (
    op_id         TEXT PRIMARY KEY,
    station_id    TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    op            TEXT NOT NULL,
    reason        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    closed_by     TEXT,
    closed_at     BIGINT,
    closed_how    TEXT
);
CREATE INDEX rejections_station ON rejections(station_id, closed_at);

-- Phones as they last reported themselves (keyed per user: device ids are
-- client-made and must not let one user overwrite another's row).
CREATE TABLE devices (
    user_id        TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    station_id     TEXT,
    app_version    TEXT NOT NULL,
    first_seen     BIGINT NOT NULL,
    last_seen      BIGINT NOT NULL,
    last_push      BIGINT,
    last_pull      BIGINT,
    pending_count  BIGINT NOT NULL,
    ops_received   BIGINT NOT NULL,
    PRIMARY KEY (user_id, device_id)
);
CREATE INDEX devices_station ON devices(station_id);

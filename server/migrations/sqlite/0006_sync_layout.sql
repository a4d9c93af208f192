-- Fewer b-trees for every op a phone pushes (SQLite only; PostgreSQL's
-- tables stay as they are).
--
-- records: the revision is the row's key. Every write gives a record the
-- next revision, so the table itself is in pull order: a pull reads it
-- front to back with no index between, and the separate index on `rev`
-- goes. The record id keeps its unique index (the upsert's conflict
-- target). An update that moves a record to a new revision moves its row.
--
-- op_results: the row lives in its primary key's b-tree (WITHOUT ROWID),
-- instead of in a rowid table plus an index on op_id.
--
-- Measured with tests/bench/sync.mjs (see README): one b-tree insert fewer
-- per record and per op result.

CREATE TABLE records_by_rev (
    rev         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    station_id  TEXT NOT NULL,
    deleted     BOOLEAN NOT NULL,
    -- ' uid1 uid2 ' for cases (who handles it), '' otherwise.
    handlers    TEXT NOT NULL,
    state       TEXT NOT NULL
);
INSERT INTO records_by_rev (rev, id, kind, station_id, deleted, handlers, state)
    SELECT rev, id, kind, station_id, deleted, handlers, state FROM records;
DROP TABLE records;
ALTER TABLE records_by_rev RENAME TO records;
-- (station_id) orders by station, then rowid, which is the revision.
CREATE INDEX records_station_rev ON records(station_id);

CREATE TABLE op_results_keyed (
    op_id       TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL,
    result      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
) WITHOUT ROWID;
INSERT INTO op_results_keyed (op_id, device_id, result, created_at)
    SELECT op_id, device_id, result, created_at FROM op_results;
DROP TABLE op_results;
ALTER TABLE op_results_keyed RENAME TO op_results;

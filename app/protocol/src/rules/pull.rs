//! What each phone sees, and paging of pull.
//!
//! Cursor: every change to a record gives it a fresh global revision, and its
//! `rev` is the highest. A pull with cursor `c` returns the current state of
//! every visible record with `rev > c`, in ascending `rev`; `next_cursor` is
//! the `rev` of the last record examined. A record changed again later gets a
//! higher `rev` and is simply returned again, so a phone that applies pages
//! in order ends with the latest state of everything (tombstones included).
//! This relies on revisions being committed in allocation order (see `rules`).
//!
//! SQL equivalent of the filter for the storage layer:
//! `WHERE rev > :cursor AND (:admin OR station_id = :station OR (kind = 'case'
//! AND :user IN handlers)) ORDER BY rev LIMIT :limit + 1`
//! (staff: drop the handlers clause). Feed the rows to [`pull_page`].

use super::{Caller, Role};
use crate::record::{RecordKind, RecordState};
use crate::wire::PullResponse;

/// True if the caller may see (and pull) this record.
///
/// * Admin: everything.
/// * Staff: records of their station.
/// * Envoy: records of their station, plus cases of other stations that they
///   handle (were assigned to).
pub fn visible_to(caller: &Caller, record: &RecordState) -> bool {
    let own_station = caller.station_id == Some(record.station_id);
    match caller.role {
        Role::Admin => true,
        Role::Staff => own_station,
        Role::Envoy => own_station || (record.kind == RecordKind::Case && record.handlers.contains(&caller.user_id)),
    }
}

/// Build one pull page from candidate records in ascending `rev` (records at
/// or below `cursor` and invisible ones are skipped). `limit` is the page
/// size after `wire::check_pull`. Invisible records still advance the cursor,
/// so they are not scanned again.
pub fn pull_page<'a, I>(caller: &Caller, cursor: u64, limit: u32, candidates: I) -> PullResponse
where
    I: IntoIterator<Item = &'a RecordState>,
{
    let limit = limit.max(1) as usize;
    let mut changes = Vec::new();
    let mut next_cursor = cursor;
    let mut has_more = false;
    for record in candidates.into_iter().filter(|r| r.rev > cursor) {
        if changes.len() == limit {
            has_more = true;
            break;
        }
        debug_assert!(record.rev >= next_cursor, "candidates must be sorted by rev");
        next_cursor = next_cursor.max(record.rev);
        if visible_to(caller, record) {
            changes.push(record.clone());
        }
    }
    PullResponse { changes, next_cursor, has_more }
}

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
//! `WHERE rev > :cursor AND (:admin OR station_id = :station OR :user IN
//! handlers) ORDER BY rev LIMIT :limit + 1`, then [`page_of`] drops what the
//! caller may not see, or marks it to be sent as a redacted tombstone
//! (another envoy's mediation in the same station: see [`revoked`]) (staff:
//! drop the handlers clause). Feed the rows to [`pull_page`].

use super::{Caller, Role};
use crate::record::{RecordKind, RecordState};
use crate::wire::PullResponse;
use uuid::Uuid;

/// What the pull rules need to know about a stored record. Storage can read
/// this from columns and hand the stored JSON through untouched.
#[derive(Debug, Clone, Copy)]
pub struct PullMeta<'a> {
    pub rev: u64,
    pub kind: RecordKind,
    pub station_id: Uuid,
    pub handlers: &'a [Uuid],
}

impl<'a> PullMeta<'a> {
    pub fn of(record: &'a RecordState) -> Self {
        PullMeta { rev: record.rev, kind: record.kind, station_id: record.station_id, handlers: &record.handlers }
    }
}

/// True if the caller may see (and pull) this record.
///
/// * Admin: everything.
/// * Staff: records of their station.
/// * Envoy: records of their station, plus cases of other stations that they
///   handle (were assigned to); mediation records of their own station only
///   where they are a handler (creator or mediator), since what parties say
///   in mediation is confidential. (Another station's mediation stays with
///   that station, as the storage's pull query has it.)
pub fn visible_to(caller: &Caller, record: &RecordState) -> bool {
    visible(caller, &PullMeta::of(record))
}

/// [`visible_to`] on a record's metadata.
pub fn visible(caller: &Caller, meta: &PullMeta<'_>) -> bool {
    let own_station = caller.station_id == Some(meta.station_id);
    match caller.role {
        Role::Admin => true,
        Role::Staff => own_station,
        Role::Envoy => {
            let handles = meta.kind.has_handlers() && meta.handlers.contains(&caller.user_id);
            if meta.kind.is_confidential() {
                handles && own_station
            } else {
                own_station || handles
            }
        }
    }
}

/// An envoy of the record's station who does not handle a confidential
/// record (a mediation) gets it as a redacted tombstone
/// ([`RecordState::redacted`]) instead of not at all: a phone that held it
/// while its envoy was a mediator forgets it at the next pull. (Without
/// this, removing a mediator would leave what the parties said on that
/// envoy's phone for good.) A phone that never held it keeps an empty
/// tombstone; the record's id, station and revision are all it learns.
pub fn revoked(caller: &Caller, meta: &PullMeta<'_>) -> bool {
    caller.role == Role::Envoy
        && meta.kind.is_confidential()
        && caller.station_id == Some(meta.station_id)
        && !visible(caller, meta)
}

/// One record of a pull page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pulled<T> {
    /// The record as stored.
    Whole(T),
    /// The record's redacted tombstone is to be sent (see [`revoked`]).
    Revoked(T),
}

/// Build one pull page from candidate records in ascending `rev` (records at
/// or below `cursor` and invisible ones are skipped). `limit` is the page
/// size after `wire::check_pull`. Invisible records still advance the cursor,
/// so they are not scanned again.
pub fn pull_page<'a, I>(caller: &Caller, cursor: u64, limit: u32, candidates: I) -> PullResponse
where
    I: IntoIterator<Item = &'a RecordState>,
{
    let (picked, next_cursor, has_more) =
        page_of(caller, cursor, limit, candidates.into_iter().map(|r| (PullMeta::of(r), r)));
    let changes = picked
        .into_iter()
        .map(|p| match p {
            Pulled::Whole(r) => r.clone(),
            Pulled::Revoked(r) => r.redacted(),
        })
        .collect();
    PullResponse { changes, next_cursor, has_more }
}

/// The same page over `(metadata, payload)` pairs: the payloads of the
/// visible records (e.g. stored JSON, passed through without parsing) and of
/// the revoked ones, to be sent redacted, the next cursor and whether more
/// follow.
pub fn page_of<'m, T>(
    caller: &Caller,
    cursor: u64,
    limit: u32,
    candidates: impl IntoIterator<Item = (PullMeta<'m>, T)>,
) -> (Vec<Pulled<T>>, u64, bool) {
    let limit = limit.max(1) as usize;
    let mut picked = Vec::new();
    let mut next_cursor = cursor;
    let mut has_more = false;
    for (meta, payload) in candidates.into_iter().filter(|(m, _)| m.rev > cursor) {
        if picked.len() == limit {
            has_more = true;
            break;
        }
        debug_assert!(meta.rev >= next_cursor, "candidates must be sorted by rev");
        next_cursor = next_cursor.max(meta.rev);
        if visible(caller, &meta) {
            picked.push(Pulled::Whole(payload));
        } else if revoked(caller, &meta) {
            picked.push(Pulled::Revoked(payload));
        }
    }
    (picked, next_cursor, has_more)
}

//! # yinling sync protocol
//!
//! Shared by the phone (wasm) and the server. Phones record offline into an
//! outbox of [`Op`]s; later they **push** ops and **pull** record states.
//!
//! * **Ops** carry a client-made `op_id` (idempotency key), the author, the
//!   record id (client-made too), an [`Hlc`] stamp and a body: create, update
//!   (field edits, each with the `base_rev` the device had seen) or delete.
//! * **Push**: the server decides each op alone with [`rules::decide`] and
//!   remembers its result under `op_id`; a retried op gets its old result back
//!   as `Duplicate`, so nothing is applied twice. One op's rejection never
//!   affects the others. A create reusing an existing record id with
//!   different content is rejected (`IdCollision`), never overwrites.
//! * **Concurrency** is decided by server revisions only: every write takes a
//!   fresh revision from one global counter; a field edit whose `base_rev` is
//!   older than the stored field (written by another device) is concurrent.
//!   The stored value then stays and the incoming one goes into a
//!   [`rules::Conflict`] for the station's review queue; the op's other fields
//!   apply. Device clocks never decide anything. Append-only kinds (visits,
//!   timeline entries, mediation sessions, photos) are never updated, so they
//!   never conflict. A staff resolution is an ordinary update based on the
//!   current revision ([`rules::resolve_conflict`]).
//! * **Pull**: records with `rev > cursor`, whole state with per-field
//!   revisions, tombstones for deletions, paged, filtered by
//!   [`rules::visible_to`] (built by [`rules::pull_page`]).
//! * **Phone**: [`client::ClientState`] = outbox + local replica + clock +
//!   backoff, serializable as a whole (what IndexedDB stores). An outbox entry
//!   stops being sent only once the server returned a result for it; applied
//!   or conflicted entries stay `Committed` (still shown) until a complete
//!   pull covers their revision, rejected ones are quarantined with the
//!   Chinese reason, and the rest of the queue keeps flowing. On a failed
//!   request or a restart in-flight entries go back to pending. The UI shows
//!   pulled states with local ops layered on top.
//! * **Schema**: per-kind field tables in [`schema`]; enum values are ASCII
//!   snake_case codes on the wire with Chinese labels from the table.
//!
//! Wire: JSON, snake_case names, tagged enums ([`wire`]); the request carries
//! [`PROTOCOL_VERSION`] and a mismatch is a [`wire::ProtocolError`].

pub mod canon;
pub mod client;
pub mod hlc;
pub mod op;
pub mod reason;
pub mod record;
pub mod rules;
pub mod schema;
pub mod validate;
pub mod wire;

/// Version of the wire protocol; bumped on incompatible changes.
///
/// 2: pulled records use the compact form (field values once, each
/// `(rev, hlc, author)` stamp once); a version-1 app cannot read it, so it
/// is told to update (HTTP 426) instead of failing on the pulled page.
pub const PROTOCOL_VERSION: u32 = 2;

pub use canon::new_id;
pub use client::{Backoff, ClientState, LocalReplica, Outbox};
pub use hlc::{Hlc, HlcClock};
pub use op::{FieldChange, Op, OpBody};
pub use reason::{RejectCode, RejectReason};
pub use record::{FieldState, FieldValue, RecordKind, RecordState};
pub use rules::{decide, Caller, Conflict, Decision, RevAllocator, Role};
pub use wire::{OpResult, Outcome, ProtocolError, PullRequest, PullResponse, PushRequest, PushResponse};

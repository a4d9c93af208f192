//! The in-memory server: `rules::decide` plus maps. `Durable` survives a
//! restart; everything else in `Server` does not.

use std::collections::BTreeMap;

use uuid::Uuid;
use yinling_protocol::rules::{pull_page, Conflict};
use yinling_protocol::wire::{check_pull, parse_push};
use yinling_protocol::*;

use super::oracle::Oracle;

/// Deliberate server bugs, to prove the simulation catches them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sabotage {
    None,
    /// Forget remembered results: retries are applied again.
    NoIdempotency,
    /// Treat every edit as based on the latest revision: no conflicts.
    IgnoreBaseRev,
    /// Tell the phone "applied" when the op was rejected.
    HideRejections,
    /// Pull returns records of every station.
    NoVisibilityFilter,
}

pub struct ConflictRow {
    pub conflict: Conflict,
    pub resolved_by: Option<Uuid>,
}

#[derive(Default)]
pub struct Durable {
    pub records: BTreeMap<Uuid, RecordState>,
    pub results: BTreeMap<Uuid, OpResult>,
    pub conflicts: BTreeMap<Uuid, ConflictRow>,
    pub rev: u64,
    /// How many times each op was decided fresh (must end at exactly 1).
    pub fresh: BTreeMap<Uuid, u32>,
    pub rev_to_op: BTreeMap<u64, Uuid>,
}

pub struct Server {
    pub durable: Durable,
    /// Volatile: record ids ordered by rev, rebuilt lazily for pulls.
    by_rev: Option<Vec<(u64, Uuid)>>,
    pub sabotage: Sabotage,
}

impl Server {
    pub fn new(sabotage: Sabotage) -> Self {
        Server { durable: Durable::default(), by_rev: None, sabotage }
    }

    /// Crash and come back: only durable state remains.
    pub fn restart(&mut self) {
        self.by_rev = None;
    }

    /// One op in one transaction.
    pub fn process_op(&mut self, caller: &Caller, op: &Op, oracle: &mut Oracle) -> OpResult {
        let d = &mut self.durable;
        let mut decided = op.clone();
        if self.sabotage == Sabotage::IgnoreBaseRev {
            if let OpBody::Update { changes } = &mut decided.body {
                changes.iter_mut().for_each(|c| c.base_rev = u64::MAX);
            }
        }
        let prior = match self.sabotage {
            Sabotage::NoIdempotency => None,
            _ => d.results.get(&op.op_id),
        };
        let current = d.records.get(&op.record_id);
        let decision = decide(caller, &decided, current, prior, &mut d.rev);
        oracle.check_decision(op, current, &decision, &d.rev_to_op);

        if let Some(r) = decision.record.clone() {
            d.rev_to_op.insert(r.rev, op.op_id);
            d.records.insert(r.id, r);
            self.by_rev = None;
        }
        for c in &decision.conflicts {
            d.conflicts.insert(c.id, ConflictRow { conflict: c.clone(), resolved_by: None });
        }
        for r in &decision.resolved_conflicts {
            match d.conflicts.get_mut(&r.conflict_id) {
                Some(row) if row.conflict.record_id == r.record_id && row.conflict.field == r.field => {
                    row.resolved_by = Some(r.resolved_by);
                }
                _ => oracle.fail(format!("resolution names a foreign conflict {r:?}")),
            }
        }
        if !matches!(decision.result.outcome, Outcome::Duplicate { .. }) {
            *d.fresh.entry(op.op_id).or_default() += 1;
        }
        if decision.store_result {
            d.results.insert(op.op_id, decision.result.clone());
        }
        let mut reply = decision.result;
        if self.sabotage == Sabotage::HideRejections {
            if let Outcome::Rejected { .. } = reply.outcome.original() {
                reply.outcome = Outcome::Applied { rev: 0 };
            }
        }
        reply
    }

    /// A push; `crash_after` = crash after committing that many ops (no reply).
    pub fn handle_push(
        &mut self,
        caller: &Caller,
        body: &str,
        crash_after: Option<usize>,
        oracle: &mut Oracle,
    ) -> Option<String> {
        let req = match parse_push(body.as_bytes()) {
            Ok(r) => r.request,
            Err(e) => {
                oracle.fail(format!("push refused: {e:?}"));
                return None;
            }
        };
        let mut results = Vec::with_capacity(req.ops.len());
        for (i, op) in req.ops.iter().enumerate() {
            if crash_after == Some(i) {
                self.restart();
                return None;
            }
            results.push(self.process_op(caller, op, oracle));
        }
        Some(serde_json::to_string(&PushResponse { results }).unwrap())
    }

    pub fn handle_pull(&mut self, caller: &Caller, body: &str) -> String {
        let req: PullRequest = serde_json::from_str(body).unwrap();
        let limit = check_pull(&req).unwrap();
        let records = &self.durable.records;
        let index = self.by_rev.get_or_insert_with(|| {
            let mut v: Vec<(u64, Uuid)> = records.values().map(|r| (r.rev, r.id)).collect();
            v.sort_unstable();
            v
        });
        let start = index.partition_point(|(rev, _)| *rev <= req.cursor);
        let candidates = index[start..].iter().map(|(_, id)| &records[id]);
        let admin = Caller { user_id: caller.user_id, role: Role::Admin, station_id: None };
        let who = if self.sabotage == Sabotage::NoVisibilityFilter { &admin } else { caller };
        let page = pull_page(who, req.cursor, limit, candidates);
        serde_json::to_string(&page).unwrap()
    }
}

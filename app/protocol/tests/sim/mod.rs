//! Deterministic, seeded simulation of phones, network and server.

pub mod check;
pub mod gen;
pub mod net;
pub mod oracle;
pub mod rng;
pub mod server;
pub mod world;

pub use oracle::Stats;
pub use server::Sabotage;

/// Run one seed; `Err` lists the broken invariants.
pub fn run_seed(seed: u64, sabotage: Sabotage) -> Result<Stats, String> {
    let mut w = world::World::new(seed, sabotage);
    w.initial_sync();
    let ticks = 100 + w.rng.below(100) as u32;
    w.chaos(ticks);
    if let Err(e) = w.heal() {
        w.oracle.fail(e);
    }
    check::final_checks(&mut w);
    if w.oracle.violations.is_empty() {
        Ok(w.oracle.stats)
    } else {
        Err(w.oracle.violations.join("\n"))
    }
}

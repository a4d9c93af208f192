//! Seeded simulation of the whole sync protocol: devices with skewed clocks
//! editing offline, a network that drops, duplicates and reorders, phones
//! and server restarting, then a healed network. See `sim/` for the parts.
//!
//! `YINLING_SIM_RUNS=100000` runs more seeds (`YINLING_SIM_FIRST=n` starts
//! at seed n, to shard); `YINLING_SIM_SEED=1234` reruns one seed.

mod sim;

use sim::{run_seed, Sabotage, Stats};

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| v.trim().parse().unwrap_or_else(|_| panic!("{name} must be a number, got {v:?}")))
}

#[test]
fn simulation_seeds() {
    let seeds: Vec<u64> = match env_u64("YINLING_SIM_SEED") {
        Some(seed) => vec![seed],
        None => {
            let first = env_u64("YINLING_SIM_FIRST").unwrap_or(0);
            (first..first + env_u64("YINLING_SIM_RUNS").unwrap_or(1_000)).collect()
        }
    };
    let started = std::time::Instant::now();
    let mut total = Stats::default();
    for &seed in &seeds {
        match run_seed(seed, Sabotage::None) {
            Ok(stats) => total.add(&stats),
            Err(e) => panic!(
                "simulation seed {seed} failed:\n{e}\n\nrerun with: YINLING_SIM_SEED={seed} cargo test -p yinling-protocol --test simulation"
            ),
        }
    }
    eprintln!("{} seeds in {:.1?}: {total:?}", seeds.len(), started.elapsed());
    if seeds.len() >= 100 {
        // The scenarios the invariants are about really happened.
        assert!(total.conflicts > 0, "no concurrent edits were simulated");
        assert!(total.later_stamp_kept_out > 0, "no fast-clock edit lost a conflict");
        assert!(total.resolved > 0 && total.tombstones > 0 && total.rejected > 0);
        assert!(total.duplicates_seen > 0 && total.device_restarts > 0 && total.server_crashes > 0);
    }
}

/// The simulation must notice a broken server.
#[test]
fn simulation_catches_broken_servers() {
    for sabotage in
        [Sabotage::NoIdempotency, Sabotage::IgnoreBaseRev, Sabotage::HideRejections, Sabotage::NoVisibilityFilter]
    {
        let caught = (0..100).find(|&seed| run_seed(seed, sabotage).is_err());
        assert!(caught.is_some(), "{sabotage:?} went unnoticed in 100 seeds");
    }
}

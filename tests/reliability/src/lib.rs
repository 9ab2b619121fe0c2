//! # signbook-reliability
//!
//! Issue 7's evidence that nothing signed is lost, altered unnoticed or
//! duplicated. Each scenario drives the real kiosk store (`signbook-core`)
//! and the real `signbook-office` server process, breaks something on
//! purpose (a SIGKILL, a full disk, a mutated database, a faulty network,
//! a wrong clock, an attacker) and checks the guarantees with [`checks`].
//!
//! A scenario returns a [`Finding`] list: rows for the report table, or
//! a [`Violation`] when a guarantee broke. `signbook-reliability quick`
//! (CI) and `signbook-reliability long` (by hand, `tests/reliability/run long`)
//! run them all with a [`Profile`]'s sizes; figures go to
//! `docs/reliability.md`.

pub mod checks;
pub mod clock;
pub mod crash;
pub mod disk;
pub mod env;
pub mod fuzz;
pub mod load;
pub mod network;
pub mod proxy;
pub mod report;
pub mod security;
pub mod tamper;

pub use checks::Violation;
pub use report::Finding;

/// How big each scenario is.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    /// Crash soak: kills of a signing (and sometimes syncing) process.
    pub crash_kills: u32,
    /// Tamper: random mutations of a kiosk and of an office database, each.
    pub tamper_mutations: u32,
    /// Network faults: records pushed through the fault proxy.
    pub network_records: u64,
    /// Outage: records queued while the office is away.
    pub outage_records: u64,
    /// Load: simulated kiosks and how long they push.
    pub load_kiosks: usize,
    pub load_secs: u64,
}

impl Profile {
    /// CI: a few minutes on two shared cores.
    pub const QUICK: Profile = Profile {
        crash_kills: 40,
        tamper_mutations: 200,
        network_records: 1_000,
        outage_records: 2_000,
        load_kiosks: 10,
        load_secs: 15,
    };
    /// The sizes.
    pub const LONG: Profile = Profile {
        crash_kills: 1_000,
        tamper_mutations: 1_000,
        network_records: 10_000,
        outage_records: 20_000,
        load_kiosks: 50,
        load_secs: 600,
    };
}

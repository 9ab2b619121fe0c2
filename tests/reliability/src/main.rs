//! `signbook-reliability quick|long`: runs every scenario with the
//! profile's sizes and prints the figures as a Markdown table. Exits 1 when
//! a guarantee broke (the message says which and what was seen).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::{Parser, Subcommand};
use signbook_reliability::report::{Finding, print_header, print_rows};
use signbook_reliability::{Profile, clock, crash, disk, load, network, security, tamper};

#[derive(Debug, Parser)]
#[command(
    name = "signbook-reliability",
    about = "Crash, fault, tamper and load runs against the real kiosk store and office server."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The CI profile: every scenario, small.
    Quick {
        /// Run only scenarios whose names contain one of these (comma-separated).
        #[arg(long)]
        only: Option<String>,
    },
    /// The sizes: 1,000 kills, 1,000 mutations each, 10,000 records through faults, 20,000 queued, 50 kiosks for 10 minutes.
    Long {
        #[arg(long)]
        only: Option<String>,
    },
    /// Internal: the kiosk process the crash and disk scenarios kill or starve.
    ChildSign {
        #[arg(long, default_value_t = 0)]
        sync_every: u64,
        /// Signatures to take; 0 for ever.
        #[arg(long, default_value_t = 0)]
        count: u64,
        db: PathBuf,
    },
}

type Scenario = Box<dyn Fn(&std::path::Path) -> Result<Vec<Finding>>>;

fn scenarios(p: Profile) -> Vec<(&'static str, Scenario)> {
    vec![
        ("tamper", Box::new(move |d| tamper::run(d, p.tamper_mutations))),
        ("crash", Box::new(move |d| crash::run(d, p.crash_kills))),
        ("disk", Box::new(disk::run)),
        ("clock", Box::new(move |d| clock::run(d, p.network_records / 5))),
        ("security", Box::new(security::run)),
        ("network", Box::new(move |d| network::faults(d, p.network_records))),
        ("outage", Box::new(move |d| network::outage(d, p.outage_records))),
        ("load", Box::new(move |d| load::run(d, p.load_kiosks, p.load_secs))),
    ]
}

/// Runs the scenarios, printing each one's rows as soon as it ends (a long
/// run interrupted later keeps what it measured).
fn run(profile: Profile, only: Option<&str>) -> Result<()> {
    print_header();
    for (name, scenario) in scenarios(profile) {
        if only.is_some_and(|o| !o.split(',').any(|o| name.contains(o))) {
            continue;
        }
        let dir = tempfile::Builder::new().prefix(&format!("signbook-rel-{name}-")).tempdir()?;
        let started = Instant::now();
        eprintln!("== {name}");
        let result = scenario(dir.path());
        let secs = started.elapsed().as_secs_f64();
        match result {
            Ok(rows) => {
                eprintln!("   ok in {secs:.1} s");
                print_rows(&rows);
                print_rows(&[Finding::new("(time)", name, format!("{secs:.1} s"))]);
            }
            Err(error) => anyhow::bail!("{name} failed after {secs:.1} s: {error:#}"),
        }
    }
    Ok(())
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Quick { only } => run(Profile::QUICK, only.as_deref()),
        Command::Long { only } => run(Profile::LONG, only.as_deref()),
        Command::ChildSign { sync_every, count, db } => signbook_reliability::crash::child(&db, sync_every, count),
    }
}

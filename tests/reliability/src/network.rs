//! Network faults: the sync path behind the [`FaultProxy`] over many
//! records (zero lost, zero duplicated, converged), and a long outage
//! whose backlog drains on reconnection while the kiosk keeps signing.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Result;
use signbook_core::Store;
use signbook_office::testing::block_on;
use signbook_sync::backoff::Backoff;
use signbook_sync::{BackgroundOptions, BackgroundSync};

use crate::checks::{ensure, office_holds};
use crate::env::{Office, fill, new_kiosk, pair, sign_one, strokes};
use crate::proxy::{FAULT_KINDS, FaultProxy};
use crate::report::{Finding, latency_summary};

/// `records` records signed in rounds and pushed in batches of 50 through
/// a proxy that faults 40% of connections.
pub fn faults(dir: &Path, records: u64) -> Result<Vec<Finding>> {
    let office = Office::start(&dir.join("office"))?;
    let proxy = FaultProxy::start(office.addr, 0.4)?;
    let mut store = new_kiosk(&dir.join("kiosk.db"))?;
    pair(&mut store, &office, &proxy.url())?;
    proxy.enabled.store(true, Ordering::Relaxed);
    let started = Instant::now();
    let (mut pushes, mut failed) = (0u64, 0u64);
    let round = (records / 20).max(1);
    loop {
        let head = store.head()?.map_or(0, |(s, _)| s);
        if head >= records {
            break;
        }
        fill(&mut store, round.min(records - head))?;
        pushes += 1;
        if signbook_sync::push_in_batches_of(&mut store, 50).is_err() {
            failed += 1;
        }
    }
    // Keep pushing, faults still on, until nothing is pending.
    let deadline = Instant::now() + Duration::from_secs(1800);
    while store.sync_status()?.pending > 0 {
        ensure(Instant::now() < deadline, "the backlog converges through faults", || {
            format!("{:?}", store.sync_status())
        })?;
        pushes += 1;
        if signbook_sync::push_in_batches_of(&mut store, 50).is_err() {
            failed += 1;
        }
    }
    let db = office.db()?;
    office_holds(&db, &store)?;
    let alerts = block_on(db.alerts())?;
    ensure(alerts.is_empty(), "resends through faults are not mistaken for forks", || format!("{alerts:?}"))?;
    let mix: Vec<String> = FAULT_KINDS.iter().enumerate().map(|(i, k)| format!("{k} {}", proxy.count(i))).collect();
    Ok(vec![
        Finding::new("network faults", "records signed and pushed through the fault proxy", records),
        Finding::new("network faults", "connections by fault", mix.join(", ")),
        Finding::new("network faults", "pushes (failed)", format!("{pushes} ({failed})")),
        Finding::new("network faults", "lost / duplicated / alerts at the office", "0 / 0 / 0"),
        Finding::new("network faults", "time to converge", format!("{:.1} s", started.elapsed().as_secs_f64())),
    ])
}

/// The office away while `records` records are signed; on reconnection the
/// kiosk's background sync drains them while signing goes on.
pub fn outage(dir: &Path, records: u64) -> Result<Vec<Finding>> {
    let mut office = Office::start(&dir.join("office"))?;
    let proxy = FaultProxy::start(office.addr, 0.0)?;
    let db_path = dir.join("kiosk.db");
    let mut store = new_kiosk(&db_path)?;
    pair(&mut store, &office, &proxy.url())?;
    office.kill();
    fill(&mut store, records)?;
    let offline = signbook_sync::push(&mut store);
    ensure(offline.is_err(), "an unreachable office is reported", || format!("{offline:?}"))?;
    drop(store);

    // The kiosk app: its own store for signing, background sync beside it.
    let mut store = Store::open(&db_path)?;
    let options = BackgroundOptions {
        interval: Duration::from_millis(200),
        backoff: Backoff {
            base: Duration::from_millis(200),
            cap: Duration::from_secs(2),
            floor: Duration::from_millis(100),
        },
    };
    let background = BackgroundSync::start(&db_path, options)?;
    std::thread::sleep(Duration::from_secs(1)); // a few failed attempts first
    let office = Office::start(&office.data.clone())?;
    proxy.retarget(office.addr);
    let reconnected = Instant::now();
    let strokes = strokes();
    let mut latencies = Vec::new();
    let deadline = reconnected + Duration::from_secs(1800);
    loop {
        let t = Instant::now();
        sign_one(&mut store, &strokes, "During Drain")?;
        latencies.push(t.elapsed());
        let status = store.sync_status()?;
        if status.pending <= 1 && latencies.len() > 5 {
            break;
        }
        ensure(Instant::now() < deadline, "the outage backlog drains", || format!("{status:?}"))?;
        std::thread::sleep(Duration::from_millis(50));
    }
    let drained = reconnected.elapsed();
    background.stop();
    signbook_sync::push(&mut store)?;
    office_holds(&office.db()?, &store)?;
    latencies.sort();
    Ok(vec![
        Finding::new("outage", "records queued while the office was away", records),
        Finding::new(
            "outage",
            "drained by background sync after reconnection in",
            format!("{:.1} s", drained.as_secs_f64()),
        ),
        Finding::new("outage", "signatures taken while it drained", latencies.len()),
        Finding::new("outage", "signing latency while draining (p50 / p99 / max)", latency_summary(&latencies)),
        Finding::new("outage", "lost / duplicated at the office", "0 / 0"),
    ])
}

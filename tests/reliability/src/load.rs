//! Load: many simulated kiosks signing and pushing at once for a while;
//! push latencies, errors (must be zero) and the office's memory over time.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use signbook_core::Store;

use crate::checks::{ensure, office_holds};
use crate::env::{Office, fill, new_kiosk, pair};
use crate::report::{Finding, latency_summary};

pub fn run(dir: &Path, kiosks: usize, secs: u64) -> Result<Vec<Finding>> {
    let office = Office::start(&dir.join("office"))?;
    let mut stores = Vec::new();
    for k in 0..kiosks {
        let mut store = new_kiosk(&dir.join(format!("kiosk{k}/kiosk.db")))?;
        pair(&mut store, &office, &office.url())?;
        stores.push(store);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let workers: Vec<_> = stores
        .into_iter()
        .map(|mut store| {
            let stop = stop.clone();
            std::thread::spawn(move || -> Result<(Store, Vec<Duration>, Vec<String>)> {
                let (mut latencies, mut errors) = (Vec::new(), Vec::new());
                while !stop.load(Ordering::Relaxed) {
                    fill(&mut store, 3)?; // a small queue of visitors, then a push
                    let t = Instant::now();
                    match signbook_core::sync::push(&mut store) {
                        Ok(_) => latencies.push(t.elapsed()),
                        Err(e) => errors.push(e.to_string()),
                    }
                    std::thread::sleep(Duration::from_millis(250));
                }
                Ok((store, latencies, errors))
            })
        })
        .collect();
    // The office's resident memory, sampled through the run.
    let mut memory = Vec::new();
    let sample_every = Duration::from_secs((secs / 20).max(1));
    while started.elapsed() < Duration::from_secs(secs) {
        if let Some(kib) = office.rss_kib() {
            memory.push((started.elapsed().as_secs(), kib));
        }
        std::thread::sleep(sample_every);
    }
    stop.store(true, Ordering::Relaxed);
    let (mut latencies, mut errors, mut records) = (Vec::new(), Vec::new(), 0);
    let db = office.db()?;
    for worker in workers {
        let (mut store, l, e) = worker
            .join()
            .map_err(|_| anyhow::anyhow!("a kiosk thread panicked"))??;
        signbook_core::sync::push(&mut store)?;
        office_holds(&db, &store)?;
        records += store.head()?.map_or(0, |(s, _)| s);
        latencies.extend(l);
        errors.extend(e);
    }
    ensure(errors.is_empty(), "zero errors under load", || {
        format!("{} errors, first: {:?}", errors.len(), errors.first())
    })?;
    latencies.sort();
    let mem: Vec<String> = memory
        .iter()
        .map(|(t, kib)| format!("{t}s {} MiB", kib / 1024))
        .collect();
    // Flat: the last quarter's peak within 1.5x of the first quarter's (after warm-up).
    let quarter = (memory.len() / 4).max(1);
    let early = memory.iter().take(quarter).map(|m| m.1).max().unwrap_or(0);
    let late = memory
        .iter()
        .rev()
        .take(quarter)
        .map(|m| m.1)
        .max()
        .unwrap_or(0);
    ensure(
        late <= early * 3 / 2,
        "office memory stays flat under load",
        || format!("first quarter peak {early} KiB, last {late} KiB"),
    )?;
    Ok(vec![
        Finding::new(
            "load",
            "kiosks pushing at once / duration",
            format!("{kiosks} / {secs} s"),
        ),
        Finding::new(
            "load",
            "pushes / records stored",
            format!("{} / {records}", latencies.len()),
        ),
        Finding::new(
            "load",
            "push latency p50 / p99 / max",
            latency_summary(&latencies),
        ),
        Finding::new("load", "errors", errors.len()),
        Finding::new("load", "office memory (RSS) over time", mem.join(", ")),
    ])
}

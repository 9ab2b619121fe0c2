//! Load: many simulated kiosks signing and pushing at once for a while;
//! push latencies, errors (must be zero) and the office's memory over time.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use signbook_core::Store;

use crate::checks::{ensure, office_holds};
use crate::env::{Office, fill, new_kiosk, pair, status_of};
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
                    match signbook_sync::push(&mut store) {
                        Ok(_) => latencies.push(t.elapsed()),
                        Err(e) => errors.push(e.to_string()),
                    }
                    std::thread::sleep(Duration::from_millis(250));
                }
                Ok((store, latencies, errors))
            })
        })
        .collect();
    // Office staff searching the dashboard meanwhile (GET /records?name=...).
    office.add_user("load.tester", "correct horse battery")?;
    let (_, cookie) = office.login("load.tester", "correct horse battery")?;
    let cookie = cookie.context("the dashboard login set no session cookie")?;
    let searcher = {
        let (stop, office) = (stop.clone(), office.handle());
        std::thread::spawn(move || -> Result<(Vec<Duration>, Vec<String>)> {
            let (mut latencies, mut errors) = (Vec::new(), Vec::new());
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let request = format!(
                    "GET /records?name=Number{} HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n",
                    n % 97
                );
                let t = Instant::now();
                match office.https(&request) {
                    Ok(answer) if status_of(&answer) == 200 => latencies.push(t.elapsed()),
                    Ok(answer) => errors.push(answer.lines().next().unwrap_or("no answer").to_owned()),
                    Err(e) => errors.push(e.to_string()),
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            Ok((latencies, errors))
        })
    };
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
        let (mut store, l, e) = worker.join().map_err(|_| anyhow::anyhow!("a kiosk thread panicked"))??;
        signbook_sync::push(&mut store)?;
        office_holds(&db, &store)?;
        records += store.head()?.map_or(0, |(s, _)| s);
        latencies.extend(l);
        errors.extend(e);
    }
    let (mut searches, search_errors) = searcher.join().map_err(|_| anyhow::anyhow!("the searcher panicked"))??;
    ensure(search_errors.is_empty(), "zero dashboard search errors under load", || {
        format!("{} errors, first: {:?}", search_errors.len(), search_errors.first())
    })?;
    searches.sort();
    ensure(errors.is_empty(), "zero errors under load", || {
        format!("{} errors, first: {:?}", errors.len(), errors.first())
    })?;
    latencies.sort();
    let mem: Vec<String> = memory.iter().map(|(t, kib)| format!("{t}s {} MiB", kib / 1024)).collect();
    // Flat: the last quarter's peak within 1.5x of the first quarter's (after warm-up).
    let quarter = (memory.len() / 4).max(1);
    let early = memory.iter().take(quarter).map(|m| m.1).max().unwrap_or(0);
    let late = memory.iter().rev().take(quarter).map(|m| m.1).max().unwrap_or(0);
    ensure(late <= early * 3 / 2, "office memory stays flat under load", || {
        format!("first quarter peak {early} KiB, last {late} KiB")
    })?;
    Ok(vec![
        Finding::new("load", "kiosks pushing at once / duration", format!("{kiosks} / {secs} s")),
        Finding::new("load", "pushes / records stored", format!("{} / {records}", latencies.len())),
        Finding::new("load", "push latency p50 / p99 / max", latency_summary(&latencies)),
        Finding::new("load", "errors", errors.len()),
        Finding::new(
            "load",
            "dashboard searches meanwhile / errors",
            format!("{} / {}", searches.len(), search_errors.len()),
        ),
        Finding::new("load", "dashboard search latency p50 / p99 / max", latency_summary(&searches)),
        Finding::new("load", "office memory (RSS) over time", mem.join(", ")),
    ])
}

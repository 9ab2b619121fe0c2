//! Crash soak: a parent SIGKILLs a signing (and sometimes syncing) kiosk
//! process at random moments; after every kill the database reopens,
//! `PRAGMA integrity_check` is ok, every acknowledged record is there and
//! `signbook verify` passes. Finally the office holds exactly the chain.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rand::Rng;
use signbook_core::Store;
use signbook_office::testing::block_on;

use crate::checks::{ensure, kiosk_sound, office_holds};
use crate::env::{Office, binary, new_kiosk, pair, sign_one, strokes};
use crate::report::Finding;

/// The child: sign `count` records (0: for ever), syncing every
/// `sync_every` records when paired. Prints `BEGIN n` before each
/// signature, `ACK n` only after the commit returned (what the screen's
/// "Thank you" means), `SYNC`/`SYNCED` around pushes, and `ERROR code
/// message` (then exits 3) when the kiosk refuses to open or sign.
pub fn child(db: &Path, sync_every: u64, count: u64) -> Result<()> {
    let fail = |e: signbook_core::Error| -> ! {
        println!("ERROR {} {e}", e.code());
        std::process::exit(3)
    };
    let mut store = Store::open(db).unwrap_or_else(|e| fail(e));
    let strokes = strokes();
    let mut out = std::io::stdout().lock();
    for _ in (0..).take_while(|i| count == 0 || *i < count) {
        let next = store.head()?.map_or(1, |(s, _)| s + 1);
        writeln!(out, "BEGIN {next}")?;
        out.flush()?;
        let seq = sign_one(&mut store, &strokes, "Crash Test").unwrap_or_else(|e| fail(e));
        writeln!(out, "ACK {seq}")?;
        out.flush()?;
        if sync_every > 0 && seq.is_multiple_of(sync_every) {
            writeln!(out, "SYNC")?;
            out.flush()?;
            let _ = signbook_sync::push_in_batches_of(&mut store, 3);
            writeln!(out, "SYNCED")?;
            out.flush()?;
        }
    }
    Ok(())
}

/// Where the child was when it died, from the last line it printed.
#[derive(Debug, Default)]
struct Phases {
    signing: u32,
    syncing: u32,
    between: u32,
}

pub fn run(dir: &Path, kills: u32) -> Result<Vec<Finding>> {
    let db = dir.join("kiosk.db");
    let office = Office::start(&dir.join("office"))?;
    {
        let mut store = new_kiosk(&db)?;
        pair(&mut store, &office, &office.url())?;
    }
    let me = binary("signbook-reliability")?;
    let mut rng = rand::rng();
    let (mut acknowledged, mut phases, mut started) = (0u64, Phases::default(), Instant::now());
    let mut sign_time = Duration::from_millis(20);
    for kill in 0..kills {
        // Half the rounds sync every 4 records, so kills land inside pushes too.
        let sync_every = if kill % 2 == 0 { 4 } else { 0 };
        let mut child = Command::new(&me)
            .args(["child-sign", "--count", "0", "--sync-every", &sync_every.to_string()])
            .arg(&db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting the signing child")?;
        let lines = BufReader::new(child.stdout.take().context("child stdout")?).lines();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in lines.map_while(std::io::Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Let it sign 1-6 records, then kill it a random fraction of a
        // signature's duration later: before, inside or after a commit.
        let want = rng.random_range(1..=6);
        let (mut acks, mut last) = (0, String::new());
        let deadline = Instant::now() + Duration::from_secs(60);
        while acks < want && Instant::now() < deadline {
            let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) else {
                break;
            };
            if let Some(seq) = line.strip_prefix("ACK ") {
                acknowledged = acknowledged.max(seq.parse()?);
                acks += 1;
                if acks == 1 {
                    started = Instant::now();
                } else {
                    sign_time = started.elapsed() / (acks - 1);
                }
            }
            last = line;
        }
        ensure(acks == want, "the child really signs", || {
            format!("round {kill}: {acks} of {want} acknowledgements in 60 s")
        })?;
        std::thread::sleep(sign_time.mul_f64(rng.random_range(0.0..1.5)));
        child.kill()?; // SIGKILL
        child.wait()?;
        for line in rx.try_iter() {
            if let Some(seq) = line.strip_prefix("ACK ") {
                acknowledged = acknowledged.max(seq.parse()?);
            }
            last = line;
        }
        match last.split(' ').next() {
            Some("BEGIN") => phases.signing += 1,
            Some("SYNC") => phases.syncing += 1,
            _ => phases.between += 1,
        }
        // The CLI verify on every 10th kill (and the last); in process on every one.
        let with_cli = kill % 10 == 0 || kill + 1 == kills;
        acknowledged = kiosk_sound(&db, acknowledged, with_cli).with_context(|| format!("after kill {}", kill + 1))?;
        let store = Store::open(&db)?;
        let office_has = block_on(office.db()?.record_count(store.device_id()))?;
        let kiosk_acked = store.sync_status()?.acknowledged_seq;
        ensure(kiosk_acked <= office_has, "the kiosk never believes the office holds more than it does", || {
            format!("kiosk acked {kiosk_acked}, office holds {office_has}")
        })?;
    }
    let mut store = Store::open(&db)?;
    let report = signbook_sync::push(&mut store)?;
    ensure(report.pending == 0, "the backlog drains after the soak", || format!("{report:?}"))?;
    office_holds(&office.db()?, &store)?;
    Ok(vec![
        Finding::new("crash soak", "SIGKILLs (each followed by integrity_check, ack check, verify)", kills),
        Finding::new("crash soak", "kills inside a signature (render, transaction, fsync)", phases.signing),
        Finding::new("crash soak", "kills inside a sync push", phases.syncing),
        Finding::new("crash soak", "kills between operations", phases.between),
        Finding::new("crash soak", "records acknowledged, all present and verified", acknowledged),
        Finding::new("crash soak", "records lost / duplicated at the office after the soak", "0 / 0"),
    ])
}

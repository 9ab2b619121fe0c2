//! A kiosk process killed (SIGKILL, like a power cut to the process) while
//! it signs: every signature it acknowledged is still there afterwards, the
//! database is sound and the chain verifies. Issue 7's soak runs this at
//! scale; this is the quick version that runs with every `cargo test`.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use signbook_core::{SignRequest, Store};

const CHILD_ENV: &str = "SIGNBOOK_CRASH_CHILD_DB";

/// In the child: sign forever, printing each acknowledged sequence number.
/// Not a test of its own: the parent below starts it, and kills it.
#[test]
#[ignore = "started by the crash test below as a separate process, which it kills"]
fn crash_child() {
    let db = std::env::var_os(CHILD_ENV).expect("crash_child runs only as the crash test's child process");
    let mut store = Store::open(db).unwrap();
    let strokes = common::signature();
    loop {
        let receipt = store
            .sign(&SignRequest {
                role: "visitor",
                name: "Crash Test",
                organisation: None,
                strokes: &strokes,
                agreement: None,
            })
            .unwrap();
        // The acknowledgement: only printed after the commit returned.
        println!("ACK {}", receipt.seq);
    }
}

#[cfg(unix)]
#[test]
fn records_acknowledged_before_a_kill_survive_it() {
    let kiosk = common::Kiosk::new();
    let db = kiosk.db_path();
    drop(kiosk.store);
    let mut acknowledged = 0u64;
    let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ u64::from(std::process::id());
    for round in 0..12 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill after a pseudo-random 20-150 ms of signing, or once 5 acks arrive at the earliest.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let budget = Duration::from_millis(20 + seed % 130);
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let start = Instant::now();
        let mut acks_this_round = 0;
        while let Some(Ok(line)) = lines.next() {
            if let Some(seq) = line.strip_prefix("ACK ") {
                acknowledged = acknowledged.max(seq.parse().unwrap());
                acks_this_round += 1;
            }
            if acks_this_round >= 5 && start.elapsed() >= budget {
                break;
            }
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();

        let store = Store::open(&db).unwrap_or_else(|e| panic!("round {round}: reopen failed: {e}"));
        assert_eq!(store.integrity_check().unwrap(), Ok(()), "round {round}");
        let head = store.head().unwrap().map_or(0, |(seq, _)| seq);
        assert!(head >= acknowledged, "round {round}: acknowledged {acknowledged} but only {head} survived");
        let report = store.verify().unwrap();
        assert!(report.is_intact(), "round {round}: {:?}", report.problem);
        acknowledged = head;
    }
    assert!(acknowledged >= 60, "the child really signed ({acknowledged} records)");
}

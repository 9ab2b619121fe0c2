//! Shared by the office integration tests: the real `signbook-office`
//! binary on 127.0.0.1 port 0, kiosk databases built fast through core,
//! and a TCP proxy that can lose answers or be repointed at a restarted office.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Duration as ChronoDuration, FixedOffset};
use signbook_core::role::Role;
use signbook_core::signature::{Strokes, render_png};
use signbook_core::{Hash32, Store};
use signbook_office::SharedStore;
use signbook_office::testing;

pub use signbook_office::testing::block_on;

pub const OFFICE: &str = env!("CARGO_BIN_EXE_signbook-office");

/// A running `signbook-office serve` (the shared launcher,
/// `signbook_office::testing::Office`), whose set-up failures fail the test.
pub struct Office(testing::Office);

impl Office {
    /// Starts the server on an ephemeral loopback port and waits until it
    /// prints its address and fingerprint.
    pub fn start(data: &Path) -> Office {
        Office::start_on(data, "127.0.0.1:0")
    }

    pub fn start_on(data: &Path, listen: &str) -> Office {
        // Refusals are logged as warnings; the tests assert on them instead.
        let log = std::env::var("SIGNBOOK_LOG").unwrap_or_else(|_| "error".into());
        Office(testing::Office::start(Path::new(OFFICE), data, listen, &log).expect("start signbook-office"))
    }

    /// [`Office::start`] on SQLite even when the suite runs against
    /// PostgreSQL: for tests that tamper with the SQLite file itself.
    pub fn start_sqlite(data: &Path) -> Office {
        let log = std::env::var("SIGNBOOK_LOG").unwrap_or_else(|_| "error".into());
        Office(
            testing::Office::start_sqlite(Path::new(OFFICE), data, "127.0.0.1:0", &log).expect("start signbook-office"),
        )
    }

    /// Runs `signbook-office pair` (a second process beside `serve`) and returns the code.
    pub fn pairing_code(&self) -> String {
        self.0.pairing_code().expect("signbook-office pair")
    }

    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        self.0.cli(args).expect("run signbook-office")
    }

    /// A second handle on the office's store (SQLite or PostgreSQL, as the server's).
    pub fn db(&self) -> SharedStore {
        self.0.db().expect("open office db")
    }
}

impl std::ops::Deref for Office {
    type Target = testing::Office;
    fn deref(&self) -> &testing::Office {
        &self.0
    }
}

impl std::ops::DerefMut for Office {
    fn deref_mut(&mut self) -> &mut testing::Office {
        &mut self.0
    }
}

/// A small real signature PNG, rendered once and reused.
pub fn png() -> Vec<u8> {
    let json = br#"{"width":600,"height":240,"strokes":[[{"x":40,"y":150},{"x":90,"y":60},{"x":140,"y":170},{"x":200,"y":70},{"x":260,"y":160},{"x":330,"y":80},{"x":400,"y":150}]]}"#;
    render_png(&Strokes::from_json(json).unwrap()).unwrap()
}

/// A kiosk database at `dir/kiosk.db` with `n` records, built quickly.
pub fn kiosk(dir: &Path, n: u64) -> Store {
    let mut store = Store::open(dir.join("kiosk.db")).unwrap();
    store.unsafe_disable_fsync_for_fixtures().unwrap();
    store.publish_agreement("# AUP\n\nI will log off.\n", "AUP", &[Role::new("visitor").unwrap()]).unwrap();
    sign(&mut store, n);
    store
}

/// Appends `n` records with distinct names, a minute apart.
pub fn sign(store: &mut Store, n: u64) {
    let png = png();
    let role = Role::new("visitor").unwrap();
    let start: DateTime<FixedOffset> = DateTime::parse_from_rfc3339("2026-11-02T08:00:00+00:00").unwrap();
    let from = store.head().unwrap().map_or(0, |(s, _)| s);
    for i in from..from + n {
        let at = start + ChronoDuration::minutes(i as i64);
        let org = (i % 3 == 0).then_some("Acme Ltd");
        store.sign_prerendered_at(&role, &format!("Visitor Number{i}"), org, png.clone(), at).unwrap();
    }
}

/// Every `(seq, hash)` of the kiosk chain's records (its erasure entries,
/// record format 2, left out).
pub fn kiosk_hashes(store: &Store) -> Vec<(u64, Hash32)> {
    let mut out = Vec::new();
    store
        .for_each_chain_entry(|entry| {
            if let signbook_core::erasure::ChainEntry::Record(record, _) = entry {
                out.push((record.header.seq, record.hash));
            }
            Ok(())
        })
        .unwrap();
    out
}

/// Asserts the office holds exactly the kiosk's chain, verified.
pub fn assert_office_holds(office: &Office, store: &Store) {
    let db = office.db();
    let expected = kiosk_hashes(store);
    assert_eq!(
        block_on(db.record_count(store.device_id())).unwrap(),
        expected.len() as u64,
        "no duplicates, none missing"
    );
    assert_eq!(
        block_on(db.record_hashes(store.device_id())).unwrap(),
        expected,
        "the office holds the kiosk's exact chain"
    );
    let reports = block_on(db.verify()).unwrap();
    let report = reports.iter().find(|r| r.device_id == store.device_id()).expect("a report for the kiosk");
    assert!(report.is_intact(), "office copy verifies: {:?}", report.problem);
    assert_eq!(report.records, expected.len() as u64);
}

/// Pushes until the kiosk has nothing pending, or panics after `attempts`.
pub fn push_until_synced(store: &mut Store, batch: usize, attempts: u32) -> u32 {
    let mut failures = 0;
    for _ in 0..attempts {
        match signbook_sync::push_in_batches_of(store, batch) {
            Ok(report) if report.pending == 0 => return failures,
            Ok(_) => {}
            Err(_) => failures += 1,
        }
    }
    panic!("did not converge after {attempts} pushes: {:?}", store.sync_status().unwrap());
}

/// A TCP proxy on 127.0.0.1:0 in front of the office. It forwards each
/// exchange (a request and the office's answer; a kept-alive connection
/// carries several), and for the exchanges `lose` picks (numbered from 0
/// across all connections) it reads the office's whole answer, so the
/// office has committed, then closes the kiosk's side without it: a lost
/// acknowledgement.
pub struct Proxy {
    pub addr: SocketAddr,
    target: Arc<Mutex<SocketAddr>>,
    pub connections: Arc<AtomicU64>,
    pub lost: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

/// What all relays share: the exchange count, the losses, the rule.
struct Exchanges {
    count: AtomicU64,
    lost: Arc<AtomicU64>,
    lose: Box<dyn Fn(u64) -> bool + Send + Sync>,
}

impl Proxy {
    pub fn start(target: SocketAddr, lose: impl Fn(u64) -> bool + Send + Sync + 'static) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let target = Arc::new(Mutex::new(target));
        let (connections, lost, stop) =
            (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)));
        let exchanges = Arc::new(Exchanges { count: AtomicU64::new(0), lost: lost.clone(), lose: Box::new(lose) });
        {
            let (target, connections, stop) = (target.clone(), connections.clone(), stop.clone());
            std::thread::spawn(move || {
                for client in listener.incoming() {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let Ok(client) = client else { continue };
                    connections.fetch_add(1, Ordering::SeqCst);
                    let to = *target.lock().unwrap();
                    let exchanges = exchanges.clone();
                    std::thread::spawn(move || relay(client, to, &exchanges));
                }
            });
        }
        Proxy { addr, target, connections, lost, stop }
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    pub fn retarget(&self, to: SocketAddr) {
        *self.target.lock().unwrap() = to;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(self.addr);
    }
}

/// Fewer bytes than any HTTP request the kiosk sends (its signed headers
/// alone are longer), more than any TLS handshake message it sends.
const REQUEST_MIN_BYTES: u64 = 256;
/// An answer is complete once the office has said nothing for this long
/// (a kept-alive connection does not close after answering).
const ANSWER_QUIET: Duration = Duration::from_millis(300);

fn relay(client: TcpStream, to: SocketAddr, exchanges: &Exchanges) {
    let Ok(office) = TcpStream::connect(to) else { return };
    let _ = office.set_read_timeout(Some(Duration::from_secs(60)));
    // Over TLS the proxy cannot read the requests, but the turns show: the
    // kiosk speaks (its hello), the office answers (its handshake flight),
    // then each time the kiosk has sent a request's worth of bytes, what
    // the office sends next is its answer. Session tickets the office may
    // send meanwhile only ride along with an answer.
    let kiosk_bytes = Arc::new(AtomicU64::new(0));
    let (mut client_in, mut office_out) = (client.try_clone().unwrap(), office.try_clone().unwrap());
    let upstream = {
        let kiosk_bytes = kiosk_bytes.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            loop {
                match client_in.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        kiosk_bytes.fetch_add(n as u64, Ordering::SeqCst);
                        if office_out.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = office_out.shutdown(Shutdown::Write);
        })
    };
    let (mut office_in, mut client_out) = (office.try_clone().unwrap(), client.try_clone().unwrap());
    let mut buf = [0u8; 16384];
    let mut handshake_done = false;
    loop {
        let n = match office_in.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let request_sent = kiosk_bytes.swap(0, Ordering::SeqCst) >= REQUEST_MIN_BYTES;
        if std::mem::replace(&mut handshake_done, true) && request_sent {
            let exchange = exchanges.count.fetch_add(1, Ordering::SeqCst);
            if (exchanges.lose)(exchange) {
                // Read the rest of the answer: the office has committed.
                // The kiosk learns nothing of it.
                let _ = office_in.set_read_timeout(Some(ANSWER_QUIET));
                while matches!(office_in.read(&mut buf), Ok(n) if n > 0) {}
                exchanges.lost.fetch_add(1, Ordering::SeqCst);
                break;
            }
        }
        if client_out.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = client.shutdown(Shutdown::Both);
    let _ = office.shutdown(Shutdown::Both);
    let _ = upstream.join();
}

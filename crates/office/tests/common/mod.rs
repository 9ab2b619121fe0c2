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
use signbook_office::SqliteStore;
use signbook_office::store::IntegrityStore;
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

    /// Runs `signbook-office pair` (a second process beside `serve`) and returns the code.
    pub fn pairing_code(&self) -> String {
        self.0.pairing_code().expect("signbook-office pair")
    }

    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        self.0.cli(args).expect("run signbook-office")
    }

    /// A second handle on the office database (WAL: fine while serving).
    pub fn db(&self) -> SqliteStore {
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

/// Every `(seq, hash)` of the kiosk chain.
pub fn kiosk_hashes(store: &Store) -> Vec<(u64, Hash32)> {
    let head = store.head().unwrap().map_or(0, |(s, _)| s);
    (1..=head).map(|s| (s, store.record(s).unwrap().hash)).collect()
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
/// connection's request, reads the office's whole answer (so the office
/// has committed), then either forwards it or, for the connections
/// `lose` picks, closes the kiosk's side without it: a lost acknowledgement.
pub struct Proxy {
    pub addr: SocketAddr,
    target: Arc<Mutex<SocketAddr>>,
    pub connections: Arc<AtomicU64>,
    pub lost: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    pub fn start(target: SocketAddr, lose: impl Fn(u64) -> bool + Send + Sync + 'static) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let target = Arc::new(Mutex::new(target));
        let (connections, lost, stop) =
            (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)));
        let lose = Arc::new(lose);
        {
            let (target, connections, lost, stop) = (target.clone(), connections.clone(), lost.clone(), stop.clone());
            std::thread::spawn(move || {
                for client in listener.incoming() {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let Ok(client) = client else { continue };
                    let n = connections.fetch_add(1, Ordering::SeqCst);
                    let drop_answer = lose(n);
                    let to = *target.lock().unwrap();
                    let lost = lost.clone();
                    std::thread::spawn(move || relay(client, to, drop_answer, &lost));
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

fn relay(mut client: TcpStream, to: SocketAddr, drop_answer: bool, lost: &AtomicU64) {
    let Ok(mut office) = TcpStream::connect(to) else { return };
    let _ = office.set_read_timeout(Some(Duration::from_secs(60)));
    // TLS: the kiosk speaks (ClientHello), the office answers (its
    // handshake flight), the kiosk speaks again (Finished and the HTTP
    // request), and only then does the office send the HTTP answer. So
    // everything the office sends after the kiosk's second turn is the
    // answer; that is what a lost acknowledgement loses.
    let office_spoke = Arc::new(AtomicBool::new(false));
    let request_sent = Arc::new(AtomicBool::new(false));
    let (mut client_in, mut office_out) = (client.try_clone().unwrap(), office.try_clone().unwrap());
    let upstream = {
        let (office_spoke, request_sent) = (office_spoke.clone(), request_sent.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            loop {
                match client_in.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if office_spoke.load(Ordering::SeqCst) {
                            request_sent.store(true, Ordering::SeqCst);
                        }
                        if office_out.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = office_out.shutdown(Shutdown::Write);
        })
    };
    let mut buf = [0u8; 16384];
    let mut swallowed = 0usize;
    loop {
        match office.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if drop_answer && request_sent.load(Ordering::SeqCst) {
                    swallowed += n;
                    continue;
                }
                office_spoke.store(true, Ordering::SeqCst);
                if client.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    // The office has closed: it answered, so it committed. The kiosk
    // learns nothing of it.
    if drop_answer && swallowed > 0 {
        lost.fetch_add(1, Ordering::SeqCst);
    }
    let _ = client.shutdown(Shutdown::Both);
    let _ = office.shutdown(Shutdown::Both);
    let _ = upstream.join();
}

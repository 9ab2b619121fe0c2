//! The kiosk app never waits on the network: "Sync now" wakes the
//! background sync and returns, pairing does not hold the kiosk while the
//! office is waited on, and the welcome flow answers meanwhile. Against a
//! real office server (in this process) and a "silent office" that accepts
//! connections and never answers.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use signbook_core::{Hash32, Store};
use signbook_kiosk::{SharedKiosk, Submission, SyncView, UiError};
use signbook_office::server;
use signbook_office::store::IntegrityStore;
use signbook_office::tls::OfficeIdentity;
use signbook_office::tls::rotation::Announcer;
use signbook_office::{SharedStore, SqliteStore, db_path, pairing};
use signbook_sync::BackgroundOptions;

const DEMO_SIGNATURE: &str = include_str!("../../../assets/demo-signature.json");
/// Longer than any test: the loop pushes only at start and when woken.
const NEVER: Duration = Duration::from_secs(3600);
/// What "answers at once" must beat: a push to a silent office waits 60 s.
const PROMPT: Duration = Duration::from_secs(5);

/// A real `signbook-office` server on 127.0.0.1, in this process.
struct Office {
    data: tempfile::TempDir,
    addr: SocketAddr,
    fingerprint: Hash32,
    runtime: tokio::runtime::Runtime,
}

impl Office {
    fn start() -> Office {
        let data = tempfile::tempdir().unwrap();
        let store: SharedStore = Arc::new(SqliteStore::open(db_path(data.path())).unwrap());
        let identity = OfficeIdentity::load_or_create(data.path()).unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        // As `signbook-office serve`: the routes know the certificate served
        // (pairing with the code alone binds it).
        let served = Announcer::new(data.path(), identity.fingerprint()).into_extension();
        runtime.spawn(server::serve(listener, identity.server_config().unwrap(), server::router(store).layer(served)));
        Office { data, addr, fingerprint: identity.fingerprint(), runtime }
    }

    fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// What `signbook-office pair` does: a one-time code, valid 15 minutes.
    fn pairing_code(&self) -> String {
        self.runtime
            .block_on(pairing::make_pairing_code(&self.db(), signbook_office::store::FIRST_SITE, Utc::now()))
            .unwrap()
    }

    /// Records the office holds from `device`.
    fn record_count(&self, device: uuid::Uuid) -> u64 {
        self.runtime.block_on(self.db().record_count(device)).unwrap()
    }

    fn db(&self) -> SqliteStore {
        SqliteStore::open(db_path(self.data.path())).unwrap()
    }
}

/// An "office" whose port accepts connections and never says a word: what a
/// hung server or a half-dead network looks like from the kiosk.
struct SilentOffice {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    held: Arc<Mutex<Option<Vec<TcpStream>>>>,
}

impl SilentOffice {
    fn start() -> SilentOffice {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let held = Arc::new(Mutex::new(Some(Vec::new())));
        let (addr, accepted) = (listener.local_addr().unwrap(), Arc::new(AtomicUsize::new(0)));
        {
            let (accepted, held) = (Arc::clone(&accepted), Arc::clone(&held));
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { return };
                    // Closed: stop listening (the listener goes with this thread).
                    let mut held = held.lock().unwrap();
                    let Some(streams) = held.as_mut() else { return };
                    streams.push(stream);
                    accepted.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
        SilentOffice { addr, accepted, held }
    }

    fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Waits until the kiosk has connected `n` times in all.
    fn wait_for_connections(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.accepted.load(Ordering::SeqCst) < n {
            assert!(Instant::now() < deadline, "the kiosk never connected to the office");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Closes every connection (the kiosk sees the office go away) and the
    /// port (later connections are refused).
    fn close(&self) {
        let Some(streams) = self.held.lock().unwrap().take() else { return };
        for stream in streams {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        // Wakes the accepting thread, which then sees it is closed.
        let _ = TcpStream::connect(self.addr);
    }
}

impl Drop for SilentOffice {
    fn drop(&mut self) {
        self.close();
    }
}

fn open_kiosk(path: &Path) -> SharedKiosk {
    SharedKiosk::open(path, BackgroundOptions { interval: NEVER, ..Default::default() })
}

fn unlock(kiosk: &SharedKiosk) {
    kiosk.with(|k| k.admin_set_first_pin("2580", Utc::now())).unwrap();
}

fn sign(kiosk: &SharedKiosk, name: &str) -> u64 {
    kiosk
        .with(|k| {
            let submission = Submission {
                role: "visitor".into(),
                name: name.into(),
                organisation: Some("Acme Ltd".into()),
                strokes_json: DEMO_SIGNATURE.into(),
                agreement_hash: k.agreement_for("visitor")?.hash,
            };
            k.submit(&submission)
        })
        .unwrap()
        .seq
}

/// Polls the Status tab's view until no sync is under way.
fn wait_until_synced(kiosk: &SharedKiosk) -> SyncView {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let view = kiosk.admin_sync_status(Utc::now()).unwrap();
        if !view.syncing {
            return view;
        }
        assert!(Instant::now() < deadline, "the sync never finished: {view:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The welcome flow, timed: what a visitor at the kiosk meets.
fn welcome_flow_answers_promptly(kiosk: &SharedKiosk) {
    let started = Instant::now();
    let welcome = kiosk.with(|k| k.welcome()).unwrap();
    assert_eq!(welcome.roles[0].role.as_str(), "visitor");
    let checked = kiosk.with(|k| k.check_name("visitor", "Zoë O'Brien", None)).unwrap();
    assert_eq!(checked.first_name, "Zoë");
    let took = started.elapsed();
    assert!(took < PROMPT, "the welcome flow waited {took:?} on the network");
}

fn db(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("kiosk.db")
}

#[test]
fn pairing_saves_the_office_and_sync_now_wakes_the_background_sync_which_sends_the_records() {
    let office = Office::start();
    let dir = tempfile::tempdir().unwrap();
    let kiosk = open_kiosk(&db(&dir));
    unlock(&kiosk);
    sign(&kiosk, "Ann Able");

    let paired = kiosk.admin_pair(
        &office.url(),
        &office.pairing_code(),
        &office.fingerprint.to_hex(),
        "Main reception",
        Utc::now(),
    );
    let paired = paired.unwrap();
    assert!(paired.paired && paired.office_url.as_deref() == Some(office.url().as_str()), "{paired:?}");
    assert!(paired.syncing, "pairing starts a sync to the new office");
    let synced = wait_until_synced(&kiosk);
    assert_eq!((synced.pending, synced.last_error), (0, None), "the record signed before pairing reached the office");
    let device = kiosk.with(|k| Ok(k.store().device_id())).unwrap();
    assert_eq!(office.record_count(device), 1);
    let kiosks = office.runtime.block_on(office.db().devices()).unwrap();
    assert_eq!(kiosks[0].name.as_deref(), Some("Main reception"), "the office lists the kiosk by its location");

    // The loop's next round is an hour away: only "Sync now" sends these.
    sign(&kiosk, "Ben Baker");
    sign(&kiosk, "Cat Cole");
    let requested = kiosk.admin_sync_now(Utc::now()).unwrap();
    assert!(requested.syncing, "the Status tab shows that a sync was requested");
    assert_eq!(requested.pending, 2, "it answered before the push, which is the background's to do");
    let landed = wait_until_synced(&kiosk);
    assert_eq!((landed.pending, landed.last_error.as_deref()), (0, None));
    assert!(landed.last_success.is_some() && landed.last_attempt.is_some());
    assert_eq!(office.record_count(device), 3, "the office holds all three");
}

#[test]
fn pairing_with_the_code_alone_saves_the_office_and_a_wrong_code_says_so_in_the_uis_terms() {
    let office = Office::start();
    let dir = tempfile::tempdir().unwrap();
    let kiosk = open_kiosk(&db(&dir));
    unlock(&kiosk);
    sign(&kiosk, "Ann Able");
    let code = office.pairing_code();

    let mut wrong = code.clone();
    wrong.pop();
    wrong.push(if code.ends_with('Z') { 'Y' } else { 'Z' });
    let refused = kiosk.admin_pair_with_code(&office.url(), &wrong, "Main reception", Utc::now()).unwrap_err();
    assert_eq!(refused.code, "pairing_not_confirmed", "{refused:?}");
    assert!(!kiosk.admin_sync_status(Utc::now()).unwrap().paired, "nothing saved");
    let malformed = kiosk.admin_pair_with_code(&office.url(), "7KQ2M", "Main reception", Utc::now()).unwrap_err();
    assert_eq!(malformed.code, "pairing_code_malformed");

    let paired = kiosk.admin_pair_with_code(&office.url(), &code, "Main reception", Utc::now()).unwrap();
    assert!(paired.paired && paired.office_url.as_deref() == Some(office.url().as_str()), "{paired:?}");
    let synced = wait_until_synced(&kiosk);
    assert_eq!((synced.pending, synced.last_error), (0, None), "it sends over the certificate the code proved");
    let device = kiosk.with(|k| Ok(k.store().device_id())).unwrap();
    assert_eq!(office.record_count(device), 1);
}

#[test]
fn sync_now_returns_at_once_and_the_welcome_flow_answers_while_the_office_never_does() {
    let office = SilentOffice::start();
    let dir = tempfile::tempdir().unwrap();
    // Paired as `signbook pair` leaves a kiosk; the office has since gone silent.
    Store::open(db(&dir)).unwrap().save_pairing(&office.url(), Hash32::of(b"office certificate"), 0).unwrap();
    let kiosk = open_kiosk(&db(&dir));
    unlock(&kiosk);
    sign(&kiosk, "Ann Able");
    office.wait_for_connections(1); // the loop's first push, now waiting on the office

    let started = Instant::now();
    let requested = kiosk.admin_sync_now(Utc::now()).unwrap();
    let took = started.elapsed();
    assert!(took < PROMPT, "Sync now waited {took:?} for the office");
    assert!(requested.syncing && requested.pending == 1, "{requested:?}");
    welcome_flow_answers_promptly(&kiosk);
    assert!(kiosk.admin_sync_status(Utc::now()).unwrap().syncing, "the push is still waiting on the office");
    assert_eq!(sign(&kiosk, "Ben Baker"), 2, "signing goes on");

    office.close();
    let failed = wait_until_synced(&kiosk);
    assert!(
        failed.last_error.as_deref().is_some_and(|e| e.contains("cannot reach the office")),
        "the outcome lands in the status: {failed:?}"
    );
    assert_eq!(failed.pending, 2);
}

#[test]
fn pairing_does_not_hold_the_kiosk_while_the_office_is_silent_and_saves_nothing_when_it_fails() {
    let office = SilentOffice::start();
    let dir = tempfile::tempdir().unwrap();
    let kiosk = open_kiosk(&db(&dir));
    unlock(&kiosk);
    let fingerprint = "ab".repeat(32);

    let refused: UiError = std::thread::scope(|scope| {
        let pairing =
            scope.spawn(|| kiosk.admin_pair(&office.url(), "ABCD-EFGH", &fingerprint, "Main reception", Utc::now()));
        office.wait_for_connections(1);
        welcome_flow_answers_promptly(&kiosk);
        let overview = kiosk.admin_overview(Utc::now()).unwrap();
        assert!(!overview.sync.paired, "nothing is saved while the office is waited on");
        assert!(!pairing.is_finished(), "the pairing is still waiting on the office");
        office.close();
        pairing.join().unwrap().unwrap_err()
    });
    assert_eq!(refused.code, "office_unreachable", "{}", refused.message);
    let sync = kiosk.admin_overview(Utc::now()).unwrap().sync;
    assert!(!sync.paired && sync.office_url.is_none(), "a failed pairing saves nothing: {sync:?}");
}

#[test]
fn polling_the_sync_status_does_not_keep_the_admin_session_open() {
    let dir = tempfile::tempdir().unwrap();
    let kiosk = open_kiosk(&db(&dir));
    let t0 = Utc::now();
    kiosk.with(|k| k.admin_set_first_pin("2580", t0)).unwrap();
    let timeout = i64::from(kiosk.with(|k| k.welcome()).unwrap().idle_timeout_secs);
    let seconds = chrono::Duration::seconds;
    assert!(!kiosk.admin_sync_status(t0 + seconds(timeout - 1)).unwrap().paired);
    let locked = kiosk.admin_sync_status(t0 + seconds(timeout + 1)).unwrap_err();
    assert_eq!(locked.code, "admin_locked", "polled, but no admin action: the session ended");
}

/// An address of the office: every connection to it is relayed byte for
/// byte to the office, as a second network card or a new IP address would
/// be, until it is closed (the office left that address).
struct Relay {
    addr: SocketAddr,
    closed: Arc<std::sync::atomic::AtomicBool>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn to(office: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (closed, streams) = (Arc::new(std::sync::atomic::AtomicBool::new(false)), Arc::new(Mutex::new(Vec::new())));
        let (closing, held) = (closed.clone(), streams.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if closing.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is refused as soon as it opens
                }
                let (Ok(client), Ok(office)) = (client, TcpStream::connect(office)) else { continue };
                held.lock().unwrap().extend([client.try_clone().unwrap(), office.try_clone().unwrap()]);
                let (mut client_in, mut office_out) = (client.try_clone().unwrap(), office.try_clone().unwrap());
                std::thread::spawn(move || std::io::copy(&mut client_in, &mut office_out));
                let (mut office_in, mut client_out) = (office, client);
                std::thread::spawn(move || std::io::copy(&mut office_in, &mut client_out));
            }
        });
        Relay { addr, closed, streams }
    }

    fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The office is no longer at this address: open connections end, new ones too.
    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        for stream in self.streams.lock().unwrap().drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

#[test]
fn changing_the_office_address_keeps_another_address_of_the_same_office_and_refuses_another_office() {
    let office = Office::start();
    let (old_address, new_address) = (Relay::to(office.addr), Relay::to(office.addr));
    let dir = tempfile::tempdir().unwrap();
    let kiosk = open_kiosk(&db(&dir));
    unlock(&kiosk);
    sign(&kiosk, "Ann Able");
    kiosk.admin_pair_with_code(&old_address.url(), &office.pairing_code(), "Main reception", Utc::now()).unwrap();
    wait_until_synced(&kiosk);
    let device = kiosk.with(|k| Ok(k.store().device_id())).unwrap();

    sign(&kiosk, "Ben Baker");
    let moved = kiosk.admin_move_office_address(&format!("{}/", new_address.url()), Utc::now()).unwrap();
    assert_eq!(moved.office_url.as_deref(), Some(new_address.url().as_str()), "{moved:?}");
    assert_eq!(moved.pending, 0, "the push that proved the address sent the waiting record");
    assert_eq!(office.record_count(device), 2);
    wait_until_synced(&kiosk);
    // The office has left its old address: the background sync must use the new one.
    old_address.close();
    sign(&kiosk, "Cat Cole");
    kiosk.admin_sync_now(Utc::now()).unwrap();
    let landed = wait_until_synced(&kiosk);
    assert_eq!((landed.pending, landed.last_error.as_deref()), (0, None));
    assert_eq!(office.record_count(device), 3);

    let another_office = Office::start();
    let refused = kiosk.admin_move_office_address(&another_office.url(), Utc::now()).unwrap_err();
    assert_eq!(refused.code, "office_address_not_this_office", "{refused:?}");
    assert!(refused.message.contains("was not changed"), "{refused:?}");
    let kept = kiosk.admin_sync_status(Utc::now()).unwrap();
    assert_eq!(kept.office_url.as_deref(), Some(new_address.url().as_str()), "the address is unchanged");
    assert_eq!(another_office.runtime.block_on(another_office.db().devices()).unwrap().len(), 0);
    let checked = wait_until_synced(&kiosk);
    assert_eq!(checked.last_error, None, "the kept address was tried again: no refused push left in the Status tab");

    kiosk.admin_lock().unwrap();
    let locked = kiosk.admin_move_office_address(&office.url(), Utc::now()).unwrap_err();
    assert_eq!(locked.code, "admin_locked", "{locked:?}");
    let kept = kiosk.with(|k| Ok(k.store().sync_config()?.map(|config| config.office_url))).unwrap();
    assert_eq!(kept, Some(new_address.url()), "not signed in, nothing changed");
}

//! The happy path on real processes and real TLS: pair, push a large
//! backlog, verify it at the office, resend nothing, propagate erasures,
//! and carry a USB bundle to a second office. And how the kiosk connects:
//! every address of the office's name tried, one kept-alive connection for
//! a push's batches, the office's clock learnt once.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use common::{Office, Proxy, assert_office_holds, block_on, kiosk, sign};
use signbook_core::erasure::{ReasonCategory, Requester};
use signbook_office::store::Scope;
use signbook_office::store::StaffRole;
use signbook_sync::OfficeLink;
use signbook_sync::http::Resolver;

#[test]
fn five_thousand_records_reach_a_fresh_office_verified_and_a_second_sync_sends_nothing() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let mut store = kiosk(kiosk_dir.path(), 5000);

    let printed = String::from_utf8(office.cli(&["fingerprint"]).stdout).unwrap();
    assert_eq!(printed.trim(), office.fingerprint, "`fingerprint` prints what `serve` printed");
    let code = office.pairing_code();
    let paired = signbook_sync::pair(&mut store, &office.url(), &code, &office.fingerprint).unwrap();
    assert_eq!((paired.device_id, paired.acknowledged_seq), (store.device_id(), 0));
    assert_eq!(store.sync_status().unwrap().pending, 5000);

    let report = signbook_sync::push(&mut store).unwrap();
    assert_eq!((report.sent, report.acknowledged_seq, report.pending), (5000, 5000, 0));
    // Batches of at most 500 records and 4 MiB; at least 10 requests, and
    // never one per record (and one fetching the office's configuration).
    assert!((11..=16).contains(&report.requests), "{} requests", report.requests);
    assert_office_holds(&office, &store);

    let again = signbook_sync::push(&mut store).unwrap();
    assert_eq!((again.sent, again.acknowledged_seq, again.pending), (0, 5000, 0), "nothing is resent");
    let status = store.sync_status().unwrap();
    assert!(status.last_success_at.is_some() && status.last_error.is_none(), "{status:?}");
    assert!(
        block_on(office.db().alerts()).unwrap().is_empty(),
        "a clean sync raises no alert: {:?}",
        block_on(office.db().alerts()).unwrap()
    );

    let listing = String::from_utf8(office.cli(&["kiosks"]).stdout).unwrap();
    assert!(listing.contains(&store.device_id().to_string()) && listing.contains("records: 5000"), "{listing}");
    let verify = office.cli(&["verify"]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    assert!(String::from_utf8_lossy(&verify.stdout).contains("intact, 5000 records"));
}

#[test]
fn erasures_after_sync_reach_the_office_and_its_copy_still_verifies() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let mut store = kiosk(kiosk_dir.path(), 30);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    signbook_sync::push(&mut store).unwrap();

    // Erased after the office has it: travels as an erasure event.
    store.erase(7, "subject access request 2026-14").unwrap();
    // Signed and erased before it was ever sent: travels as a tombstone.
    sign(&mut store, 5);
    store.erase(33, "entered by mistake").unwrap();
    assert_eq!(store.sync_status().unwrap().pending_erasures, 1);

    let report = signbook_sync::push(&mut store).unwrap();
    // 31 is record 7's erasure entry, 37 record 33's (record format 2).
    assert_eq!((report.sent, report.erasures_sent, report.acknowledged_seq), (5, 1, 37));
    assert_eq!(store.sync_status().unwrap().pending_erasures, 0);
    assert_office_holds(&office, &store);
    let db = office.db();
    let report = block_on(db.verify()).unwrap().into_iter().next().unwrap();
    assert_eq!(report.erased, 2, "both erasures are applied at the office");

    let personal: Vec<(u64, Option<String>)> = office
        .sql("SELECT seq, name FROM records WHERE seq IN (6, 7, 33) ORDER BY seq")
        .unwrap()
        .into_iter()
        .map(|row| (row[0].as_deref().unwrap().parse().unwrap(), row[1].clone()))
        .collect();
    assert_eq!(
        personal,
        [(6, Some("Visitor Number5".into())), (7, None), (33, None)],
        "the names are gone at the office too"
    );

    let again = signbook_sync::push(&mut store).unwrap();
    assert_eq!((again.sent, again.erasures_sent), (0, 0), "erasures are sent once");
}

#[test]
fn a_usb_bundle_imports_with_the_same_checks_and_twice_changes_nothing() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let mut store = kiosk(kiosk_dir.path(), 1200);
    store.erase(2, "subject request").unwrap();
    let bundle = kiosk_dir.path().join("kiosk.bundle");

    // Not paired yet: the bundle is refused, naming what to do.
    signbook_sync::export_bundle(&store, &bundle).unwrap();
    let refused = office.cli(&["import-bundle", bundle.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("is not paired with this office"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    let report = signbook_sync::export_bundle(&store, &bundle).unwrap();
    assert_eq!((report.records, report.erased, report.batches), (1200, 1, 3));
    let first = office.cli(&["import-bundle", bundle.to_str().unwrap()]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(
        String::from_utf8_lossy(&first.stdout).contains("1200 new records, 0 already held"),
        "{}",
        String::from_utf8_lossy(&first.stdout)
    );
    assert_office_holds(&office, &store);

    let second = office.cli(&["import-bundle", bundle.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&second.stdout).contains("0 new records, 1200 already held"),
        "{}",
        String::from_utf8_lossy(&second.stdout)
    );
    // The network push after the bundle sends from what it knows; the office ignores what it has.
    let push = signbook_sync::push(&mut store).unwrap();
    // 1200 records and the erasure entry of record 2 (record format 2).
    assert_eq!((push.acknowledged_seq, push.pending), (1201, 0));
    assert_office_holds(&office, &store);

    // One changed byte anywhere and the whole bundle is refused.
    let mut bytes = std::fs::read(&bundle).unwrap();
    let at = bytes.windows(15).position(|w| w == b"Visitor Number9").unwrap();
    bytes[at + 14] = b'8';
    std::fs::write(&bundle, &bytes).unwrap();
    let tampered = office.cli(&["import-bundle", bundle.to_str().unwrap()]);
    assert_eq!(tampered.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&tampered.stderr).contains("signature is not kiosk"),
        "{}",
        String::from_utf8_lossy(&tampered.stderr)
    );
    let alerts = String::from_utf8(office.cli(&["alerts"]).stdout).unwrap();
    assert!(alerts.contains("bundle_signature_invalid"), "staff see the altered bundle: {alerts}");
}

#[test]
fn batches_are_cut_to_fit_the_body_limit_however_large_the_signatures() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let mut store = kiosk(kiosk_dir.path(), 0);
    // 1.2 MB signature PNGs (noise does not compress; the office checks
    // each is a PNG a kiosk could make): 500 would be 800 MB of JSON.
    let role = signbook_core::role::Role::new("visitor").unwrap();
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-02T08:00:00+00:00").unwrap();
    for i in 0..12u32 {
        let side = 1100u32;
        let noise: Vec<u8> =
            (0..side * side).map(|p| (p.wrapping_mul(2_654_435_761).wrapping_add(i) >> 13) as u8).collect();
        let mut png = Vec::new();
        image::ImageEncoder::write_image(
            image::codecs::png::PngEncoder::new(&mut png),
            &noise,
            side,
            side,
            image::ExtendedColorType::L8,
        )
        .unwrap();
        assert!(png.len() > 1_000_000, "{} bytes", png.len());
        store.sign_prerendered_at(&role, &format!("Large Signer{i}"), None, png, at).unwrap();
    }
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    let report = signbook_sync::push(&mut store).unwrap();
    assert_eq!((report.sent, report.acknowledged_seq, report.pending), (12, 12, 0));
    assert!(report.requests >= 4, "cut into requests under the office's 8 MiB limit: {}", report.requests);
    assert_office_holds(&office, &store);
}

#[test]
fn an_erasure_made_at_the_office_erases_the_kiosks_copy_and_the_kiosk_confirms_it() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let mut store = kiosk(kiosk_dir.path(), 10);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    signbook_sync::push(&mut store).unwrap();

    // Office staff erase record 4 (a person's request), with the server running.
    block_on(office.db().add_user("j.evans", "correct horse battery", StaffRole::Privacy, Utc::now())).unwrap();
    block_on(office.db().erase_record(
        &Scope::Trust,
        store.device_id(),
        4,
        "erasure request 2026-14",
        "j.evans",
        chrono::Utc::now(),
    ))
    .unwrap();
    assert!(store.record(4).unwrap().personal.is_some(), "the kiosk still holds it until it syncs");

    signbook_sync::push(&mut store).unwrap();
    assert_eq!(store.record(4).unwrap().personal, None, "the next push's answer erases the kiosk's copy");
    assert_eq!(store.sync_status().unwrap().pending_erasures, 1, "which the kiosk then confirms");
    let confirm = signbook_sync::push(&mut store).unwrap();
    assert_eq!((confirm.erasures_sent, store.sync_status().unwrap().pending_erasures), (1, 0));

    let kiosk_copy = store.verify().unwrap();
    assert!(kiosk_copy.problem.is_none() && kiosk_copy.erased == 1, "the kiosk's chain still verifies: {kiosk_copy:?}");
    let status = block_on(office.db().erasure_status(store.device_id(), 4)).unwrap().expect("an erasure");
    assert_eq!((status.origin.as_str(), status.erased_by.as_deref()), ("office", Some("j.evans")));
    assert!(status.kiosk_confirmed_at.is_some(), "the office knows the kiosk's copy is gone");
    let report = block_on(office.db().verify()).unwrap();
    assert!(report[0].problem.is_none() && report[0].erased == 1);

    // Record format 2: the kiosk recorded the office's erasure in its own
    // chain, naming the staff account by number (not name), and the office
    // holds that entry too, in place in its copy of the chain.
    let entry = store.erasure_entries().unwrap().pop().expect("the kiosk's erasure entry");
    assert_eq!((entry.entry.seq, entry.entry.target_seq), (11, 4));
    assert!(matches!(entry.entry.requested_by, Requester::OfficeStaff(_)), "{:?}", entry.entry.requested_by);
    assert_eq!(entry.entry.reason, ReasonCategory::Request);
    assert!(!String::from_utf8(entry.entry.canonical_bytes()).unwrap().contains("evans"), "no staff name in the chain");
    let row = office.sql("SELECT target_seq, requested_by, entry_hash FROM erasure_entries WHERE seq = 11").unwrap();
    let text = |i: usize| row[0][i].clone().unwrap();
    let office_entry: (u64, String, String) = (text(0).parse().unwrap(), text(1), text(2));
    assert_eq!(office_entry, (4, entry.entry.requested_by.to_string(), entry.hash.to_hex()));
    assert_eq!(store.sync_status().unwrap().acknowledged_seq, 11, "the office acknowledged the entry");
}

#[test]
fn an_office_listening_on_ipv4_only_is_reached_through_a_name_that_resolves_to_ipv6_first() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start_on(office_dir.path(), "127.0.0.1:0");
    let port = office.addr.port();
    // What a resolver preferring IPv6 answers for a dual-stack name: ::1
    // first, where nothing listens, then the office's own address.
    let asked = Arc::new(Mutex::new(Vec::new()));
    let resolver: Resolver = {
        let asked = asked.clone();
        Arc::new(move |netloc: &str| {
            asked.lock().unwrap().push(netloc.to_owned());
            Ok(vec![SocketAddr::from(([0, 0, 0, 0, 0, 0, 0, 1], port)), SocketAddr::from(([127, 0, 0, 1], port))])
        })
    };
    let url = format!("https://office.school.example:{port}");
    let mut store = kiosk(kiosk_dir.path(), 30);
    let mut link = OfficeLink::with_resolver(resolver);

    link.pair(&mut store, &url, &office.pairing_code(), &office.fingerprint).unwrap();
    let report = link.push_in_batches_of(&mut store, 10).unwrap();
    assert_eq!((report.sent, report.acknowledged_seq, report.pending), (30, 30, 0));
    assert_office_holds(&office, &store);
    assert_eq!(store.sync_config().unwrap().unwrap().office_url, url, "the kiosk keeps the name, not an address");
    let asked = asked.lock().unwrap();
    assert!(
        !asked.is_empty() && asked.iter().all(|n| *n == format!("office.school.example:{port}")),
        "the name went through the resolver: {asked:?}"
    );
}

#[test]
fn a_push_keeps_one_connection_and_a_wrong_kiosk_clock_costs_one_refusal_per_link_not_per_push() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let proxy = Proxy::start(office.addr, |_| false);
    let mut store = kiosk(kiosk_dir.path(), 100);
    signbook_sync::pair(&mut store, &proxy.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    let paired = proxy.connections.load(Ordering::SeqCst);
    let three_hours_slow = || Utc::now() - chrono::Duration::hours(3);

    // The background loop's link, kept between pushes.
    let mut link = OfficeLink::new();
    let first = link.push_with_clock(&mut store, 10, &three_hours_slow).unwrap();
    // Ten batches and an empty one that finds nothing more, plus the first
    // request signed again at the office's time, and the office's
    // configuration (the first kiosk's agreements made it version 1), fetched once.
    assert_eq!((first.sent, first.pending, first.requests), (100, 0, 13));
    sign(&mut store, 20);
    let second = link.push_with_clock(&mut store, 10, &three_hours_slow).unwrap();
    assert_eq!((second.sent, second.requests), (20, 3), "right first time: the office's clock was remembered");
    assert_eq!(
        proxy.connections.load(Ordering::SeqCst) - paired,
        1,
        "both pushes, 16 requests, went over one kept-alive connection"
    );

    // A link made afresh learns the clock again, as every push did before.
    sign(&mut store, 5);
    let fresh = signbook_sync::push_with_clock(&mut store, 10, &three_hours_slow).unwrap();
    assert_eq!((fresh.sent, fresh.requests), (5, 2));
    assert_office_holds(&office, &store);
}

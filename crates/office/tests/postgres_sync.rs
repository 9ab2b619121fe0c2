//! What a kiosk's requests touch, on PostgreSQL with two office servers
//! (two `PgStore`s) sharing one database (`SIGNBOOK_TEST_POSTGRES`): a
//! pairing code, a PAKE exchange and a request nonce are each used once
//! whichever server sees them; the same batch pushed to both at once is
//! stored once; erasure and held entries are taken as SQLite takes them.
//! Where it can, each scenario runs on SQLite too and both must answer alike.

#[path = "evidence_fixture/mod.rs"]
mod evidence_fixture;
#[path = "postgres_support/mod.rs"]
mod postgres_support;

use chrono::{Duration, Utc};
use evidence_fixture::Kiosk;
use postgres_support::{now, pair, push_after, raw, sqlite, two_servers};
use signbook_core::Hash32;
use signbook_office::pairing::{code_hash, new_code};
use signbook_office::store::FIRST_SITE;
use signbook_office::store::{PakeExchange, SyncStore};
use signbook_office::testing::block_on;
use signbook_sync::pake::code_id;
use signbook_sync::wire::PushRequest;

/// A pairing code used on one server is used on the other: the kiosk that
/// paired may retry, another kiosk is refused.
#[test]
fn a_pairing_code_pairs_once_across_servers() {
    let Some(url) = signbook_office::testing::fresh_postgres_database() else { return };
    block_on(async {
        let (a, b) = two_servers(&url).await;
        let (first, second) = (Kiosk::new(), Kiosk::new());
        let code = new_code();
        assert!(a.add_pairing_code(FIRST_SITE, &code, now(), now() + Duration::minutes(15)).await.unwrap());
        let (device, acked) = a
            .pair(&code, &code_hash(&code), first.store.device_id(), &first.store.public_key(), Some("Hall"), now())
            .await
            .unwrap();
        assert_eq!((device.name.as_deref(), acked), (Some("Hall"), 0));
        assert_eq!(b.device(device.device_id).await.unwrap(), Some(device.clone()), "the other server knows it");
        let again =
            b.pair(&code, &code_hash(&code), first.store.device_id(), &first.store.public_key(), None, now()).await;
        assert_eq!(again.unwrap().0, device, "the same kiosk retrying after a lost answer");
        let other =
            b.pair(&code, &code_hash(&code), second.store.device_id(), &second.store.public_key(), None, now()).await;
        assert_eq!(other.unwrap_err().code(), "pairing_code_used");

        // Two kiosks with one code at the same moment, on two servers: one pairs.
        let code = new_code();
        assert!(b.add_pairing_code(FIRST_SITE, &code, now(), now() + Duration::minutes(15)).await.unwrap());
        let (third, fourth) = (Kiosk::new(), Kiosk::new());
        let (hash, keys) = (code_hash(&code), [third.store.public_key(), fourth.store.public_key()]);
        let (x, y) = tokio::join!(
            a.pair(&code, &hash, third.store.device_id(), &keys[0], None, now()),
            b.pair(&code, &hash, fourth.store.device_id(), &keys[1], None, now()),
        );
        let mut codes =
            [x.map(|_| "paired").unwrap_or_else(|e| e.code()), y.map(|_| "paired").unwrap_or_else(|e| e.code())];
        codes.sort();
        assert_eq!(codes, ["paired", "pairing_code_used"]);
        let paired: i64 = raw(&url).await.query_one("SELECT count(*) FROM devices", &[]).await.unwrap().get(0);
        assert_eq!(paired, 2);

        assert!(a.revoke(device.device_id, now()).await.unwrap());
        assert!(!b.revoke(device.device_id, now()).await.unwrap(), "revoked once");
        assert_eq!(b.rename_kiosk(device.device_id, "Library").await.unwrap().as_deref(), Some("Hall"));
    });
}

/// What pairing by code alone answers, step by step, on either backend.
async fn pake_steps(a: &dyn SyncStore, b: &dyn SyncStore, kiosk: &Kiosk) -> Vec<String> {
    let code = new_code();
    let name = code_id(&code).unwrap();
    let mut seen =
        vec![a.add_pairing_code(FIRST_SITE, &code, now(), now() + Duration::minutes(15)).await.unwrap().to_string()];
    let hash = b.pake_code(&name, now()).await.unwrap();
    assert_eq!(hash, code_hash(&code));
    let exchange = PakeExchange {
        exchange_id: "00112233445566778899aabbccddeeff".into(),
        code_hash: hash.clone(),
        code_id: name.clone(),
        device_id: kiosk.store.device_id(),
        kiosk_confirm: "c0ffee".into(),
        created_at: now().timestamp(),
    };
    a.save_pake_exchange(&exchange).await.unwrap();
    let (x, y) = tokio::join!(
        b.take_pake_exchange(&exchange.exchange_id, now().timestamp()),
        a.take_pake_exchange(&exchange.exchange_id, now().timestamp())
    );
    assert_eq!([&x, &y].iter().filter(|t| t.as_ref().unwrap().as_ref() == Some(&exchange)).count(), 1, "taken once");
    a.pair("code", &hash, kiosk.store.device_id(), &kiosk.store.public_key(), None, now()).await.unwrap();
    seen.push(b.pake_code(&name, now()).await.unwrap_err().code().into());
    // Another code tried four more times (five in all) is exhausted, whichever server counts.
    let code = new_code();
    let name = code_id(&code).unwrap();
    b.add_pairing_code(FIRST_SITE, &code, now(), now() + Duration::minutes(15)).await.unwrap();
    for store in [a, b, a, b, a] {
        store.pake_code(&name, now()).await.unwrap();
    }
    let refusal = b.pake_code(&name, now()).await.unwrap_err();
    assert!(refusal.to_string().contains(&name), "names the code: {refusal}");
    seen.push(refusal.code().into());
    let late = PakeExchange { exchange_id: "ff".repeat(16), created_at: now().timestamp() - 3600, ..exchange };
    b.save_pake_exchange(&late).await.unwrap();
    seen.push(format!("{:?}", a.take_pake_exchange(&late.exchange_id, now().timestamp()).await.unwrap()));
    seen
}

#[test]
fn a_pake_exchange_saved_by_one_server_is_finished_by_the_other_once() {
    let Some(url) = signbook_office::testing::fresh_postgres_database() else { return };
    block_on(async {
        let (a, b) = two_servers(&url).await;
        let (office, _dir) = sqlite();
        let kiosk = Kiosk::new();
        let on_postgres = pake_steps(&a, &b, &kiosk).await;
        assert_eq!(on_postgres[..2], ["true".to_owned(), "pairing_code_used".into()]);
        assert_eq!(on_postgres[2], "pairing_code_exhausted");
        assert_eq!(on_postgres[3], "None", "an expired exchange is never finished");
        assert_eq!(on_postgres, pake_steps(&office, &office, &kiosk).await, "SQLite answers the same");
    });
}

#[test]
fn a_nonce_one_server_saw_is_a_replay_on_the_other() {
    let Some(url) = signbook_office::testing::fresh_postgres_database() else { return };
    block_on(async {
        let (a, b) = two_servers(&url).await;
        let kiosk = Kiosk::with(&[("staff", "Siân Evans", None)]);
        let device = pair(&a, &kiosk).await;
        let at = now().timestamp();
        assert!(a.remember_nonce(device.device_id, "n1", at).await.unwrap());
        assert!(!b.remember_nonce(device.device_id, "n1", at).await.unwrap());
        let refused = b.ingest(&device, Some(("n1", at)), kiosk.push_request(), now()).await.unwrap_err();
        assert_eq!(refused.code(), "replay");
        // Both servers seeing one new nonce at once: one takes it.
        let (x, y) =
            tokio::join!(a.remember_nonce(device.device_id, "n2", at), b.remember_nonce(device.device_id, "n2", at));
        assert!(x.unwrap() ^ y.unwrap(), "exactly one server accepts it");
        // A push with a fresh nonce is taken and marks the kiosk seen.
        b.ingest(&device, Some(("n3", at)), kiosk.push_request(), now()).await.unwrap();
        let row = raw(&url).await.query_one("SELECT last_seen_at, reported_head FROM devices", &[]).await.unwrap();
        assert_eq!((row.get::<_, Option<String>>(0).is_some(), row.get::<_, Option<i64>>(1)), (true, Some(1)));
    });
}

#[test]
fn the_same_batch_pushed_to_two_servers_at_once_is_stored_once() {
    let Some(url) = signbook_office::testing::fresh_postgres_database() else { return };
    let mut kiosk = Kiosk::new();
    let png = evidence_fixture::demo_png();
    for i in 0..60 {
        kiosk.sign("visitor", &format!("Visitor {i}"), (i % 3 == 0).then_some("Acme Ltd"), png.clone());
    }
    block_on(async {
        let (a, b) = two_servers(&url).await;
        let device = pair(&a, &kiosk).await;
        // Its versions first, then the records alone: only the kiosk's row lock orders the two pushes.
        let mut batch = kiosk.push_request();
        let versions = PushRequest { records: vec![], checkpoint: None, kiosk_head_seq: None, ..batch.clone() };
        a.ingest(&device, None, versions.clone(), now()).await.unwrap();
        batch.agreements.clear();
        let (x, y) =
            tokio::join!(a.ingest(&device, None, batch.clone(), now()), b.ingest(&device, None, batch.clone(), now()));
        let (x, y) = (x.unwrap(), y.unwrap());
        let mut counts = [(x.stored, x.duplicates), (y.stored, y.duplicates)];
        counts.sort();
        assert_eq!(counts, [(0, 60), (60, 0)], "one stored the batch, the other found it held");
        assert_eq!((x.acknowledged_seq, y.acknowledged_seq), (60, 60));
        let client = raw(&url).await;
        let row = client
            .query_one(
                "SELECT count(*), count(DISTINCT seq), max(seq), (SELECT count(*) FROM record_index),
                    (SELECT count(*) FROM checkpoints) FROM records",
                &[],
            )
            .await
            .unwrap();
        let held: Vec<i64> = (0..5).map(|i| row.get(i)).collect();
        assert_eq!(held, [60, 60, 60, 60, 1], "each record once, indexed once; one checkpoint");
        let head: String =
            client.query_one("SELECT record_hash FROM records WHERE seq = 60", &[]).await.unwrap().get(0);
        assert_eq!(head, kiosk.store.head().unwrap().unwrap().1.to_hex(), "the head is the kiosk's");

        // A resend is counted as duplicates; a changed record 1 is a fork, on either backend.
        let resend = b.ingest(&device, None, batch.clone(), now()).await.unwrap();
        assert_eq!((resend.stored, resend.duplicates, resend.acknowledged_seq), (0, 60, 60));
        let (office, _dir) = sqlite();
        let on_sqlite = pair(&office, &kiosk).await;
        office.ingest(&on_sqlite, None, versions, now()).await.unwrap();
        let stored = if x.stored > 0 { x } else { y };
        assert_eq!(office.ingest(&on_sqlite, None, batch.clone(), now()).await.unwrap(), stored, "as SQLite answers");
        let forked = postgres_support::forked(&kiosk, batch);
        let refused = a.ingest(&device, None, forked.clone(), now()).await.unwrap_err();
        assert_eq!(refused.code(), "fork");
        let on_sqlite = office.ingest(&on_sqlite, None, forked, now()).await.unwrap_err();
        assert_eq!(refused.to_string(), on_sqlite.to_string());
    });
}

/// Pushes `batches` of `kiosk` to a newly paired `store`; what it answered each time.
async fn answers(store: &dyn SyncStore, kiosk: &Kiosk, batches: &[PushRequest]) -> Vec<(u64, u64, u64, u64)> {
    let device = pair(store, kiosk).await;
    let mut out = Vec::new();
    for batch in batches {
        let r = store.ingest(&device, None, batch.clone(), now()).await.unwrap();
        out.push((r.acknowledged_seq, r.stored, r.duplicates, r.erasures_applied));
    }
    out
}

#[test]
fn erasure_and_held_entries_are_taken_as_on_sqlite() {
    let Some(url) = signbook_office::testing::fresh_postgres_database() else { return };
    let mut kiosk = Kiosk::with(&[
        ("staff", "Siân Evans", None),
        ("visitor", "Tom Price", Some("Acme")),
        ("governor", "Ann Lee", None),
    ]);
    let mut batches = vec![push_after(&kiosk, 0)];
    kiosk.store.erase(2, "asked to be forgotten").unwrap();
    batches.push(push_after(&kiosk, 3));
    // The office acknowledged 1-4; thirty-one days on, the kiosk keeps only its chain of 1 and 3.
    kiosk.store.save_pairing("https://office.invalid", Hash32::of(b"office certificate"), 0).unwrap();
    kiosk.store.note_push_success(4, &[2]).unwrap();
    assert_eq!(kiosk.store.release_to_office(Utc::now() + Duration::days(31)).unwrap().records, 2);
    batches.push(push_after(&kiosk, 4));
    batches.push(batches[2].clone());
    block_on(async {
        let (a, _) = two_servers(&url).await;
        let on_postgres = answers(&a, &kiosk, &batches).await;
        assert_eq!(
            on_postgres,
            [(3, 3, 0, 0), (4, 0, 0, 1), (6, 0, 0, 0), (6, 0, 0, 0)],
            "records 1-3, erasure entry 4 applied, held entries 5-6 (then resent)"
        );
        let client = raw(&url).await;
        let names: Vec<Option<String>> = client
            .query("SELECT name FROM records ORDER BY seq", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(names, [Some("Siân Evans".into()), None, Some("Ann Lee".into())], "erased; held data kept");
        let entries: i64 = client
            .query_one("SELECT (SELECT count(*) FROM erasure_entries) * 10 + (SELECT count(*) FROM held_entries)", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(entries, 12, "one erasure entry, two held entries");
        let (office, _dir) = sqlite();
        assert_eq!(answers(&office, &kiosk, &batches).await, on_postgres, "SQLite answers the same");
    });
}

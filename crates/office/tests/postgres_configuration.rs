//! Agreement versions and kiosk configurations on PostgreSQL with two
//! office servers sharing one database: what kiosks send, staff adopt and
//! publish stands exactly as on SQLite, and a configuration version is
//! issued once even when both servers issue at the same moment.

#[path = "evidence_fixture/mod.rs"]
mod evidence_fixture;
#[path = "postgres_support/mod.rs"]
mod postgres_support;

use std::collections::BTreeMap;

use evidence_fixture::Kiosk;
use postgres_support::{now, pair, raw, sqlite, two_servers};
use signbook_core::Hash32;
use signbook_core::role::Role;
use signbook_office::store::FIRST_SITE;
use signbook_office::store::configuration::{IssuedConfiguration, KioskConfiguration, KioskSetting, SettingsFor};
use signbook_office::store::{AgreementStanding, AgreementStore, ConfigurationStore, SyncStore};
use signbook_office::testing::block_on;
use signbook_sync::configuration::ConfigurationStatus;
use signbook_sync::wire::{PushRequest, WireAgreement};

const ROLES: [&str; 5] = ["visitor", "governor", "staff", "volunteer", "contractor"];

/// Only the versions a kiosk sends, no records.
fn versions_only(agreements: Vec<WireAgreement>) -> PushRequest {
    PushRequest {
        records: vec![],
        checkpoint: None,
        erasures: vec![],
        agreements,
        kiosk_head_seq: None,
        erasure_entries: vec![],
        configuration: None,
        held_entries: vec![],
    }
}

/// A version "published" in 9999 for every role, as a rogue kiosk sends it.
fn rogue() -> WireAgreement {
    let text = signbook_core::agreement::canonical_text("# Everything is different\n\nNobody has signed this.\n");
    WireAgreement {
        hash: signbook_core::agreement::agreement_hash(&text),
        title: "Rogue agreement".into(),
        text,
        published_at: "9999-12-31T23:59:59.999Z".into(),
        roles: ROLES.iter().map(|r| (*r).to_owned()).collect(),
    }
}

/// Everything staff see of agreements and configurations after one story.
#[derive(Debug, PartialEq)]
struct Seen {
    versions: Vec<Option<u64>>,
    refusals: Vec<String>,
    standings: Vec<AgreementStanding>,
    configuration: Option<IssuedConfiguration>,
    texts: BTreeMap<Hash32, String>,
    kiosks: BTreeMap<uuid::Uuid, KioskConfiguration>,
}

/// A kiosk syncs, another version arrives, staff adopt it for staff only,
/// publish their own for visitors and name the school.
async fn story<S: SyncStore + AgreementStore + ConfigurationStore>(office: &S, kiosk: &Kiosk) -> Seen {
    let device = pair(office, kiosk).await;
    let mut versions =
        vec![office.ingest(&device, None, kiosk.push_request(), now()).await.unwrap().configuration_version];
    let rogue = rogue();
    let pushed = office.ingest(&device, None, versions_only(vec![rogue.clone()]), now()).await.unwrap();
    versions.push(pushed.configuration_version);
    office.adopt_agreement(&rogue.hash, &["staff".into()], "j.evans", now()).await.unwrap();
    let published = "# Visitors\n\nSign in and out at reception.\n";
    let hash =
        office.publish_agreement(published, "Visitor rules", &["visitor".into()], "j.evans", now()).await.unwrap();
    versions.push(
        office
            .set_kiosk_setting(
                SettingsFor::School(FIRST_SITE),
                KioskSetting::SchoolName("Ysgol".into()),
                "j.evans",
                now(),
            )
            .await
            .unwrap(),
    );
    let refusals = vec![
        office.adopt_agreement(&hash, &["staff".into()], "j.evans", now()).await.unwrap_err().to_string(),
        office
            .adopt_agreement(&Hash32::of(b"none"), &["staff".into()], "j.evans", now())
            .await
            .unwrap_err()
            .to_string(),
        office.adopt_agreement(&hash, &[], "j.evans", now()).await.unwrap_err().to_string(),
    ];
    // The kiosk says, with a live push, what it runs.
    let status = ConfigurationStatus { applied: 2, current: [("staff".to_owned(), rogue.hash)].into() };
    let live = PushRequest { configuration: Some(status), ..versions_only(vec![]) };
    versions.push(
        office
            .ingest(&device, Some(("0123456789abcdef", now().timestamp())), live, now())
            .await
            .unwrap()
            .configuration_version,
    );
    let configuration = office.current_configuration(FIRST_SITE, now()).await.unwrap();
    let hashes = configuration.iter().flat_map(|c| c.content.agreements.iter().map(|a| a.hash)).collect();
    Seen {
        versions,
        refusals,
        standings: office.agreement_standings().await.unwrap(),
        texts: office.agreement_texts(hashes).await.unwrap(),
        configuration,
        kiosks: office.kiosk_configurations().await.unwrap(),
    }
}

#[test]
fn agreements_and_configurations_stand_as_on_sqlite() {
    let Some(url) = signbook_office::testing::fresh_postgres_database() else { return };
    let kiosk = Kiosk::with(&[("staff", "Siân Evans", None), ("governor", "Tom Price", None)]);
    block_on(async {
        let (a, b) = two_servers(&url).await;
        let seen = story(&a, &kiosk).await;
        // A kiosk's first versions bootstrap version 1; the rogue one changes nothing; then
        // the adoption (2), the publication (3) and the school's name (4).
        assert_eq!(seen.versions, [Some(1), Some(1), Some(4), Some(4)]);
        let [published, rogue, first] = &seen.standings[..] else { panic!("{:?}", seen.standings) };
        assert_eq!(published.agreement.title, "Visitor rules", "listed by when the office received it");
        assert_eq!((published.current_for.clone(), published.senders.len()), (vec!["visitor".to_owned()], 0));
        assert_eq!(rogue.current_for, ["staff"]);
        assert!(rogue.awaits_decision() && rogue.not_adopted_for.len() == 4, "{rogue:?}");
        assert_eq!(rogue.senders[0].claimed_published_at, "9999-12-31T23:59:59.999Z");
        assert_eq!(first.current_for, ["contractor", "governor", "volunteer"]);
        let configuration = seen.configuration.clone().unwrap();
        assert_eq!((configuration.version, configuration.issued_by.as_str()), (4, "j.evans"));
        assert_eq!(configuration.content.settings.school_name.as_deref(), Some("Ysgol"));
        assert_eq!(seen.texts.len(), 3, "each current version's text");
        assert_eq!(seen.kiosks[&kiosk.store.device_id()].applied, 2);
        assert!(seen.refusals[0].contains("not published for the role staff"), "{:?}", seen.refusals);
        // The other server reads the same.
        assert_eq!(b.agreement_standings().await.unwrap(), seen.standings);
        assert_eq!(b.current_configuration(FIRST_SITE, now()).await.unwrap(), seen.configuration);
        let audited: i64 = raw(&url)
            .await
            .query_one(
                "SELECT count(*) FROM audit_log WHERE action IN ('agreement_adopted', 'agreement_published')",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(audited, 2);

        let (office, _dir) = sqlite();
        assert_eq!(story(&office, &kiosk).await, seen, "SQLite answers the same");
    });
}

#[test]
fn two_servers_issue_each_configuration_version_once() {
    let Some(url) = signbook_office::testing::fresh_postgres_database() else { return };
    block_on(async {
        let (a, b) = two_servers(&url).await;
        let mut issued = Vec::new();
        for i in 0..8 {
            let (x, y) = tokio::join!(
                a.set_kiosk_setting(
                    SettingsFor::School(FIRST_SITE),
                    KioskSetting::SchoolName(format!("School {i}")),
                    "a",
                    now()
                ),
                b.set_kiosk_setting(SettingsFor::Trust, KioskSetting::IdleTimeoutSecs(60 + i), "b", now()),
            );
            issued.extend([x.unwrap().unwrap(), y.unwrap().unwrap()]);
        }
        issued.sort();
        assert_eq!(issued, (1..=16).collect::<Vec<u64>>(), "each version issued once, none skipped");
        let row = raw(&url)
            .await
            .query_one("SELECT count(*), count(DISTINCT content), max(version) FROM configurations", &[])
            .await
            .unwrap();
        assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1), row.get::<_, i64>(2)), (16, 16, 16));
        let latest = a.current_configuration(FIRST_SITE, now()).await.unwrap().unwrap();
        assert_eq!(latest.version, 16, "asking issues nothing new");
        assert_eq!(latest.content.settings.school_name.as_deref(), Some("School 7"));
        assert_eq!(latest.content.settings.idle_timeout_secs, Some(67));
    });
}

/// Two kiosks bring a fresh office different first versions at the same
/// moment, through two servers: one of them becomes current for every
/// role, once, and the other waits for staff, as SQLite's single writer has it.
#[test]
fn a_fresh_office_takes_one_kiosks_first_versions_when_two_push_at_once() {
    let Some(url) = signbook_office::testing::fresh_postgres_database() else { return };
    let first = Kiosk::new();
    let mut second = Kiosk::new();
    let roles: Vec<Role> = ROLES.iter().map(|r| Role::new(r).unwrap()).collect();
    second.store.publish_agreement("# Ours\n\nA different version.\n", "Ours", &roles).unwrap();
    let sent = |kiosk: &Kiosk, title: &str| {
        let all = kiosk.store.agreements().unwrap();
        versions_only(all.iter().filter(|a| a.version.title == title).map(|a| WireAgreement::new(&a.version)).collect())
    };
    let (one, two) = (sent(&first, evidence_fixture::AGREEMENT_TITLE), sent(&second, "Ours"));
    block_on(async {
        let (a, b) = two_servers(&url).await;
        let (d1, d2) = (pair(&a, &first).await, pair(&b, &second).await);
        let (x, y) = tokio::join!(a.ingest(&d1, None, one, now()), b.ingest(&d2, None, two, now()));
        assert_eq!((x.unwrap().configuration_version, y.unwrap().configuration_version), (Some(1), Some(1)));
        let standings = a.agreement_standings().await.unwrap();
        assert_eq!(standings.len(), 2);
        let current: Vec<usize> = standings.iter().map(|s| s.current_for.len()).collect();
        assert!(current == [5, 0] || current == [0, 5], "one version is current for every role: {standings:?}");
        assert_eq!(standings.iter().filter(|s| s.awaits_decision()).count(), 1, "the other waits for staff");
        let client = raw(&url).await;
        let counts = client
            .query_one("SELECT (SELECT count(*) FROM agreement_adoptions), (SELECT count(*) FROM configurations)", &[])
            .await
            .unwrap();
        assert_eq!((counts.get::<_, i64>(0), counts.get::<_, i64>(1)), (5, 1), "adopted once per role, issued once");
    });
}

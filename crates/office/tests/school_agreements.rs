//! A school's own agreement versions (issue 18): each role signs the
//! trust's current version unless its school chose its own (a primary
//! school's visitors read another text than a secondary school's). The
//! school's kiosks take its choice, its roster counts signatures of it, and
//! it takes the trust's again when it gives its choice up. A school's staff
//! cannot choose for another school. Runs on the backend the suite runs on
//! (`SIGNBOOK_TEST_BACKEND`).

#[path = "schools_fixture/mod.rs"]
mod schools_fixture;

use axum::http::StatusCode;
use chrono::Utc;
use schools_fixture::Trust;
use signbook_core::Hash32;
use signbook_office::store::{FIRST_SITE, RosterEntry, RosterStatus, SiteId};
use signbook_office::testing::block_on;

const PRIMARY: &str = "# Acceptable Use (primary)\n\nI will ask a grown-up before I go online.\n";
const NEXT_YEAR: &str = "# Acceptable Use, 2027\n\nI will lock the screen when I leave it.\n";

/// What visitors sign at `site`'s kiosks.
fn visitors_sign(trust: &Trust, site: SiteId) -> Hash32 {
    let issued = block_on(trust.store.current_configuration(site, Utc::now())).unwrap().unwrap();
    issued.content.current["visitor"]
}

fn publish(trust: &Trust, text: &str, title: &str) -> Hash32 {
    block_on(trust.store.publish_agreement(text, title, &["visitor".to_owned()], "trust", Utc::now())).unwrap()
}

fn choose(trust: &Trust, who: &str, school: SiteId, roles: &str, hash: &str) -> StatusCode {
    trust.send(who, "POST", "/agreements/school", &format!("school={school}&roles={roles}&hash={hash}")).0
}

#[test]
fn a_school_chooses_its_own_version_for_a_role_and_takes_the_trusts_again() {
    let trust = Trust::new();
    let oak = trust.oakfield;
    let sample = visitors_sign(&trust, FIRST_SITE);
    // The office holds the primary text without it being the trust's.
    let primary = publish(&trust, PRIMARY, "Acceptable Use (primary)");
    block_on(trust.store.adopt_agreement(&sample, &["visitor".to_owned()], "trust", Utc::now())).unwrap();
    assert_eq!((visitors_sign(&trust, FIRST_SITE), visitors_sign(&trust, oak)), (sample, sample));

    let before = block_on(trust.store.current_configuration(oak, Utc::now())).unwrap().unwrap().version;
    assert_eq!(choose(&trust, "oak", oak, "visitor", &primary.to_hex()), StatusCode::SEE_OTHER);
    assert_eq!(visitors_sign(&trust, oak), primary, "Oakfield's visitors read the primary text");
    assert_eq!(visitors_sign(&trust, FIRST_SITE), sample, "Ysgol Bro Taf's the trust's");
    let after = block_on(trust.store.current_configuration(oak, Utc::now())).unwrap().unwrap().version;
    assert!(after > before, "Oakfield's kiosks are sent a new configuration");
    let (_, page) = trust.page("oak", "/agreements");
    assert!(page.contains("What each school") && page.contains("Set by this school"), "{page}");

    // Oakfield's roster counts the version its visitors sign: Zoë signed the trust's.
    let zoe = RosterEntry { name: "Zoë O'Brien".into(), role: "visitor".into(), email: None };
    block_on(trust.store.replace_roster(oak, &[zoe], "oak", Utc::now())).unwrap();
    let status = block_on(trust.store.roster_status(oak)).unwrap();
    assert!(matches!(status[0].1, RosterStatus::Outstanding { .. }), "{status:?}");

    // The trust's next version: every school that did not choose its own.
    let next = publish(&trust, NEXT_YEAR, "Acceptable Use, 2027");
    assert_eq!((visitors_sign(&trust, FIRST_SITE), visitors_sign(&trust, oak)), (next, primary));
    // Oakfield gives its choice up: the trust's current version again.
    assert_eq!(choose(&trust, "oak", oak, "visitor", ""), StatusCode::SEE_OTHER);
    assert_eq!(visitors_sign(&trust, oak), next);
    assert!(block_on(trust.store.school_agreements(oak)).unwrap().is_empty());
    let audit = block_on(trust.store.audit_log(&signbook_office::store::Scope::Sites(vec![oak]), 100)).unwrap();
    let chosen: Vec<&str> =
        audit.iter().filter(|e| e.action == "agreement_adopted").map(|e| e.detail.as_str()).collect();
    assert_eq!(chosen.len(), 2, "each choice is in Oakfield's audit log: {chosen:?}");
    assert!(chosen.iter().any(|d| d.contains("Acceptable Use (primary)") && d.contains("at this school")));
}

#[test]
fn a_schools_staff_choose_only_for_their_school_and_a_refused_choice_changes_nothing() {
    let trust = Trust::new();
    let oak = trust.oakfield;
    let sample = visitors_sign(&trust, FIRST_SITE);
    let primary = publish(&trust, PRIMARY, "Acceptable Use (primary)");
    block_on(trust.store.adopt_agreement(&sample, &["visitor".to_owned()], "trust", Utc::now())).unwrap();
    let held = |trust: &Trust| (visitors_sign(trust, FIRST_SITE), visitors_sign(trust, oak));

    assert_eq!(choose(&trust, "oak", FIRST_SITE, "visitor", &primary.to_hex()), StatusCode::NOT_FOUND);
    assert_eq!(choose(&trust, "oak", SiteId(99), "visitor", &primary.to_hex()), StatusCode::NOT_FOUND);
    assert_eq!(choose(&trust, "taf", FIRST_SITE, "visitor", &primary.to_hex()), StatusCode::FORBIDDEN, "not an admin");
    // Published for visitors only: a governor at Oakfield never sees it.
    assert_eq!(choose(&trust, "oak", oak, "governor", &primary.to_hex()), StatusCode::BAD_REQUEST);
    assert_eq!(choose(&trust, "oak", oak, "visitor", &"ab".repeat(32)), StatusCode::NOT_FOUND);
    assert_eq!(held(&trust), (sample, sample), "nothing changed");
    assert!(block_on(trust.store.school_agreements(oak)).unwrap().is_empty());
    // The trust's staff choose for any school.
    assert_eq!(choose(&trust, "trust", FIRST_SITE, "visitor", &primary.to_hex()), StatusCode::SEE_OTHER);
    assert_eq!(held(&trust), (primary, sample));
}

#[test]
fn a_schools_admin_adopts_a_version_its_kiosk_brought_for_its_own_school() {
    use signbook_core::role::Role;
    let mut trust = Trust::new();
    let oak = trust.oakfield;
    let sample = visitors_sign(&trust, FIRST_SITE);
    // Oakfield's kiosk publishes its own text and syncs: the office holds it, not adopted.
    let kiosk = &mut trust._kiosks.1;
    let visitor = Role::new("visitor").unwrap();
    let brought = kiosk.store.publish_agreement(PRIMARY, "Oakfield's own", &[visitor]).unwrap().version.hash;
    let request = kiosk.push_request();
    let device = block_on(trust.store.device(trust.oak_kiosk)).unwrap().unwrap();
    block_on(trust.store.ingest(&device, None, request, Utc::now())).unwrap();

    // Its admin is offered to adopt it for Oakfield, not for every school.
    let (_, page) = trust.page("oak", "/agreements");
    assert!(page.contains("action=\"/agreements/school\""), "{page}");
    assert!(page.contains(&format!("name=\"hash\" value=\"{}\"", brought.to_hex())), "{page}");
    assert!(!page.contains(&format!("/agreements/{}/adopt", brought.to_hex())), "not the trust's adoption");
    assert_eq!(choose(&trust, "oak", oak, "visitor", &brought.to_hex()), StatusCode::SEE_OTHER);
    assert_eq!(visitors_sign(&trust, oak), brought);
    assert_eq!(visitors_sign(&trust, FIRST_SITE), sample, "the other school keeps the trust's");
}

//! Finding the office on the network (multicast DNS on this host's own
//! interfaces): the real `signbook-office serve` announces itself, the
//! kiosk's browse lists it, and the address it lists pairs with the code alone.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{OFFICE, kiosk};
use signbook_sync::discovery::discover_offices;

#[test]
fn a_kiosk_finds_the_announced_office_and_pairs_with_the_code_alone_at_the_address_found() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = signbook_office::testing::Office::start_with(
        Path::new(OFFICE),
        office_dir.path(),
        "0.0.0.0:0",
        "error",
        &["--school", "Ysgol Discovery Test"],
    )
    .unwrap();
    let found = discover_offices(Duration::from_secs(4));
    let ours = found
        .iter()
        .find(|o| office.fingerprint.starts_with(&o.fingerprint_start))
        .unwrap_or_else(|| panic!("the office is listed: {found:?}"));
    assert_eq!(ours.name, "Ysgol Discovery Test");
    assert!(ours.url.ends_with(&format!(":{}", office.addr.port())), "{ours:?}");

    let mut store = kiosk(kiosk_dir.path(), 2);
    let code = office.pairing_code().unwrap();
    signbook_sync::pair_with_code(&mut store, &ours.url, &code).unwrap();
    assert_eq!(signbook_sync::push(&mut store).unwrap().acknowledged_seq, 2);
}

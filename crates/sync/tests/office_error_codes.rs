//! The kiosk translates every office refusal by its code, so the list it
//! translates ([`OFFICE_ERROR_CODES`]) must be the one the protocol documents.

use std::collections::BTreeSet;

use signbook_sync::wire::OFFICE_ERROR_CODES;

/// The backticked codes in the table of the "## Errors" section.
fn documented_codes() -> BTreeSet<String> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/sync-protocol.md")).unwrap();
    let section = doc.split("\n## Errors").nth(1).expect("docs/sync-protocol.md has an Errors section");
    let section = section.split("\n## ").next().unwrap();
    let rows = section.lines().filter(|l| l.starts_with("| ") && l.chars().nth(2).is_some_and(|c| c.is_ascii_digit()));
    rows.flat_map(|row| row.split('`').skip(1).step_by(2).map(str::to_owned).collect::<Vec<_>>()).collect()
}

#[test]
fn the_office_codes_the_kiosk_translates_are_the_documented_ones() {
    let documented = documented_codes();
    assert!(documented.len() > 20, "the table was read: {documented:?}");
    let listed: BTreeSet<String> = OFFICE_ERROR_CODES.iter().map(|c| (*c).to_owned()).collect();
    assert_eq!(listed.len(), OFFICE_ERROR_CODES.len(), "a code is listed twice");
    let undocumented: Vec<_> = listed.difference(&documented).collect();
    let unlisted: Vec<_> = documented.difference(&listed).collect();
    assert!(
        undocumented.is_empty() && unlisted.is_empty(),
        "add {unlisted:?} to signbook_sync::wire::OFFICE_ERROR_CODES (and to ui/src/messages as error.office.CODE); \
         document {undocumented:?} in docs/sync-protocol.md"
    );
}

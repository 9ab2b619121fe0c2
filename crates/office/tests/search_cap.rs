//! The records page counts at most 10,000 matches (`SEARCH_COUNT_CAP`):
//! past them it says "More than 10,000 records found." and pages on
//! without claiming a last page; at 10,000 or fewer, the exact number.

#[path = "dashboard_fixture/mod.rs"]
mod dashboard_fixture;

use dashboard_fixture::Office;
use signbook_office::i18n::Lang;
use signbook_office::store::{SEARCH_COUNT_CAP, StaffRole, StaffStore};

/// Adds `rows` search-index entries named `name`, each another entry for
/// one of the kiosk's three records, by SQL: the count reads the index
/// alone, and signing 10,000 records would take minutes. (Without the
/// index's one-entry-a-record rule, so that a page lists real records.)
fn index_rows(office: &Office, name: &str, rows: u64, day: &str) {
    let conn = rusqlite::Connection::open(office.store.path()).unwrap();
    conn.execute_batch("DROP INDEX IF EXISTS record_index_by_record").unwrap();
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?3)
         INSERT INTO record_index (signed_at, device_id, seq, name_key, role, local_date, agreement_hash, site_id)
         SELECT printf('%sT00:00:00.%06dZ', ?4, i), ?1, 1 + i % 3, ?2, 'visitor', ?4, 'none', 1 FROM n",
        rusqlite::params![office.device(), name, rows, day],
    )
    .unwrap();
}

#[tokio::test]
async fn past_ten_thousand_matches_the_page_says_more_than_ten_thousand_in_either_language() {
    assert_eq!(SEARCH_COUNT_CAP, 10_000, "the page's cap, as its text says");
    let office = Office::new(StaffRole::Records).await;
    index_rows(&office, "capped many", SEARCH_COUNT_CAP + 1, "2020-01-01");
    index_rows(&office, "capped just", SEARCH_COUNT_CAP, "2020-01-02");
    let (cookie, _) = office.session("tester").await;

    let (_, page) = office.send("GET", "/records?name=capped+many", Some(&cookie), None).await;
    assert!(page.contains("More than <strong>10,000</strong> records found."), "{page}");
    assert!(page.contains("Page 1 of more than 200") && page.contains("rel=\"next\""), "{page}");
    // The last page the count reached, and the one after it, reached by
    // its link: one match left there, and no next page.
    let (_, page) = office.send("GET", "/records?name=capped+many&page=200", Some(&cookie), None).await;
    assert!(page.contains("Page 200 of more than 200") && page.contains("page=201"), "{page}");
    let (_, page) = office.send("GET", "/records?name=capped+many&page=201", Some(&cookie), None).await;
    assert!(page.contains("Page 201<") && !page.contains("rel=\"next\""), "{page}");
    assert_eq!(page.matches("<tr>").count(), 2, "a heading and the 10,001st match: {page}");
    let (_, page) = office.send("GET", "/records?name=capped+just", Some(&cookie), None).await;
    assert!(page.contains("<strong>10000</strong> records found."), "exactly 10,000: {page}");
    assert!(!page.contains("More than") && page.contains("Page 1 of 200"), "{page}");
    let (_, page) = office.send("GET", "/records?name=tom", Some(&cookie), None).await;
    assert!(page.contains("<strong>1</strong> record found."));

    office.store.set_language("tester", Lang::Cy).await.unwrap();
    let (_, page) = office.send("GET", "/records?name=capped", Some(&cookie), None).await;
    assert!(page.contains("Daethpwyd o hyd i fwy na <strong>10,000</strong> o gofnodion."), "{page}");
    assert!(page.contains("Tudalen 1 o fwy na 200"), "{page}");
}

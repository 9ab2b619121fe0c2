//! `records.csv` against the chain files: each row is a record line of its
//! kiosk's chain file with the same record hash and status, and each record
//! line is a row, so no record was added to or taken from the CSV.

use std::collections::{BTreeMap, BTreeSet};

use signbook_core::Hash32;
use signbook_core::export::CSV_COLUMNS;
use uuid::Uuid;

use super::Problem;

const FILE: &str = "records.csv";

fn column(name: &str) -> usize {
    CSV_COLUMNS.iter().position(|c| *c == name).expect("a CSV column")
}

pub fn check(csv: Option<&[u8]>, lines: &BTreeMap<Uuid, BTreeMap<u64, (Hash32, bool)>>) -> Result<(), Problem> {
    let csv = csv.ok_or_else(|| Problem::file(FILE, "the pack does not hold it".into()))?;
    let csv = csv.strip_prefix("\u{feff}".as_bytes()).unwrap_or(csv);
    let (status, device, seq, hash) = (column("status"), column("device_id"), column("seq"), column("record_hash"));
    let mut reader = csv::Reader::from_reader(csv);
    let mut rows = BTreeSet::new();
    for (index, row) in reader.records().enumerate() {
        let row_no = index + 2;
        let bad = |what: String| Problem::file(FILE, format!("row {row_no}: {what}"));
        let row = row.map_err(|e| bad(format!("it cannot be read: {e}")))?;
        let cell = |i: usize| row.get(i).unwrap_or_default();
        let kiosk =
            Uuid::try_parse(cell(device)).map_err(|_| bad(format!("device_id {:?} is not a UUID", cell(device))))?;
        let n: u64 = cell(seq).parse().map_err(|_| bad(format!("seq {:?} is not a number", cell(seq))))?;
        let chain = format!("chains/{}.jsonl", kiosk.hyphenated());
        let at = |what: String| Problem {
            file: FILE.into(),
            seq: Some(n),
            what: format!("row {row_no} (kiosk {kiosk}): {what}"),
        };
        let Some(kiosk_lines) = lines.get(&kiosk) else {
            return Err(at(format!("the pack has no chain file for its kiosk ({chain})")));
        };
        let Some((line_hash, tombstone)) = kiosk_lines.get(&n) else {
            return Err(at(format!(
                "{chain} holds no record line for it: the row is not in the chain the pack proves"
            )));
        };
        if cell(hash) != line_hash.to_hex() {
            return Err(at(format!("its record_hash {} is not the record hash in {chain} ({line_hash})", cell(hash))));
        }
        let expected = if *tombstone { "erased" } else { "signed" };
        if cell(status) != expected {
            return Err(at(format!("its status is {:?}, but in {chain} the record is {expected}", cell(status))));
        }
        rows.insert((kiosk, n));
    }
    for (kiosk, kiosk_lines) in lines {
        if let Some(seq) = kiosk_lines.keys().find(|s| !rows.contains(&(*kiosk, **s))) {
            return Err(Problem {
                file: FILE.into(),
                seq: Some(*seq),
                what: format!(
                    "chains/{}.jsonl holds this record in full, but records.csv has no row for it",
                    kiosk.hyphenated()
                ),
            });
        }
    }
    Ok(())
}

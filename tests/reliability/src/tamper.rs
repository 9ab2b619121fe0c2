//! Tamper detection: random mutations of a kiosk database and of an
//! office database, as someone with the file and `sqlite3` would make
//! them (immutability triggers dropped). Every one must be detected by
//! verification, naming the first broken record.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rand::Rng;
use rand::seq::IndexedRandom;
use rusqlite::types::Value;
use rusqlite::{Connection, params};
use signbook_core::Store;
use signbook_core::device::key_path_for;
use signbook_core::verify::VerifyReport;
use signbook_office::store::IntegrityStore;
use signbook_office::testing::block_on;
use signbook_office::{SqliteStore, db_path};

use crate::checks::{Violation, ensure};
use crate::env::{Office, fill, new_kiosk, pair};
use crate::report::Finding;

/// Columns of a record the hash or a digest covers (kiosk and office
/// alike). The office's `received_at` is its own note, not the kiosk's record.
const FIELDS: [&str; 17] = [
    "id",
    "device_id",
    "prev_hash",
    "agreement_hash",
    "role",
    "signed_at",
    "utc_offset_minutes",
    "name_digest",
    "organisation_digest",
    "signature_digest",
    "record_hash",
    "name",
    "name_salt",
    "organisation",
    "organisation_salt",
    "signature_png",
    "signature_salt",
];

/// One tampering, and the record verification must name for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutation {
    Flip { seq: u64, column: &'static str },
    Delete { seq: u64 },
    Swap { a: u64, b: u64 },
    Insert { at: u64 },
    Duplicate { seq: u64 },
    CheckpointSignature { seq: u64 },
    CheckpointHead { seq: u64 },
    DeleteHeadCheckpoint,
}

impl Mutation {
    pub fn kind(&self) -> &'static str {
        match self {
            Mutation::Flip { .. } => "byte flip in a field",
            Mutation::Delete { .. } => "deleted row",
            Mutation::Swap { .. } => "reordered rows",
            Mutation::Insert { .. } => "inserted row",
            Mutation::Duplicate { .. } => "duplicated row",
            Mutation::CheckpointSignature { .. } | Mutation::CheckpointHead { .. } | Mutation::DeleteHeadCheckpoint => {
                "edited checkpoint"
            }
        }
    }

    /// A mutation of the `records` table (`records`: the sequence numbers
    /// it holds; erasure entries have their own table and their own tamper
    /// cases in `crates/cli/tests/verify_export.rs` and core's verify tests).
    pub fn random(rng: &mut impl Rng, records: &[u64], checkpoints: &[u64]) -> Mutation {
        let seq = *records.choose(rng).expect("a record");
        match rng.random_range(0..10) {
            0..=3 => Mutation::Flip { seq, column: FIELDS.choose(rng).expect("fields") },
            4 => Mutation::Delete { seq },
            5 => {
                let b = *records.choose(rng).expect("a record");
                if b == seq { Mutation::Delete { seq } } else { Mutation::Swap { a: seq.min(b), b: seq.max(b) } }
            }
            6 => Mutation::Insert { at: seq },
            7 => Mutation::Duplicate { seq },
            8 => {
                let seq = *checkpoints.choose(rng).expect("a checkpoint");
                if rng.random_bool(0.5) {
                    Mutation::CheckpointSignature { seq }
                } else {
                    Mutation::CheckpointHead { seq }
                }
            }
            _ => Mutation::DeleteHeadCheckpoint,
        }
    }

    /// The first record verification must name.
    pub fn first_broken(&self, head: u64) -> u64 {
        match *self {
            Mutation::Flip { seq, .. } | Mutation::Duplicate { seq } => seq,
            // Deleting the newest record leaves the one before it as the
            // last, contradicting the kiosk's signed checkpoint.
            Mutation::Delete { seq } if seq == head => head - 1,
            Mutation::Delete { seq } => seq,
            Mutation::Swap { a, .. } => a,
            Mutation::Insert { at } => at,
            Mutation::CheckpointSignature { seq } | Mutation::CheckpointHead { seq } => seq,
            Mutation::DeleteHeadCheckpoint => head,
        }
    }

    /// Applies the mutation through a raw connection. `device` is set for
    /// the office's tables, which key records by (device, seq).
    pub fn apply(&self, conn: &Connection, rng: &mut impl Rng) -> rusqlite::Result<()> {
        conn.execute_batch("PRAGMA foreign_keys = OFF;")?;
        for trigger in [
            "records_are_never_deleted",
            "records_change_only_by_erasure",
            "office_records_are_never_deleted",
            "office_records_change_only_by_erasure",
            "record_seq_is_free",
            "erasure_entry_seq_is_free",
            "record_seq_is_not_held",
            "held_entry_seq_is_free",
        ] {
            conn.execute_batch(&format!("DROP TRIGGER IF EXISTS {trigger};"))?;
        }
        const SHIFT: i64 = 1_000_000;
        match *self {
            Mutation::Flip { seq, column } => {
                let value: Value =
                    conn.query_row(&format!("SELECT {column} FROM records WHERE seq = ?1"), [seq], |r| r.get(0))?;
                conn.execute(
                    &format!("UPDATE records SET {column} = ?1 WHERE seq = ?2"),
                    params![flip(column, value, rng), seq],
                )?;
            }
            Mutation::Delete { seq } => {
                conn.execute("DELETE FROM records WHERE seq = ?1", [seq])?;
            }
            Mutation::Swap { a, b } => {
                conn.execute("UPDATE records SET seq = ?1 WHERE seq = ?2", params![SHIFT, a])?;
                conn.execute("UPDATE records SET seq = ?1 WHERE seq = ?2", params![a, b])?;
                conn.execute("UPDATE records SET seq = ?1 WHERE seq = ?2", params![b, SHIFT])?;
            }
            Mutation::Insert { at } => {
                // Make room, then a plausible copy of a neighbour with a new id and hash.
                conn.execute("UPDATE records SET seq = seq + ?1 WHERE seq >= ?2", params![SHIFT, at])?;
                conn.execute("UPDATE records SET seq = seq - ?1 + 1 WHERE seq >= ?1", [SHIFT])?;
                let columns = FIELDS
                    .iter()
                    .filter(|c| !matches!(**c, "id" | "record_hash"))
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ");
                let extra = if has_column(conn, "received_at")? { ", received_at" } else { "" };
                conn.execute(
                    &format!(
                        "INSERT INTO records (seq, id, record_hash, {columns}{extra}) SELECT ?1, ?2, ?3, {columns}{extra} FROM records WHERE seq = ?4"
                    ),
                    params![at, uuid::Uuid::now_v7().to_string(), hex::encode(rng.random::<[u8; 32]>()), at + 1],
                )?;
            }
            Mutation::Duplicate { seq } => {
                // Uniqueness is a constraint a tamperer can drop: rebuild the table without it.
                conn.execute_batch("CREATE TABLE records_copy AS SELECT * FROM records; DROP TABLE records; ALTER TABLE records_copy RENAME TO records;")?;
                conn.execute("INSERT INTO records SELECT * FROM records WHERE seq = ?1", [seq])?;
            }
            Mutation::CheckpointSignature { seq } => {
                let sig: Vec<u8> =
                    conn.query_row("SELECT signature FROM checkpoints WHERE seq = ?1", [seq], |r| r.get(0))?;
                conn.execute(
                    "UPDATE checkpoints SET signature = ?1 WHERE seq = ?2",
                    params![flip_bytes(sig, rng), seq],
                )?;
            }
            Mutation::CheckpointHead { seq } => {
                let head: String =
                    conn.query_row("SELECT head_hash FROM checkpoints WHERE seq = ?1", [seq], |r| r.get(0))?;
                conn.execute(
                    "UPDATE checkpoints SET head_hash = ?1 WHERE seq = ?2",
                    params![flip_text(&head, rng), seq],
                )?;
            }
            Mutation::DeleteHeadCheckpoint => {
                conn.execute("DELETE FROM checkpoints WHERE seq = (SELECT max(seq) FROM checkpoints)", [])?;
            }
        }
        Ok(())
    }
}

fn has_column(conn: &Connection, column: &str) -> rusqlite::Result<bool> {
    conn.query_row("SELECT count(*) FROM pragma_table_info('records') WHERE name = ?1", [column], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n > 0)
}

/// A different value of the same kind; NULL (an absent organisation, an
/// erased field) becomes a value.
fn flip(column: &str, value: Value, rng: &mut impl Rng) -> Value {
    match value {
        Value::Null if column.ends_with("_salt") || column == "signature_png" => {
            Value::Blob(rng.random::<[u8; 16]>().to_vec())
        }
        Value::Null if column.ends_with("_digest") => Value::Text(hex::encode(rng.random::<[u8; 32]>())),
        Value::Null => Value::Text("Evil Corp".into()),
        Value::Integer(i) => Value::Integer(i + [-1, 1, 60, -720][rng.random_range(0..4)]),
        Value::Real(f) => Value::Real(f + 1.0),
        Value::Text(t) => Value::Text(flip_text(&t, rng)),
        Value::Blob(b) => Value::Blob(flip_bytes(b, rng)),
    }
}

fn flip_bytes(mut bytes: Vec<u8>, rng: &mut impl Rng) -> Vec<u8> {
    if bytes.is_empty() {
        return vec![0];
    }
    let i = rng.random_range(0..bytes.len());
    bytes[i] ^= 1 << rng.random_range(0..8);
    bytes
}

/// Replaces one character with another of its kind (a hex digit with
/// another lowercase hex digit, a letter with another letter).
fn flip_text(text: &str, rng: &mut impl Rng) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return "x".into();
    }
    let i = rng.random_range(0..chars.len());
    let c = chars[i];
    let pool: &[u8] = if c.is_ascii_hexdigit() && (c.is_ascii_digit() || c.is_ascii_lowercase()) {
        b"0123456789abcdef"
    } else if c.is_ascii_alphabetic() {
        b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    } else {
        b"x:-. 7"
    };
    let replacement = loop {
        let r = char::from(*pool.choose(rng).expect("pool"));
        if r != c {
            break r;
        }
    };
    chars[i] = replacement;
    chars.into_iter().collect()
}

/// A pristine database to copy for each mutation, and how to verify a copy.
struct Subject {
    name: &'static str,
    file: PathBuf,
    head: u64,
    records: Vec<u64>,
    checkpoints: Vec<u64>,
    verify: fn(&Path, &Subject) -> Result<VerifyReport>,
    device: uuid::Uuid,
}

fn verify_kiosk(db: &Path, _: &Subject) -> Result<VerifyReport> {
    Ok(Store::open(db)?.verify()?)
}

fn verify_office(db: &Path, subject: &Subject) -> Result<VerifyReport> {
    let reports = block_on(SqliteStore::open(db)?.verify())?;
    reports.into_iter().find(|r| r.device_id == subject.device).context("the office verify report names the kiosk")
}

/// Runs `mutations` random mutations against each database; every one must
/// be caught at the record [`Mutation::first_broken`] names.
pub fn run(dir: &Path, mutations: u32) -> Result<Vec<Finding>> {
    let kiosk_db = dir.join("pristine-kiosk.db");
    let mut store = new_kiosk(&kiosk_db)?;
    fill(&mut store, 37)?;
    store.erase(5, "subject access request")?;
    let mut office = Office::start(&dir.join("office"))?;
    pair(&mut store, &office, &office.url())?;
    signbook_sync::push_in_batches_of(&mut store, 10)?;
    store.erase(20, "erased after it was synced")?;
    crate::env::fill(&mut store, 3)?;
    signbook_sync::push_in_batches_of(&mut store, 10)?;
    office.kill();
    let device = store.device_id();
    let head = store.head()?.map_or(0, |(s, _)| s);
    let kiosk_checkpoints = store.checkpoints()?.iter().map(|c| c.seq).collect();
    drop(store);
    // Two of the seqs up to the head are erasure entries (record format 2), not rows of `records`.
    let records = Connection::open(&kiosk_db)?
        .prepare("SELECT seq FROM records ORDER BY seq")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<u64>>>()?;
    let office_db = db_path(&office.data);
    let conn = Connection::open(&office_db)?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    let office_checkpoints = conn
        .prepare("SELECT seq FROM checkpoints")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<u64>>>()?;
    drop(conn);

    let subjects = [
        Subject {
            name: "kiosk database",
            file: kiosk_db.clone(),
            head,
            records: records.clone(),
            checkpoints: kiosk_checkpoints,
            verify: verify_kiosk,
            device,
        },
        Subject {
            name: "office database",
            file: office_db,
            head,
            records,
            checkpoints: office_checkpoints,
            verify: verify_office,
            device,
        },
    ];
    let mut rng = rand::rng();
    let mut findings = Vec::new();
    for subject in &subjects {
        let intact = (subject.verify)(&subject.file, subject)?;
        ensure(intact.is_intact(), "the untouched database verifies", || {
            format!("{}: {:?}", subject.name, intact.problem)
        })?;
        let mut kinds: std::collections::BTreeMap<&str, u32> = Default::default();
        for i in 0..mutations {
            let mutation = Mutation::random(&mut rng, &subject.records, &subject.checkpoints);
            let copy = dir.join(format!("tampered-{i}.db"));
            std::fs::copy(&subject.file, &copy)?;
            std::fs::copy(key_path_for(&kiosk_db), key_path_for(&copy))?;
            mutation.apply(&Connection::open(&copy)?, &mut rng).with_context(|| format!("applying {mutation:?}"))?;
            let report = (subject.verify)(&copy, subject)
                .with_context(|| format!("{}: verifying after {mutation:?}", subject.name))?;
            // The office keys records by device: another device id moves the row out of this kiosk's chain.
            let judged = match mutation {
                Mutation::Flip { seq, column: "device_id" } if subject.name.starts_with("office") => {
                    Mutation::Delete { seq }
                }
                ref other => other.clone(),
            };
            check_detected(&judged, subject.head, &report)
                .map_err(|v| Violation { detail: format!("{}: {}", subject.name, v.detail), ..v })?;
            *kinds.entry(mutation.kind()).or_default() += 1;
            let _ = std::fs::remove_file(&copy);
            let _ = std::fs::remove_file(key_path_for(&copy));
        }
        findings.push(Finding::new(
            "tamper",
            format!("{}: mutations, detected at the first broken record", subject.name),
            format!("{mutations} / {mutations} (100%)"),
        ));
        let mix: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
        findings.push(Finding::new("tamper", format!("{}: mix", subject.name), mix.join(", ")));
    }
    Ok(findings)
}

/// The guarantee: the mutation is detected, naming the first broken record.
pub fn check_detected(mutation: &Mutation, head: u64, report: &VerifyReport) -> Result<(), Violation> {
    let Some(problem) = &report.problem else {
        return Err(Violation {
            guarantee: "every tampering is detected",
            detail: format!("{mutation:?} went unnoticed"),
        });
    };
    let expected = mutation.first_broken(head);
    ensure(problem.seq == expected, "verification names the first broken record", || {
        format!("{mutation:?}: expected record {expected}, verify said \"{problem}\"")
    })
}

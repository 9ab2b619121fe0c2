//! `signbook verify-export PACK.zip`: an office evidence pack checked from
//! the file alone (`docs/record-format.md` section 12, "The evidence ZIP"),
//! in this order, the first failure named:
//!
//! 1. every file's SHA-256 and size against `manifest.json`, and no file
//!    the manifest does not list;
//! 2. the office statement: signed by `office-certificate.der`, each key
//!    fingerprint its key's, each head signed by its kiosk's key;
//! 3. each office erasure statement: signed by the same certificate;
//! 4. a chain file for every kiosk the statement lists, whose header names
//!    the statement's key and head, each verified as an export;
//! 5. each erasure statement names a tombstone record line of its chain file;
//! 6. every row of `records.csv` is a record line of its kiosk's chain file
//!    with the same record hash and status, and every record line a row.

mod archive;
mod office;
mod rows;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::{Value, json};
use signbook_core::device::key_fingerprint;
use signbook_core::export::chain_file::{ChainFileRules, verify_chain_file};
use signbook_core::export::verify::VerifyingKey;
use uuid::Uuid;

/// The first thing wrong with a pack: which file, which record, what.
#[derive(Debug)]
pub struct Problem {
    file: String,
    seq: Option<u64>,
    what: String,
}

impl Problem {
    fn file(file: &str, what: String) -> Self {
        Problem { file: file.to_owned(), seq: None, what }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "{}, record {seq}: {}", self.file, self.what),
            None => write!(f, "{}: {}", self.file, self.what),
        }
    }
}

/// What was verified of one kiosk.
struct KioskResult {
    device: Uuid,
    name: Option<String>,
    fingerprint: String,
    key_given: bool,
    head: Option<u64>,
    records: u64,
    omitted: u64,
    withheld_in_range: u64,
    erasure_entries: u64,
    office_erasures: u64,
}

pub fn run(file: &Path, keys: &[VerifyingKey], json: bool) -> Result<ExitCode> {
    let input = std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let files =
        archive::read(std::io::BufReader::new(input)).with_context(|| format!("cannot verify {}", file.display()))?;
    let outcome = files.and_then(|mut files| verify(&mut files, keys).map(|kiosks| (files, kiosks)));
    match outcome {
        Err(problem) => {
            if json {
                let report = json!({"intact": false, "problem": {"file": problem.file, "seq": problem.seq, "what": problem.what}});
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("BROKEN: {problem}");
            }
            Ok(ExitCode::from(1))
        }
        Ok((files, kiosks)) => {
            print_intact(&files, &kiosks, json)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn verify<R: std::io::Read + std::io::Seek + Send>(
    files: &mut archive::PackFiles<R>,
    keys: &[VerifyingKey],
) -> Result<Vec<KioskResult>, Problem> {
    let statement = office::statement(&files.kept)?;
    let erasures = office::erasures(&files.kept)?;
    for key in keys {
        if !statement.kiosks.values().any(|k| k.public_key == hex::encode(key.as_bytes())) {
            return Err(Problem::file(
                "office-statement.json",
                format!(
                    "the key you gave ({}) is the key of no kiosk in the pack: a chain may have been re-signed with another key",
                    key_fingerprint(key)
                ),
            ));
        }
    }
    let narrowed = files.manifest.get("narrowed").and_then(Value::as_bool).unwrap_or(false);
    let mut lines_of: BTreeMap<Uuid, BTreeMap<u64, (signbook_core::Hash32, bool)>> = BTreeMap::new();
    let mut out = Vec::new();
    for (device, listed) in &statement.kiosks {
        let path = format!("chains/{}.jsonl", device.hyphenated());
        let Some((sha256, bytes)) = files.chains.get(&path).cloned() else {
            return Err(Problem::file(
                &path,
                format!("the office statement lists kiosk {device}, but the pack has no chain file for it"),
            ));
        };
        let vouched: Vec<&office::OfficeErasure> = erasures.iter().filter(|e| e.device == *device).collect();
        let mut rules = ChainFileRules {
            vouched_tombstones: vouched.iter().map(|e| e.seq).collect(),
            narrowed,
            // The office keeps the data of records a kiosk holds no more.
            held_targets_keep_data: true,
            ..Default::default()
        };
        let trusted = keys.iter().find(|k| hex::encode(k.as_bytes()) == listed.public_key);
        let (checked, digest, size) = stream_chain(&mut files.zip, &path, bytes, listed, trusted, &mut rules)?;
        // The manifest comes first: a changed file is named as changed.
        if size != bytes || digest != sha256 {
            return Err(Problem::file(
                &path,
                format!(
                    "its SHA-256 is {digest} ({size} bytes), but manifest.json says {sha256} ({bytes} bytes): the file was changed after the pack was made"
                ),
            ));
        }
        let report = checked?;
        for erasure in &vouched {
            match rules.record_lines.get(&erasure.seq) {
                Some((hash, true)) if hash.to_hex() == erasure.record_hash => {}
                Some((_, true)) => {
                    return Err(Problem {
                        file: erasure.path.clone(),
                        seq: Some(erasure.seq),
                        what: format!("it names another record hash than {path} holds"),
                    });
                }
                _ => {
                    return Err(Problem {
                        file: erasure.path.clone(),
                        seq: Some(erasure.seq),
                        what: format!("it names a record that is not a tombstone record line of {path}"),
                    });
                }
            }
        }
        out.push(KioskResult {
            device: *device,
            name: listed.name.clone(),
            fingerprint: listed.key_fingerprint.clone(),
            key_given: trusted.is_some(),
            head: report.head_seq,
            records: report.records,
            omitted: report.omitted,
            withheld_in_range: rules.withheld_in_range,
            erasure_entries: report.erasure_entries,
            office_erasures: vouched.len() as u64,
        });
        lines_of.insert(*device, rules.record_lines);
    }
    if let Some(stray) = files.chains.keys().find(|p| {
        p.starts_with("chains/") && !statement.kiosks.keys().any(|d| **p == format!("chains/{}.jsonl", d.hyphenated()))
    }) {
        return Err(Problem::file(stray, "a chain file for a kiosk the office statement does not list".into()));
    }
    if let Some(e) = erasures.iter().find(|e| !statement.kiosks.contains_key(&e.device)) {
        return Err(Problem::file(&e.path, "it names a kiosk the office statement does not list".into()));
    }
    rows::check(files.kept.get("records.csv").map(Vec::as_slice), &lines_of)?;
    Ok(out)
}

/// Verifies a chain file as it is inflated and hashed (one pass, never
/// whole in memory): the verdict, and the file's SHA-256 and size.
fn stream_chain<R: std::io::Read + std::io::Seek + Send>(
    zip: &mut zip::ZipArchive<R>,
    path: &str,
    declared: u64,
    listed: &office::ListedKiosk,
    trusted: Option<&VerifyingKey>,
    rules: &mut ChainFileRules,
) -> Result<(Result<signbook_core::export::verify::ExportReport, Problem>, String, u64), Problem> {
    use std::io::{BufRead, Read};
    let unreadable = |e: String| Problem::file(path, format!("it cannot be read from the ZIP: {e}"));
    let entry = zip.by_name(path).map_err(|e| unreadable(e.to_string()))?;
    let mut hashing = archive::Hashing::new(entry, declared.min(archive::MAX_ENTRY_BYTES));
    let checked = {
        let mut input = std::io::BufReader::with_capacity(1 << 20, &mut hashing);
        let mut first = Vec::new();
        input.read_until(b'\n', &mut first).map_err(|e| unreadable(e.to_string()))?;
        check_header_agrees(path, &first, listed).and_then(|()| {
            let report = verify_chain_file(std::io::Cursor::new(first).chain(&mut input), trusted, rules)
                .map_err(|e| Problem::file(path, format!("it cannot be read as an export: {e}")))?;
            match &report.problem {
                Some(problem) => Err(Problem::file(path, problem.to_string())),
                None => Ok(report),
            }
        })
    };
    let (digest, size) = hashing.finish().map_err(|e| unreadable(e.to_string()))?;
    Ok((checked, digest, size))
}

/// The chain file's header must name the key and head the office signed.
fn check_header_agrees(path: &str, first: &[u8], listed: &office::ListedKiosk) -> Result<(), Problem> {
    let header: Value =
        serde_json::from_slice(first).map_err(|e| Problem::file(path, format!("line 1 is not JSON: {e}")))?;
    if header.get("public_key").and_then(Value::as_str) != Some(listed.public_key.as_str()) {
        return Err(Problem::file(
            path,
            "line 1, the header: its public_key is not the key the office statement lists for this kiosk".into(),
        ));
    }
    let head = header.get("checkpoint").filter(|c| !c.is_null()).map(|c| {
        (
            c.get("seq").and_then(Value::as_u64).unwrap_or(0),
            c.get("head").and_then(Value::as_str).unwrap_or_default().to_owned(),
            c.get("signature").and_then(Value::as_str).unwrap_or_default().to_owned(),
        )
    });
    if head != listed.head {
        return Err(Problem::file(
            path,
            "line 1, the header: its checkpoint is not the head the office statement lists for this kiosk".into(),
        ));
    }
    Ok(())
}

fn print_intact<R>(files: &archive::PackFiles<R>, kiosks: &[KioskResult], json: bool) -> Result<()> {
    let statement = office::statement(&files.kept).ok();
    let certificate = statement.map(|s| s.certificate_sha256).unwrap_or_default();
    let filter = files.manifest.get("filter").and_then(Value::as_str).unwrap_or_default();
    let narrowed = files.manifest.get("narrowed").and_then(Value::as_bool).unwrap_or(false);
    if json {
        let kiosks: Vec<Value> = kiosks
            .iter()
            .map(|k| {
                json!({"device_id": k.device, "key_fingerprint": k.fingerprint, "key_given": k.key_given, "head_seq": k.head,
                    "records": k.records, "omitted": k.omitted, "withheld_in_range": k.withheld_in_range,
                    "erasure_entries": k.erasure_entries, "office_erasures": k.office_erasures})
            })
            .collect();
        let report = json!({"intact": true, "files": files.files, "filter": filter, "narrowed": narrowed,
            "office_certificate_sha256": certificate, "kiosks": kiosks});
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!("intact: {} files match manifest.json; records chosen by: {filter}", files.files);
    println!("office-statement.json is signed by office-certificate.der, SHA-256 {certificate}");
    println!("  compare it with the office fingerprint the school wrote down at pairing");
    for k in kiosks {
        let name = k.name.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
        let head = k.head.map_or_else(|| "an empty chain".to_owned(), |s| format!("entries 1 to {s}"));
        println!(
            "kiosk {}{name}: {head}, nothing missing: {} records in the pack, {} omitted as outside the range, {} erasure entries, {} erased at the office (signed statements)",
            k.device, k.records, k.omitted, k.erasure_entries, k.office_erasures
        );
        if k.withheld_in_range > 0 {
            println!(
                "  {} records in the chain file's role and date range are left out as hash-only lines: the pack was also chosen by name, organisation or agreement, which hashes cannot show, so for this kiosk completeness is proven for its role and dates only",
                k.withheld_in_range
            );
        }
        if k.key_given {
            println!("  signed by the key you gave: {}", k.fingerprint);
        } else {
            println!(
                "  NOT checked who signed the head: no --key for this kiosk, so its chain was checked for consistency with the key the office statement lists ({}). The office statement vouches for that key only as far as you trust the office certificate above; compare the fingerprint with `signbook key` at the kiosk, or run again with --key.",
                k.fingerprint
            );
        }
    }
    Ok(())
}

/// Whether `file` starts with a ZIP's local file header (or is an empty ZIP).
pub fn is_zip(file: &Path) -> Result<bool> {
    use std::io::Read;
    let mut magic = [0u8; 4];
    let mut input = std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let n = input.read(&mut magic).with_context(|| format!("cannot read {}", file.display()))?;
    Ok(n == 4 && (magic == *b"PK\x03\x04" || magic == *b"PK\x05\x06"))
}

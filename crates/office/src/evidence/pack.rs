//! The ZIP evidence pack: CSV, one PDF per record, the agreement texts, a
//! verification report and a manifest of SHA-256 hashes.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::io::{Seek, Write};

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use signbook_core::Hash32;
use signbook_core::record::format_utc;
use signbook_core::verify::VerifyReport;
use uuid::Uuid;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::chains::{chain_file, erasure_files};
use super::csv_file::{agreement_titles, write_csv};
use super::error::EvidenceError;
use super::pdf::record_pdf;
use super::statement::{OfficeStatementInput, signed_statement};
use crate::store::{StoredAgreement, StoredRecord};

/// PDFs rendered at once: enough to keep every core busy, few enough that
/// a pack of any size holds only this many PDFs in memory.
const BATCH: usize = 64;

/// What goes into a pack.
#[derive(Debug, Clone, Copy)]
pub struct PackInput<'a> {
    /// The school's name, on every page and in the manifest.
    pub school: &'a str,
    /// The filter the records were chosen by, in words
    /// ("visitors, 1 September to 31 October 2026").
    pub filter: &'a str,
    /// When the pack was made.
    pub generated_at: DateTime<Utc>,
    /// The records, in the order the CSV should list them.
    pub records: &'a [StoredRecord],
    /// Agreement versions the office holds (at least those the records
    /// refer to; others are ignored).
    pub agreements: &'a [StoredAgreement],
    /// The chain check of every kiosk the records come from.
    pub chains: &'a [VerifyReport],
    /// The office's key and the kiosks' keys, heads and chains: with it, the
    /// pack holds `office-statement.json`, its signature `office-statement.sig`,
    /// `office-certificate.der`, a chain file per kiosk and the office's
    /// erasure statements (the dashboard always gives it).
    pub office: Option<OfficeStatementInput<'a>>,
}

/// One file of the pack, as `manifest.json` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestEntry {
    /// Path inside the ZIP.
    pub path: String,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// What [`write_pack`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackSummary {
    /// Records (rows in the CSV, PDFs in `records/`).
    pub records: u64,
    /// Agreement texts included.
    pub agreements: u64,
    /// Versions referred to whose text the office does not hold.
    pub missing_agreements: Vec<Hash32>,
    /// Every file but the manifest, as the manifest lists them.
    pub files: Vec<ManifestEntry>,
}

#[derive(Serialize)]
struct Manifest<'a> {
    format: &'static str,
    school: &'a str,
    filter: &'a str,
    generated_at: String,
    records: u64,
    missing_agreements: Vec<String>,
    /// With chain files: whether the search chose by more than role and
    /// dates, so records in their range may be left out as `omitted` lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    narrowed: Option<bool>,
    files: &'a [ManifestEntry],
}

/// Writes the evidence pack for `pack` to `out` and returns what it holds.
///
/// Fails without writing a complete ZIP if a record's kiosk has no chain
/// report ([`EvidenceError::MissingChain`]) or a PDF cannot be made; the
/// caller should write to a temporary file and keep it only on success.
pub fn write_pack<W: Write + Seek>(out: W, pack: &PackInput<'_>) -> Result<PackSummary, EvidenceError> {
    let chains: HashMap<Uuid, &VerifyReport> = pack.chains.iter().map(|c| (c.device_id, c)).collect();
    let agreements: HashMap<Hash32, &StoredAgreement> = pack.agreements.iter().map(|a| (a.hash, a)).collect();
    if let Some(r) = pack.records.iter().find(|r| !chains.contains_key(&r.record.header.device_id)) {
        return Err(EvidenceError::MissingChain(r.record.header.device_id));
    }

    let mut zip = Pack { zip: ZipWriter::new(out), files: Vec::new(), modified: zip_time(&pack.generated_at) };
    let mut csv = Vec::new();
    let count = write_csv(pack.records, &agreement_titles(pack.agreements), &mut csv)?;
    zip.add("records.csv", &csv, CompressionMethod::Deflated)?;
    drop(csv);

    let mut names = HashSet::new();
    // Rayon's threads do not see the caller's language: hand it over.
    let lang = crate::i18n::current();
    for batch in pack.records.chunks(BATCH) {
        let pdfs: Vec<Vec<u8>> = batch
            .par_iter()
            .map(|r| {
                let h = &r.record.header;
                let chain = chains[&h.device_id];
                crate::i18n::with_language(lang, || {
                    record_pdf(pack.school, r, agreements.get(&h.agreement_hash).copied(), chain)
                })
            })
            .collect::<Result<_, _>>()?;
        for (r, pdf) in batch.iter().zip(pdfs) {
            let mut name = format!("records/{}.pdf", r.record.reference());
            if !names.insert(name.clone()) {
                // Two records share the 40-bit reference: name it by kiosk and sequence instead.
                name = format!("records/{}-{}.pdf", r.record.header.device_id.hyphenated(), r.record.header.seq);
                names.insert(name.clone());
            }
            // PDF streams are already compressed; deflating again wastes time.
            zip.add(&name, &pdf, CompressionMethod::Stored)?;
        }
    }

    let referenced: BTreeMap<Hash32, usize> = pack.records.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r.record.header.agreement_hash).or_default() += 1;
        m
    });
    let mut missing = Vec::new();
    for hash in referenced.keys() {
        match agreements.get(hash) {
            Some(a) => {
                zip.add(&format!("agreements/{}.md", hash.to_hex()), a.text.as_bytes(), CompressionMethod::Deflated)?
            }
            None => missing.push(*hash),
        }
    }
    let report = verification_report(pack, &chains, &referenced, &missing);
    zip.add("verification.txt", report.as_bytes(), CompressionMethod::Deflated)?;
    if let Some(office) = &pack.office {
        let kiosks: BTreeSet<Uuid> = pack.records.iter().map(|r| r.record.header.device_id).collect();
        let signed = signed_statement(office, pack.school, pack.filter, &pack.generated_at, &kiosks)?;
        zip.add("office-statement.json", &signed.json, CompressionMethod::Deflated)?;
        zip.add("office-statement.sig", &signed.signature, CompressionMethod::Stored)?;
        zip.add("office-certificate.der", office.signer.certificate_der(), CompressionMethod::Stored)?;
        let in_pack: HashMap<(Uuid, u64), &StoredRecord> =
            pack.records.iter().map(|r| ((r.record.header.device_id, r.record.header.seq), r)).collect();
        let titles = agreement_titles(pack.agreements);
        for held in &office.held.kiosks {
            let (path, bytes) = chain_file(held, &office.held.filter, &in_pack, &titles, &pack.generated_at)?;
            zip.add(&path, &bytes, CompressionMethod::Deflated)?;
            for (path, bytes) in erasure_files(held) {
                zip.add(&path, &bytes, CompressionMethod::Stored)?;
            }
        }
    }

    let manifest = Manifest {
        format: if pack.office.is_some() { "signbook-evidence-pack-v2" } else { "signbook-evidence-pack-v1" },
        school: pack.school,
        filter: pack.filter,
        generated_at: format_utc(&pack.generated_at),
        records: count,
        missing_agreements: missing.iter().map(Hash32::to_hex).collect(),
        narrowed: pack.office.as_ref().map(|o| o.held.narrowed),
        files: &zip.files,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(std::io::Error::from)?;
    let Pack { mut zip, files, modified } = zip;
    zip.start_file("manifest.json", options(CompressionMethod::Deflated, modified))?;
    zip.write_all(&json)?;
    zip.finish()?;
    Ok(PackSummary {
        records: count,
        agreements: (referenced.len() - missing.len()) as u64,
        missing_agreements: missing,
        files,
    })
}

/// The ZIP being written and the manifest entries of what is in it.
struct Pack<W: Write + Seek> {
    zip: ZipWriter<W>,
    files: Vec<ManifestEntry>,
    modified: zip::DateTime,
}

impl<W: Write + Seek> Pack<W> {
    fn add(&mut self, path: &str, bytes: &[u8], method: CompressionMethod) -> Result<(), EvidenceError> {
        self.zip.start_file(path, options(method, self.modified))?;
        self.zip.write_all(bytes)?;
        self.files.push(ManifestEntry {
            path: path.to_owned(),
            sha256: hex::encode(Sha256::digest(bytes)),
            bytes: bytes.len() as u64,
        });
        Ok(())
    }
}

fn options(method: CompressionMethod, modified: zip::DateTime) -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(method).last_modified_time(modified)
}

/// The pack's time for every entry (ZIP keeps UTC-less local time to 2 s;
/// without it, file managers would show 1980).
fn zip_time(at: &DateTime<Utc>) -> zip::DateTime {
    use chrono::{Datelike, Timelike};
    let parts = (
        u16::try_from(at.year()).unwrap_or(0),
        at.month() as u8,
        at.day() as u8,
        at.hour() as u8,
        at.minute() as u8,
        at.second() as u8,
    );
    zip::DateTime::from_date_and_time(parts.0, parts.1, parts.2, parts.3, parts.4, parts.5).unwrap_or_default()
}

/// `verification.txt`: each kiosk's chain check, in words.
fn verification_report(
    pack: &PackInput<'_>,
    chains: &HashMap<Uuid, &VerifyReport>,
    referenced: &BTreeMap<Hash32, usize>,
    missing: &[Hash32],
) -> String {
    let mut kiosks: BTreeMap<Uuid, (Option<&str>, u64)> = BTreeMap::new();
    for r in pack.records {
        let entry = kiosks.entry(r.record.header.device_id).or_insert((r.kiosk_name.as_deref(), 0));
        entry.1 += 1;
    }
    let mut out = String::new();
    let _ = writeln!(out, "Signbook evidence pack: verification report");
    let _ = writeln!(out, "School: {}", pack.school);
    let _ = writeln!(out, "Records chosen by: {}", pack.filter);
    let _ = writeln!(out, "Generated: {}", format_utc(&pack.generated_at));
    let _ = writeln!(out, "Records in this pack: {} from {} kiosk(s)\n", pack.records.len(), kiosks.len());
    for (device, (name, in_pack)) in &kiosks {
        let chain = chains[device];
        let status = if chain.is_intact() { "INTACT" } else { "BROKEN" };
        let _ = writeln!(out, "Kiosk {}{}", device.hyphenated(), name.map(|n| format!(" ({n})")).unwrap_or_default());
        let _ = writeln!(out, "  chain:           {status}");
        let _ = writeln!(out, "  records checked: {} ({} erased)", chain.records, chain.erased);
        let _ = writeln!(out, "  checkpoints:     {}", chain.checkpoints);
        let _ = writeln!(
            out,
            "  head:            {}",
            chain.head_seq.map_or_else(|| "none".to_owned(), |s| format!("record {s}"))
        );
        let _ = writeln!(
            out,
            "  first problem:   {}",
            chain.problem.as_ref().map_or_else(|| "none".to_owned(), ToString::to_string)
        );
        let _ = writeln!(out, "  in this pack:    {in_pack} record(s)\n");
    }
    let _ = writeln!(out, "Agreement versions referred to: {}", referenced.len());
    for (hash, n) in referenced {
        let held = if missing.contains(hash) {
            "NOT HELD by the office: its text is not in this pack"
        } else {
            "text in agreements/"
        };
        let _ = writeln!(out, "  {} ({n} record(s)): {held}", hash.to_hex());
    }
    let _ = writeln!(
        out,
        "\nTo check this pack: every file's SHA-256 is in manifest.json (e.g. `sha256sum records.csv`).\n\
         To check a record yourself, recompute its hash as Signbook's docs/record-format.md describes\n\
         (its canonical encoding, byte for byte)."
    );
    if pack.office.is_some() {
        let _ = writeln!(
            out,
            "To check the kiosks' keys: office-statement.json lists each kiosk's key and the head the office\n\
             holds, signed (office-statement.sig) by the office certificate in office-certificate.der, whose\n\
             SHA-256 is the fingerprint checked at pairing: docs/record-format.md section 12 says how.\n\
             To prove the pack complete: `signbook verify-export THIS.zip` (or `recompute.py verify-export`)\n\
             checks every file above and each kiosk's chain in chains/, from the file alone."
        );
    }
    out
}

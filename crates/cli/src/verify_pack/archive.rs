//! An evidence ZIP read with every size bounded before anything is
//! inflated, each file checked against `manifest.json` as it is read.
//! The files verification reads further (all but the PDFs and agreement
//! texts) are kept; the rest are hashed and dropped.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek};

use anyhow::{Context, Result, bail};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::Problem;

/// Most files in a pack: a PDF per record, up to 100,000 records, and room over.
pub const MAX_ENTRIES: usize = 250_000;
/// Largest file once inflated: a chain file of 100,000 records with their
/// signature images is under 1 GiB.
pub const MAX_ENTRY_BYTES: u64 = 2 << 30;
/// Largest pack once inflated.
pub const MAX_TOTAL_BYTES: u64 = 32 << 30;
/// `manifest.json` is read whole before anything else.
const MAX_MANIFEST_BYTES: u64 = 256 << 20;

/// The pack's files that verification reads, by path.
pub struct PackFiles<R> {
    pub manifest: Value,
    pub kept: BTreeMap<String, Vec<u8>>,
    /// Chain files, checked against the manifest as they are verified
    /// (streamed, never whole in memory): path, SHA-256 and size listed.
    pub chains: BTreeMap<String, (String, u64)>,
    pub zip: zip::ZipArchive<R>,
    /// Every file the manifest lists and the ZIP holds.
    pub files: u64,
}

fn kept(path: &str) -> bool {
    path.starts_with("office-erasures/")
        || matches!(path, "records.csv" | "office-statement.json" | "office-statement.sig" | "office-certificate.der")
}

/// Reads `input`: an error (exit 2) when it is not a ZIP, is too large or
/// has no readable manifest; a [`Problem`] (exit 1) for the first file the
/// manifest does not vouch for.
pub fn read<R: Read + Seek>(input: R) -> Result<std::result::Result<PackFiles<R>, Problem>> {
    let mut zip = zip::ZipArchive::new(input).context("it is not a readable ZIP file")?;
    if zip.len() > MAX_ENTRIES {
        bail!(
            "the ZIP holds {} files; an evidence pack holds at most {MAX_ENTRIES}. It is not a Signbook pack, or it is damaged",
            zip.len()
        );
    }
    let mut total = 0u64;
    let mut names = BTreeSet::new();
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).context("a file entry of the ZIP cannot be read")?;
        let name = entry.name().context("a file name in the ZIP cannot be read")?.into_owned();
        let size = entry.size();
        if size > MAX_ENTRY_BYTES {
            bail!(
                "{name} would inflate to {size} bytes, more than any pack file ({MAX_ENTRY_BYTES}); refusing to read it (a ZIP bomb?)"
            );
        }
        total = total.saturating_add(size);
        if total > MAX_TOTAL_BYTES {
            bail!("the ZIP would inflate to more than {MAX_TOTAL_BYTES} bytes; refusing to read it (a ZIP bomb?)");
        }
        if !names.insert(name.clone()) {
            bail!("the ZIP holds two files named {name}; it was not made by Signbook");
        }
    }
    if !names.contains("manifest.json") {
        bail!("the ZIP has no manifest.json; it is not a Signbook evidence pack");
    }
    let manifest = read_entry(&mut zip, "manifest.json", MAX_MANIFEST_BYTES)?;
    let manifest: Value = serde_json::from_slice(&manifest).context("manifest.json is not JSON")?;
    match manifest.get("format").and_then(Value::as_str) {
        Some("signbook-evidence-pack-v2") => {}
        Some("signbook-evidence-pack-v1") => bail!(
            "this pack was made before packs carried their kiosks' chains (signbook-evidence-pack-v1): it cannot prove itself complete. Download the pack again from the office, or check its office statement with `recompute.py office-statement`"
        ),
        other => bail!(
            "manifest.json's format is {other:?}, not an evidence pack this verifier reads (signbook-evidence-pack-v2)"
        ),
    }
    let listed = manifest.get("files").and_then(Value::as_array).context("manifest.json has no \"files\" list")?;
    let (mut kept_files, mut chains, mut count) = (BTreeMap::new(), BTreeMap::new(), 0);
    let mut seen = BTreeSet::new();
    for file in listed {
        let (Some(path), Some(sha256), Some(bytes)) = (
            file.get("path").and_then(Value::as_str),
            file.get("sha256").and_then(Value::as_str),
            file.get("bytes").and_then(Value::as_u64),
        ) else {
            return Ok(Err(Problem::file(
                "manifest.json",
                format!("a \"files\" entry is not {{path, sha256, bytes}}: {file}"),
            )));
        };
        if !seen.insert(path.to_owned()) {
            return Ok(Err(Problem::file("manifest.json", format!("lists {path} twice"))));
        }
        if !names.contains(path) {
            return Ok(Err(Problem::file(path, "manifest.json lists it, but the ZIP does not hold it".into())));
        }
        count += 1;
        if path.starts_with("chains/") {
            chains.insert(path.to_owned(), (sha256.to_owned(), bytes));
            continue;
        }
        let (digest, size, content) = hash_entry(&mut zip, path, kept(path))?;
        if size != bytes || digest != sha256 {
            return Ok(Err(Problem::file(
                path,
                format!(
                    "its SHA-256 is {digest} ({size} bytes), but manifest.json says {sha256} ({bytes} bytes): the file was changed after the pack was made"
                ),
            )));
        }
        if let Some(content) = content {
            kept_files.insert(path.to_owned(), content);
        }
    }
    if let Some(extra) = names.iter().find(|n| *n != "manifest.json" && !seen.contains(*n)) {
        return Ok(Err(Problem::file(extra, "the ZIP holds it, but manifest.json does not list it".into())));
    }
    Ok(Ok(PackFiles { manifest, kept: kept_files, chains, zip, files: count }))
}

/// Reads an entry while hashing it, never past its declared size and one
/// byte more (so an entry inflating beyond it is noticed).
pub struct Hashing<R> {
    inner: std::io::Take<R>,
    hasher: Sha256,
    pub size: u64,
}

impl<R: Read> Hashing<R> {
    pub fn new(inner: R, declared: u64) -> Self {
        Hashing { inner: inner.take(declared + 1), hasher: Sha256::new(), size: 0 }
    }

    /// Reads what is left, and returns the SHA-256 of everything read.
    pub fn finish(mut self) -> std::io::Result<(String, u64)> {
        std::io::copy(&mut self, &mut std::io::sink())?;
        Ok((hex::encode(self.hasher.finalize()), self.size))
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

fn read_entry(zip: &mut zip::ZipArchive<impl Read + Seek>, name: &str, limit: u64) -> Result<Vec<u8>> {
    let entry = zip.by_name(name).with_context(|| format!("{name} cannot be read from the ZIP"))?;
    if entry.size() > limit {
        bail!("{name} would inflate to {} bytes, more than {limit}; refusing to read it", entry.size());
    }
    let mut bytes = Vec::new();
    entry.take(limit + 1).read_to_end(&mut bytes).with_context(|| format!("{name} cannot be inflated"))?;
    if bytes.len() as u64 > limit {
        bail!("{name} inflates to more than {limit} bytes; refusing to read it (a ZIP bomb?)");
    }
    Ok(bytes)
}

/// SHA-256 and size of an entry, reading at most its declared size (and
/// one byte more, to notice an entry that inflates beyond what it says).
fn hash_entry(
    zip: &mut zip::ZipArchive<impl Read + Seek>,
    name: &str,
    keep: bool,
) -> Result<(String, u64, Option<Vec<u8>>)> {
    let entry = zip.by_name(name).with_context(|| format!("{name} cannot be read from the ZIP"))?;
    let declared = entry.size();
    let mut reader = entry.take(declared + 1);
    let (mut hasher, mut size, mut kept) = (Sha256::new(), 0u64, keep.then(Vec::new));
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buffer).with_context(|| format!("{name} cannot be inflated (the ZIP is damaged)"))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        size += n as u64;
        if let Some(kept) = &mut kept {
            kept.extend_from_slice(&buffer[..n]);
        }
    }
    if size > declared {
        bail!(
            "{name} inflates to more than the {declared} bytes its ZIP entry declares; refusing to read it (a ZIP bomb?)"
        );
    }
    Ok((hex::encode(hasher.finalize()), size, kept))
}

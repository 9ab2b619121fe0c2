//! `signbook verify-export`: an export checked from the file alone.

use std::io::BufReader;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use signbook_core::export::HeaderFilter;
use signbook_core::export::verify::{ExportReport, parse_public_key, verify_export};

pub fn run(file: &Path, key_args: &[String], json: bool) -> Result<ExitCode> {
    let mut keys = Vec::new();
    for arg in key_args {
        keys.extend(read_keys(arg)?);
    }
    // By what the file is, not what it is called.
    if crate::verify_pack::is_zip(file)? {
        return crate::verify_pack::run(file, &keys, json);
    }
    if keys.len() > 1 {
        bail!("a JSON Lines export is one kiosk's: give one --key (several are for an evidence pack)");
    }
    let trusted = keys.pop();
    let input = std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let report = verify_export(BufReader::with_capacity(1 << 20, input), trusted.as_ref())
        .with_context(|| format!("cannot verify {}", file.display()))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(if report.is_intact() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn print_report(report: &ExportReport) {
    if let Some(problem) = &report.problem {
        println!("BROKEN: {problem}");
        println!("({} records and {} omitted lines before it are intact.)", report.records, report.omitted);
        return;
    }
    let head = report.head_seq.map_or_else(|| "an empty chain".to_owned(), |seq| format!("entries 1 to {seq}"));
    let held = match report.held_entries {
        0 => String::new(),
        n => format!(" and {n} held at the office (the kiosk removed its copy)"),
    };
    println!(
        "intact: {} records ({} erased{held}) and {} omitted as outside the range, and {} erasure entries; the export holds {head} of kiosk {} with nothing missing",
        report.records, report.erased, report.omitted, report.erasure_entries, report.device_id
    );
    println!("range: {}", describe(&report.filter));
    if report.key_trusted {
        println!("signed by the key you gave: {}", report.key_fingerprint);
    } else {
        println!(
            "NOT checked who signed the head: no --key was given, so the export was checked against the key it names itself ({}). Compare that fingerprint with `signbook key` on the kiosk or the office's Kiosks page, or run again with --key.",
            report.key_fingerprint
        );
    }
}

fn describe(filter: &HeaderFilter) -> String {
    let mut parts = Vec::new();
    if let Some(role) = &filter.role {
        parts.push(format!("role {role}"));
    }
    if let Some(since) = &filter.since {
        parts.push(format!("since {since}"));
    }
    if let Some(until) = &filter.until {
        parts.push(format!("until {until}"));
    }
    if parts.is_empty() { "every record".to_owned() } else { parts.join(", ") }
}

/// `--key`: 64 hex digits, or a file holding one key a line (blank lines
/// and `#` comments ignored) or `signbook key --json`'s output.
fn read_keys(arg: &str) -> Result<Vec<signbook_core::export::verify::VerifyingKey>> {
    if arg.len() == 64 && arg.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(vec![parse_public_key(arg).map_err(|e| anyhow::anyhow!("--key: {e}"))?]);
    }
    let text = std::fs::read_to_string(arg)
        .with_context(|| format!("--key {arg:?} is neither 64 hex digits nor a readable file"))?;
    if text.trim_start().starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("{arg} is not JSON"))?;
        return match value.get("public_key").and_then(|k| k.as_str()) {
            Some(hex) => Ok(vec![parse_public_key(hex).map_err(|e| anyhow::anyhow!("the key in {arg}: {e}"))?]),
            None => bail!("{arg} has no \"public_key\"; save `signbook key --json` there, or give the 64 hex digits"),
        };
    }
    let keys: Vec<_> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| parse_public_key(l).map_err(|e| anyhow::anyhow!("a key in {arg}: {e}")))
        .collect::<Result<_>>()?;
    if keys.is_empty() {
        bail!("{arg} holds no key; put one kiosk key (64 hex digits) a line");
    }
    Ok(keys)
}

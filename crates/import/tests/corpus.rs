//! One test per corpus document: each file in `tests/corpus/` (made by
//! `tests/corpus/sources/make_fixtures.py` from LibreOffice and Chromium
//! exports, or typed as Word pastes them) imports to the Markdown in
//! `tests/corpus/expected/<file>.md`, with the report in
//! `expected/<file>.report` (title, metadata, removals), or is refused with
//! the error code in `expected/<file>.error`. A failure names the document
//! and shows a line diff.
//!
//! To look at what a new document gives before writing it down:
//! `cargo run -p signbook-import --example import -- FILE [--report]`.

use std::fmt::Write as _;
use std::path::Path;

use similar::{ChangeTag, TextDiff};

fn expected(path: &Path, ext: &str) -> std::path::PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    path.with_file_name("expected").join(format!("{name}.{ext}"))
}

/// A failure whose Debug form (what the harness prints) is the text itself,
/// so the diff shows as lines, not as one escaped string.
struct Failure(String);

impl std::fmt::Debug for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

fn diff(what: &str, path: &Path, expected: &str, actual: &str) -> datatest_stable::Result<()> {
    if expected == actual {
        return Ok(());
    }
    let mut out = format!("{} imports to a different {what} (- expected, + actual):\n", path.display());
    for change in TextDiff::from_lines(expected, actual).iter_all_changes() {
        let sign = match change.tag() {
            ChangeTag::Delete => '-',
            ChangeTag::Insert => '+',
            ChangeTag::Equal => ' ',
        };
        let _ = write!(out, "{sign} {change}");
        if change.missing_newline() {
            out.push('\n');
        }
    }
    Err(Box::new(Failure(out)))
}

fn imports_as_expected(path: &Path) -> datatest_stable::Result<()> {
    let imported = signbook_import::import_file(path);
    let error_file = expected(path, "error");
    if error_file.exists() {
        let code = std::fs::read_to_string(&error_file)?;
        return match imported {
            Err(e) if e.code() == code.trim() => Ok(()),
            Err(e) => Err(format!("{}: expected error {}, got {} ({e})", path.display(), code.trim(), e.code()).into()),
            Ok(_) => Err(format!("{}: expected error {}, but it imported", path.display(), code.trim()).into()),
        };
    }
    let imported = imported.map_err(|e| format!("{}: {e}", path.display()))?;
    let markdown_file = expected(path, "md");
    let want = std::fs::read_to_string(&markdown_file)
        .map_err(|e| format!("{}: no expected Markdown at {} ({e})", path.display(), markdown_file.display()))?;
    diff("Markdown", path, &want, &imported.markdown)?;
    let report_file = expected(path, "report");
    let want = std::fs::read_to_string(&report_file)
        .map_err(|e| format!("{}: no expected report at {} ({e})", path.display(), report_file.display()))?;
    diff("report", path, &want, &signbook_import::report_text(&imported))
}

datatest_stable::harness! {
    { test = imports_as_expected, root = "tests/corpus", pattern = r"^[^/]+\.(pdf|txt|docx|odt|md)$" },
}

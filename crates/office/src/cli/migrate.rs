//! `signbook-office migrate --from-data DIR --to postgres://…`: a school's
//! office moved into the trust's PostgreSQL, then checked there.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use signbook_office::{PgStore, SqliteStore, db_path};

/// Copies, then verifies every chain in the target and compares each
/// kiosk's record count with the source's; `false` when any differs.
pub async fn run(from_data: &Path, to: &str, out: &mut impl Write) -> Result<bool> {
    let path = db_path(from_data);
    anyhow::ensure!(path.is_file(), "{} holds no office database (office.db); check --from-data", from_data.display());
    // Brings an older school office to the current schema first, as its
    // own upgrade would: the copy is column for column.
    let source = SqliteStore::open(&path)?;
    let target = PgStore::connect(to).await?;
    let report = target.copy_in_sqlite(&path).await.context("nothing was copied")?;
    for (table, (copied, present)) in &report.tables {
        if copied + present > 0 {
            writeln!(out, "{table}: {copied} copied, {present} already there")?;
        }
    }
    use signbook_office::store::IntegrityStore as _;
    let (before, after) = (source.verify().await?, target.verify().await?);
    let mut same = before.len() == after.len();
    for report in &after {
        let theirs = before.iter().find(|b| b.device_id == report.device_id);
        let matches = theirs.is_some_and(|b| b.records == report.records && b.erased == report.erased);
        same &= matches && report.is_intact();
        match &report.problem {
            None if matches => {
                writeln!(out, "{}: intact, {} records, as in {}", report.device_id, report.records, path.display())?
            }
            None => writeln!(
                out,
                "{}: intact, but {} records where {} has {}",
                report.device_id,
                report.records,
                path.display(),
                theirs.map_or(0, |b| b.records)
            )?,
            Some(problem) => writeln!(out, "{}: BROKEN at {problem}", report.device_id)?,
        }
    }
    if same {
        writeln!(
            out,
            "Every chain is intact in {}. Run the command again at any time: it copies only what is missing.",
            target.database()
        )?;
    }
    Ok(same)
}

//! `signbook-office migrate --from-data DIR --to postgres://… --site NAME`:
//! a school's office moved into the trust's PostgreSQL as one of its
//! schools, then checked there.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use signbook_office::store::IntegrityStore as _;
use signbook_office::{PgStore, SqliteStore, db_path};

/// Copies, then verifies every chain in the target and compares each of
/// the school's kiosks with the source (records, erased, intact); `false`
/// when any differs or any chain there is broken.
pub async fn run(from_data: &Path, to: &str, site: &str, out: &mut impl Write) -> Result<bool> {
    let path = db_path(from_data);
    anyhow::ensure!(path.is_file(), "{} holds no office database (office.db); check --from-data", from_data.display());
    // Brings an older school office to the current schema first, as its
    // own upgrade would: the copy is column for column.
    let source = SqliteStore::open(&path)?;
    let target = PgStore::connect(to).await?;
    let report = target.copy_school_in_sqlite(&path, site).await.context("nothing was copied")?;
    let school = &report.site;
    writeln!(out, "School: {} (school {}, {})", school.name, school.id, report.placed)?;
    for (table, done) in &report.tables {
        if done.copied + done.present + done.kept == 0 {
            continue;
        }
        write!(out, "{table}: {} copied, {} already there", done.copied, done.present)?;
        match *table {
            _ if done.kept == 0 => writeln!(out)?,
            "users" => writeln!(out, ", {} not copied (name taken)", done.kept)?,
            "agreement_adoptions" => {
                writeln!(out, ", {} not copied (the trust's current versions are kept)", done.kept)?
            }
            _ => writeln!(out, ", {} not copied (the trust's own settings are kept)", done.kept)?,
        }
    }
    for name in &report.accounts_taken {
        writeln!(
            out,
            "Account {name} not copied: the trust already has an account called {name}, left as it is. \
             Add it with another name: `signbook-office user add NAME --school \"{}\"`",
            school.name
        )?;
    }
    if let Some(version) = report.configuration_issued {
        writeln!(
            out,
            "Kiosk configuration {version} issued for {}: the trust's settings and agreements with the school's own \
             settings, numbered above its office's own so that its kiosks take it on their next sync.",
            school.name
        )?;
    }
    let (before, after) = (source.verify().await?, target.verify().await?);
    let mut same = after.iter().all(|report| report.is_intact());
    for theirs in &before {
        let report = after.iter().find(|a| a.device_id == theirs.device_id);
        let matches = report.is_some_and(|r| r.records == theirs.records && r.erased == theirs.erased);
        same &= matches;
        match report {
            None => writeln!(out, "{}: MISSING in {}", theirs.device_id, target.database())?,
            Some(report) => match &report.problem {
                None if matches => {
                    writeln!(out, "{}: intact, {} records, as in {}", report.device_id, report.records, path.display())?
                }
                None => writeln!(
                    out,
                    "{}: intact, but {} records ({} erased) where {} has {} ({} erased)",
                    report.device_id,
                    report.records,
                    report.erased,
                    path.display(),
                    theirs.records,
                    theirs.erased
                )?,
                Some(problem) => writeln!(out, "{}: BROKEN at {problem}", report.device_id)?,
            },
        }
    }
    // The trust's other kiosks were verified too: say if one is broken.
    for report in after.iter().filter(|a| !before.iter().any(|b| b.device_id == a.device_id)) {
        if let Some(problem) = &report.problem {
            writeln!(out, "{} (another school's kiosk): BROKEN at {problem}", report.device_id)?;
        }
    }
    if same {
        writeln!(
            out,
            "Every chain is intact in {}; the school's kiosks ({}) are kiosks of {} there. \
             Run the command again at any time: it copies only what is missing.",
            target.database(),
            before.len(),
            school.name
        )?;
    }
    Ok(same)
}

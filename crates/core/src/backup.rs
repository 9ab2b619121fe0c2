//! Backups of a live Signbook database, for `signbook backup` and
//! `signbook-office backup`.
//!
//! Copying the file is not enough while the kiosk or office is running:
//! recent records may still sit in the `-wal` file. SQLite's online backup
//! API reads one consistent snapshot through its own connection instead;
//! with WAL, writers carry on meanwhile. The copy is written beside `out`,
//! switched to a single self-contained file (no `-wal`), checked with
//! `PRAGMA integrity_check`, and only then renamed over `out`, so a failed
//! backup never leaves a half-written file behind. Files are owner-only:
//! they hold personal data and keys.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use crate::device::key_path_for;

/// How long to keep retrying while another connection holds a lock.
const BUSY_LIMIT: Duration = Duration::from_secs(30);

/// Why a backup was not made. `out` is left as it was.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// There is no database to back up.
    #[error(
        "there is no database at {path}; check the --db / --data path (the kiosk or office creates it on first start)"
    )]
    Missing {
        /// The path given.
        path: PathBuf,
    },
    /// Backing a file up onto itself would destroy it.
    #[error(
        "{path} is the database itself; choose another file for the backup, ideally on another disk or a USB stick"
    )]
    SameFile {
        /// The path given twice.
        path: PathBuf,
    },
    /// SQLite could not read the database or write the copy.
    #[error("the backup of {path} failed while {doing}: {source}")]
    Sqlite {
        /// The database being backed up.
        path: PathBuf,
        /// What the backup was doing.
        doing: &'static str,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The database stayed locked for too long.
    #[error("{path} stayed locked by another program for {} seconds; try again when the kiosk or office is less busy", BUSY_LIMIT.as_secs())]
    Busy {
        /// The database.
        path: PathBuf,
    },
    /// The finished copy did not pass SQLite's integrity check.
    #[error(
        "the copy of {path} failed SQLite's integrity check ({detail}); the database itself may be damaged: run `verify`, and keep your previous backups"
    )]
    CopyDamaged {
        /// The database.
        path: PathBuf,
        /// What `PRAGMA integrity_check` said.
        detail: String,
    },
    /// A file could not be created, read or renamed.
    #[error("cannot write the backup at {path}: {source}; check the folder exists and there is space")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    /// Every file written, the database first.
    pub files: Vec<PathBuf>,
    /// Size of the database copy in bytes.
    pub bytes: u64,
    /// Signature records in the copy (kiosk and office databases both keep them in `records`).
    pub records: u64,
}

/// Copies the database at `db` to `out` while it may be in use.
pub fn backup_database(db: &Path, out: &Path) -> Result<BackupReport, BackupError> {
    if !db.is_file() {
        return Err(BackupError::Missing { path: db.to_owned() });
    }
    if same_file(db, out) {
        return Err(BackupError::SameFile { path: out.to_owned() });
    }
    let sqlite = |doing| move |source| BackupError::Sqlite { path: db.to_owned(), doing, source };
    // Read-write without CREATE: a WAL reader needs the -shm file, and a
    // missing database must not be created here.
    let source = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(sqlite("opening the database"))?;
    let temp = temp_beside(out)?;
    let records = {
        let mut copy = Connection::open(temp.path()).map_err(sqlite("creating the copy"))?;
        copy_pages(db, &source, &mut copy)?;
        // One file that opens anywhere; the kiosk and office switch it back to WAL.
        copy.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(())).map_err(sqlite("finishing the copy"))?;
        let check: String =
            copy.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(sqlite("checking the copy"))?;
        if check != "ok" {
            return Err(BackupError::CopyDamaged { path: db.to_owned(), detail: check });
        }
        copy.query_row("SELECT count(*) FROM records", [], |r| r.get(0))
            .map_err(sqlite("counting the records copied"))?
    };
    let bytes = std::fs::metadata(temp.path())
        .map_err(|source| BackupError::Io { path: temp.path().to_owned(), source })?
        .len();
    persist(temp, out)?;
    Ok(BackupReport { files: vec![out.to_owned()], bytes, records })
}

/// Backs up a kiosk: its database to `out`, and its key to `<out>.key`, the
/// name [`crate::Store::open`] looks for beside a database. The two belong
/// together: a database without its key cannot sign or sync.
pub fn backup_kiosk(db: &Path, out: &Path) -> Result<BackupReport, BackupError> {
    let mut report = backup_database(db, out)?;
    report.files.push(copy_file(&key_path_for(db), &key_path_for(out))?);
    Ok(report)
}

/// Copies a small file (a key or certificate) to `to`, owner-only, atomically.
pub fn copy_file(from: &Path, to: &Path) -> Result<PathBuf, BackupError> {
    let bytes = std::fs::read(from).map_err(|source| BackupError::Io { path: from.to_owned(), source })?;
    let mut temp = temp_beside(to)?;
    temp.write_all(&bytes).map_err(|source| BackupError::Io { path: to.to_owned(), source })?;
    persist(temp, to)?;
    Ok(to.to_owned())
}

fn copy_pages(db: &Path, source: &Connection, copy: &mut Connection) -> Result<(), BackupError> {
    let backup = Backup::new(source, copy).map_err(|source| BackupError::Sqlite {
        path: db.to_owned(),
        doing: "starting the backup",
        source,
    })?;
    let started = Instant::now();
    loop {
        // All pages in one step: one read snapshot, so concurrent writes
        // never restart the copy (and, with WAL, never wait for it).
        match backup.step(-1).map_err(|source| BackupError::Sqlite {
            path: db.to_owned(),
            doing: "copying pages",
            source,
        })? {
            StepResult::Done => return Ok(()),
            _ if started.elapsed() > BUSY_LIMIT => return Err(BackupError::Busy { path: db.to_owned() }),
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// A new owner-only file in `out`'s folder, so the final rename is atomic.
fn temp_beside(out: &Path) -> Result<tempfile::NamedTempFile, BackupError> {
    let dir = out.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    tempfile::Builder::new()
        .prefix(".signbook-backup")
        .tempfile_in(dir)
        .map_err(|source| BackupError::Io { path: out.to_owned(), source })
}

fn persist(temp: tempfile::NamedTempFile, out: &Path) -> Result<(), BackupError> {
    let io = |source| BackupError::Io { path: out.to_owned(), source };
    temp.as_file().sync_all().map_err(io)?;
    temp.persist(out).map_err(|e| io(e.error))?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

//! Files that hold personal data are the owner's alone.
//!
//! A kiosk database holds every signer's name and signature. A penetration
//! test found it created 0644 in a 0755 folder, readable by any local
//! account. So folders Signbook creates are 0700, a new database is created
//! 0600 before SQLite opens it (SQLite gives its `-wal` and `-shm` files the
//! database's own mode), and a database, WAL or SHM file found wider than
//! that is narrowed when opened, with a warning in the log. On platforms
//! without Unix modes these are no-ops: there the folder's ACL decides.

use std::io;
use std::path::{Path, PathBuf};

/// Creates `dir` and any missing parents, owner-only (0700) on Unix.
pub fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates an empty `path` readable by its owner only, unless it exists.
pub fn create_private_file(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Narrows `path` to owner-only if it exists and others may read it;
/// returns whether it had to.
pub fn restrict_to_owner(path: &Path) -> io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))?;
            return Ok(true);
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(false)
}

/// The database and the WAL and SHM files SQLite keeps beside it.
pub fn database_files(db: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [db.to_owned(), with("-wal"), with("-shm")]
}

/// Narrows every file of the database at `db`, logging each it had to.
pub fn restrict_database_files(db: &Path) -> io::Result<()> {
    for file in database_files(db) {
        if restrict_to_owner(&file)? {
            tracing::warn!(
                file = %file.display(),
                "this file of personal data was readable by other accounts; it is now readable by its owner only"
            );
        }
    }
    Ok(())
}

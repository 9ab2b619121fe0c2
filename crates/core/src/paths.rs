//! Where the kiosk database lives when no path is given.
//!
//! The kiosk app and the `signbook` CLI use the same rule, so the CLI can
//! verify and export what the kiosk wrote: `$SIGNBOOK_DB` if set, else
//! `signbook.db` in the platform data directory (`~/.local/share/signbook`
//! on Linux, `%APPDATA%\signbook\data` on Windows).

use std::path::PathBuf;

use crate::error::{Error, Result};

/// Environment variable that overrides the database location.
pub const DB_ENV: &str = "SIGNBOOK_DB";

/// The database path to use: `$SIGNBOOK_DB`, else the platform default.
pub fn default_db_path() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(DB_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let dirs = directories::ProjectDirs::from("", "", "signbook").ok_or(Error::NoDataDir)?;
    Ok(dirs.data_dir().join("signbook.db"))
}

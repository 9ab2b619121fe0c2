//! Read connections for the long reads (an export's records, verifying
//! every chain), so that logins, page views and pushes on the store's own
//! connection never wait behind one. A pack of 1,000 records once held
//! the dashboard's only connection while it was read, and a login waited
//! 3.8 s (issue 15). WAL lets these read while the main connection writes;
//! each long read sees one snapshot of the database.
//!
//! Hand-written rather than r2d2 or deadpool: a mutex around a few idle
//! connections is all it needs, and those pools bring their own threads or
//! runtimes to a store that already runs each call on tokio's blocking pool.

use std::path::PathBuf;
use std::sync::Mutex;

use rusqlite::Connection;

use super::{BUSY_TIMEOUT, Db};
use crate::error::{DbContext, Result};

/// Idle read connections kept for the next long read; more are opened
/// while several exports run at once, then closed.
const KEEP_IDLE: usize = 2;

/// Read-only connections to the database file, opened as needed.
#[derive(Debug)]
pub(super) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Db>>,
}

impl Readers {
    pub(super) fn new(path: PathBuf) -> Readers {
        Readers { path, idle: Mutex::new(Vec::new()) }
    }

    /// An idle read connection, or a new one. Blocks (to open a file):
    /// call it on the blocking pool.
    pub(super) fn take(&self) -> Result<Db> {
        if let Some(db) = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            return Ok(db);
        }
        const DOING: &str = "opening a read connection to the office database";
        // The main connection created and migrated the file; this one only reads it.
        let conn = Connection::open(&self.path).doing(DOING)?;
        conn.busy_timeout(BUSY_TIMEOUT).doing(DOING)?;
        conn.pragma_update(None, "query_only", true).doing(DOING)?;
        Ok(Db { conn })
    }

    /// Keeps `db` for the next long read, unless enough are idle already.
    pub(super) fn give_back(&self, db: Db) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < KEEP_IDLE {
            idle.push(db);
        }
    }
}

//! Keeping less personal data on the kiosk (issue 17): records the office
//! has acknowledged lose their personal data here once the local limit
//! passes, with a "held at the office" entry in the chain
//! (`Store::release_to_office`). Run between visitors only (at start and on
//! the welcome screen), never while someone is part-way through signing.

use chrono::{DateTime, Duration, Utc};
use signbook_core::store::{RELEASE_BATCH, Released};

use crate::Kiosk;
use crate::error::Result;

/// Without a new sync, records still age past the limit: look again after this.
const RECHECK_EVERY: Duration = Duration::hours(1);

/// Batches removed at the app's start (about 0.75 s), where nobody is signing.
const START_BATCHES: u64 = 10;

/// When the removal last ran, and the sync it had seen then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LastRelease {
    at: DateTime<Utc>,
    last_sync_success: Option<String>,
    /// The last run stopped at its limit: more is due at once.
    backlog: bool,
}

impl Kiosk {
    /// Removes locally the personal data the office holds and the kiosk no
    /// longer needs, when due: at the first call (the app's start), after
    /// each successful sync, and at least hourly. Only with an office that
    /// announced configurations: an older one refuses the held entries the
    /// push would carry (`docs/sync-protocol.md`). A kiosk with no office
    /// removes nothing (nothing is acknowledged). `None` when not due.
    ///
    /// At most one batch ([`RELEASE_BATCH`] records, about 75 ms) per call
    /// after the first, and [`START_BATCHES`] at the first (the app's start,
    /// under a second), so neither the start nor the next visitor waits on a
    /// long backlog (20,000 old records take about 7.5 s); a full run leaves
    /// it due for the next call, and each welcome screen takes a batch more.
    pub fn release_to_office_if_due(&mut self, now: DateTime<Utc>) -> Result<Option<Released>> {
        let sync = self.store.sync_status()?;
        let first = self.last_release.is_none();
        let due = match &self.last_release {
            None => true,
            Some(last) => {
                last.backlog || last.last_sync_success != sync.last_success_at || now - last.at >= RECHECK_EVERY
            }
        };
        if !due {
            return Ok(None);
        }
        let mut mark = LastRelease { at: now, last_sync_success: sync.last_success_at, backlog: false };
        if self.store.configuration_state()?.office_version.is_none() {
            self.last_release = Some(mark);
            return Ok(Some(Released::default()));
        }
        let limit = if first { START_BATCHES } else { 1 } * RELEASE_BATCH as u64;
        let released = self.store.release_to_office_at_most(now, limit)?;
        mark.backlog = released.records >= limit;
        self.last_release = Some(mark);
        Ok(Some(released))
    }
}

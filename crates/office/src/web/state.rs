//! What every dashboard page can reach: the store and the school's details.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use signbook_core::Hash32;
use signbook_core::verify::VerifyReport;

use crate::store::{LoginThrottle, SharedStore};
use crate::tls::OfficeSigner;

/// What every dashboard page can reach.
#[derive(Debug)]
pub struct Dashboard {
    pub(super) store: SharedStore,
    pub(super) school: String,
    pub(super) fingerprint: Hash32,
    /// Signs the office statement in evidence packs with the certificate's key.
    pub(super) signer: OfficeSigner,
    pub(super) throttle: LoginThrottle,
    /// One login check at a time, so parallel guesses cannot all pass the
    /// throttle before their failures are counted.
    pub(super) login_gate: tokio::sync::Mutex<()>,
    /// The last full verification of every chain, and when it ran.
    pub(super) last_verified: Mutex<Option<(DateTime<Utc>, Vec<VerifyReport>)>>,
}

impl Dashboard {
    /// A dashboard over `store` (with SQLite, give it its own
    /// [`crate::SqliteStore`], so exports never hold up the sync API).
    /// `signer` is the office certificate's key ([`OfficeIdentity::signer`](crate::tls::OfficeIdentity::signer)):
    /// the page shows its fingerprint and evidence packs carry its statement.
    pub fn new(store: SharedStore, school: String, signer: OfficeSigner) -> Arc<Dashboard> {
        Arc::new(Dashboard {
            store,
            school,
            fingerprint: signer.fingerprint(),
            signer,
            throttle: LoginThrottle::default(),
            login_gate: tokio::sync::Mutex::new(()),
            last_verified: Mutex::new(None),
        })
    }
}

/// Shared dashboard state.
pub type SharedDashboard = Arc<Dashboard>;

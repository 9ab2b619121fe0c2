//! A real `signbook-office` server in the test process, as `serve` runs it
//! (its router, TLS and the configuration signer), with a hook to stand
//! between it and the kiosk: an attacker changing an answer, or an office
//! from before configurations.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use chrono::Utc;
use signbook_core::Hash32;
use signbook_office::store::AgreementStore;
use signbook_office::tls::{OfficeIdentity, OfficeSigner};
use signbook_office::{SharedStore, SqliteStore, db_path, pairing, server};

/// What stands between the office and the kiosk.
pub type Between = fn(Router) -> Router;

/// The office.
pub struct Office {
    pub data: tempfile::TempDir,
    pub addr: SocketAddr,
    pub fingerprint: Hash32,
    pub runtime: tokio::runtime::Runtime,
    serving: Option<tokio::task::JoinHandle<()>>,
}

impl Office {
    /// An office signing its configurations with its own certificate's key.
    pub fn start() -> Office {
        Office::start_with(None, |router| router)
    }

    /// An office whose configurations are signed by `signer` (another
    /// office's, when given) and whose router `between` wraps.
    pub fn start_with(signer: Option<OfficeSigner>, between: Between) -> Office {
        let data = tempfile::tempdir().unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let identity = OfficeIdentity::load_or_create(data.path()).unwrap();
        let mut office = Office { fingerprint: identity.fingerprint(), data, addr, runtime, serving: None };
        office.serve(listener, signer, between);
        office
    }

    fn serve(&mut self, listener: tokio::net::TcpListener, signer: Option<OfficeSigner>, between: Between) {
        let store: SharedStore = Arc::new(SqliteStore::open(db_path(self.data.path())).unwrap());
        let identity = OfficeIdentity::load_or_create(self.data.path()).unwrap();
        let signer = signer.unwrap_or_else(|| identity.signer().unwrap());
        let app = between(server::router(store).layer(axum::Extension(signer)));
        self.serving = Some(self.runtime.spawn(server::serve(listener, identity.server_config().unwrap(), app)));
    }

    /// Stops answering: the kiosk finds the office unreachable.
    pub fn stop(&mut self) {
        if let Some(serving) = self.serving.take() {
            serving.abort();
            let _ = self.runtime.block_on(serving);
        }
    }

    /// Serves again on the same address (the kiosk's pinned office URL).
    pub fn restart(&mut self) {
        let listener = self.runtime.block_on(tokio::net::TcpListener::bind(self.addr)).unwrap();
        self.serve(listener, None, |router| router);
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// What `signbook-office pair` does: a one-time code, valid 15 minutes.
    pub fn pairing_code(&self) -> String {
        self.pairing_code_for(signbook_office::store::FIRST_SITE)
    }

    /// `signbook-office pair --school`: a code for a kiosk of `site`.
    pub fn pairing_code_for(&self, site: signbook_office::store::SiteId) -> String {
        use signbook_office::store::SyncStore;
        let code = pairing::new_code();
        let now = Utc::now();
        let expires = now + chrono::Duration::minutes(15);
        assert!(self.runtime.block_on(self.db().add_pairing_code(site, &code, now, expires)).unwrap(), "a fresh code");
        code
    }

    /// A second handle on the office database, as the dashboard and CLI have.
    pub fn db(&self) -> SqliteStore {
        SqliteStore::open(db_path(self.data.path())).unwrap()
    }

    /// What staff do on the dashboard or with `signbook-office agreement
    /// adopt` (and what the agreement publish ends in).
    pub fn adopt(&self, hash: Hash32, roles: &[&str]) {
        let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
        self.runtime.block_on(self.db().adopt_agreement(&hash, &roles, "head teacher", Utc::now())).unwrap();
    }
}

impl Drop for Office {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Pairs the kiosk database at `path` with `office`.
pub fn pair(path: &Path, office: &Office) {
    pair_for(path, office, signbook_office::store::FIRST_SITE);
}

/// Pairs the kiosk database at `path` with `office` as a kiosk of `site`.
pub fn pair_for(path: &Path, office: &Office, site: signbook_office::store::SiteId) {
    let mut store = signbook_core::Store::open(path).unwrap();
    let code = office.pairing_code_for(site);
    signbook_sync::pair(&mut store, &office.url(), &code, &office.fingerprint.to_hex()).unwrap();
}

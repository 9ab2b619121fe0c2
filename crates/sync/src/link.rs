//! [`OfficeLink`]: what the kiosk keeps between pushes to its office.

use std::fmt;

use chrono::{DateTime, Utc};
use signbook_core::hash::Hash32;
use signbook_core::store::Store;

use crate::BATCH_SIZE;
use crate::client::{PushReport, push_over};
use crate::error::{Result, SyncError};
use crate::http::{OfficeClient, Resolver};
use crate::pairing::PairingRequest;
use crate::wire::PairResponse;

/// The kiosk's link to its office, kept between pushes: one
/// [`OfficeClient`] for the paired office, so a push's batches share a
/// kept-alive connection and the office-clock offset learnt once is used
/// for every later request. Made again only when the pairing changes.
#[derive(Clone, Default)]
pub struct OfficeLink {
    resolver: Option<Resolver>,
    client: Option<OfficeClient>,
}

impl fmt::Debug for OfficeLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OfficeLink")
            .field("custom_resolver", &self.resolver.is_some())
            .field("client", &self.client)
            .finish()
    }
}

impl OfficeLink {
    /// A link that resolves the office's name with the system resolver.
    pub fn new() -> Self {
        Self::default()
    }

    /// A link that resolves the office's name with `resolver` (tests).
    pub fn with_resolver(resolver: Resolver) -> Self {
        OfficeLink { resolver: Some(resolver), client: None }
    }

    /// The client for the office at `office_url` pinned to `fingerprint`:
    /// the one already held if it is for that office, else a new one.
    pub fn client(&mut self, office_url: &str, fingerprint: Hash32) -> Result<&OfficeClient> {
        self.client_accepting(office_url, fingerprint, None)
    }

    /// [`OfficeLink::client`], also accepting the certificate the office
    /// announced it will use `next`.
    pub fn client_accepting(
        &mut self,
        office_url: &str,
        fingerprint: Hash32,
        next: Option<Hash32>,
    ) -> Result<&OfficeClient> {
        let url = office_url.trim().trim_end_matches('/');
        let client = match self.client.take() {
            Some(held) if held.url() == url && held.fingerprint() == fingerprint => held,
            _ => OfficeClient::with_resolver(office_url, fingerprint, self.resolver.clone())?,
        };
        client.accept_next(next);
        Ok(self.client.insert(client))
    }

    /// Pairs with the office and saves it in `store` (see [`PairingRequest`]).
    pub fn pair(&mut self, store: &mut Store, office_url: &str, code: &str, fingerprint: &str) -> Result<PairResponse> {
        PairingRequest::prepare(store, office_url, code, fingerprint)?.send(self)?.save(store)
    }

    /// Pushes the whole backlog once (see [`crate::push`]).
    pub fn push(&mut self, store: &mut Store) -> Result<PushReport> {
        self.push_with_clock(store, BATCH_SIZE, &Utc::now)
    }

    /// [`OfficeLink::push`] in batches of `batch_size` records.
    pub fn push_in_batches_of(&mut self, store: &mut Store, batch_size: usize) -> Result<PushReport> {
        self.push_with_clock(store, batch_size, &Utc::now)
    }

    /// [`OfficeLink::push_in_batches_of`] with the kiosk's clock given.
    pub fn push_with_clock(
        &mut self,
        store: &mut Store,
        batch_size: usize,
        kiosk_clock: &dyn Fn() -> DateTime<Utc>,
    ) -> Result<PushReport> {
        let client = match store.sync_config() {
            Ok(Some(config)) => {
                self.client_accepting(&config.office_url, config.fingerprint, config.next_fingerprint).cloned()
            }
            Ok(None) => Err(SyncError::NotPaired),
            Err(error) => Err(error.into()),
        };
        push_over(store, client, batch_size, kiosk_clock)
    }

    /// Points the kiosk at another address of the office it paired with (a
    /// second office server, a new IP address after a move): pushes to
    /// `office_url` pinned to the paired certificate (and the next one the
    /// office announced), and only when that push succeeds saves the new
    /// address. A server with another certificate is refused as
    /// [`SyncError::FingerprintMismatch`], one that does not know this kiosk
    /// by its refusal; either way the address stays as it was, so typing an
    /// address can never slip in another server.
    pub fn move_to_address(&mut self, store: &mut Store, office_url: &str) -> Result<PushReport> {
        let config = store.sync_config()?.ok_or(SyncError::NotPaired)?;
        let url = office_url.trim().trim_end_matches('/');
        let client = OfficeClient::with_resolver(url, config.fingerprint, self.resolver.clone());
        if let Ok(client) = &client {
            client.accept_next(config.next_fingerprint);
        }
        let report = push_over(store, client, BATCH_SIZE, &Utc::now)?;
        // The office's announced certificate may have become the pin during the push.
        let pinned = store.sync_config()?.ok_or(SyncError::NotPaired)?.fingerprint;
        store.set_office_address(url, pinned)?;
        Ok(report)
    }
}

/// Pushes the whole backlog once over a new connection. On failure the
/// error is also kept for [`Store::sync_status`], and what was acknowledged
/// before it stays so.
pub fn push(store: &mut Store) -> Result<PushReport> {
    OfficeLink::new().push(store)
}

/// [`push`] with another batch size (tests and benchmarks use small
/// batches to exercise many requests).
pub fn push_in_batches_of(store: &mut Store, batch_size: usize) -> Result<PushReport> {
    OfficeLink::new().push_in_batches_of(store, batch_size)
}

/// [`push_in_batches_of`] with the kiosk's clock given: what a kiosk whose
/// clock is wrong does (tests).
pub fn push_with_clock(
    store: &mut Store,
    batch_size: usize,
    kiosk_clock: &dyn Fn() -> DateTime<Utc>,
) -> Result<PushReport> {
    OfficeLink::new().push_with_clock(store, batch_size, kiosk_clock)
}

/// [`OfficeLink::move_to_address`] over a new connection.
pub fn move_to_address(store: &mut Store, office_url: &str) -> Result<PushReport> {
    OfficeLink::new().move_to_address(store, office_url)
}

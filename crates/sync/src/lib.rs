//! Sync with the office: pairing, the idempotent push, the background loop,
//! and USB bundles for sites with no network.
//!
//! ## How it fits together
//!
//! * [`pair`] connects to `https://HOST:PORT` trusting only the certificate
//!   whose SHA-256 the admin typed ([`tls`]), sends the one-time code with
//!   the kiosk's device id and Ed25519 public key, and remembers the office.
//!   [`PairingRequest`] does the same in steps, so the kiosk app does not
//!   hold its store while waiting on the network.
//! * [`push`] sends records after the last acknowledged sequence in
//!   batches of [`BATCH_SIZE`], each with a fresh checkpoint signing its
//!   last record and every request signed with the kiosk key ([`auth`]).
//!   The office stores each `(device, seq)` once and answers with the
//!   highest contiguous sequence it holds; only then does the kiosk move
//!   its `acked_seq`, in one transaction. A lost answer, a crash on either
//!   side or a resend therefore never loses or doubles a record: the next
//!   push resends from `acked_seq` and the office ignores what it has.
//! * [`http::OfficeClient`] keeps its connection alive between requests,
//!   tries every address the office's name resolves to, and remembers the
//!   office's clock once it has refused the kiosk's; an [`OfficeLink`] keeps
//!   one client between pushes.
//! * [`BackgroundSync`] is the kiosk app's loop around [`OfficeLink::push`]:
//!   its own thread, database connection (WAL, so signing never waits on
//!   it) and link, exponential backoff with jitter while the office is
//!   unreachable ([`backoff`]), and a [`SyncWaker`] for "Sync now".
//! * [`export_bundle`] writes the whole chain to a signed file that
//!   `signbook-office import-bundle` checks exactly as it checks a push.
//!
//! The wire format is in [`wire`] and `docs/sync-protocol.md`.

pub mod auth;
pub mod backoff;
pub mod bundle;
pub mod configuration;
pub mod discovery;
mod error;
pub mod kiosk_name;
pub mod pake;
pub mod wire;

#[cfg(feature = "client")]
mod background;
#[cfg(feature = "client")]
mod bundle_writer;
#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
mod code_pairing;
#[cfg(feature = "client")]
mod configuration_check;
#[cfg(feature = "client")]
mod configuration_client;
#[cfg(feature = "client")]
pub mod http;
#[cfg(feature = "client")]
mod link;
#[cfg(feature = "client")]
mod pairing;
#[cfg(feature = "client")]
pub mod tls;

#[cfg(feature = "client")]
pub use background::{BackgroundOptions, BackgroundSync, SyncWaker};
pub use bundle::{BUNDLE_FORMAT, BundleManifest, BundleTrailer, bundle_signed_message};
#[cfg(feature = "client")]
pub use bundle_writer::{BundleReport, export_bundle};
#[cfg(feature = "client")]
pub use client::PushReport;
#[cfg(feature = "client")]
pub use code_pairing::{CodePairing, pair_with_code};
pub use configuration::CONFIGURATION_PATH;
#[cfg(feature = "client")]
pub use configuration_check::{ConfigurationRefusal, verify_configuration};
#[cfg(feature = "client")]
pub use configuration_client::apply_pending_configuration;
pub use error::{OFFICE_CODE_PREFIX, Result, SyncError};
#[cfg(feature = "client")]
pub use link::{OfficeLink, move_to_address, push, push_in_batches_of, push_with_clock};
#[cfg(feature = "client")]
pub use pairing::{Paired, PairingRequest, pair, parse_fingerprint};

/// SHA-256 of the office's DER certificate: the fingerprint it prints and
/// every kiosk pins.
pub fn fingerprint(cert_der: &[u8]) -> signbook_core::Hash32 {
    signbook_core::Hash32::of(cert_der)
}

/// Records per push request: about 1.5 MB of JSON with typical signatures,
/// well under the office's 8 MB body limit.
pub const BATCH_SIZE: usize = 500;
/// Most JSON one push carries (records are cut to fit), half the office's
/// 8 MiB limit: 500 unusually long signatures still fit in two requests.
pub const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;
/// The pairing endpoint.
pub const PAIR_PATH: &str = "/v1/pair";
/// The push endpoint.
pub const PUSH_PATH: &str = "/v1/push";

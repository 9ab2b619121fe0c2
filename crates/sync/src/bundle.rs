//! USB bundles: the whole chain in one file for a site with no network.
//!
//! A bundle is JSON Lines: a [`BundleManifest`], then one
//! [`crate::wire::PushRequest`] per line exactly as `push` would send it
//! (records from 1 in batches of [`crate::BATCH_SIZE`], each batch with a
//! checkpoint), then a [`BundleTrailer`] whose Ed25519 signature covers
//! the SHA-256 of every byte before it. The office imports a bundle only
//! for a kiosk it has paired, checks the trailer against the registered
//! key, then applies each batch with the same code as a push, so a bundle
//! imported twice, or after the same records arrived over the network,
//! changes nothing.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `format` of a bundle's first line.
pub const BUNDLE_FORMAT: &str = "signbook-bundle-v1";

/// First line of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleManifest {
    /// Always [`BUNDLE_FORMAT`].
    pub format: String,
    /// The kiosk.
    pub device_id: Uuid,
    /// Its Ed25519 public key, 64 hex digits (must match the paired key).
    pub public_key: String,
    /// When the bundle was written.
    pub created_at: String,
    /// Records in the bundle (all of `1..=head_seq`).
    pub records: u64,
    /// Batch lines that follow.
    pub batches: u64,
}

/// Last line of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleTrailer {
    /// Ed25519 signature of [`bundle_signed_message`], 128 hex digits.
    pub signature: String,
}

/// What the trailer signs, given the SHA-256 of every byte before it.
pub fn bundle_signed_message(device_id: &Uuid, content_sha256: &[u8]) -> Vec<u8> {
    format!("{BUNDLE_FORMAT}\ndevice:{}\ncontent:{}\n", device_id.hyphenated(), hex::encode(content_sha256))
        .into_bytes()
}

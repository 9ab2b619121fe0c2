//! Checkpoints: the kiosk's Ed25519 signature over its chain head.
//!
//! Anyone can recompute SHA-256 chains, so hashes alone do not show *who*
//! wrote a chain. A checkpoint signs `(device, seq, head hash)` with the
//! kiosk's own key; the office learns the public key at pairing. Locally,
//! the head checkpoint also exposes a truncated chain (records deleted from
//! the end) and records appended by anything other than this kiosk.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use uuid::Uuid;

use crate::hash::Hash32;

/// First line of a checkpoint message.
pub const CHECKPOINT_FORMAT: &str = "signbook-checkpoint-v1";

/// Checkpoints at multiples of this are kept forever; others are replaced
/// by the next head, so verification stays fast over long chains.
pub const CHECKPOINT_KEEP_EVERY: u64 = 1000;

/// A signed statement "device D's chain had head H at sequence N".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The kiosk.
    pub device_id: Uuid,
    /// Sequence number of the head record.
    pub seq: u64,
    /// Its record hash.
    pub head_hash: Hash32,
    /// Ed25519 signature over [`Checkpoint::message`].
    pub signature: [u8; 64],
}

impl Checkpoint {
    /// The exact bytes that are signed.
    pub fn message(device_id: &Uuid, seq: u64, head_hash: &Hash32) -> Vec<u8> {
        format!("{CHECKPOINT_FORMAT}\ndevice:{}\nseq:{seq}\nhead:{head_hash}\n", device_id.hyphenated()).into_bytes()
    }

    /// Signs the head with the kiosk key.
    pub fn sign(key: &SigningKey, device_id: Uuid, seq: u64, head_hash: Hash32) -> Self {
        let signature = key.sign(&Self::message(&device_id, seq, &head_hash)).to_bytes();
        Checkpoint { device_id, seq, head_hash, signature }
    }

    /// Whether the signature is valid for `public_key`.
    pub fn is_valid(&self, public_key: &VerifyingKey) -> bool {
        let message = Self::message(&self.device_id, self.seq, &self.head_hash);
        public_key.verify(&message, &Signature::from_bytes(&self.signature)).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_verifies_only_for_its_own_key_and_contents() {
        let key = SigningKey::from_bytes(&[1; 32]);
        let other = SigningKey::from_bytes(&[2; 32]);
        let device = Uuid::nil();
        let cp = Checkpoint::sign(&key, device, 5, Hash32::of(b"head"));
        assert!(cp.is_valid(&key.verifying_key()));
        assert!(!cp.is_valid(&other.verifying_key()));
        for tampered in [
            Checkpoint { seq: 6, ..cp.clone() },
            Checkpoint { head_hash: Hash32::of(b"other"), ..cp.clone() },
            Checkpoint { device_id: Uuid::max(), ..cp.clone() },
        ] {
            assert!(!tampered.is_valid(&key.verifying_key()), "{tampered:?}");
        }
    }
}

//! Pairing with the code alone: the pairing code authenticates the office's
//! certificate through SPAKE2, so the person at the kiosk types a short
//! code and nothing else (`docs/sync-protocol.md`, "Pairing with the code
//! alone").
//!
//! Both sides run SPAKE2 (RustCrypto `spake2`, Ed25519 group) with the
//! SHA-256 of the normalised code as the password: the kiosk knows the
//! code, the office keeps only that hash. Each side then proves it derived
//! the same key with an HMAC-SHA-256 over a transcript that names the
//! certificate the kiosk's TLS connection saw. A wrong code, a wrong
//! office, or a person in the middle presenting their own certificate
//! therefore fails the confirmation, without anything compared by eye; and
//! an eavesdropper learns nothing it could test guesses against offline.
//! The code's first two characters say which code is meant (the office may
//! have several open); they are not part of the secret's strength, the
//! other eight (40 bits) are, against one guess per exchange, five
//! exchanges per code.

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use signbook_core::hash::Hash32;
use spake2::{Ed25519Group, Identity, Password, Spake2};
use uuid::Uuid;

/// `POST` here starts an exchange ([`crate::wire::PakeStart`]).
pub const PAKE_PATH: &str = "/v1/pair/pake";
/// `POST` here, signed with the kiosk's key, finishes it ([`crate::wire::PakeConfirm`]).
pub const PAKE_CONFIRM_PATH: &str = "/v1/pair/pake/confirm";
/// Exchanges an office allows per pairing code: each is one guess.
pub const PAKE_ATTEMPTS_PER_CODE: u32 = 5;
/// How long the office waits for the kiosk's confirmation, in seconds.
pub const PAKE_EXCHANGE_TTL_SECS: i64 = 120;

const KIOSK_IDENTITY: &[u8] = b"signbook-kiosk";
const OFFICE_IDENTITY: &[u8] = b"signbook-office";
/// A normalised code is this long; the first [`CODE_ID_CHARS`] name it.
const CODE_CHARS: usize = 10;
const CODE_ID_CHARS: usize = 2;

/// A code as typed, in the one form both sides hash: case, dashes and
/// spaces do not matter, and the letters people confuse with digits
/// (O, I, L) read as those digits.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

/// SHA-256 of the normalised code, hex: what the office stores instead of
/// the code, and (as bytes) the SPAKE2 password.
pub fn code_hash(code: &str) -> String {
    hex::encode(Sha256::digest(normalise_code(code).as_bytes()))
}

/// Which open code a typed code names (its first two characters), or
/// `None` when it is not a whole code.
pub fn code_id(code: &str) -> Option<String> {
    let code = normalise_code(code);
    (code.chars().count() == CODE_CHARS && code.is_ascii()).then(|| code[..CODE_ID_CHARS].to_owned())
}

/// The two key confirmations of one exchange: each side sends its own and
/// checks the other's.
#[derive(Clone, PartialEq, Eq)]
pub struct Confirmations {
    /// Sent by the kiosk in [`crate::wire::PakeConfirm`].
    pub kiosk: [u8; 32],
    /// Sent by the office in [`crate::wire::PakeAnswer`].
    pub office: [u8; 32],
}

impl std::fmt::Debug for Confirmations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Confirmations(..)")
    }
}

/// What both confirmations cover besides the key: the certificate the
/// kiosk's connection presented (the office's own, if nobody is in the
/// middle), the kiosk, and both SPAKE2 messages.
#[derive(Debug, Clone, Copy)]
pub struct Transcript<'a> {
    /// SHA-256 of the office certificate.
    pub certificate: Hash32,
    /// The kiosk pairing.
    pub device_id: Uuid,
    /// The kiosk's SPAKE2 message.
    pub kiosk_message: &'a [u8],
    /// The office's SPAKE2 message.
    pub office_message: &'a [u8],
}

impl Transcript<'_> {
    fn confirmations(&self, key: &[u8]) -> Confirmations {
        let mac = |side: &str| -> [u8; 32] {
            let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
            mac.update(
                format!(
                    "signbook-pake-v1 {side}\ncertificate:{}\ndevice:{}\nkiosk:{}\noffice:{}\n",
                    self.certificate,
                    self.device_id.hyphenated(),
                    hex::encode(self.kiosk_message),
                    hex::encode(self.office_message)
                )
                .as_bytes(),
            );
            mac.finalize().into_bytes().into()
        };
        Confirmations { kiosk: mac("kiosk"), office: mac("office") }
    }
}

/// Why an exchange could not go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PakeError {
    /// The other side's SPAKE2 message is not one.
    #[error("the pairing message is malformed")]
    Malformed,
}

fn password(code_hash_hex: &str) -> Password {
    Password::new(hex::decode(code_hash_hex).unwrap_or_else(|_| code_hash_hex.as_bytes().to_vec()))
}

/// The kiosk's side, between sending its message and reading the office's.
pub struct KioskPake {
    state: Spake2<Ed25519Group>,
    message: Vec<u8>,
}

impl std::fmt::Debug for KioskPake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KioskPake(..)")
    }
}

impl KioskPake {
    /// Starts an exchange for the code the admin typed.
    pub fn start(code: &str) -> KioskPake {
        let (state, message) = Spake2::<Ed25519Group>::start_a(
            &password(&code_hash(code)),
            &Identity::new(KIOSK_IDENTITY),
            &Identity::new(OFFICE_IDENTITY),
        );
        KioskPake { state, message }
    }

    /// The message to send the office.
    pub fn message(&self) -> &[u8] {
        &self.message
    }

    /// Both confirmations, from the office's message and the certificate
    /// this kiosk's connection saw: the kiosk checks `office` against what
    /// the office sent, and only then sends `kiosk`.
    pub fn finish(
        self,
        office_message: &[u8],
        certificate: Hash32,
        device_id: Uuid,
    ) -> Result<Confirmations, PakeError> {
        let kiosk_message = self.message.clone();
        let key = self.state.finish(office_message).map_err(|_| PakeError::Malformed)?;
        Ok(Transcript { certificate, device_id, kiosk_message: &kiosk_message, office_message }.confirmations(&key))
    }
}

/// The office's side, in one step: its message, and both confirmations
/// for the code whose stored hash is `code_hash_hex`, over its own
/// certificate `certificate`.
pub fn office_pake(
    code_hash_hex: &str,
    kiosk_message: &[u8],
    certificate: Hash32,
    device_id: Uuid,
) -> Result<(Vec<u8>, Confirmations), PakeError> {
    let (state, office_message) = Spake2::<Ed25519Group>::start_b(
        &password(code_hash_hex),
        &Identity::new(KIOSK_IDENTITY),
        &Identity::new(OFFICE_IDENTITY),
    );
    let key = state.finish(kiosk_message).map_err(|_| PakeError::Malformed)?;
    let confirmations =
        Transcript { certificate, device_id, kiosk_message, office_message: &office_message }.confirmations(&key);
    Ok((office_message, confirmations))
}

/// Compares two confirmations in constant time: how much of a guess
/// matched must not show in the time taken.
pub fn same_confirmation(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = "7KQ2M-9XD4P";

    fn run(kiosk_code: &str, office_code: &str, office_cert: Hash32, kiosk_saw: Hash32) -> (bool, bool) {
        let device = Uuid::now_v7();
        let kiosk = KioskPake::start(kiosk_code);
        let (office_message, office_side) =
            office_pake(&code_hash(office_code), kiosk.message(), office_cert, device).unwrap();
        let kiosk_side = kiosk.finish(&office_message, kiosk_saw, device).unwrap();
        (
            same_confirmation(&kiosk_side.office, &office_side.office),
            same_confirmation(&kiosk_side.kiosk, &office_side.kiosk),
        )
    }

    #[test]
    fn the_same_code_and_certificate_confirm_on_both_sides() {
        let cert = Hash32::of(b"office certificate");
        assert_eq!(run(CODE, CODE, cert, cert), (true, true));
        // Typed in lower case with spaces and an O for the 0: the same code.
        assert_eq!(run("7kq2m 9xd4p", CODE, cert, cert), (true, true));
    }

    #[test]
    fn a_wrong_code_or_a_certificate_in_the_middle_fails_both_confirmations() {
        let cert = Hash32::of(b"office certificate");
        assert_eq!(run("7KQ2M-9XD4Q", CODE, cert, cert), (false, false), "one character wrong");
        let impostor = Hash32::of(b"a certificate in the middle");
        assert_eq!(run(CODE, CODE, cert, impostor), (false, false), "the kiosk saw another certificate");
    }

    #[test]
    fn a_code_names_itself_by_its_first_two_characters_only_when_whole() {
        assert_eq!(code_id("7kq2m-9xd4p").as_deref(), Some("7K"));
        assert_eq!(code_id("ol234-56789").as_deref(), Some("01"));
        assert_eq!(code_id("7KQ2M-9XD4"), None);
        assert_eq!(code_id("7KQ2M-9XD4PP"), None);
        assert_eq!(code_id("ÀÀÀÀÀÀÀÀÀÀ"), None);
        assert_eq!(code_hash(CODE), code_hash("7kq2m 9xd4p"));
    }

    #[test]
    fn a_malformed_message_is_refused_not_a_panic() {
        let cert = Hash32::of(b"c");
        assert_eq!(office_pake(&code_hash(CODE), b"short", cert, Uuid::nil()).unwrap_err(), PakeError::Malformed);
        let kiosk = KioskPake::start(CODE);
        assert_eq!(kiosk.finish(&[0u8; 40], cert, Uuid::nil()).unwrap_err(), PakeError::Malformed);
    }
}

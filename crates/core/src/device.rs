//! The kiosk's Ed25519 key, kept in a file beside the database.
//!
//! The key file is created on first use with owner-only permissions
//! (0600 on Unix) and holds the 32-byte secret seed, nothing else. Its
//! public half is also stored in the database, so a key file from another
//! kiosk is noticed instead of silently signing with the wrong identity.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::error::{Error, Result};

/// Where the key for the database at `db_path` lives: `<db_path>.key`.
pub fn key_path_for(db_path: &Path) -> PathBuf {
    let mut name = db_path.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

/// Reads the key at `path`.
pub fn load_key(path: &Path) -> Result<SigningKey> {
    let io = |source| Error::KeyIo { path: path.to_owned(), source };
    let mut seed = [0u8; 32];
    let mut file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    if len != 32 {
        return Err(Error::KeyCorrupt { path: path.to_owned(), len });
    }
    file.read_exact(&mut seed).map_err(io)?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Creates a new random key at `path`; fails if a file is already there.
pub fn create_key(path: &Path) -> Result<SigningKey> {
    let io = |source| Error::KeyIo { path: path.to_owned(), source };
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("the operating system's random number generator failed");
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io)?;
    file.write_all(&seed).and_then(|()| file.sync_all()).map_err(io)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Make the new directory entry durable too.
        File::open(dir).and_then(|d| d.sync_all()).map_err(|source| Error::KeyIo { path: dir.to_owned(), source })?;
    }
    Ok(SigningKey::from_bytes(&seed))
}

/// A short fingerprint of a kiosk's public key, to read aloud or compare
/// by eye: the first 80 bits of SHA-256 over the key's 32 bytes, as five
/// groups of four lowercase hex digits (`3f2a 9c01 77be 0d45 e2a8`).
/// `docs/record-format.md` shows an auditor how to recompute it.
pub fn key_fingerprint(key: &VerifyingKey) -> String {
    let digest = crate::Hash32::of(key.as_bytes()).to_hex();
    digest.as_bytes()[..20]
        .chunks(4)
        .map(|group| std::str::from_utf8(group).expect("hex is ASCII"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a key file exists at `path`.
pub(crate) fn key_exists(path: &Path) -> bool {
    fs::metadata(path).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_fingerprint_is_the_start_of_its_sha256_in_groups() {
        // RFC 8032's first test key: its public half and an independent
        // `printf ... | xxd -r -p | sha256sum` of those 32 bytes.
        let public = hex::decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a").unwrap();
        let key = VerifyingKey::from_bytes(&public.try_into().unwrap()).unwrap();
        assert_eq!(key_fingerprint(&key), "21fe 31df a154 a261 626b");
    }

    #[test]
    fn a_created_key_is_private_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = key_path_for(&dir.path().join("kiosk.db"));
        assert!(path.ends_with("kiosk.db.key"));
        let key = create_key(&path).unwrap();
        assert_eq!(load_key(&path).unwrap().to_bytes(), key.to_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(matches!(create_key(&path), Err(Error::KeyIo { .. })), "never overwrites an existing key");
    }

    #[test]
    fn a_truncated_key_file_is_reported_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        fs::write(&path, [1u8; 31]).unwrap();
        let err = load_key(&path).unwrap_err();
        assert_eq!(err.code(), "key_corrupt");
        assert!(err.to_string().contains("31 bytes"), "{err}");
    }
}

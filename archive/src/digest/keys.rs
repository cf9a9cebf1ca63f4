//! Ed25519 keys for signing digests (`keygen`, `--signing-key`,
//! `--public-key`), as PEM files OpenSSL reads too: the private key PKCS#8,
//! the public key SubjectPublicKeyInfo.

use std::path::{Path, PathBuf};

use ed25519_dalek::{
    pkcs8::EncodePublicKey,
    pkcs8::{spki::der::pem::LineEnding, DecodePrivateKey, DecodePublicKey, EncodePrivateKey},
    Signer, Verifier,
};
use sha2::{Digest as _, Sha256};

use super::{hex, Signature};
use crate::Error;

/// A private key that signs digests. Its `Debug` shows only its id.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({})", self.id())
    }
}

/// A public key that checks signatures.
#[derive(Debug, Clone)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl SigningKey {
    /// The id of its public key.
    pub fn id(&self) -> String {
        key_id(&self.0.verifying_key())
    }

    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature {
            key_id: self.id(),
            ed25519: hex(&self.0.sign(message).to_bytes()),
        }
    }

    /// Reads a private key, refusing a file that users other than its owner
    /// can read (as ssh does).
    pub fn load(path: &Path) -> Result<Self, Error> {
        refuse_if_shared(path)?;
        let pem = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        ed25519_dalek::SigningKey::from_pkcs8_pem(&pem)
            .map(Self)
            .map_err(|e| {
                Error::refused(format!(
                    "the signing key {}: not an Ed25519 private key in PKCS#8 PEM ({e}); \
                     `generate` (the tool's `keygen`) writes one",
                    path.display()
                ))
            })
    }
}

impl PublicKey {
    pub fn load(path: &Path) -> Result<Self, Error> {
        let pem = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        ed25519_dalek::VerifyingKey::from_public_key_pem(&pem)
            .map(Self)
            .map_err(|e| {
                Error::refused(format!(
                    "the public key {}: not an Ed25519 public key in PEM ({e}); `generate` \
                     (the tool's `keygen`) writes it beside the private key as FILE.pub",
                    path.display()
                ))
            })
    }

    pub fn id(&self) -> String {
        key_id(&self.0)
    }

    /// Whether `signature` is this key's over `message`.
    pub fn verifies(&self, message: &[u8], signature: &Signature) -> bool {
        let Some(bytes) = unhex(&signature.ed25519) else {
            return false;
        };
        let Ok(bytes) = <[u8; 64]>::try_from(bytes.as_slice()) else {
            return false;
        };
        self.0
            .verify(message, &ed25519_dalek::Signature::from_bytes(&bytes))
            .is_ok()
    }
}

fn key_id(key: &ed25519_dalek::VerifyingKey) -> String {
    hex(&Sha256::digest(key.as_bytes())[..8])
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(unix)]
fn refuse_if_shared(path: &Path) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(Error::refused(format!(
            "the signing key {}: the private key is readable by others (mode {:04o}); \
             run `chmod 600 {}` and keep it where only this service's user can read it",
            path.display(),
            mode & 0o7777,
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_if_shared(_path: &Path) -> Result<(), Error> {
    Ok(())
}

/// `keygen`: writes a new private key to `path` (mode 0600) and its public
/// key to `path.pub`, never replacing a file. Returns the public key's path
/// and the key id.
pub fn generate(path: &Path) -> Result<(PathBuf, String), Error> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| Error::storage(format!("no randomness: {e}")))?;
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    // PKCS#8 v1 (the seed alone), which OpenSSL reads too.
    let private = ed25519_dalek::pkcs8::KeypairBytes {
        secret_key: seed,
        public_key: None,
    }
    .to_pkcs8_pem(LineEnding::LF)
    .map_err(|e| Error::storage(format!("encoding the key: {e}")))?;
    let public = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| Error::storage(format!("encoding the key: {e}")))?;
    let mut public_path = path.as_os_str().to_owned();
    public_path.push(".pub");
    let public_path = PathBuf::from(public_path);
    crate::safe_file::refuse_link(&public_path)?;
    if public_path.exists() {
        return Err(Error::refused(format!(
            "{} already exists and is left as it is: choose another name",
            public_path.display()
        )));
    }
    write_new(path, private.as_bytes(), 0o600)?;
    if let Err(failure) = write_new(&public_path, public.as_bytes(), 0o644) {
        let _ = std::fs::remove_file(path);
        return Err(failure);
    }
    Ok((public_path, key_id(&key.verifying_key())))
}

/// Creates `path` with `mode` (set at creation, so it is never readable by
/// others even for a moment) and `bytes`, synced; refuses an existing file
/// or a link, and leaves nothing behind when it fails (see `safe_file`).
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Error> {
    crate::safe_file::create_with(path, bytes, Some(mode))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_its_key_only_over_the_same_bytes() {
        let dir = std::env::temp_dir().join(format!("aal-keys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let (public_path, id) = generate(&dir.join("k")).expect("keygen");
        let key = SigningKey::load(&dir.join("k")).expect("loads");
        let public = PublicKey::load(&public_path).expect("loads");
        assert_eq!((key.id(), public.id()), (id.clone(), id));
        let signature = key.sign(b"body");
        assert!(public.verifies(b"body", &signature));
        assert!(!public.verifies(b"bodY", &signature));
        assert!(generate(&dir.join("k")).is_err(), "never replaces a key");
        assert!(!format!("{key:?}").contains("PRIVATE"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

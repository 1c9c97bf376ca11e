//! Signed tree heads (签名树头): size, root and time, signed with the deployment's Ed25519 key.
//!
//! The signed message is fixed binary: `yangguang-tree-head/1\n` ‖ tree size (8 bytes,
//! big-endian) ‖ timestamp in milliseconds since the Unix epoch (8 bytes, big-endian) ‖ the
//! 32-byte root hash. The JSON form carries the same values in hex and decimal.
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Hash;

/// The context string that starts every signed message.
pub const CONTEXT: &[u8] = b"yangguang-tree-head/1\n";

/// A tree head before signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeHead {
    /// Number of leaves.
    pub tree_size: u64,
    /// When it was signed, milliseconds since the Unix epoch.
    pub timestamp: u64,
    /// The Merkle Tree Hash.
    pub root_hash: Hash,
}

impl TreeHead {
    /// The bytes the signature covers.
    pub fn message(&self) -> Vec<u8> {
        let mut m = Vec::with_capacity(CONTEXT.len() + 48);
        m.extend_from_slice(CONTEXT);
        m.extend_from_slice(&self.tree_size.to_be_bytes());
        m.extend_from_slice(&self.timestamp.to_be_bytes());
        m.extend_from_slice(&self.root_hash);
        m
    }
}

/// A signed tree head as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignedTreeHead {
    /// Number of leaves (events) the head covers.
    pub tree_size: u64,
    /// When it was signed: milliseconds since the Unix epoch (signed).
    pub timestamp: u64,
    /// The same time for people, RFC 3339 in UTC (checked against `timestamp`).
    pub issued_at: String,
    /// The RFC 6962 root hash, hex.
    pub root_hash: String,
    /// SHA-256 of the public key, hex.
    pub key_id: String,
    /// Ed25519 signature over the message described in this module, hex.
    pub signature: String,
}

/// Why a signed tree head was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeadError {
    /// A field is not of its form (hex, lengths, time).
    #[error("the tree head is malformed: {0}")]
    Malformed(&'static str),
    /// Signed by another key than the one given.
    #[error("the tree head names key {found}, not the log's key {expected}")]
    OtherKey {
        /// The key the verifier trusts.
        expected: String,
        /// The key the head names.
        found: String,
    },
    /// The signature does not verify.
    #[error("the tree head's signature does not verify with the log's public key")]
    BadSignature,
}

/// The time text of a timestamp (UTC, milliseconds).
pub fn issued_at_text(timestamp: u64) -> Option<String> {
    DateTime::<Utc>::from_timestamp_millis(i64::try_from(timestamp).ok()?)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

/// The log's signing key.
pub struct LogSigner {
    key: SigningKey,
}

impl std::fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogSigner(..)")
    }
}

impl LogSigner {
    /// A signer from a 32-byte Ed25519 seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        LogSigner {
            key: SigningKey::from_bytes(seed),
        }
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.key.verifying_key())
    }

    /// Signs a head.
    pub fn sign(&self, head: &TreeHead) -> SignedTreeHead {
        let signature = self.key.sign(&head.message());
        SignedTreeHead {
            tree_size: head.tree_size,
            timestamp: head.timestamp,
            issued_at: issued_at_text(head.timestamp).unwrap_or_default(),
            root_hash: hex::encode(head.root_hash),
            key_id: self.public_key().key_id(),
            signature: hex::encode(signature.to_bytes()),
        }
    }
}

/// An Ed25519 public key of a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// From 64 hex digits.
    pub fn from_hex(text: &str) -> Result<Self, HeadError> {
        let bytes: [u8; 32] = hex::decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(HeadError::Malformed("a public key is 32 bytes in hex"))?;
        VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| HeadError::Malformed("not an Ed25519 public key"))
    }

    /// As 64 hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }

    /// SHA-256 of the key's bytes, hex: names the key in each head.
    pub fn key_id(&self) -> String {
        hex::encode(Sha256::digest(self.0.to_bytes()))
    }
}

impl SignedTreeHead {
    /// Checks the head's form and signature against `key`; returns the head signed.
    pub fn verify(&self, key: &PublicKey) -> Result<TreeHead, HeadError> {
        let root_hash: Hash = hex::decode(&self.root_hash)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(HeadError::Malformed("root_hash is 32 bytes in hex"))?;
        let signature: [u8; 64] = hex::decode(&self.signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(HeadError::Malformed("signature is 64 bytes in hex"))?;
        if issued_at_text(self.timestamp).as_deref() != Some(self.issued_at.as_str()) {
            return Err(HeadError::Malformed("issued_at does not match timestamp"));
        }
        if self.key_id != key.key_id() {
            return Err(HeadError::OtherKey {
                expected: key.key_id(),
                found: self.key_id.clone(),
            });
        }
        let head = TreeHead {
            tree_size: self.tree_size,
            timestamp: self.timestamp,
            root_hash,
        };
        key.0
            .verify_strict(&head.message(), &Signature::from_bytes(&signature))
            .map_err(|_| HeadError::BadSignature)?;
        Ok(head)
    }

    /// The root hash as bytes (`None` if malformed).
    pub fn root(&self) -> Option<Hash> {
        hex::decode(&self.root_hash).ok()?.try_into().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head() -> TreeHead {
        TreeHead {
            tree_size: 11,
            timestamp: 1_795_000_000_123,
            root_hash: [9; 32],
        }
    }

    #[test]
    fn a_signed_head_verifies_and_any_change_is_refused() {
        let signer = LogSigner::from_seed(&[1; 32]);
        let key = signer.public_key();
        let signed = signer.sign(&head());
        assert_eq!(signed.verify(&key), Ok(head()));
        assert_eq!(signed.issued_at, "2026-11-18T11:06:40.123Z");

        let mut grown = signed.clone();
        grown.tree_size = 12;
        assert_eq!(grown.verify(&key), Err(HeadError::BadSignature));
        let mut moved = signed.clone();
        moved.root_hash = hex::encode([8; 32]);
        assert_eq!(moved.verify(&key), Err(HeadError::BadSignature));
        let mut later = signed.clone();
        later.timestamp += 1;
        later.issued_at = issued_at_text(later.timestamp).unwrap();
        assert_eq!(later.verify(&key), Err(HeadError::BadSignature));
        let mut retimed = signed.clone();
        retimed.issued_at = "2030-01-01T00:00:00.000Z".into();
        assert!(matches!(retimed.verify(&key), Err(HeadError::Malformed(_))));
    }

    #[test]
    fn a_head_signed_by_another_key_is_refused() {
        let ours = LogSigner::from_seed(&[1; 32]).public_key();
        let theirs = LogSigner::from_seed(&[2; 32]);
        let signed = theirs.sign(&head());
        assert!(matches!(
            signed.verify(&ours),
            Err(HeadError::OtherKey { .. })
        ));
        // Claiming our key id does not help: the signature is checked with our key.
        let mut claimed = signed.clone();
        claimed.key_id = ours.key_id();
        assert_eq!(claimed.verify(&ours), Err(HeadError::BadSignature));
    }

    #[test]
    fn keys_round_trip_through_hex_and_bad_hex_is_refused() {
        let key = LogSigner::from_seed(&[3; 32]).public_key();
        assert_eq!(PublicKey::from_hex(&key.to_hex()), Ok(key));
        assert!(PublicKey::from_hex("zz").is_err());
        assert!(PublicKey::from_hex(&"00".repeat(31)).is_err());
        let mut signed = LogSigner::from_seed(&[3; 32]).sign(&head());
        signed.signature = "00".into();
        assert!(matches!(signed.verify(&key), Err(HeadError::Malformed(_))));
    }
}

//! The transparency log's pure logic (透明日志): no I/O, no clock reads.
//!
//! - [`canonical`]: the canonical JSON text every hashed value is written in.
//! - [`leaf`]: an event's public form (公开形式) — the leaf — with personal data replaced by salted
//!   SHA-256 commitments.
//! - [`tree`]: RFC 6962 Merkle tree hashing over SHA-256, the right frontier used to append,
//!   and inclusion and consistency proofs assembled from stored complete subtrees.
//! - [`head`]: signed tree heads (Ed25519) and their verification.
#![forbid(unsafe_code)]

pub mod canonical;
pub mod head;
pub mod leaf;
pub mod tree;

/// A SHA-256 digest.
pub type Hash = [u8; 32];

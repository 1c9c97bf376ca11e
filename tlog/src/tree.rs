//! RFC 6962 Merkle trees over SHA-256 (leaf prefix 0x00, node prefix 0x01), kept as stored
//! complete subtrees.
//!
//! The log stores the hash of every *complete* subtree: the node `(level, index)` covers leaves
//! `[index·2^level, (index+1)·2^level)` and, once written, never changes. Any subtree of the
//! tree of size `n` that RFC 6962 talks about (the Merkle Tree Hash of `D[a:b]` for the ranges
//! its proof algorithms visit) is a complete subtree or a right-edge range whose hash folds
//! O(log n) complete subtrees. So a proof at any tree size, past or present, needs O(log n)
//! stored nodes: [`inclusion_ranges`] / [`consistency_ranges`] name the ranges (ct-merkle gives
//! the proof shape), [`needed_nodes`] the stored nodes to read, [`assemble`] the proof.
use std::collections::{BTreeSet, HashMap};

use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
use sha2::{Digest, Sha256};

use crate::Hash;

/// RFC 6962 leaf hash: SHA-256(0x00 ‖ leaf).
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf);
    h.finalize().into()
}

/// RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The Merkle Tree Hash of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// A complete subtree: covers leaves `[index << level, (index + 1) << level)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId {
    /// Height above the leaves (0 = a leaf).
    pub level: u32,
    /// Position among the nodes of its level.
    pub index: u64,
}

impl NodeId {
    /// First leaf covered.
    pub fn start(&self) -> u64 {
        self.index << self.level
    }
}

/// A range of leaves `[start, end)` whose Merkle Tree Hash a proof needs.
pub type Range = (u64, u64);

/// Errors of proof requests and proof checks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not below the tree size.
    #[error("leaf {index} is not in a tree of {size} leaves")]
    IndexOutOfRange {
        /// Requested leaf.
        index: u64,
        /// Tree size.
        size: u64,
    },
    /// The first size of a consistency proof is 0 or larger than the second.
    #[error("no consistency proof from size {first} to size {second}")]
    BadSizes {
        /// Older size.
        first: u64,
        /// Newer size.
        second: u64,
    },
    /// A stored node is missing.
    #[error("stored node (level {}, index {}) is missing", .0.level, .0.index)]
    MissingNode(NodeId),
    /// The proof does not lead to the root.
    #[error("the proof does not match the signed root")]
    Mismatch,
}

/// Sizes beyond this are refused (ct-merkle's index arithmetic works up to 2^63).
pub const MAX_SIZE: u64 = 1 << 62;

/// The complete subtrees that make up `[start, end)`, left to right: the binary digits of
/// `end - start` from the highest. `start` must be a multiple of the largest chunk, as it is for
/// every range RFC 6962's algorithms visit (and for `[0, n)`).
pub fn decompose(start: u64, end: u64) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut at = start;
    let len = end.saturating_sub(start);
    for level in (0..64u32).rev() {
        if len & (1u64 << level) != 0 {
            out.push(NodeId {
                level,
                index: at >> level,
            });
            at += 1u64 << level;
        }
    }
    out
}

/// The Merkle Tree Hash of a range from its complete subtrees (left to right): a right fold,
/// `H(c1, H(c2, … H(ck-1, ck)))`, which is RFC 6962's split at the largest power of two.
pub fn fold(chunks: &[Hash]) -> Hash {
    let mut iter = chunks.iter().rev();
    let Some(last) = iter.next() else {
        return empty_root();
    };
    iter.fold(*last, |acc, left| node_hash(left, &acc))
}

/// The leaves ct-merkle's array index `x` covers in a tree of `size` leaves (the array-based
/// layout of RFC 9420: leaf `i` is `2i`, a node's level is its number of trailing ones).
fn array_node_range(x: u64, size: u64) -> Range {
    let level = x.trailing_ones();
    let start = (x >> (level + 1)) << level;
    let end = start.saturating_add(1u64 << level).min(size);
    (start, end)
}

/// The ranges whose hashes form the inclusion proof (audit path) of leaf `index` in the tree
/// of `size` leaves, bottom up.
pub fn inclusion_ranges(index: u64, size: u64) -> Result<Vec<Range>, ProofError> {
    if index >= size || size > MAX_SIZE {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    Ok(ct_merkle::indices_for_inclusion_proof(size, index)
        .into_iter()
        .map(|x| array_node_range(x, size))
        .collect())
}

/// The ranges whose hashes form the consistency proof from size `first` to size `second`
/// (RFC 6962 2.1.2). `first` = `second` gives an empty proof.
pub fn consistency_ranges(first: u64, second: u64) -> Result<Vec<Range>, ProofError> {
    if first == 0 || first > second || second > MAX_SIZE {
        return Err(ProofError::BadSizes { first, second });
    }
    Ok(
        ct_merkle::indices_for_consistency_proof(first, second - first)
            .into_iter()
            .map(|x| array_node_range(x, second))
            .collect(),
    )
}

/// Every stored node the ranges need: O(log n) for one proof.
pub fn needed_nodes(ranges: &[Range]) -> BTreeSet<NodeId> {
    ranges.iter().flat_map(|(a, b)| decompose(*a, *b)).collect()
}

/// The proof: each range's hash, folded from the stored nodes.
pub fn assemble(ranges: &[Range], nodes: &HashMap<NodeId, Hash>) -> Result<Vec<Hash>, ProofError> {
    ranges
        .iter()
        .map(|(a, b)| {
            let chunks = decompose(*a, *b)
                .into_iter()
                .map(|id| nodes.get(&id).copied().ok_or(ProofError::MissingNode(id)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(fold(&chunks))
        })
        .collect()
}

/// The root of the tree of `size` leaves from the stored nodes.
pub fn root_from_nodes(size: u64, nodes: &HashMap<NodeId, Hash>) -> Result<Hash, ProofError> {
    let chunks = decompose(0, size)
        .into_iter()
        .map(|id| nodes.get(&id).copied().ok_or(ProofError::MissingNode(id)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(fold(&chunks))
}

type Output = ct_merkle::digest::Output<Sha256>;

fn output(h: &Hash) -> Output {
    Output::from(*h)
}

/// Checks that `leaf` (its bytes, hashed here) is leaf `index` of the tree of `size` leaves
/// with root `root`, by the audit path `path` (ct-merkle's RFC 6962 verifier).
pub fn verify_inclusion(
    root: &Hash,
    size: u64,
    index: u64,
    leaf: &[u8],
    path: &[Hash],
) -> Result<(), ProofError> {
    if index >= size || size > MAX_SIZE {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let outputs: Vec<Output> = path.iter().map(output).collect();
    RootHash::<Sha256>::new(output(root), size)
        .verify_inclusion(
            &leaf,
            index,
            &InclusionProof::<Sha256>::from_digests(&outputs),
        )
        .map_err(|_| ProofError::Mismatch)
}

/// Checks that the tree of `first` leaves with root `first_root` is a prefix of the tree of
/// `second` leaves with root `second_root` (ct-merkle's RFC 6962 verifier). Equal sizes need
/// equal roots; size 0 is a prefix of everything.
pub fn verify_consistency(
    first: u64,
    first_root: &Hash,
    second: u64,
    second_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if first > second || second > MAX_SIZE {
        return Err(ProofError::BadSizes { first, second });
    }
    if first == 0 {
        return if proof.is_empty() && *first_root == empty_root() {
            Ok(())
        } else {
            Err(ProofError::Mismatch)
        };
    }
    if first == second {
        return if proof.is_empty() && first_root == second_root {
            Ok(())
        } else {
            Err(ProofError::Mismatch)
        };
    }
    let outputs: Vec<Output> = proof.iter().map(output).collect();
    RootHash::<Sha256>::new(output(second_root), second)
        .verify_consistency(
            &RootHash::new(output(first_root), first),
            &ConsistencyProof::<Sha256>::from_digests(&outputs),
        )
        .map_err(|_| ProofError::Mismatch)
}

/// The right edge of a tree: the complete subtrees of `[0, size)`, enough to append leaves and
/// compute the root without reading anything else.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// `decompose(0, size)` with hashes, left to right (levels strictly decreasing).
    nodes: Vec<(NodeId, Hash)>,
}

impl Frontier {
    /// The empty tree.
    pub fn new() -> Self {
        Frontier::default()
    }

    /// The frontier of a stored tree: `hashes` are the nodes of [`Frontier::ids`] for `size`,
    /// in that order.
    pub fn from_stored(size: u64, hashes: &HashMap<NodeId, Hash>) -> Result<Self, ProofError> {
        let nodes = Self::ids(size)
            .into_iter()
            .map(|id| {
                hashes
                    .get(&id)
                    .map(|h| (id, *h))
                    .ok_or(ProofError::MissingNode(id))
            })
            .collect::<Result<_, _>>()?;
        Ok(Frontier { size, nodes })
    }

    /// The stored nodes a frontier of `size` leaves is made of.
    pub fn ids(size: u64) -> Vec<NodeId> {
        decompose(0, size)
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The Merkle Tree Hash of the whole tree.
    pub fn root(&self) -> Hash {
        let chunks: Vec<Hash> = self.nodes.iter().map(|(_, h)| *h).collect();
        fold(&chunks)
    }

    /// Appends a leaf by its leaf hash; returns every complete subtree it completes (the leaf
    /// itself first), to be stored.
    pub fn push(&mut self, leaf: Hash) -> Vec<(NodeId, Hash)> {
        let mut id = NodeId {
            level: 0,
            index: self.size,
        };
        let mut hash = leaf;
        let mut completed = vec![(id, hash)];
        while let Some((left_id, left_hash)) = self.nodes.last().copied() {
            if left_id.level != id.level {
                break;
            }
            self.nodes.pop();
            hash = node_hash(&left_hash, &hash);
            id = NodeId {
                level: id.level + 1,
                index: left_id.index >> 1,
            };
            completed.push((id, hash));
        }
        self.nodes.push((id, hash));
        self.size += 1;
        completed
    }
}

#[cfg(test)]
mod tests;

//! RFC 6962 known answers, and every proof assembled from stored nodes checked against
//! ct-merkle's in-memory tree.
use std::collections::HashMap;

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use sha2::Sha256;

use super::*;

/// The leaves of the RFC 6962 reference tests, as used by transparency-dev/merkle
/// (testonly/reference_test.go) and ct-merkle's tests/known_answer.rs.
const LEAVES: &[&str] = &[
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// Roots of the trees of the first 1..=8 of [`LEAVES`] (same source).
const ROOTS: &[&str] = &[
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// (size, index, audit path) — same source.
const INCLUSION: &[(u64, u64, &[&str])] = &[
    (1, 0, &[]),
    (
        2,
        0,
        &["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"],
    ),
    (
        2,
        1,
        &["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"],
    ),
    (
        3,
        2,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        5,
        1,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        8,
        0,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        8,
        5,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

/// (first size, second size, proof) — same source.
const CONSISTENCY: &[(u64, u64, &[&str])] = &[
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn h(hex_str: &str) -> Hash {
    hex::decode(hex_str).unwrap().try_into().unwrap()
}

fn vector_leaves() -> Vec<Vec<u8>> {
    LEAVES.iter().map(|l| hex::decode(l).unwrap()).collect()
}

/// Appends `leaves` through a [`Frontier`] and keeps every node it completes, as the log's
/// store does.
fn stored(leaves: &[Vec<u8>]) -> (Frontier, HashMap<NodeId, Hash>) {
    let mut frontier = Frontier::new();
    let mut nodes = HashMap::new();
    for leaf in leaves {
        nodes.extend(frontier.push(leaf_hash(leaf)));
    }
    (frontier, nodes)
}

fn synthetic(n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| format!("leaf {i}").into_bytes()).collect()
}

#[test]
fn the_empty_tree_hashes_to_sha256_of_nothing() {
    assert_eq!(
        hex::encode(empty_root()),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(Frontier::new().root(), empty_root());
}

#[test]
fn roots_match_the_rfc6962_vectors() {
    let leaves = vector_leaves();
    for (n, expected) in ROOTS.iter().enumerate() {
        let (frontier, nodes) = stored(&leaves[..=n]);
        assert_eq!(hex::encode(frontier.root()), *expected, "size {}", n + 1);
        // A later, larger tree still answers for the older size from its stored nodes.
        let (_, all) = stored(&leaves);
        assert_eq!(root_from_nodes(n as u64 + 1, &all).unwrap(), h(expected));
        assert_eq!(root_from_nodes(n as u64 + 1, &nodes).unwrap(), h(expected));
    }
}

#[test]
fn inclusion_proofs_match_the_rfc6962_vectors_and_verify() {
    let leaves = vector_leaves();
    let (_, nodes) = stored(&leaves);
    for (size, index, expected) in INCLUSION {
        let ranges = inclusion_ranges(*index, *size).unwrap();
        let proof = assemble(&ranges, &nodes).unwrap();
        let expected: Vec<Hash> = expected.iter().map(|e| h(e)).collect();
        assert_eq!(proof, expected, "size {size} index {index}");
        let root = h(ROOTS[*size as usize - 1]);
        verify_inclusion(&root, *size, *index, &leaves[*index as usize], &proof).unwrap();
    }
}

#[test]
fn consistency_proofs_match_the_rfc6962_vectors_and_verify() {
    let leaves = vector_leaves();
    let (_, nodes) = stored(&leaves);
    for (first, second, expected) in CONSISTENCY {
        let ranges = consistency_ranges(*first, *second).unwrap();
        let proof = assemble(&ranges, &nodes).unwrap();
        let expected: Vec<Hash> = expected.iter().map(|e| h(e)).collect();
        assert_eq!(proof, expected, "{first} → {second}");
        verify_consistency(
            *first,
            &h(ROOTS[*first as usize - 1]),
            *second,
            &h(ROOTS[*second as usize - 1]),
            &proof,
        )
        .unwrap();
    }
}

#[test]
fn every_proof_from_stored_nodes_equals_ct_merkles_in_memory_proof() {
    // One stored tree of 70 leaves answers for every earlier size, as the log does.
    let leaves = synthetic(70);
    let (_, nodes) = stored(&leaves);
    for size in 1..=leaves.len() {
        let mut reference = MemoryBackedTree::<Sha256, Vec<u8>>::new();
        for leaf in &leaves[..size] {
            reference.push(leaf.clone());
        }
        let root: Hash = (*reference.root().as_bytes()).into();
        assert_eq!(root_from_nodes(size as u64, &nodes).unwrap(), root);
        for (index, leaf) in leaves[..size].iter().enumerate() {
            let proof = assemble(
                &inclusion_ranges(index as u64, size as u64).unwrap(),
                &nodes,
            )
            .unwrap();
            assert_eq!(
                proof.concat(),
                reference.prove_inclusion(index).as_bytes(),
                "inclusion {index} at {size}"
            );
            verify_inclusion(&root, size as u64, index as u64, leaf, &proof).unwrap();
        }
        for first in 1..=size {
            let proof = assemble(
                &consistency_ranges(first as u64, size as u64).unwrap(),
                &nodes,
            )
            .unwrap();
            assert_eq!(
                proof.concat(),
                reference.prove_consistency(size - first).as_bytes(),
                "consistency {first} → {size}"
            );
        }
    }
}

#[test]
fn a_proof_needs_only_logarithmically_many_stored_nodes() {
    let size = 10_000_019u64;
    for index in [0, 1, 4_999_999, size - 2, size - 1] {
        let nodes = needed_nodes(&inclusion_ranges(index, size).unwrap());
        assert!(nodes.len() <= 2 * 64, "{} nodes", nodes.len());
    }
    let nodes = needed_nodes(&consistency_ranges(3_333_333, size).unwrap());
    assert!(nodes.len() <= 2 * 64, "{} nodes", nodes.len());
}

#[test]
fn tampered_leaves_proofs_and_roots_are_refused() {
    let leaves = synthetic(11);
    let (frontier, nodes) = stored(&leaves);
    let root = frontier.root();
    let mut proof = assemble(&inclusion_ranges(3, 11).unwrap(), &nodes).unwrap();
    assert_eq!(
        verify_inclusion(&root, 11, 3, b"leaf 4", &proof),
        Err(ProofError::Mismatch)
    );
    assert_eq!(
        verify_inclusion(&root, 11, 4, &leaves[3], &proof),
        Err(ProofError::Mismatch)
    );
    assert_eq!(
        verify_inclusion(&root, 11, 11, &leaves[3], &proof),
        Err(ProofError::IndexOutOfRange {
            index: 11,
            size: 11
        })
    );
    proof[1][0] ^= 1;
    assert_eq!(
        verify_inclusion(&root, 11, 3, &leaves[3], &proof),
        Err(ProofError::Mismatch)
    );
    proof.pop();
    assert!(verify_inclusion(&root, 11, 3, &leaves[3], &proof).is_err());

    let old = root_from_nodes(6, &nodes).unwrap();
    let good = assemble(&consistency_ranges(6, 11).unwrap(), &nodes).unwrap();
    verify_consistency(6, &old, 11, &root, &good).unwrap();
    // A fork: the same first six leaves, then different ones.
    let mut forked = leaves.clone();
    forked[8] = b"rewritten".to_vec();
    let (fork, fork_nodes) = stored(&forked);
    let fork_proof = assemble(&consistency_ranges(6, 11).unwrap(), &fork_nodes).unwrap();
    verify_consistency(6, &old, 11, &fork.root(), &fork_proof).unwrap();
    assert_eq!(
        verify_consistency(6, &old, 11, &fork.root(), &good),
        Err(ProofError::Mismatch)
    );
    // A history rewritten before the old head cannot be consistent with it.
    let mut rewritten = leaves.clone();
    rewritten[2] = b"rewritten".to_vec();
    let (other, other_nodes) = stored(&rewritten);
    let other_proof = assemble(&consistency_ranges(6, 11).unwrap(), &other_nodes).unwrap();
    assert_eq!(
        verify_consistency(6, &old, 11, &other.root(), &other_proof),
        Err(ProofError::Mismatch)
    );
    assert_eq!(
        verify_consistency(11, &root, 11, &other.root(), &[]),
        Err(ProofError::Mismatch)
    );
    assert_eq!(
        verify_consistency(12, &root, 11, &root, &[]),
        Err(ProofError::BadSizes {
            first: 12,
            second: 11
        })
    );
    verify_consistency(0, &empty_root(), 11, &root, &[]).unwrap();
}

#[test]
fn bad_proof_requests_are_errors_not_panics() {
    assert!(inclusion_ranges(0, 0).is_err());
    assert!(inclusion_ranges(5, 5).is_err());
    assert!(inclusion_ranges(u64::MAX, u64::MAX).is_err());
    assert!(consistency_ranges(0, 5).is_err());
    assert!(consistency_ranges(6, 5).is_err());
    assert!(consistency_ranges(1, u64::MAX).is_err());
    assert_eq!(
        assemble(&[(0, 4)], &HashMap::new()),
        Err(ProofError::MissingNode(NodeId { level: 2, index: 0 }))
    );
}

proptest::proptest! {
    #[test]
    fn the_frontier_reloaded_from_storage_continues_identically(n in 0usize..300, more in 1usize..40) {
        let leaves = synthetic(n + more);
        let (_, nodes) = stored(&leaves[..n]);
        let mut reloaded = Frontier::from_stored(n as u64, &nodes).unwrap();
        let mut all = nodes.clone();
        for leaf in &leaves[n..] {
            all.extend(reloaded.push(leaf_hash(leaf)));
        }
        let (straight, straight_nodes) = stored(&leaves);
        proptest::prop_assert_eq!(reloaded.root(), straight.root());
        proptest::prop_assert_eq!(all, straight_nodes);
    }
}

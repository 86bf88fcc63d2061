//! The job dir's seen set: every fingerprint that went through the duplicate filter, exact
//! (an unseen request is never taken for a duplicate), at about 8 bytes a fingerprint.
//!
//! Fingerprints are kept in one sorted vector, searched by bisection, plus a hash set of the
//! latest ones; when that set is full it is sorted and merged into the vector in place (from
//! the back, so the merge needs no second copy of the vector). Ten million fingerprints take
//! about 80 MiB; the in-memory frontier's hash set takes about twice that.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;

use crate::scheduler::IdentityHasher;

/// How many fingerprints wait in the hash set before a merge: each merge moves the whole
/// vector once, so this bounds the merges to one per this many new fingerprints.
const RECENT: usize = 1 << 18;

/// A set of fingerprints, exact and compact.
#[derive(Default)]
pub(crate) struct SeenSet {
    sorted: Vec<u64>,
    recent: HashSet<u64, BuildHasherDefault<IdentityHasher>>,
}

impl SeenSet {
    /// A set holding `fingerprints` (in any order, repeats allowed).
    pub(crate) fn from_vec(mut fingerprints: Vec<u64>) -> Self {
        fingerprints.sort_unstable();
        fingerprints.dedup();
        fingerprints.shrink_to_fit();
        SeenSet {
            sorted: fingerprints,
            recent: HashSet::default(),
        }
    }

    /// Adds `fp`; returns `true` if it was not in the set.
    pub(crate) fn insert(&mut self, fp: u64) -> bool {
        if self.recent.contains(&fp) || self.sorted.binary_search(&fp).is_ok() {
            return false;
        }
        self.recent.insert(fp);
        if self.recent.len() >= RECENT {
            self.merge();
        }
        true
    }

    /// Fingerprints in the set.
    pub(crate) fn len(&self) -> usize {
        self.sorted.len() + self.recent.len()
    }

    /// Moves the recent fingerprints into the sorted vector.
    fn merge(&mut self) {
        let mut add: Vec<u64> = self.recent.drain().collect();
        add.sort_unstable();
        let old = self.sorted.len();
        // Exact growth: a large vector grows by remapping its pages, not by copying them.
        self.sorted.reserve_exact(add.len());
        self.sorted.resize(old + add.len(), 0);
        let (mut i, mut j) = (old, add.len());
        while j > 0 {
            let k = i + j - 1;
            if i > 0 && self.sorted[i - 1] > add[j - 1] {
                self.sorted[k] = self.sorted[i - 1];
                i -= 1;
            } else {
                self.sorted[k] = add[j - 1];
                j -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_keep_every_fingerprint_exactly() {
        let mut set = SeenSet::from_vec(vec![9, 3, 3, 7]);
        assert_eq!(set.len(), 3);
        assert!(!set.insert(3));
        // Enough to merge twice, interleaved with what is already there.
        let values: Vec<u64> = (0..2 * RECENT as u64 + 5)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        for &value in &values {
            assert_eq!(set.insert(value), ![3, 7, 9].contains(&value), "{value}");
        }
        assert!(set.sorted.windows(2).all(|w| w[0] < w[1]));
        for &value in values.iter().chain(&[3, 7, 9]) {
            assert!(!set.insert(value), "{value} was forgotten");
        }
        assert!(set.insert(8));
        assert_eq!(set.len(), values.len() + 4);
    }
}

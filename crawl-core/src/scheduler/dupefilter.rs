//! The duplicate filter: a set of seen fingerprints.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use super::Fingerprint;

/// A hasher that passes a fingerprint through: it is already a good hash.
#[derive(Default)]
pub(crate) struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// Remembers the fingerprints of requests already scheduled (about 9 bytes each).
#[derive(Default)]
pub struct DupeFilter {
    seen: HashSet<u64, BuildHasherDefault<IdentityHasher>>,
}

impl DupeFilter {
    /// Records `fingerprint`; returns `true` if it was seen before.
    pub fn seen_before(&mut self, fingerprint: Fingerprint) -> bool {
        !self.seen.insert(fingerprint.0)
    }

    /// Number of fingerprints remembered.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether no fingerprint was recorded yet.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_sighting_is_a_duplicate() {
        let mut filter = DupeFilter::default();
        assert!(!filter.seen_before(Fingerprint(1)));
        assert!(filter.seen_before(Fingerprint(1)));
        assert!(!filter.seen_before(Fingerprint(2)));
        assert_eq!(filter.len(), 2);
    }
}

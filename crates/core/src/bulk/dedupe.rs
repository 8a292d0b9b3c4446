//! Deduplicating user IDs without an allocation per ID: [`SeenIds`].

use std::collections::HashSet;

use crate::retry::splitmix64;

/// The distinct user IDs seen so far. An ID of up to 12 characters (all of Slack's) is
/// packed exactly into a `u64` (base 37 over `0-9A-Z`), so the set is small, holds no
/// pointers and allocates nothing per ID.
pub(super) struct SeenIds {
    short: HashSet<u64, BuildIdHasher>,
    long: HashSet<String>,
}

impl SeenIds {
    pub(super) fn with_capacity(n: usize) -> Self {
        SeenIds {
            short: HashSet::with_capacity_and_hasher(n, BuildIdHasher),
            long: HashSet::new(),
        }
    }

    /// True the first time a valid ID is seen.
    pub(super) fn insert(&mut self, id: &str) -> bool {
        if id.len() <= 12 {
            // 37^12 < 2^64, and 0 never stands for a character: the packing is exact.
            let packed = id.bytes().fold(0u64, |acc, b| {
                let digit = match b {
                    b'0'..=b'9' => u64::from(b - b'0') + 1,
                    _ => u64::from(b.wrapping_sub(b'A')) + 11,
                };
                acc * 37 + digit
            });
            self.short.insert(packed)
        } else {
            self.long.insert(id.to_owned())
        }
    }
}

/// A fast, non-cryptographic hasher for deduplicating user IDs. The inputs are an admin's
/// own list, so hash flooding is not a concern; SipHash was half the planning time.
#[derive(Debug, Default, Clone, Copy)]
struct BuildIdHasher;

impl std::hash::BuildHasher for BuildIdHasher {
    type Hasher = IdHasher;
    fn build_hasher(&self) -> IdHasher {
        IdHasher(0)
    }
}

#[derive(Debug)]
struct IdHasher(u64);

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in words.by_ref() {
            let mut word = [0u8; 8];
            word.copy_from_slice(w);
            self.add(u64::from_le_bytes(word));
        }
        let mut tail = 0u64;
        for (i, b) in words.remainder().iter().enumerate() {
            tail |= u64::from(*b) << (8 * i);
        }
        self.add(tail);
    }
    fn write_u8(&mut self, b: u8) {
        self.add(u64::from(b));
    }
    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }
    fn finish(&self) -> u64 {
        // Mix the high bits down, as hashbrown takes its control bits from the top.
        splitmix64(self.0)
    }
}

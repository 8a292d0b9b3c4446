//! Deduplicating user IDs without an allocation per ID: [`SeenIds`].

use std::collections::HashSet;

use crate::retry::splitmix64;

/// The distinct user IDs seen so far. An ID of up to 12 characters (all of Slack's) is
/// packed exactly into a `u64` (base 37 over `0-9A-Z`, see [`pack`]), so the sets are
/// small, hold no pointers and allocate nothing per ID.
///
/// Inputs often come sorted (an export, `sort -u`). While they do, each key is larger
/// than every key before it, so it is new without a look in a hash set: it is appended
/// to `in_order`, a sorted list, and a run over sorted IDs never touches a hash table,
/// whose random accesses are most of the cost of deduplicating 100,000 IDs. From the
/// first key out of order on, keys go to the hash set, and a key is seen when either
/// holds it (a binary search in `in_order`).
pub(super) struct SeenIds {
    /// The keys of the input's sorted beginning, in order.
    in_order: Vec<u64>,
    /// False from the first key out of order on.
    sorted: bool,
    /// How many keys the input promises, to size the hash set when it is needed.
    expected: usize,
    short: HashSet<u64, BuildIdHasher>,
    long: HashSet<String>,
}

impl SeenIds {
    /// A set for about `n` IDs.
    pub(super) fn with_capacity(n: usize) -> Self {
        SeenIds {
            in_order: Vec::with_capacity(n),
            sorted: true,
            expected: n,
            short: HashSet::default(),
            long: HashSet::new(),
        }
    }

    /// True the first time the ID packed as `key` ([`pack`]) is seen.
    pub(super) fn insert_packed(&mut self, key: u64) -> bool {
        if self.sorted {
            match self.in_order.last() {
                Some(&last) if key == last => return false,
                Some(&last) if key < last => {
                    self.sorted = false;
                    self.short
                        .reserve(self.expected.saturating_sub(self.in_order.len()));
                }
                _ => {
                    self.in_order.push(key);
                    return true;
                }
            }
        }
        self.in_order.binary_search(&key).is_err() && self.short.insert(key)
    }

    /// True the first time a valid ID is seen.
    pub(super) fn insert(&mut self, id: &str) -> bool {
        match pack(id) {
            Some(key) => self.insert_packed(key),
            None => self.long.insert(id.to_owned()),
        }
    }
}

/// Each byte's digit in the packing: `0-9` are 1 to 10, `A-Z` 11 to 36, and every other
/// byte 0, which no valid ID holds.
const DIGITS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 10 {
        t[b'0' as usize + b] = b as u8 + 1;
        b += 1;
    }
    b = 0;
    while b < 26 {
        t[b'A' as usize + b] = b as u8 + 11;
        b += 1;
    }
    t
};

/// The longest ID [`pack`] takes: 37^12 < 2^64.
const PACKED_MAX: usize = 12;

/// A valid user ID of up to 12 characters (every one Slack makes), packed exactly into a
/// `u64` in base 37: validated and packed in one pass over its bytes, the bulk planner's
/// hot path. `None` for anything else: an invalid ID, or a longer one.
pub(super) fn pack(id: &str) -> Option<u64> {
    pack_copy(id, &mut [0; PACKED_MAX])
}

/// [`pack`], copying the ID's bytes into `copy` on the way, so that the planner reads
/// each input ID once.
pub(super) fn pack_copy(id: &str, copy: &mut [u8]) -> Option<u64> {
    let b = id.as_bytes();
    if b.len() < 2 || b.len() > PACKED_MAX || b.len() > copy.len() || !matches!(b[0], b'U' | b'W') {
        return None;
    }
    let mut key = 0u64;
    for (&c, out) in b.iter().zip(copy.iter_mut()) {
        let digit = DIGITS[usize::from(c)];
        if digit == 0 {
            return None;
        }
        *out = c;
        key = key * 37 + u64::from(digit);
    }
    Some(key)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::user::validate;
    use proptest::prelude::*;

    proptest! {
        /// `pack` takes exactly the valid IDs of up to 12 characters.
        #[test]
        fn pack_agrees_with_validate(s in "[UWX]?[0-9A-Za-z_]{0,14}") {
            let valid_short = validate(&s).is_ok() && s.len() <= PACKED_MAX;
            prop_assert_eq!(pack(&s).is_some(), valid_short, "{}", s);
        }

        /// Two different IDs never share a key.
        #[test]
        fn packing_is_exact(a in "[UW][0-9A-Z]{1,11}", b in "[UW][0-9A-Z]{1,11}") {
            prop_assert_eq!(pack(&a) == pack(&b), a == b);
        }
    }

    proptest! {
        /// The same answers as a plain set, for inputs sorted at first, then not, with
        /// repeats on both sides.
        #[test]
        fn seen_ids_answer_as_a_plain_set_does(
            head in proptest::collection::vec(0u32..400, 0..60),
            tail in proptest::collection::vec(0u32..400, 0..60),
        ) {
            let mut sorted_head = head;
            sorted_head.sort_unstable();
            let mut seen = SeenIds::with_capacity(8);
            let mut model = std::collections::HashSet::new();
            for n in sorted_head.into_iter().chain(tail) {
                let id = format!("U{n:04}");
                prop_assert_eq!(seen.insert(&id), model.insert(id.clone()), "{}", id);
            }
        }
    }

    #[test]
    fn a_sorted_input_never_fills_the_hash_set() {
        let mut seen = SeenIds::with_capacity(1_000);
        for n in 0..1_000 {
            assert!(seen.insert(&format!("U{n:08}")));
            assert!(!seen.insert(&format!("U{n:08}")), "an adjacent repeat");
        }
        assert!(seen.sorted && seen.short.is_empty() && seen.short.capacity() == 0);
        assert!(!seen.insert("U00000007"), "a repeat out of order");
        assert!(seen.insert("U0000000") && !seen.sorted);
        assert_eq!(seen.short.len(), 1);
    }

    #[test]
    fn every_id_is_seen_once_on_either_path() {
        let mut seen = SeenIds::with_capacity(4);
        let long = "U0123456789ABCDEFGH";
        assert!(seen.insert("U012AB3CD") && !seen.insert("U012AB3CD"));
        assert!(!seen.insert_packed(pack("U012AB3CD").unwrap()), "same key");
        assert!(seen.insert(long) && !seen.insert(long));
        assert!(pack(long).is_none() && pack("").is_none() && pack("U").is_none());
    }
}

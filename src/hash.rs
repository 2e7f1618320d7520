//! One stable hash (FNV-1a, 64 bits) for names derived from data: cache file names, the names
//! and generated values of a conformance run. Not for security, and never std's hasher.

/// FNV-1a over the concatenated parts: stable across Rust releases and platforms, so what is
/// derived from it survives upgrades (std's hasher promises no such thing). Callers that hash
/// several fields put a separator (`&[0]`) between them, so `("ab", "c")` and `("a", "bc")`
/// differ.
pub fn stable_hash(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in parts.iter().flat_map(|part| part.iter()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_fnv_1a_and_parts_are_concatenated() {
        assert_eq!(stable_hash(&[]), 0xcbf2_9ce4_8422_2325, "the offset basis");
        assert_eq!(
            stable_hash(&[b"a"]),
            0xaf63_dc4c_8601_ec8c,
            "the published FNV-1a of `a`"
        );
        assert_eq!(stable_hash(&[b"ab", b"c"]), stable_hash(&[b"a", b"bc"]));
        assert_ne!(
            stable_hash(&[b"ab", &[0], b"c"]),
            stable_hash(&[b"a", &[0], b"bc"])
        );
    }
}

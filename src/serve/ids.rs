//! Resource ids for `scimctl serve`: random (version 4) UUIDs from a per-thread generator
//! seeded once from the operating system. Unique and well spread, not secret: tokens do not
//! come from here.
//!
//! `Uuid::new_v4` asks the kernel for 16 bytes on every call, a system call per POST. Ids only
//! need to be unique and well spread, not secret (the bearer token is where secrecy matters,
//! and it still comes from `Uuid::new_v4`), so each thread draws them from SplitMix64 over a
//! counter that starts at a random seed: consecutive counter values never repeat, so one
//! thread never hands out the same id twice.

use std::cell::Cell;

/// SplitMix64's step between counter values (the golden ratio in 64 bits).
const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

thread_local! {
    static COUNTER: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let (high, low) = uuid::Uuid::new_v4().as_u64_pair();
    high ^ low
}

/// SplitMix64's output function: a bijection on `u64`, so distinct counters give distinct
/// outputs.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn next_u64() -> u64 {
    COUNTER.with(|counter| {
        let next = counter.get().wrapping_add(GOLDEN_GAMMA);
        counter.set(next);
        mix(next)
    })
}

/// A new id: a version 4 UUID in its hyphenated lowercase form (RFC 9562 §5.4).
pub fn new_id() -> String {
    let mut random = [0u8; 16];
    let (high, low) = random.split_at_mut(8);
    high.copy_from_slice(&next_u64().to_le_bytes());
    low.copy_from_slice(&next_u64().to_le_bytes());
    let uuid = uuid::Builder::from_random_bytes(random).into_uuid();
    uuid.hyphenated()
        .encode_lower(&mut uuid::Uuid::encode_buffer())
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_version_4_uuids() {
        let id = new_id();
        let parsed = uuid::Uuid::parse_str(&id).expect("a UUID");
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(id, parsed.hyphenated().to_string(), "hyphenated lowercase");
    }

    #[test]
    fn ids_do_not_repeat_within_a_thread_or_across_threads() {
        let mut seen: HashSet<String> = (0..10_000).map(|_| new_id()).collect();
        assert_eq!(seen.len(), 10_000);
        let other_thread: Vec<String> =
            std::thread::spawn(|| (0..10_000).map(|_| new_id()).collect())
                .join()
                .expect("the thread finishes");
        seen.extend(other_thread);
        assert_eq!(seen.len(), 20_000);
    }
}

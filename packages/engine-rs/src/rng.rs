//! A small seeded generator (SplitMix64) for everything random the engine does: sweep sampling,
//! the stationary bootstrap, Monte Carlo resampling. The same seed gives the same numbers on every
//! machine and thread count (each resample derives its own stream from the seed and its index).

/// The golden-ratio increment of SplitMix64.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed ^ GOLDEN }
    }

    /// An independent stream for item `index` of a seeded computation (a resample).
    pub fn stream(seed: u64, index: u64) -> SplitMix64 {
        let mut base = SplitMix64::new(seed);
        SplitMix64::new(base.next_u64() ^ index.wrapping_mul(GOLDEN).rotate_left(17))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (`n` > 0), by rejection so every value is equally likely.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % n;
            }
        }
    }
}

/// The indices of one stationary bootstrap resample (Politis & Romano 1994) of a series of `n`
/// observations with mean block length `block`: the first index uniform; each next one starts a
/// new block at a uniform index with probability 1 / `block`, else follows the previous one,
/// wrapping from the last observation to the first.
pub fn stationary_bootstrap(rng: &mut SplitMix64, n: usize, block: f64) -> Vec<usize> {
    let mut out = Vec::with_capacity(n);
    if n == 0 {
        return out;
    }
    let restart = 1.0 / block.max(1.0);
    let mut i = rng.below(n as u64) as usize;
    out.push(i);
    while out.len() < n {
        i = if rng.next_f64() < restart { rng.below(n as u64) as usize } else { (i + 1) % n };
        out.push(i);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers_and_streams_differ() {
        let a: Vec<u64> = (0..5)
            .map({
                let mut r = SplitMix64::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..5)
            .map({
                let mut r = SplitMix64::new(7);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(SplitMix64::stream(7, 0).next_u64(), SplitMix64::stream(7, 1).next_u64());
        let mut r = SplitMix64::new(1);
        assert!((0..10_000).all(|_| r.below(3) < 3));
        assert!((0..10_000).map(|_| r.next_f64()).all(|x| (0.0..1.0).contains(&x)));
    }

    #[test]
    fn a_stationary_bootstrap_follows_blocks_and_wraps() {
        let mut r = SplitMix64::new(3);
        let idx = stationary_bootstrap(&mut r, 50, 10.0);
        assert_eq!(idx.len(), 50);
        assert!(idx.iter().all(|&i| i < 50));
        // Mean block length 10: most steps follow the previous index (wrapping 49 → 0).
        let follows = idx.windows(2).filter(|w| w[1] == (w[0] + 1) % 50).count();
        assert!(follows > 30, "{follows} of 49 steps continue a block");
        // Block length 1: every index drawn afresh (continuing only by chance).
        let fresh = stationary_bootstrap(&mut r, 1000, 1.0);
        let follows = fresh.windows(2).filter(|w| w[1] == (w[0] + 1) % 1000).count();
        assert!(follows < 20, "{follows}");
    }
}

//! A deterministic random workload for sizing the analysis: xorshift noise
//! (no skill anywhere, so PBO should sit near ½), same seed → same matrix.

use std::time::Instant;

use super::analysis::{CscvOptions, analyze};
use super::error::CscvError;
use super::matrix::Matrix;
use super::result::CscvResult;

/// Marsaglia's xorshift64 generator: tiny, fast and reproducible, which is
/// all a benchmark fill needs (not for statistics).
#[derive(Debug, Clone)]
pub struct XorShift64 {
    state: u64,
}

impl XorShift64 {
    /// Seeds through one splitmix64 step, because xorshift's all-zero state
    /// is a fixed point (seed 0 would produce only zeros).
    pub fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        XorShift64 { state: if z == 0 { 1 } else { z } }
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state = x;
        x
    }

    /// Uniform in [0, 1) from the top 53 bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A T×N matrix of uniform daily-return-like noise in [−2%, 2%), columns
/// named `c0`, `c1`, …; sized for benchmarks (T·N must fit in memory).
pub fn random_matrix(seed: u64, t: usize, n: usize) -> Matrix {
    let mut rng = XorShift64::new(seed);
    Matrix {
        columns: (0..n).map(|c| format!("c{c}")).collect(),
        rows: t,
        data: (0..t * n).map(|_| 0.04 * rng.next_f64() - 0.02).collect(),
    }
}

/// Runs the default (Sharpe) analysis with S = `s` on a random T×N matrix and
/// returns the result with the wall time of [`analyze`] alone, in seconds
/// (generating the matrix is not timed). Bad sizes come back as errors.
pub fn bench_random(seed: u64, t: usize, n: usize, s: usize) -> Result<(CscvResult, f64), CscvError> {
    let values = t.checked_mul(n).ok_or(CscvError::TooLarge { values: usize::MAX })?;
    if values > isize::MAX as usize / 8 {
        return Err(CscvError::TooLarge { values });
    }
    let matrix = random_matrix(seed, t, n);
    let options = CscvOptions { partitions: s, ..CscvOptions::default() };
    let start = Instant::now();
    let result = analyze(&matrix, &options)?;
    Ok((result, start.elapsed().as_secs_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_is_deterministic_and_in_range() {
        let (mut a, mut b) = (XorShift64::new(7), XorShift64::new(7));
        for _ in 0..1000 {
            let x = a.next_f64();
            assert_eq!(x, b.next_f64());
            assert!((0.0..1.0).contains(&x));
        }
        assert_ne!(XorShift64::new(0).next_u64(), 0);
        assert_eq!(random_matrix(3, 10, 4), random_matrix(3, 10, 4));
    }

    #[test]
    fn bench_reports_bad_sizes_as_errors() {
        assert_eq!(bench_random(1, 100, 10, 3).unwrap_err(), CscvError::OddPartitions(3));
    }
}

//! Retry delays while the office is unreachable: exponential with full
//! jitter ("sleep a random time between 0 and min(cap, base * 2^n)"), so
//! fifty kiosks coming back after a power cut do not all retry in step.

use std::time::Duration;

/// The schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Ceiling of the first retry.
    pub base: Duration,
    /// Largest ceiling.
    pub cap: Duration,
    /// Never sleep less than this, so a run of unlucky draws is not a busy loop.
    pub floor: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { base: Duration::from_secs(2), cap: Duration::from_secs(300), floor: Duration::from_millis(500) }
    }
}

impl Backoff {
    /// The largest delay after `failures` consecutive failures (1 = first).
    pub fn ceiling(&self, failures: u32) -> Duration {
        let exponent = failures.saturating_sub(1).min(30);
        self.base.saturating_mul(1u32 << exponent).min(self.cap)
    }

    /// The delay to sleep, given a uniform random `unit` in `[0, 1)`.
    pub fn delay(&self, failures: u32, unit: f64) -> Duration {
        let ceiling = self.ceiling(failures);
        ceiling.mul_f64(unit.clamp(0.0, 1.0)).max(self.floor.min(ceiling))
    }

    /// [`Self::delay`] with a fresh random draw.
    pub fn random_delay(&self, failures: u32) -> Duration {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
        let unit = (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64;
        self.delay(failures, unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_up_to_the_cap() {
        let b = Backoff::default();
        let secs: Vec<u64> = (1..=10).map(|n| b.ceiling(n).as_secs()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(300), "no overflow after a very long outage");
    }

    #[test]
    fn delays_are_jittered_within_the_ceiling_but_never_zero() {
        let b = Backoff::default();
        assert_eq!(b.delay(4, 0.0), Duration::from_millis(500), "floor, not a busy loop");
        assert_eq!(b.delay(4, 0.5), Duration::from_secs(8));
        assert!(b.delay(4, 0.999_999) <= Duration::from_secs(16));
        for n in 1..20 {
            let d = b.random_delay(n);
            assert!(d >= b.floor && d <= b.ceiling(n), "{n}: {d:?}");
        }
        let draws: std::collections::HashSet<_> = (0..20).map(|_| b.random_delay(9)).collect();
        assert!(draws.len() > 10, "jitter spreads retries: {draws:?}");
    }
}

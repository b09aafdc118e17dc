//! A retry budget shared by all requests of a client: retries may be at most a fraction of recent
//! requests plus a small reserve per second, so a fleet of clients cannot multiply an outage.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::counter::{Clock, SystemClock};

/// Ten slots make the window slide in tenths of `ttl`, as Finagle's and tower's budgets do.
const SLOTS: u128 = 10;
/// Balances are kept in thousandths of a retry, so fractional ratios add up without floats.
const MILLI: i128 = 1000;

/// Why a budget was refused.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum BudgetError {
    /// The window must be between 1 ms and 1 hour.
    InvalidTtl(Duration),
    /// The ratio must be a finite number in `[0, 1000]`.
    InvalidRatio(f64),
}

impl fmt::Display for BudgetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BudgetError::InvalidTtl(d) => write!(f, "budget window must be 1ms..=1h, got {d:?}"),
            BudgetError::InvalidRatio(r) => {
                write!(
                    f,
                    "retry ratio must be a finite number in 0..=1000, got {r}"
                )
            }
        }
    }
}

impl std::error::Error for BudgetError {}

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    /// Which slot-length period this slot currently counts; stale slots are reset on use.
    epoch: u128,
    deposits: u64,
    withdrawals: u64,
}

/// A thread-safe retry budget over a sliding window of `ttl`.
///
/// A retry is allowed while
/// `withdrawals + 1 <= min_per_sec × ttl_secs + ratio × deposits` over the window, where every
/// request [`deposit`](Self::deposit)s and every retry [`try_withdraw`](Self::try_withdraw)s.
pub struct RetryBudget {
    slots: Mutex<[Slot; SLOTS as usize]>,
    slot_nanos: u128,
    reserve_milli: i128,
    credit_milli: i128,
    clock: Arc<dyn Clock + Send + Sync>,
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryBudget")
            .field("slot_nanos", &self.slot_nanos)
            .field("reserve_milli", &self.reserve_milli)
            .field("credit_milli", &self.credit_milli)
            .finish_non_exhaustive()
    }
}

impl RetryBudget {
    /// A budget on the real clock: over the last `ttl`, allow `min_per_sec` retries per second plus
    /// `ratio` retries per request (Finagle's default is 10 s, 10/s and 0.2).
    pub fn new(ttl: Duration, min_per_sec: u32, ratio: f64) -> Result<Self, BudgetError> {
        Self::with_clock(ttl, min_per_sec, ratio, SystemClock::default())
    }

    /// As [`new`](Self::new), on an injected clock.
    pub fn with_clock<C: Clock + Send + Sync + 'static>(
        ttl: Duration,
        min_per_sec: u32,
        ratio: f64,
        clock: C,
    ) -> Result<Self, BudgetError> {
        if ttl < Duration::from_millis(1) || ttl > Duration::from_secs(3600) {
            return Err(BudgetError::InvalidTtl(ttl));
        }
        if !(ratio.is_finite() && (0.0..=1000.0).contains(&ratio)) {
            return Err(BudgetError::InvalidRatio(ratio));
        }
        let ttl_ms = ttl.as_millis() as i128;
        Ok(RetryBudget {
            slots: Mutex::new([Slot::default(); SLOTS as usize]),
            slot_nanos: (ttl.as_nanos() / SLOTS).max(1),
            // min_per_sec × ttl_secs retries = min_per_sec × ttl_ms thousandths.
            reserve_milli: i128::from(min_per_sec) * ttl_ms,
            credit_milli: (ratio * MILLI as f64).round() as i128,
            clock: Arc::new(clock),
        })
    }

    /// Record one request (not a retry).
    pub fn deposit(&self) {
        self.update(|s| s.deposits = s.deposits.saturating_add(1));
    }

    /// Take one retry from the budget if there is one; `false` means: do not retry.
    pub fn try_withdraw(&self) -> bool {
        let mut allowed = false;
        self.update_with_balance(|slot, balance| {
            if balance >= MILLI {
                slot.withdrawals = slot.withdrawals.saturating_add(1);
                allowed = true;
            }
        });
        allowed
    }

    /// Retries currently available (rounded down).
    pub fn balance(&self) -> u64 {
        let mut out = 0;
        self.update_with_balance(|_, b| out = (b.max(0) / MILLI) as u64);
        out
    }

    fn update(&self, f: impl FnOnce(&mut Slot)) {
        self.update_with_balance(|slot, _| f(slot));
    }

    /// Runs `f` on the current slot with the window's balance in thousandths of a retry.
    fn update_with_balance(&self, f: impl FnOnce(&mut Slot, i128)) {
        let epoch = self.clock.now().as_nanos() / self.slot_nanos;
        // A panic while holding the lock cannot leave the counters inconsistent, so a poisoned
        // lock is still usable.
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        let (mut deposits, mut withdrawals) = (0i128, 0i128);
        for s in slots.iter_mut() {
            if epoch.saturating_sub(s.epoch) >= SLOTS {
                *s = Slot::default();
            } else {
                deposits += i128::from(s.deposits);
                withdrawals += i128::from(s.withdrawals);
            }
        }
        let balance = self.reserve_milli + self.credit_milli * deposits - MILLI * withdrawals;
        let slot = &mut slots[(epoch % SLOTS) as usize];
        if slot.epoch != epoch {
            *slot = Slot {
                epoch,
                ..Slot::default()
            };
        }
        f(slot, balance);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;

    #[test]
    fn ratio_of_deposits_bounds_retries() {
        let _deadline = gauntlet_oracle::no_hang("ratio_of_deposits_bounds_retries");
        let clock = ManualClock::new();
        let b = RetryBudget::with_clock(Duration::from_secs(10), 0, 0.2, clock.clone()).unwrap();
        assert!(!b.try_withdraw(), "no requests, no reserve: no retry");
        for _ in 0..100 {
            b.deposit();
        }
        let granted = (0..1000).filter(|_| b.try_withdraw()).count();
        assert_eq!(granted, 20);
        assert_eq!(b.balance(), 0);
    }

    #[test]
    fn reserve_allows_min_rate_and_window_slides() {
        let _deadline = gauntlet_oracle::no_hang("reserve_allows_min_rate_and_window_slides");
        let clock = ManualClock::new();
        let b = RetryBudget::with_clock(Duration::from_secs(10), 2, 0.0, clock.clone()).unwrap();
        assert_eq!(b.balance(), 20);
        let granted = (0..100).filter(|_| b.try_withdraw()).count();
        assert_eq!(granted, 20);
        // The withdrawals age out after a full window.
        clock.advance(Duration::from_secs(5));
        assert!(!b.try_withdraw());
        clock.advance(Duration::from_secs(6));
        assert_eq!(b.balance(), 20);
    }

    #[test]
    fn each_second_of_the_window_keeps_its_own_deposits_until_it_ages_out() {
        let _deadline = gauntlet_oracle::no_hang(
            "each_second_of_the_window_keeps_its_own_deposits_until_it_ages_out",
        );
        let clock = ManualClock::new();
        let b = RetryBudget::with_clock(Duration::from_secs(10), 0, 1.0, clock.clone()).unwrap();
        // One request in each of the window's ten slots: all ten count.
        clock.advance(Duration::from_millis(500));
        for _ in 0..10 {
            b.deposit();
            clock.advance(Duration::from_secs(1));
        }
        // t = 10.5 s: the deposit of 0.5 s is eleven slots old, the other nine are in the window.
        assert_eq!(b.balance(), 9);
        clock.advance(Duration::from_secs(3));
        // t = 13.5 s: the deposits of 4.5 s .. 9.5 s remain.
        assert_eq!(b.balance(), 6);
        // Withdrawals age out slot by slot too.
        assert!(b.try_withdraw() && b.try_withdraw());
        assert_eq!(b.balance(), 4);
        clock.advance(Duration::from_secs(20));
        assert_eq!(b.balance(), 0);
    }

    #[test]
    fn fractional_credit_accumulates() {
        let _deadline = gauntlet_oracle::no_hang("fractional_credit_accumulates");
        let clock = ManualClock::new();
        let b = RetryBudget::with_clock(Duration::from_secs(1), 0, 0.1, clock).unwrap();
        for _ in 0..9 {
            b.deposit();
        }
        assert!(!b.try_withdraw(), "0.9 of a retry is not a retry");
        b.deposit();
        assert!(b.try_withdraw());
    }

    #[test]
    fn bad_parameters_are_refused() {
        let _deadline = gauntlet_oracle::no_hang("bad_parameters_are_refused");
        assert!(matches!(
            RetryBudget::new(Duration::ZERO, 1, 0.1),
            Err(BudgetError::InvalidTtl(_))
        ));
        assert!(matches!(
            RetryBudget::new(Duration::from_secs(1), 1, f64::NAN),
            Err(BudgetError::InvalidRatio(_))
        ));
        assert!(RetryBudget::new(Duration::from_secs(10), 10, 0.2).is_ok());
    }

    #[test]
    fn the_limits_are_inclusive() {
        let _deadline = gauntlet_oracle::no_hang("the_limits_are_inclusive");
        let ttl = |d: Duration| {
            RetryBudget::new(d, 1, 0.1)
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        assert_eq!(ttl(Duration::from_millis(1)), Ok(()));
        assert_eq!(ttl(Duration::from_secs(3600)), Ok(()));
        assert_eq!(
            ttl(Duration::from_micros(999)),
            Err("budget window must be 1ms..=1h, got 999µs".to_owned())
        );
        assert_eq!(
            ttl(Duration::from_secs(3600) + Duration::from_nanos(1)),
            Err("budget window must be 1ms..=1h, got 3600.000000001s".to_owned())
        );
        let ratio = |r: f64| {
            RetryBudget::new(Duration::from_secs(1), 1, r)
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        assert_eq!(ratio(0.0), Ok(()));
        assert_eq!(ratio(1000.0), Ok(()));
        assert_eq!(
            ratio(1000.5),
            Err("retry ratio must be a finite number in 0..=1000, got 1000.5".to_owned())
        );
        assert_eq!(
            ratio(-0.5),
            Err("retry ratio must be a finite number in 0..=1000, got -0.5".to_owned())
        );
        assert!(ratio(f64::INFINITY).is_err());
    }

    #[test]
    fn debug_shows_the_parameters_in_thousandths() {
        let _deadline = gauntlet_oracle::no_hang("debug_shows_the_parameters_in_thousandths");
        let b =
            RetryBudget::with_clock(Duration::from_secs(2), 3, 0.25, ManualClock::new()).unwrap();
        assert_eq!(
            format!("{b:?}"),
            "RetryBudget { slot_nanos: 200000000, reserve_milli: 6000, credit_milli: 250, .. }"
        );
    }
}

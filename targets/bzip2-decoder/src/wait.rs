//! Waiting for another decoding thread: a short spin, then blocking.
//!
//! A waiting thread spins for at most [`SPIN`] (and not at all when the decoder has more threads
//! than the process may use), then blocks on a [`Bell`] until the thread it waits for rings it.
//! The spin covers hand-overs that are about to happen; the block is what keeps a waiting thread
//! from burning a core that the work it waits for may need. On a machine whose cores are all busy
//! with other processes, an earlier version that spun for up to 20 ms made two threads slower than
//! one and cost a quarter more CPU time.

use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::atomic::{AtomicUsize, fence};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use crate::spread;

/// How long a waiting thread spins before it blocks.
///
/// Long enough for the hand-overs that follow one another closely (a helper finding the walk
/// offered right after the sort it helped with, or getting its walk buffers back after the
/// stitch), short against one block's work (milliseconds). On a machine whose cores are taken,
/// every spin is time the decoder's share of the CPU loses: a 50 µs budget was 1 % of a two-thread
/// decode's CPU time.
pub(crate) const SPIN: Duration = Duration::from_micros(20);

/// The cores this process may run on (affinity, cgroup quota), cached: the lookup reads cgroup
/// files, a tenth of a millisecond on this machine's VM.
pub(crate) fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding the decoder's locks, so a poisoned one still holds a consistent
    // state.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Spins until `ready()` holds or `budget` has passed; returns whether it holds.
pub(crate) fn spin_until(budget: Duration, mut ready: impl FnMut() -> bool) -> bool {
    if budget.is_zero() {
        return ready();
    }
    let started = Instant::now();
    let mut spins = 0u32;
    loop {
        if ready() {
            return true;
        }
        spins = spins.wrapping_add(1);
        if spins % 64 == 0 && started.elapsed() > budget {
            return ready();
        }
        std::hint::spin_loop();
    }
}

/// Where threads block until another thread changes what they wait for.
///
/// The waker changes the state first (atomics or data under another lock), then calls
/// [`Bell::ring`]; a waiter re-checks its condition under the bell's lock after announcing itself,
/// so no wake-up is lost, and a ring with nobody waiting costs one fence and one load.
///
/// A thread that blocked and was woken moves off the CPU of the thread that rang, if the
/// scheduler put it there ([`crate::spread`]).
#[derive(Debug)]
pub(crate) struct Bell {
    lock: Mutex<()>,
    rung: Condvar,
    waiting: AtomicUsize,
    /// The CPU of the last thread that woke anyone (`usize::MAX`: none known).
    rung_on: AtomicUsize,
}

impl Default for Bell {
    fn default() -> Bell {
        Bell {
            lock: Mutex::default(),
            rung: Condvar::default(),
            waiting: AtomicUsize::default(),
            rung_on: AtomicUsize::new(usize::MAX),
        }
    }
}

impl Bell {
    /// Blocks until `ready()` holds, or until `deadline` (returns whether `ready()` held).
    pub(crate) fn wait_until(
        &self,
        mut ready: impl FnMut() -> bool,
        deadline: Option<Instant>,
    ) -> bool {
        let mut guard = lock(&self.lock);
        self.waiting.fetch_add(1, SeqCst);
        // Pairs with the fence in `ring`: either the waker sees us waiting, or we see its change.
        fence(SeqCst);
        let mut blocked = false;
        let held = loop {
            if ready() {
                break true;
            }
            blocked = true;
            guard = match deadline {
                None => self
                    .rung
                    .wait(guard)
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
                Some(deadline) => {
                    let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                        break ready();
                    };
                    self.rung
                        .wait_timeout(guard, left)
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .0
                }
            };
        };
        self.waiting.fetch_sub(1, SeqCst);
        drop(guard);
        if held && blocked {
            spread::move_off(self.waker_cpu());
        }
        held
    }

    /// The CPU of the last thread that woke a waiter, if known.
    fn waker_cpu(&self) -> Option<usize> {
        let cpu = self.rung_on.load(Relaxed);
        (cpu != usize::MAX).then_some(cpu)
    }

    /// Threads blocked in [`Bell::wait_until`] (or about to be), for tests.
    #[cfg(test)]
    pub(crate) fn waiters(&self) -> usize {
        self.waiting.load(SeqCst)
    }

    /// Wakes every thread blocked in [`Bell::wait_until`]; call it after the change they wait for.
    pub(crate) fn ring(&self) {
        fence(SeqCst);
        if self.waiting.load(SeqCst) > 0 {
            if let Some(cpu) = spread::current_cpu() {
                self.rung_on.store(cpu, Relaxed);
            }
            // Taking the lock orders this wake-up after a waiter's last check of its condition.
            drop(lock(&self.lock));
            self.rung.notify_all();
        }
    }
}

/// Waits for `ready()`: spins for up to `spin`, then blocks on `bell` (until `deadline`, if one is
/// given). Returns whether `ready()` held.
pub(crate) fn wait(
    bell: &Bell,
    spin: Duration,
    mut ready: impl FnMut() -> bool,
    deadline: Option<Instant>,
) -> bool {
    spin_until(spin, &mut ready) || bell.wait_until(ready, deadline)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::sync::atomic::Ordering::{Acquire, Release};

    #[test]
    fn a_rung_bell_wakes_a_blocked_waiter() {
        let _deadline = crate::no_hang("a_rung_bell_wakes_a_blocked_waiter");
        let bell = Bell::default();
        let flag = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| wait(&bell, Duration::ZERO, || flag.load(Acquire), None));
            // Whether the waiter is blocked yet or not, it must see the flag.
            std::thread::sleep(Duration::from_millis(5));
            flag.store(true, Release);
            bell.ring();
            assert!(waiter.join().unwrap());
        });
    }

    #[test]
    fn a_ring_that_wakes_someone_records_the_ringers_cpu() {
        let _deadline = crate::no_hang("a_ring_that_wakes_someone_records_the_ringers_cpu");
        let bell = Bell::default();
        bell.ring();
        assert_eq!(bell.waker_cpu(), None, "nobody was waiting");
        let flag = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| wait(&bell, Duration::ZERO, || flag.load(Acquire), None));
            while bell.waiters() == 0 {
                std::thread::yield_now();
            }
            flag.store(true, Release);
            bell.ring();
            assert!(waiter.join().unwrap());
        });
        assert_eq!(bell.waker_cpu().is_some(), spread::current_cpu().is_some());
    }

    #[test]
    fn many_rings_and_waits_lose_no_wake_up() {
        let _deadline = crate::no_hang("many_rings_and_waits_lose_no_wake_up");
        let bell = Bell::default();
        let counter = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for i in 1..=2000 {
                    counter.store(i, SeqCst);
                    bell.ring();
                }
            });
            let mut seen = 0;
            while seen < 2000 {
                let now = counter.load(SeqCst);
                if now > seen {
                    seen = now;
                    continue;
                }
                wait(&bell, SPIN, || counter.load(SeqCst) != now, None);
            }
        });
    }

    #[test]
    fn a_spin_says_whether_its_condition_came_true_in_time() {
        let _deadline = crate::no_hang("a_spin_says_whether_its_condition_came_true_in_time");
        assert!(spin_until(Duration::ZERO, || true));
        assert!(!spin_until(Duration::ZERO, || false));
        assert!(!spin_until(Duration::from_micros(50), || false));
        let mut looks = 0;
        assert!(spin_until(Duration::from_secs(60), || {
            looks += 1;
            looks > 1000
        }));
    }

    #[test]
    fn a_deadline_ends_the_wait() {
        let _deadline = crate::no_hang("a_deadline_ends_the_wait");
        let bell = Bell::default();
        let deadline = Instant::now() + Duration::from_millis(2);
        assert!(!wait(&bell, SPIN, || false, Some(deadline)));
        assert!(Instant::now() >= deadline);
    }
}

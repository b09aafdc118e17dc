//! Whether more decoding threads pay: [`Probe`] compares the process's CPU clock with the wall
//! clock a few milliseconds into a decode, and [`Backoff`] spaces out a pool's next tries after a
//! fall-back to one thread (see the [`super`] module docs for the measurements behind both).

use std::time::{Duration, Instant};

/// Below this many CPUs' worth of time per second of a decode, more threads than one do not pay
/// ([`crate::Options::threads`]): one thread gets at most one CPU, and two cost more CPU time for
/// the same work (fresh buffers, the scan, the hand-overs, and caches shared by two working sets:
/// 1.06-1.11x as much, reused buffers, next to two spinning processes in another session).
pub(crate) const FALL_BACK_BELOW: f64 = 1.3;

/// How long a decode runs before [`Probe`] judges: a few of the scheduler's time slices, so a
/// thread that waited for its first one is not taken for one that gets none.
pub(super) const PROBE_AFTER: Duration = Duration::from_millis(5);

/// Watches whether the decoding threads get the CPU time they want: the process's CPU clock
/// against the wall clock since the window started, read by the main thread between blocks.
///
/// The process clock counts every thread of the process, so a program whose other threads are
/// busy too never falls back; on a machine with idle cores two decoding threads get close to
/// 2 CPUs' worth, on one whose cores are all taken by other sessions' programs at most one.
#[derive(Debug)]
pub(super) struct Probe {
    floor: f64,
    started: Instant,
    cpu_started: Option<Duration>,
    /// `Some(true)` once fallen back, `Some(false)` once a look found the threads paying.
    pub(super) verdict: Option<bool>,
}

impl Probe {
    pub(super) fn new(threads: usize, floor: f64) -> Probe {
        let on = threads > 1 && floor > 0.0;
        Probe {
            floor,
            started: Instant::now(),
            cpu_started: if on { process_cpu_time() } else { None },
            verdict: None,
        }
    }

    /// Looks at the CPU time so far, when the decode has run long enough and `work_for_all()` says
    /// every thread has work; returns `true`, once, when the workers should leave.
    pub(super) fn look(&mut self, work_for_all: impl FnOnce() -> bool) -> bool {
        let Some(cpu_started) = self.cpu_started else {
            return false;
        };
        if self.verdict == Some(true) {
            return false;
        }
        let wall = self.started.elapsed();
        // An infinite floor (a test hook) judges at the first look.
        if (wall < PROBE_AFTER && self.floor.is_finite()) || !work_for_all() {
            return false;
        }
        let Some(cpu) = process_cpu_time() else {
            return false;
        };
        let cpus = cpu.saturating_sub(cpu_started).as_secs_f64() / wall.as_secs_f64();
        let falls = cpus < self.floor;
        self.verdict = Some(falls);
        falls
    }
}

/// The CPU time of every thread of this process, where there is such a clock.
pub(super) fn process_cpu_time() -> Option<Duration> {
    #[cfg(unix)]
    {
        use rustix::time::{ClockId, DynamicClockId, clock_gettime_dynamic};
        let now = clock_gettime_dynamic(DynamicClockId::Known(ClockId::ProcessCPUTime)).ok()?;
        let secs = u64::try_from(now.tv_sec).ok()?;
        let nanos = u32::try_from(now.tv_nsec).ok()?;
        Some(Duration::new(secs, nanos))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// When a [`super::Pool`] next decodes on several threads, after it fell back to one
/// ([`Probe`]): it skips 2 calls (windows), then 4, 8, … up to 64 while it keeps falling back, and
/// starts from 2 again once several threads paid.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Backoff {
    skip: u32,
    falls: u32,
}

impl Backoff {
    /// Whether this call may use several threads (counting a skipped call down).
    pub(crate) fn take_turn(&mut self) -> bool {
        if self.skip == 0 {
            return true;
        }
        self.skip -= 1;
        false
    }

    pub(super) fn record(&mut self, verdict: Option<bool>) {
        match verdict {
            Some(true) => {
                self.falls = (self.falls + 1).min(6);
                self.skip = 1 << self.falls;
            }
            Some(false) => self.falls = 0,
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Once the decode has run a few time slices, the probe judges by the CPU time the process got
    /// (under its floor: the workers leave; over it: they stay), once, and only when every thread
    /// has work.
    #[test]
    fn the_probe_judges_once_it_has_run_long_enough_and_every_thread_has_work() {
        let _deadline = crate::no_hang(
            "the_probe_judges_once_it_has_run_long_enough_and_every_thread_has_work",
        );
        if process_cpu_time().is_none() {
            eprintln!("notice: no process CPU clock here; the probe never judges");
            let mut probe = Probe::new(2, 1000.0);
            assert!(!probe.look(|| true));
            return;
        }
        for (floor, falls) in [(1000.0, true), (1e-6, false)] {
            let mut probe = Probe::new(2, floor);
            assert!(!probe.look(|| true), "too early");
            assert_eq!(probe.verdict, None);
            let started = Instant::now();
            while started.elapsed() < PROBE_AFTER * 2 {
                std::hint::spin_loop();
            }
            assert!(!probe.look(|| false), "a thread without work");
            assert_eq!(probe.verdict, None);
            assert_eq!(probe.look(|| true), falls, "floor {floor}");
            assert_eq!(probe.verdict, Some(falls), "floor {floor}");
            assert!(!probe.look(|| true), "told once");
        }
        let mut one = Probe::new(1, 1000.0);
        assert!(!one.look(|| true), "one thread is never judged");
    }

    #[test]
    fn a_fall_back_skips_2_then_4_calls_up_to_64_until_threads_pay() {
        let _deadline =
            crate::no_hang("a_fall_back_skips_2_then_4_calls_up_to_64_until_threads_pay");
        let mut backoff = Backoff::default();
        assert!(backoff.take_turn());
        let turns = |backoff: &mut Backoff| (0..100).take_while(|_| !backoff.take_turn()).count();
        backoff.record(None);
        assert_eq!(turns(&mut backoff), 0, "no verdict changes nothing");
        for skipped in [2, 4, 8, 16, 32, 64, 64] {
            backoff.record(Some(true));
            assert_eq!(turns(&mut backoff), skipped);
        }
        backoff.record(Some(false));
        assert_eq!(turns(&mut backoff), 0);
        backoff.record(Some(true));
        assert_eq!(
            turns(&mut backoff),
            2,
            "paying threads start the count again"
        );
    }

    #[test]
    fn the_process_cpu_clock_moves_where_there_is_one() {
        let _deadline = crate::no_hang("the_process_cpu_clock_moves_where_there_is_one");
        let Some(before) = process_cpu_time() else {
            return;
        };
        let mut x = 1u64;
        let started = Instant::now();
        while started.elapsed() < Duration::from_millis(20) {
            x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005) ^ 1);
        }
        assert!(process_cpu_time().is_some_and(|after| after > before));
    }
}

//! Keeping the decoding threads on different CPUs.
//!
//! A scheduler may start a new thread, or wake a blocked one, on the CPU of the thread that
//! spawned or woke it, and leave it there for a while even when another CPU is idle. This
//! machine's VM kernel does so on purpose (`/proc/sys/kernel/sched_vcpu_pack`): a thread that has
//! used little CPU lately, such as one just started or one that was blocked, is packed onto the
//! waker's vCPU. Measured here with a C test (one thread spinning, a second spawned to spin too):
//! the new thread first ran 3.6–3.9 ms after its spawn in most runs, and in 7 of 12 runs the two
//! shared one vCPU (1.00 CPUs' worth of time over 10 ms) while the other stayed idle. Inside the
//! decoder this made two-thread decodes of 4.7 MB `-1` files bimodal on an idle machine: in half
//! of the runs [`crate::parallel`]'s probe saw 1.00 CPUs after 5 ms and sent the workers away.
//!
//! So a thread that starts or wakes up on the CPU of the thread that handed it work moves itself
//! off it ([`move_off`]): it narrows its own affinity to the other CPUs it may use, which migrates
//! it at once, and then restores the affinity it had, so that the scheduler is free again. A
//! spawner yields once after starting its workers ([`let_start`]), so that a worker placed on its
//! CPU runs (and moves) now rather than at the next tick. In the same C test the new thread then
//! ran after 0.06 ms, on the other vCPU every time.
//!
//! On a machine whose other cores are busy this only changes which queue the thread waits in: the
//! [`crate::parallel`] probe still judges by the CPU time the threads get. Where the platform has
//! no affinity calls (not Linux), these are no-ops.

/// The CPU the calling thread is running on, where the platform says (a vDSO or `rseq` read on
/// Linux: tens of nanoseconds).
pub(crate) fn current_cpu() -> Option<usize> {
    #[cfg(target_os = "linux")]
    {
        Some(rustix::thread::sched_getcpu())
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// Moves the calling thread to another of the CPUs it may use if it is running on `cpu` (the CPU
/// of the thread it works with). Returns whether it moved. Does nothing when `cpu` is `None`, when
/// the thread runs elsewhere already, or when `cpu` is the only CPU it may use.
pub(crate) fn move_off(cpu: Option<usize>) -> bool {
    #[cfg(target_os = "linux")]
    {
        use rustix::thread::{CpuSet, sched_getaffinity, sched_getcpu, sched_setaffinity};
        let Some(cpu) = cpu else {
            return false;
        };
        // A CPU number past what the mask can hold cannot be left out of it.
        if cpu >= CpuSet::MAX_CPU || sched_getcpu() != cpu {
            return false;
        }
        let Ok(allowed) = sched_getaffinity(None) else {
            return false;
        };
        if !allowed.is_set(cpu) {
            return false;
        }
        let mut elsewhere = allowed;
        elsewhere.unset(cpu);
        // Leaving the current CPU out of the mask migrates the thread before the call returns
        // (an empty mask, where `cpu` was the only one, is refused); putting it back leaves the
        // thread where it now runs.
        let moved = sched_setaffinity(None, &elsewhere).is_ok();
        // If this fails, the thread keeps the narrower mask: one CPU fewer, still a valid one.
        let _ = sched_setaffinity(None, &allowed);
        moved
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = cpu;
        false
    }
}

/// Lets threads just spawned on the caller's CPU run now (and [`move_off`] it) instead of at the
/// scheduler's next tick, milliseconds later. Costs one system call where they were placed
/// elsewhere.
pub(crate) fn let_start() {
    std::thread::yield_now();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_leaves_the_cpu_it_is_told_to_and_keeps_its_affinity() {
        let _deadline = crate::no_hang("a_thread_leaves_the_cpu_it_is_told_to");
        #[cfg(target_os = "linux")]
        {
            use rustix::thread::sched_getaffinity;
            let before = sched_getaffinity(None).unwrap();
            let here = current_cpu();
            assert!(here.is_some());
            if before.count() < 2 {
                assert!(!move_off(here), "one CPU: nowhere to go");
                println!("notice: one CPU allowed, the move itself is not tested");
                return;
            }
            if rustix::thread::sched_setaffinity(None, &before).is_err() {
                println!("notice: affinity calls refused here, the move itself is not tested");
                return;
            }
            // The thread may be moved between the two calls; try until it is not.
            let moved = (0..100).any(|_| {
                let here = current_cpu();
                move_off(here) && current_cpu() != here
            });
            assert!(moved, "never moved off its CPU");
            assert_eq!(
                sched_getaffinity(None).unwrap(),
                before,
                "affinity restored"
            );
        }
        #[cfg(not(target_os = "linux"))]
        assert_eq!(current_cpu(), None);
    }

    #[test]
    fn a_thread_elsewhere_or_without_a_cpu_stays() {
        let _deadline = crate::no_hang("a_thread_elsewhere_or_without_a_cpu_stays");
        assert!(!move_off(None));
        // No CPU has this number.
        assert!(!move_off(Some(usize::MAX)));
        #[cfg(target_os = "linux")]
        {
            let allowed = rustix::thread::sched_getaffinity(None).unwrap();
            // Told to leave a CPU it is not on, it stays (unless it was moved there meanwhile,
            // which one of many tries will not be).
            let stayed = (0..100).any(|_| {
                let here = current_cpu().unwrap();
                let Some(other) = (0..64).find(|&cpu| cpu != here && allowed.is_set(cpu)) else {
                    return true;
                };
                !move_off(Some(other))
            });
            assert!(stayed);
            assert_eq!(rustix::thread::sched_getaffinity(None).unwrap(), allowed);
        }
    }
}

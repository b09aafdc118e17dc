//! Sharing one block between two threads, for the end of a stream.
//!
//! Blocks are the parallel decoder's unit of work, so five blocks on two threads leave one thread
//! idle for the whole last block. A thread with nothing to claim therefore waits here, watching the
//! other decoding threads' [`Slot`]s. A thread decoding a block *offers* a share of a stage that
//! splits (the BWT walk, the CRC) when some thread is idle, does its own share, and then
//! *settles*: it takes the share back if nobody claimed it, or waits for the helper's outcome. The
//! walk is offered with the counting sort before it ([`Task::SortWalk`]): both threads sort the
//! whole column, each into links of its own, because a walk over links the other core wrote runs
//! at little more than one thread's speed. The Huffman/MTF stage and un-RLE1 stay with one thread.
//!
//! Every wait here (an idle thread for an offer, an owner for its helper's outcome, a helper for
//! its walk buffers) spins briefly and then blocks (see [`crate::wait`]): an owner offers to a
//! blocked thread too, and rings it awake, and takes the offer back if the helper has not claimed
//! it by the time the owner has done its own half. So a helper that is slow to wake, or that the
//! machine has no core for, costs the owner nothing but the ring.
//!
//! Buffers cross threads in `Arc`s (the column and links are read through shared references, and
//! a helper's links, its own, are written with relaxed atomic stores), and a helper's walk
//! buffers are moved to the owner and back, so all of it is safe code.

use std::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::bwt::{self, Lanes, Sort, Walk};
use crate::crc::Crc;
use crate::wait::{self, Bell, lock};

/// A share of one block's work.
#[derive(Debug)]
pub(crate) enum Task {
    /// Sort the whole column into the helper's own links, then walk segments taken from `next`
    /// (shared with the owner's own walk) on them. A walk shared over one set of links is slow on
    /// this machine (`cargo bench -p gauntlet-bench --bench shared_walk`, benches/README.md): two
    /// threads walking one 900k-entry cycle took 2.55 ms against 3.55 ms for one thread (and at
    /// 100k entries 0.14 ms against 0.09), while two threads each walking a copy of their own
    /// (twice the work) took 3.49 ms. Each core reads the lines the other one holds, which costs
    /// more than a read from the shared cache. So both threads sort (the sort is about a quarter of
    /// the walk) and each walks on links it wrote itself.
    SortWalk {
        column: Arc<Vec<u8>>,
        len: usize,
        sort: Arc<Sort>,
        walk: Walk,
        next: Arc<AtomicUsize>,
    },
    /// Walk segments taken from `next` (shared with the owner's own walk) on the owner's links:
    /// for a helper that turns idle once the owner's walk has started.
    Walk {
        tt: Arc<Vec<AtomicU32>>,
        plan: Walk,
        next: Arc<AtomicUsize>,
    },
    /// The CRC of `data[from..]`, from the [`Crc::detached`] state.
    Crc { data: Arc<Vec<u8>>, from: usize },
}

/// What a helper hands back.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The helper's walk buffers, to be given back to slot `helper` after stitching.
    Walked {
        lanes: Lanes,
        helper: usize,
    },
    Crc(Crc),
}

#[derive(Debug, Default)]
struct SlotState {
    task: Option<Task>,
    claimed: bool,
    outcome: Option<Outcome>,
}

/// One per decoding thread: the task it offers, and the walk buffers it lends when helping.
#[derive(Debug, Default)]
struct Slot {
    /// A task is posted and not yet claimed (a hint for spinners; `state` decides).
    posted: AtomicBool,
    /// The claimed task's outcome is in `state`.
    done: AtomicBool,
    state: Mutex<SlotState>,
    /// This thread's own walk buffers on their way back from the owner it lent them to.
    lanes: Mutex<Option<Lanes>>,
    /// Rung when `done` is set (for the owner) and when `lanes` come back (for this thread).
    bell: Bell,
}

/// The slots of all decoding threads.
#[derive(Debug)]
pub(crate) struct Crew {
    slots: Vec<Slot>,
    /// Threads waiting in [`Crew::help`], spinning or blocked.
    idle: AtomicUsize,
    /// Moved on by [`Crew::bump`] whenever an idle thread should look at the job board again.
    epoch: AtomicU64,
    /// Rung by offers and by [`Crew::bump`], for the threads blocked in [`Crew::help`].
    bell: Bell,
    /// How long a waiting thread spins before it blocks: [`wait::SPIN`], or nothing when threads
    /// outnumber the cores (a spinner would then hold the core of the thread it waits for).
    spin: Duration,
}

impl Crew {
    /// Slots for `threads` decoding threads.
    pub(crate) fn new(threads: usize) -> Crew {
        let slots = (0..threads).map(|_| Slot::default()).collect();
        let spin = if threads > 1 && threads <= wait::cores() {
            wait::SPIN
        } else {
            Duration::ZERO
        };
        Crew {
            slots,
            idle: AtomicUsize::new(0),
            epoch: AtomicU64::new(0),
            bell: Bell::default(),
            spin,
        }
    }

    /// The handle thread `me` offers its tasks through.
    pub(crate) fn mate(&self, me: usize) -> Mate<'_> {
        Mate { crew: self, me }
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Acquire)
    }

    /// Tells idle threads to look at the job board again.
    pub(crate) fn bump(&self) {
        self.epoch.fetch_add(1, Release);
        self.bell.ring();
    }

    /// Whether a thread other than `me` has a task posted.
    fn offered(&self, me: usize) -> bool {
        self.slots
            .iter()
            .enumerate()
            .any(|(owner, slot)| owner != me && slot.posted.load(Acquire))
    }

    /// Thread `me` helps with offered tasks until the epoch moves on from `seen`; between offers it
    /// spins briefly, then blocks. `lanes` are the thread's own walk buffers, lent to the owner of a
    /// walk it helps with (fresh ones would cost a page fault per 4 KiB touched), and `links` its
    /// own links, which it sorts a column into to walk on.
    pub(crate) fn help(
        &self,
        me: usize,
        seen: u64,
        lanes: &mut Lanes,
        links: &mut Arc<Vec<AtomicU32>>,
    ) {
        self.idle.fetch_add(1, SeqCst);
        loop {
            if self.epoch.load(Acquire) != seen {
                break;
            }
            let mut helped = false;
            for (owner, slot) in self.slots.iter().enumerate() {
                if owner != me && slot.posted.load(Acquire) {
                    helped |= self.run_offer(me, slot, lanes, links);
                }
            }
            if !helped {
                let moved = || self.epoch.load(Acquire) != seen || self.offered(me);
                wait::wait(&self.bell, self.spin, moved, None);
            }
        }
        self.idle.fetch_sub(1, SeqCst);
    }

    /// Claims and runs the task in `slot`, if it is still there.
    fn run_offer(
        &self,
        me: usize,
        slot: &Slot,
        own_lanes: &mut Lanes,
        own_links: &mut Arc<Vec<AtomicU32>>,
    ) -> bool {
        let task = {
            let mut state = lock(&slot.state);
            if state.claimed {
                return false;
            }
            let Some(task) = state.task.take() else {
                return false;
            };
            state.claimed = true;
            slot.posted.store(false, Relaxed);
            task
        };
        // Should the task panic (a bug), the owner is still released, and redoes the work.
        let release = Finished { slot };
        let outcome = match task {
            Task::SortWalk {
                column,
                len,
                sort,
                walk,
                next,
            } => {
                // Unshared while this thread is idle (the tasks it offered as an owner are settled),
                // so they are replaced only when too short.
                if Arc::get_mut(own_links).is_none_or(|links| links.len() < len) {
                    *own_links = Arc::new((0..len).map(|_| AtomicU32::new(0)).collect());
                }
                let links = &own_links[..len];
                bwt::sort(&column[..len], &sort, 0..sort.stretches(), links);
                let mut lanes = std::mem::take(own_lanes);
                bwt::walk_part(links, &walk, &next, &mut lanes, || {});
                Outcome::Walked { lanes, helper: me }
            }
            Task::Walk { tt, plan, next } => {
                let mut lanes = std::mem::take(own_lanes);
                bwt::walk_part(&tt[..plan.block_len()], &plan, &next, &mut lanes, || {});
                Outcome::Walked { lanes, helper: me }
            }
            Task::Crc { data, from } => {
                let mut crc = Crc::detached();
                crc.update(&data[from..]);
                Outcome::Crc(crc)
            }
        };
        let lent = matches!(outcome, Outcome::Walked { .. });
        // The `Arc`s of the task are dropped by now, so the owner gets its buffers back unshared.
        lock(&slot.state).outcome = Some(outcome);
        drop(release);
        if lent {
            self.take_back(me, own_lanes);
        }
        true
    }

    /// Waits for the walk buffers thread `me` lent: the owner gives them back right after
    /// stitching, a fraction of a millisecond. Should it never (a bug), they are replaced after a
    /// second rather than hang.
    fn take_back(&self, me: usize, own_lanes: &mut Lanes) {
        let slot = &self.slots[me];
        let mut back = None;
        let deadline = Instant::now() + Duration::from_secs(1);
        let returned = || {
            back = lock(&slot.lanes).take();
            back.is_some()
        };
        wait::wait(&slot.bell, self.spin, returned, Some(deadline));
        if let Some(lanes) = back {
            *own_lanes = lanes;
        }
    }
}

/// A decoding thread's handle for offering shares of its block.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mate<'a> {
    crew: &'a Crew,
    me: usize,
}

impl Mate<'_> {
    /// Whether some thread is idle and would take an offer (spinning, or blocked and to be rung).
    pub(crate) fn wanted(&self) -> bool {
        self.crew.idle.load(SeqCst) > 0
    }

    /// Posts `task` for an idle thread. Every offer must be followed by [`Mate::settle`].
    pub(crate) fn offer(&self, task: Task) {
        let slot = &self.crew.slots[self.me];
        {
            let mut state = lock(&slot.state);
            *state = SlotState {
                task: Some(task),
                claimed: false,
                outcome: None,
            };
            slot.done.store(false, Relaxed);
        }
        slot.posted.store(true, Release);
        self.crew.bell.ring();
    }

    /// Takes the offered task back if nobody claimed it (`None`: the caller does the work), or
    /// waits for the helper's outcome.
    pub(crate) fn settle(&self) -> Option<Outcome> {
        let slot = &self.crew.slots[self.me];
        {
            let mut state = lock(&slot.state);
            slot.posted.store(false, Relaxed);
            if !state.claimed {
                *state = SlotState::default();
                return None;
            }
        }
        // The helper is running the task: spin briefly, then block until it rings.
        wait::wait(&slot.bell, self.crew.spin, || slot.done.load(Acquire), None);
        let mut state = lock(&slot.state);
        let outcome = state.outcome.take();
        *state = SlotState::default();
        slot.done.store(false, Relaxed);
        outcome
    }

    /// Returns walk buffers lent by thread `helper`.
    pub(crate) fn give_back(&self, helper: usize, lanes: Lanes) {
        let slot = &self.crew.slots[helper];
        *lock(&slot.lanes) = Some(lanes);
        slot.bell.ring();
    }
}

/// Marks a claimed task done when dropped, even by a panic.
struct Finished<'a> {
    slot: &'a Slot,
}

impl Drop for Finished<'_> {
    fn drop(&mut self) {
        self.slot.done.store(true, Release);
        self.slot.bell.ring();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bwt::tests::real_bwt;

    /// A helper with no offer to take blocks after its short spin (it does not keep waking up to
    /// look again), and a bump of the epoch sends it back to the job board.
    #[test]
    fn an_idle_helper_with_nothing_offered_blocks_until_the_epoch_moves() {
        let _deadline = gauntlet_oracle::no_hang(
            "an_idle_helper_with_nothing_offered_blocks_until_the_epoch_moves",
        );
        let crew = Crew::new(2);
        let blocked = || crew.bell.waiters() == 1;
        let (blocked_once, still_blocked) = std::thread::scope(|scope| {
            let seen = crew.epoch();
            let crew = &crew;
            let helper =
                scope.spawn(move || crew.help(1, seen, &mut Lanes::default(), &mut Arc::default()));
            let since = Instant::now();
            while !blocked() && since.elapsed() < Duration::from_secs(10) {
                std::thread::yield_now();
            }
            let blocked_once = blocked();
            std::thread::sleep(Duration::from_millis(20));
            let still_blocked = blocked() && !helper.is_finished();
            // Released either way, so a failure is reported, not a hang.
            crew.bump();
            helper.join().unwrap();
            (blocked_once, still_blocked)
        });
        assert!(blocked_once, "the helper never blocked");
        assert!(still_blocked, "the helper woke up with nothing to do");
        assert_eq!(crew.idle.load(SeqCst), 0);
    }

    fn links(len: usize) -> Arc<Vec<AtomicU32>> {
        Arc::new((0..len).map(|_| AtomicU32::new(0)).collect())
    }

    impl Mate<'_> {
        /// Waits until the offered task is claimed.
        fn wait_claimed(&self) {
            while !lock(&self.crew.slots[self.me].state).claimed {
                std::thread::yield_now();
            }
        }
    }

    /// Runs `owner` as thread 0 while thread 1 waits in `help` until `owner` returns.
    /// Returns the helper's links as it left them.
    fn with_helper(owner: impl FnOnce(Mate<'_>)) -> Vec<u32> {
        let crew = Crew::new(2);
        std::thread::scope(|scope| {
            let crew = &crew;
            let seen = crew.epoch();
            let helper = scope.spawn(move || {
                let (mut lanes, mut links) = (Lanes::default(), Arc::default());
                crew.help(1, seen, &mut lanes, &mut links);
                links.iter().map(|entry| entry.load(Relaxed)).collect()
            });
            // Stops the helper even if `owner` panics.
            struct Stop<'a>(&'a Crew);
            impl Drop for Stop<'_> {
                fn drop(&mut self) {
                    self.0.bump();
                }
            }
            let _stop = Stop(crew);
            let mate = crew.mate(0);
            while !mate.wanted() {
                std::thread::yield_now();
            }
            owner(mate);
            drop(_stop);
            helper.join().expect("the helper panicked")
        })
    }

    #[test]
    fn an_unclaimed_offer_comes_back_to_the_owner() {
        let _deadline = crate::no_hang("an_unclaimed_offer_comes_back_to_the_owner");
        let crew = Crew::new(2);
        let mate = crew.mate(0);
        assert!(!mate.wanted(), "nobody is idle");
        mate.offer(Task::Crc {
            data: Arc::new(vec![1, 2, 3]),
            from: 1,
        });
        assert!(mate.settle().is_none());
        assert!(mate.settle().is_none(), "settling twice is harmless");
    }

    #[test]
    fn a_helper_computes_the_tail_crc() {
        let _deadline = crate::no_hang("a_helper_computes_the_tail_crc");
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut whole = Crc::new();
        whole.update(&data);
        with_helper(|mate| {
            let data = Arc::new(data.clone());
            let from = 40_001;
            mate.offer(Task::Crc {
                data: Arc::clone(&data),
                from,
            });
            mate.wait_claimed();
            let mut head = Crc::new();
            head.update(&data[..from]);
            let Some(Outcome::Crc(tail)) = mate.settle() else {
                panic!("the claimed CRC has an outcome");
            };
            let joined = head.append(tail, (data.len() - from) as u64);
            assert_eq!(joined.finish(), whole.finish());
            assert_eq!(Arc::strong_count(&data), 1, "the helper let go of the data");
        });
    }

    /// A helper offered the sort and walk sorts the column into links of its own and walks its
    /// share of the segments on them; stitched with the owner's share, that is the plain walk.
    #[test]
    fn a_helper_sorts_into_its_own_links_and_walks_its_share_on_them() {
        let _deadline =
            crate::no_hang("a_helper_sorts_into_its_own_links_and_walks_its_share_on_them");
        let len = 100_000;
        for seed in [3, 5] {
            let (text, column, orig_ptr) = real_bwt(len, seed);
            let mut counts = [0u32; 256];
            for &b in &column {
                counts[usize::from(b)] += 1;
            }
            let sort = Arc::new(Sort::plan(len, &counts, &[], 1));
            let walk = Walk::plan(len, orig_ptr).expect("a large block");
            let tt = links(len);
            bwt::sort(&column, &sort, 0..sort.stretches(), &tt);
            let helper_links = with_helper(|mate| {
                let column = Arc::new(column.clone());
                let next = Arc::new(AtomicUsize::new(0));
                mate.offer(Task::SortWalk {
                    column: Arc::clone(&column),
                    len,
                    sort: Arc::clone(&sort),
                    walk,
                    next: Arc::clone(&next),
                });
                // After its first batch of segments the owner waits for the helper to take one, so
                // that both parts hold segments.
                let mut own = Lanes::default();
                let mut polls = 0;
                bwt::walk_part(&tt, &walk, &next, &mut own, || {
                    if polls == 1 {
                        while next.load(Relaxed) <= bwt::CLAIM_BATCH {
                            std::thread::yield_now();
                        }
                    }
                    polls += 1;
                });
                let Some(Outcome::Walked { lanes, helper }) = mate.settle() else {
                    panic!("the claimed sort and walk has an outcome");
                };
                assert_eq!(helper, 1);
                assert_eq!(
                    Arc::strong_count(&column),
                    1,
                    "the helper let go of the column"
                );
                for part in [&own, &lanes] {
                    let mut alone = vec![0u8; len];
                    let whole = bwt::stitch(&tt, &walk, &[part], &mut alone) && alone == text;
                    assert!(!whole, "seed {seed}: one part holds every segment");
                }
                let mut got = vec![0u8; len];
                let stitched = bwt::stitch(&tt, &walk, &[&own, &lanes], &mut got);
                assert!(stitched, "every segment was found in one of the parts");
                assert!(got == text, "seed {seed}");
                mate.give_back(helper, lanes);
            });
            let owner_links: Vec<u32> = tt.iter().map(|entry| entry.load(Relaxed)).collect();
            assert!(
                helper_links == owner_links,
                "seed {seed}: the helper walked on links it did not sort itself"
            );
        }
    }

    #[test]
    fn a_helper_joining_a_walk_midway_stitches_to_the_plain_walk() {
        let _deadline = crate::no_hang("a_helper_joining_a_walk_midway_stitches_to_the_plain_walk");
        let len = 100_000;
        for seed in [3, 5] {
            let (text, column, orig_ptr) = real_bwt(len, seed);
            let tt = links(len);
            let mut counts = [0u32; 256];
            for &b in &column {
                counts[usize::from(b)] += 1;
            }
            bwt::sort(&column, &Sort::plan(len, &counts, &[], 1), 0..1, &tt);
            let walk = Walk::plan(len, orig_ptr).expect("a large block");
            // Joins at the start (the helper may walk everything) and after 20 batches of segments.
            for join_at in [0, 20] {
                with_helper(|mate| {
                    let next = Arc::new(AtomicUsize::new(0));
                    let mut own = Lanes::default();
                    let mut polls = 0;
                    bwt::walk_part(&tt, &walk, &next, &mut own, || {
                        if polls == join_at {
                            mate.offer(Task::Walk {
                                tt: Arc::clone(&tt),
                                plan: walk,
                                next: Arc::clone(&next),
                            });
                            mate.wait_claimed();
                        }
                        polls += 1;
                    });
                    let Some(Outcome::Walked { lanes, helper }) = mate.settle() else {
                        panic!("the claimed walk has an outcome");
                    };
                    assert_eq!(helper, 1);
                    let mut got = vec![0u8; len];
                    let stitched = bwt::stitch(&tt, &walk, &[&own, &lanes], &mut got);
                    assert!(stitched, "every segment was found in one of the parts");
                    assert!(got == text, "seed {seed}, join at {join_at}");
                    mate.give_back(helper, lanes);
                });
            }
        }
    }
}

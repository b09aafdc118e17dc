//! Why bzip2-decoder's helper thread sorts a block into links of its own before it walks its share
//! (`Task::SortWalk` in `targets/bzip2-decoder/src/assist.rs`): a walk of one random cycle, the
//! memory pattern of the inverse BWT, timed three ways on pinned threads.
//!
//! - `alone`: one thread walks the whole cycle (six chains at once, as the decoder's lanes do) over
//!   links it wrote itself;
//! - `shared`: two threads walk half each over the same links, written by the first thread;
//! - `private`: two threads each walk the whole cycle over a copy each wrote itself (twice the work).
//!
//! It prints, per cycle length, the medians and `alone / shared` (the speed-up of sharing one set
//! of links) and `2 · alone / private` (what two threads gain on links of their own).
//!
//! ```sh
//! cargo bench -p gauntlet-bench --bench shared_walk              # 100 000, 300 000, 900 000 entries
//! cargo bench -p gauntlet-bench --bench shared_walk -- 900000    # one length
//! ```
//!
//! Not part of `cargo bench`'s default run (`bench = false`): it times the machine, not our code.

use std::sync::Barrier;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::time::Instant;

/// Chains walked at once, as in the decoder.
const LANES: usize = 6;
const ROUNDS: usize = 9;

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Pins the calling thread to `cpu`; false where that is not possible (then the figures are those
/// of wherever the scheduler puts the threads).
fn pin(cpu: usize) -> bool {
    // SAFETY: `set` is a plain bit set that `CPU_ZERO`/`CPU_SET` initialise, and its size is passed.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_ZERO(&mut set);
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

/// Successor and a byte for each entry of one random cycle through `0..len` (Sattolo's shuffle),
/// and `LANES * 2` starting points spread along it.
fn cycle(len: usize) -> (Vec<u32>, Vec<usize>) {
    let mut order: Vec<usize> = (0..len).collect();
    let mut state = 0x9e37_79b9_7f4a_7c15;
    for i in (1..len).rev() {
        let j = (xorshift(&mut state) % i as u64) as usize;
        order.swap(i, j);
    }
    let mut links = vec![0u32; len];
    for i in 0..len {
        let next = order[(i + 1) % len];
        links[order[i]] = (next as u32) << 8 | (order[i] as u32 & 0xff);
    }
    let starts = (0..2 * LANES)
        .map(|k| order[k * len / (2 * LANES)])
        .collect();
    (links, starts)
}

/// Walks `steps` entries from each of `LANES` starts; returns a checksum.
fn walk(links: &[AtomicU32], starts: &[usize], steps: usize) -> u64 {
    let mut pos: [usize; LANES] = std::array::from_fn(|lane| starts[lane]);
    let mut sum = 0u64;
    for _ in 0..steps {
        for p in &mut pos {
            let entry = links[*p].load(Relaxed);
            sum += u64::from(entry & 0xff);
            *p = (entry >> 8) as usize;
        }
    }
    sum
}

fn write(links: &[AtomicU32], from: &[u32]) {
    for (entry, &value) in links.iter().zip(from) {
        entry.store(value, Relaxed);
    }
}

/// Runs `work(thread)` on threads pinned to CPUs 0 and 1 (one thread when `two` is false), each
/// timed from a common start; returns the slowest, in ms.
fn timed(two: bool, work: &(dyn Fn(usize) + Sync)) -> f64 {
    let threads = if two { 2 } else { 1 };
    let barrier = Barrier::new(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|thread| {
                let barrier = &barrier;
                scope.spawn(move || {
                    pin(thread);
                    barrier.wait();
                    let started = Instant::now();
                    work(thread);
                    started.elapsed().as_secs_f64() * 1e3
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a walking thread panicked"))
            .fold(0.0, f64::max)
    })
}

/// Writes `links` from `values` on CPU `cpu`.
fn write_on(cpu: usize, links: &[AtomicU32], values: &[u32]) {
    std::thread::scope(|scope| {
        scope.spawn(|| {
            pin(cpu);
            write(links, values);
        });
    });
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let lengths: Vec<usize> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .filter_map(|arg| arg.parse().ok())
        .collect();
    let lengths = if lengths.is_empty() {
        vec![100_000, 300_000, 900_000]
    } else {
        lengths
    };
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    if cpus < 2 || !pin(0) || !pin(1) {
        println!("notice: fewer than two CPUs to pin to; the two-thread figures mean little here");
    }
    for len in lengths {
        let (values, starts) = cycle(len);
        let links: Vec<AtomicU32> = values.iter().map(|&v| AtomicU32::new(v)).collect();
        let copy: Vec<AtomicU32> = values.iter().map(|&v| AtomicU32::new(v)).collect();
        let (mut alone, mut shared, mut private) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            write_on(0, &links, &values);
            alone.push(timed(false, &|_| {
                std::hint::black_box(walk(&links, &starts[..LANES], len / LANES));
            }));
            write_on(0, &links, &values);
            shared.push(timed(true, &|thread| {
                let starts = &starts[thread * LANES..(thread + 1) * LANES];
                std::hint::black_box(walk(&links, starts, len / (2 * LANES)));
            }));
            write_on(0, &links, &values);
            write_on(1, &copy, &values);
            private.push(timed(true, &|thread| {
                let own = if thread == 0 { &links } else { &copy };
                std::hint::black_box(walk(own, &starts[..LANES], len / LANES));
            }));
        }
        let (alone, shared, private) = (median(alone), median(shared), median(private));
        println!(
            "shared_walk/{len}: alone {alone:.3} ms; two threads on one set of links {shared:.3} ms \
             (speed-up {:.2}x); two threads each on links of its own, twice the work, {private:.3} ms \
             (gain {:.2}x); medians of {ROUNDS}",
            alone / shared,
            2.0 * alone / private
        );
    }
}

//! Tests of the parallel decoder's board, look-ahead, pools and panic handling.

use super::probe::{PROBE_AFTER, process_cpu_time};
use super::*;
use crate::block::BLOCK_MAGIC;
use std::time::{Duration, Instant};

/// Once the decode has run a few time slices, the probe judges by the CPU time the process got:
/// under its floor the workers are sent away, over it they stay.
#[test]
fn the_probe_falls_back_below_its_floor_once_it_has_run_long_enough() {
    let _deadline =
        crate::no_hang("the_probe_falls_back_below_its_floor_once_it_has_run_long_enough");
    if process_cpu_time().is_none() {
        eprintln!("notice: no process CPU clock here; the probe never judges");
        return;
    }
    let magic = BLOCK_MAGIC.to_be_bytes();
    let input: Vec<u8> = (0..4).flat_map(|_| magic[2..].iter().copied()).collect();
    for (floor, falls) in [(1000.0, true), (1e-6, false)] {
        let shared = Shared::new(input.clone(), 2, u64::MAX, Vec::new());
        shared.scan();
        let mut probe = Probe::new(2, floor);
        let started = Instant::now();
        while started.elapsed() < PROBE_AFTER * 2 {
            std::hint::spin_loop();
        }
        if probe.look(|| shared.work_for_all()) {
            shared.fall_back();
        }
        assert_eq!(probe.verdict, Some(falls), "floor {floor}");
        assert_eq!(shared.lock().solo, falls, "floor {floor}");
    }
}

/// A worker leaves once every job is claimed and no block is being decoded; while one is, it
/// stays to help with it, and leaves when it is posted.
#[test]
fn a_worker_leaves_when_every_job_is_claimed_and_none_is_being_decoded() {
    let _deadline = gauntlet_oracle::no_hang(
        "a_worker_leaves_when_every_job_is_claimed_and_none_is_being_decoded",
    );
    let magic = BLOCK_MAGIC.to_be_bytes();
    let input: Vec<u8> = (0..4).flat_map(|_| magic[2..].iter().copied()).collect();
    let shared = Shared::new(input, 3, u64::MAX, Vec::new());
    shared.scan();
    let mut scratch = Scratch::new();
    {
        let mut board = shared.lock();
        board.next = 4;
        board.running = 0;
    }
    shared.worker(2, &mut scratch);
    shared.lock().running = 1;
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| shared.worker(2, &mut scratch));
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            !worker.is_finished(),
            "left while a block was being decoded"
        );
        shared.lock().running = 0;
        shared.notify();
        worker.join().unwrap();
    });
}

/// The block buffers a pool takes back are capped at `keep`, and none too large is kept.
#[test]
fn a_pool_keeps_at_most_the_buffers_it_is_told_to() {
    let _deadline = gauntlet_oracle::no_hang("a_pool_keeps_at_most_the_buffers_it_is_told_to");
    let mut pool = Pool::default();
    pool.give_back(Vec::with_capacity(SPARE_OUT_MAX + 1), 3);
    assert!(
        pool.outs.is_empty(),
        "a buffer over SPARE_OUT_MAX is dropped"
    );
    for _ in 0..5 {
        pool.give_back(Vec::with_capacity(16), 3);
    }
    assert_eq!(pool.outs.len(), 3);
    pool.give_back(Vec::with_capacity(SPARE_OUT_MAX), 4);
    assert_eq!(pool.outs.len(), 4, "SPARE_OUT_MAX itself is kept");
}

/// Workers run at most two blocks per thread ahead of the first block the main thread still
/// wants: the look-ahead bounds the memory of a window's decode.
#[test]
fn workers_claim_no_further_than_two_blocks_per_thread_ahead() {
    let _deadline =
        gauntlet_oracle::no_hang("workers_claim_no_further_than_two_blocks_per_thread_ahead");
    let magic = BLOCK_MAGIC.to_be_bytes();
    let input: Vec<u8> = (0..10).flat_map(|_| magic[2..].iter().copied()).collect();
    for threads in [2, 3] {
        let shared = Shared::new(input.clone(), threads, u64::MAX, Vec::new());
        shared.scan();
        assert_eq!(shared.jobs().len(), 10);
        let mut board = shared.lock();
        let claimed: Vec<usize> = std::iter::from_fn(|| shared.claim(&mut board)).collect();
        assert_eq!(
            claimed,
            (0..2 * threads).collect::<Vec<_>>(),
            "{threads} threads"
        );
        board.wanted_from = 3;
        let more: Vec<usize> = std::iter::from_fn(|| shared.claim(&mut board)).collect();
        assert_eq!(more, (2 * threads..3 + 2 * threads).collect::<Vec<_>>());
        assert_eq!(board.running, 3 + 2 * threads);
        board.wanted_from = 10;
        assert_eq!(shared.claim(&mut board), None, "no jobs are left");
    }
}

/// Once the main thread has taken a job, the look-ahead starts past it: the workers may claim a
/// full window of jobs after the taken one.
#[test]
fn taking_a_job_moves_the_look_ahead_past_it() {
    let _deadline = crate::no_hang("taking_a_job_moves_the_look_ahead_past_it");
    let magic = BLOCK_MAGIC.to_be_bytes();
    let input: Vec<u8> = (0..10).flat_map(|_| magic[2..].iter().copied()).collect();
    let shared = Shared::new(input, 2, u64::MAX, Vec::new());
    shared.scan();
    let job = shared.claim(&mut shared.lock());
    assert_eq!(job, Some(0));
    drop(shared.post(0, Posted::Lost));
    assert!(shared.take(0, &mut Scratch::new()).is_none());
    let mut board = shared.lock();
    let claimed: Vec<usize> = std::iter::from_fn(|| shared.claim(&mut board)).collect();
    assert_eq!(claimed, [1, 2, 3, 4]);
}

/// A finished window leaves its pool three block buffers per thread (what a window has in
/// flight), not all the buffers its reader gave back, and none too large to keep.
#[test]
fn a_finished_window_keeps_three_block_buffers_per_thread() {
    let _deadline = crate::no_hang("a_finished_window_keeps_three_block_buffers_per_thread");
    for threads in [2, 3] {
        let mut pool = Pool::default();
        let run = Run::start(
            Arc::new(Vec::new()),
            0,
            0,
            0,
            true,
            threads,
            0.0,
            u64::MAX,
            &mut pool,
        );
        run.give_back(Vec::with_capacity(SPARE_OUT_MAX + 1));
        for _ in 0..20 {
            run.give_back(Vec::with_capacity(64));
        }
        run.finish(&mut pool);
        assert_eq!(pool.outs.len(), 3 * threads, "{threads} threads");
        assert!(pool.outs.iter().all(|out| out.capacity() <= SPARE_OUT_MAX));
    }
}

/// A stream of about ten level-1 blocks, and its text.
fn several_blocks() -> (Vec<u8>, Vec<u8>) {
    let text: Vec<u8> = (0..64_000u32)
        .flat_map(|i| format!("line {i}: {}\n", i.wrapping_mul(7919) % 1000).into_bytes())
        .collect();
    let mut encoder = bzip2_c::write::BzEncoder::new(Vec::new(), bzip2_c::Compression::new(1));
    std::io::Write::write_all(&mut encoder, &text).unwrap();
    let stream = encoder.finish().unwrap();
    assert!(scan_block_magics(&stream).len() >= 4);
    (stream, text)
}

/// A scratch whose speculative decodes panic, as a bug would.
fn panicking() -> Scratch {
    let mut scratch = Scratch::new();
    scratch.panic_in_decode = true;
    scratch
}

/// A job whose decode panics is posted lost: the thread waiting for it gets `None` (and
/// decodes the block itself) instead of waiting forever.
#[test]
fn a_job_whose_decode_panics_is_posted_lost() {
    let _deadline = crate::no_hang("a_job_whose_decode_panics_is_posted_lost");
    let (stream, _) = several_blocks();
    let shared = Shared::new(&stream[..], 2, u64::MAX, Vec::new());
    shared.scan();
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let mut board = shared.lock();
            board.next = 1;
            let job = shared.claim(&mut board);
            assert_eq!(job, Some(1));
            drop(shared.run(board, 1, &mut panicking(), 1));
        });
        assert!(worker.join().is_err(), "the injected panic did not happen");
    });
    assert_eq!(
        shared.lock().running,
        0,
        "the lost job still counts as running"
    );
    assert!(shared.take(1, &mut Scratch::new()).is_none());
    let decoded = shared.take(2, &mut Scratch::new()).expect("job 2 decoded");
    assert!(decoded.result.is_ok());
}

/// A worker that panics costs its block a decode on the main thread, not a hang or a wrong
/// byte, in a one-shot call and in a streamed window; a main thread that panics sends the
/// workers away, so the panic reaches the caller instead of hanging in the join.
#[test]
fn a_thread_that_panics_costs_no_hang_and_no_wrong_byte() {
    let _deadline = crate::no_hang("a_thread_that_panics_costs_no_hang_and_no_wrong_byte");
    let (stream, text) = several_blocks();
    // The main thread takes the last scratch, the worker the one before.
    let mut pool = Pool {
        scratches: vec![panicking(), Scratch::new()],
        ..Pool::default()
    };
    let mut out = Vec::new();
    decompress_parallel(&stream, 2, 0.0, u64::MAX, &mut out, &mut pool).unwrap();
    assert!(out == text, "one-shot output differs");

    let mut pool = Pool {
        scratches: vec![panicking(), Scratch::new()],
        ..Pool::default()
    };
    let mut run = Run::start(
        Arc::new(stream.clone()),
        0,
        0,
        0,
        true,
        2,
        0.0,
        u64::MAX,
        &mut pool,
    );
    let (mut chain, mut blocks) = (Chain::default(), VecDeque::new());
    while run.step(&mut chain, &mut blocks).unwrap().is_none() {}
    run.finish(&mut pool);
    assert!(
        blocks.make_contiguous().concat() == text,
        "streamed output differs"
    );

    // The main thread's scratch fails: it panics on the first job it claims while waiting for
    // the worker's, and the worker, idle once its look-ahead is done, must be sent away.
    let mut pool = Pool {
        scratches: vec![Scratch::new(), panicking()],
        ..Pool::default()
    };
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        decompress_parallel(&stream, 2, 0.0, u64::MAX, &mut Vec::new(), &mut pool)
    }));
    assert!(
        caught.is_err(),
        "the main thread's injected panic did not reach the caller"
    );
}

/// A streamed window may start exactly at a block, at bit 0. When the scan posts the jobs
/// before the main thread reaches that block, job 0 is still wanted: it used to be taken for
/// decoded directly (the "decoded directly" mark started at 0), never claimed, and the main
/// thread waited for it forever.
#[test]
fn a_block_at_bit_0_scanned_first_is_still_decoded() {
    let _deadline = crate::no_hang("a_block_at_bit_0_scanned_first_is_still_decoded");
    let text = b"a window that starts on a block boundary ".repeat(50);
    let mut encoder = bzip2_c::write::BzEncoder::new(Vec::new(), bzip2_c::Compression::new(1));
    std::io::Write::write_all(&mut encoder, &text).unwrap();
    let stream = encoder.finish().unwrap();
    // Without the `BZh1` header the block magic is at bit 0.
    let window = stream[4..].to_vec();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let shared = Shared::new(&window[..], 2, u64::MAX, Vec::new());
        shared.scan();
        assert_eq!(shared.jobs(), [0]);
        let decoded = shared.take(0, &mut Scratch::new());
        let _ = done.send(decoded.expect("job 0 posted").result.map(|(_, data)| data));
    });
    let data = finished
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("job 0 was never decoded");
    assert!(data.expect("a valid block") == text);
}

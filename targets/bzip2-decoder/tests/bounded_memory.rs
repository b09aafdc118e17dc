//! The streaming decoder's memory stays bounded by its windows, not by the input's length: it drops
//! input it has decoded. One test in this binary, so the allocation counter sees only it.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use bzip2_decoder::{Decoder, Options};
use common::*;

/// The system allocator, keeping the bytes live now and the most live at once.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call goes to `System` with the caller's arguments; the counters only observe.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: forwarded as received.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn decoding_holds_a_window_of_the_input_not_all_of_it() {
    let _deadline = gauntlet_oracle::no_hang("decoding_holds_a_window_of_the_input_not_all_of_it");
    // 10 MiB that does not compress: a 10 MiB stream of 100 kB blocks. The decoder buffers a 2 MiB
    // window past the block it decodes (6 MiB at the peak: the window's vector grows by doubling,
    // and the old buffer is live while it moves); holding all the input would take 10 MiB or more.
    let data = noise(10 << 20, 3);
    let stream = c_compress(&data, 1);
    drop(data);
    {
        let threads = 1;
        let bound_mib = 8;
        let mut decoder =
            Decoder::with_options(Pieces(&stream, 64 << 10), &Options::new().threads(threads));
        let mut buf = vec![0u8; 64 << 10];
        let base = LIVE.load(Relaxed);
        PEAK.store(base, Relaxed);
        let mut total = 0u64;
        loop {
            let n = decoder.read(&mut buf).expect("the stream decodes");
            if n == 0 {
                break;
            }
            total += n as u64;
        }
        drop(decoder);
        let peak = PEAK.load(Relaxed) - base;
        assert_eq!(total, 10 << 20);
        eprintln!(
            "{threads} thread(s): peak {:.1} MiB for a {:.1} MiB stream",
            peak as f64 / f64::from(1 << 20),
            stream.len() as f64 / f64::from(1 << 20)
        );
        assert!(
            peak < bound_mib << 20,
            "{threads} thread(s): {peak} bytes live at once while decoding {} bytes of input",
            stream.len()
        );
    }
}

//! Tests of block decoding: move-to-front, and a walk shared with a helper thread.

use super::*;
use crate::assist::Crew;
use std::time::{Duration, Instant};

/// A thread idle when a block's sort starts takes a share of the walk, the block decodes to the
/// bytes one thread decodes, and the helper gets its walk buffers back as soon as the owner has
/// stitched them (not at its one-second deadline, with fresh ones).
#[test]
fn a_helper_shares_the_walk_and_gets_its_buffers_back() {
    let _deadline = crate::no_hang("a_helper_shares_the_walk_and_gets_its_buffers_back");
    let text: Vec<u8> = (0..200_000u32)
        .flat_map(|i| format!("{} ", i.wrapping_mul(2_654_435_761) % 9973).into_bytes())
        .take(850_000)
        .collect();
    let mut encoder = bzip2_c::write::BzEncoder::new(Vec::new(), bzip2_c::Compression::new(9));
    std::io::Write::write_all(&mut encoder, &text).unwrap();
    let stream = encoder.finish().unwrap();
    // After "BZh9" and the first block's magic.
    let decode = |mate: Option<Mate<'_>>| {
        let mut scratch = Scratch::new();
        let mut reader = BitReader::new(&stream, 4 * 8 + 48, 0);
        let info = scratch
            .decode_block(&mut reader, 9, 0, mate)
            .expect("a real block");
        scratch.bwt_out[..info.len].to_vec()
    };
    let alone = decode(None);
    // The helper may be slow to claim the offer on a loaded machine: then the owner walks alone
    // and nothing is lent, so try again.
    for _ in 0..20 {
        let crew = Crew::new(2);
        let (shared, lanes, helped_for) = std::thread::scope(|scope| {
            let seen = crew.epoch();
            let crew = &crew;
            let helper = scope.spawn(move || {
                let (mut lanes, mut links) = (bwt::Lanes::default(), Arc::default());
                let started = Instant::now();
                crew.help(1, seen, &mut lanes, &mut links);
                (lanes, started.elapsed())
            });
            let mate = crew.mate(0);
            while !mate.wanted() {
                std::thread::yield_now();
            }
            let shared = decode(Some(mate));
            crew.bump();
            let (lanes, helped_for) = helper.join().expect("the helper panicked");
            (shared, lanes, helped_for)
        });
        assert!(shared == alone, "a shared walk decoded other bytes");
        if !lanes.is_unused() {
            return;
        }
        assert!(
            helped_for < Duration::from_secs(1),
            "the helper waited out its deadline: its walk buffers were not given back"
        );
    }
    eprintln!("notice: the helper never claimed the walk in 20 tries; nothing shown");
}

#[test]
fn move_to_front_matches_a_vec_model_at_every_index() {
    let _deadline = crate::no_hang("move_to_front_matches_a_vec_model_at_every_index");
    let mut mtf: [u8; 256] = std::array::from_fn(|i| i as u8);
    let mut model: Vec<u8> = (0..=255).collect();
    let mut state = 12345u32;
    for step in 0..20_000 {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        // Every index once, then random ones.
        let index = if step < 256 {
            step
        } else {
            (state >> 8) as usize % 256
        };
        let want = model.remove(index);
        model.insert(0, want);
        assert_eq!(move_to_front(&mut mtf, index), want);
        assert_eq!(&mtf[..], &model[..], "after moving index {index}");
    }
}

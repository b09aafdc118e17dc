//! Query sorting in ns per URL against the naive split-filter-sort-join model (the anchor), on realistic URLs
//! (5 to 30 parameters) and on adversarial ones (32 768 parameters: sorted, reversed, identical, shared prefix).
//!
//! `cargo bench -p gauntlet-bench --bench query_sorter`
//!
//! Goals: at least 5x the naive model at p50 on realistic URLs, 0 allocations per op with a reused buffer, every
//! 32 768-parameter case under 5 ms.

use query_sorter::{Mode, Options, Sorter, naive};

gauntlet_bench::counting_allocator!();

/// xorshift64*: seeded, so every run benches the same URLs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const NAMES: &[&str] = &[
    "q",
    "page",
    "sort",
    "order",
    "lang",
    "id",
    "category",
    "brand",
    "color",
    "size",
    "min_price",
    "max_price",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "fbclid",
    "gclid",
    "ref",
    "session",
    "view",
    "limit",
    "offset",
    "filter[type]",
    "filter[tag]",
    "currency",
    "region",
    "variant",
    "format",
];

/// A shop-like URL with `params` parameters in random order; some names repeat, as real URLs do.
fn realistic_url(rng: &mut Rng, params: usize) -> Vec<u8> {
    let mut url = b"/catalog/shoes/running?".to_vec();
    for i in 0..params {
        if i > 0 {
            url.push(b'&');
        }
        url.extend_from_slice(NAMES[rng.below(NAMES.len())].as_bytes());
        url.push(b'=');
        for _ in 0..1 + rng.below(16) {
            url.push(b"abcdefghijklmnopqrstuvwxyz0123456789-_%"[rng.below(39)]);
        }
    }
    url
}

/// 32 768 parameters in the four adversarial shapes.
fn adversarial_url(shape: &str) -> Vec<u8> {
    const N: usize = 32_768;
    let param = |i: usize| -> String {
        match shape {
            "sorted" => format!("p{i:05}=v"),
            "reversed" => format!("p{:05}=v", N - 1 - i),
            "identical" => "same=value".to_owned(),
            // 48 shared bytes before the distinguishing digits, in scrambled order.
            "shared_prefix" => format!(
                "session_tracking_identifier_for_analytics_{:05}",
                (i * 7919) % N
            ),
            _ => unreachable!("unknown shape {shape}"),
        }
    };
    let params: Vec<String> = (0..N).map(param).collect();
    format!("/p?{}", params.join("&")).into_bytes()
}

/// The next URL to sort; a branch rather than `%`, which would cost as much as a small sort.
fn next_index(i: usize, len: usize) -> usize {
    if i + 1 == len { 0 } else { i + 1 }
}

/// The per-op check both sides get: every output was compared in full with the model before timing.
fn same_shape(out: &[u8], expected: &[u8]) -> bool {
    out.len() == expected.len() && out.first() == expected.first() && out.last() == expected.last()
}

/// Benches the fast sorter (reused buffers) against the naive model on `urls`, cycling through them.
fn compare(c: &mut gauntlet_bench::Criterion, group: &str, options: &Options, urls: &[Vec<u8>]) {
    let expected: Vec<Vec<u8>> = urls.iter().map(|u| naive::sort(u, options)).collect();
    let bytes = urls.iter().map(Vec::len).sum::<usize>() / urls.len();
    let anchor = format!("naive/{group}");

    let mut i = 0;
    gauntlet_bench::Bench::new("query_sorter", &anchor)
        .throughput_bytes(bytes as u64)
        .anchor()
        .run(c, || {
            i = next_index(i, urls.len());
            let out = naive::sort(&urls[i], options);
            assert!(same_shape(&out, &expected[i]));
            out
        });

    let mut sorter = Sorter::new(options.clone());
    let mut out = Vec::new();
    for (url, want) in urls.iter().zip(&expected) {
        sorter.sort_into(url, &mut out);
        assert_eq!(&out, want, "fast sorter disagrees with the naive model");
    }
    let mut i = 0;
    gauntlet_bench::Bench::new("query_sorter", &format!("fast/{group}"))
        .throughput_bytes(bytes as u64)
        .vs(&anchor)
        .run(c, || {
            i = next_index(i, urls.len());
            sorter.sort_into(&urls[i], &mut out);
            assert!(same_shape(&out, &expected[i]));
            out.len()
        });
}

fn main() {
    let mut c = gauntlet_bench::criterion();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let canonical = Options::new(Mode::Canonical);

    for params in [5, 15, 30] {
        let urls: Vec<Vec<u8>> = (0..64).map(|_| realistic_url(&mut rng, params)).collect();
        compare(
            &mut c,
            &format!("canonical/realistic_{params}"),
            &canonical,
            &urls,
        );
    }
    let urls: Vec<Vec<u8>> = (0..64).map(|_| realistic_url(&mut rng, 15)).collect();
    compare(
        &mut c,
        "by_key/realistic_15",
        &Options::new(Mode::ByKey),
        &urls,
    );
    compare(
        &mut c,
        "varnish/realistic_15",
        &Options::new(Mode::Varnish),
        &urls,
    );
    let cache_operator = Options::new(Mode::Canonical)
        .with_dedupe(true)
        .with_decode_unreserved(true)
        .drop("utm_*")
        .and_then(|o| o.drop("*clid"))
        .expect("valid globs");
    compare(
        &mut c,
        "canonical_dedupe_decode_drop/realistic_15",
        &cache_operator,
        &urls,
    );

    for shape in ["sorted", "reversed", "identical", "shared_prefix"] {
        let urls = vec![adversarial_url(shape)];
        compare(
            &mut c,
            &format!("canonical/32768_{shape}"),
            &canonical,
            &urls,
        );
        compare(
            &mut c,
            &format!("by_key/32768_{shape}"),
            &Options::new(Mode::ByKey),
            &urls,
        );
    }
    c.final_summary();
}

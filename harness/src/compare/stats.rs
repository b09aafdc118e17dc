//! Rank statistics for two small samples: the base's and the head's per-process-run values of one
//! percentile.
//!
//! - [`rank_sum_test`]: the Wilcoxon–Mann–Whitney rank-sum test, one-sided in both directions.
//!   The p-value is exact (the permutation distribution of the rank sum, mid-ranks for ties) up
//!   to [`EXACT_MAX_N`] values in total, and the normal approximation with tie correction above.
//! - [`hodges_lehmann_ratio`]: the Hodges–Lehmann estimate of the shift between the samples on a
//!   log scale (so it reads as a ratio head ÷ base), with the distribution-free confidence
//!   interval that inverts the same test (Moses).
//! - [`holm`]: Holm's step-down adjustment, so that the chance of *any* false alarm across every
//!   gated statistic of a comparison stays below the family-wise level.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Up to this many values in both samples together the p-value is computed exactly.
pub const EXACT_MAX_N: usize = 100;

/// One-sided p-values of the rank-sum test of head against base.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankSum {
    /// P(a rank sum at least this large | no difference): small when head is slower (larger).
    pub p_greater: f64,
    /// P(a rank sum at most this large | no difference): small when head is faster.
    pub p_less: f64,
    /// Whether the p-values are exact (permutation distribution) or the normal approximation.
    pub exact: bool,
}

/// The wilcoxon rank-sum test of `head` against `base` (both non-empty, finite).
pub fn rank_sum_test(base: &[f64], head: &[f64]) -> RankSum {
    let (n_base, n_head) = (base.len(), head.len());
    let total = n_base + n_head;
    // Doubled mid-ranks are integers even with ties.
    let mut all: Vec<(f64, bool)> = base
        .iter()
        .map(|&v| (v, false))
        .chain(head.iter().map(|&v| (v, true)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut doubled = vec![0u32; total];
    let mut ties = false;
    let mut tie_term = 0.0; // Σ (t³ − t) over tie groups, for the normal approximation.
    let mut i = 0;
    while i < total {
        let mut j = i + 1;
        while j < total && all[j].0 == all[i].0 {
            j += 1;
        }
        // Ranks i+1 ..= j share the mid-rank (i+1+j)/2.
        let r2 = (i + 1 + j) as u32;
        doubled[i..j].fill(r2);
        let t = (j - i) as f64;
        if j - i > 1 {
            ties = true;
            tie_term += t * t * t - t;
        }
        i = j;
    }
    let observed: u64 = all
        .iter()
        .zip(&doubled)
        .filter(|((_, is_head), _)| *is_head)
        .map(|(_, &r)| u64::from(r))
        .sum();
    if total <= EXACT_MAX_N {
        let (counts, offset, scale) = if ties {
            (
                std::sync::Arc::new(subset_sum_counts(&doubled, n_head)),
                0u64,
                1u64,
            )
        } else {
            // Without ties the distribution only depends on the sample sizes: cache it.
            (no_tie_distribution(n_base, n_head), tri(n_head), 2)
        };
        let index = |s: u64| ((s / scale) - offset) as usize;
        let obs = index(observed);
        let all_ways: f64 = counts.iter().sum();
        let upper: f64 = counts[obs..].iter().sum();
        let lower: f64 = counts[..=obs].iter().sum();
        return RankSum {
            p_greater: (upper / all_ways).min(1.0),
            p_less: (lower / all_ways).min(1.0),
            exact: true,
        };
    }
    let (nb, nh, nt) = (n_base as f64, n_head as f64, total as f64);
    let mean = nh * (nt + 1.0); // of the doubled rank sum
    let var = 4.0 * nb * nh / 12.0 * ((nt + 1.0) - tie_term / (nt * (nt - 1.0)));
    if var <= 0.0 {
        return RankSum {
            p_greater: 1.0,
            p_less: 1.0,
            exact: false,
        };
    }
    let sd = var.sqrt();
    // Continuity correction: one unit of the (doubled) rank sum.
    let z_up = (observed as f64 - mean - 1.0) / sd;
    let z_down = (observed as f64 - mean + 1.0) / sd;
    RankSum {
        p_greater: normal_sf(z_up),
        p_less: normal_sf(-z_down),
        exact: false,
    }
}

/// `1 + 2 + … + n`.
fn tri(n: usize) -> u64 {
    (n * (n + 1) / 2) as u64
}

/// `counts[s]` = the number of ways to choose `k` of `scores` whose scores sum to `s`.
fn subset_sum_counts(scores: &[u32], k: usize) -> Vec<f64> {
    let total: usize = scores.iter().map(|&s| s as usize).sum();
    // ways[j][s]: subsets of size j of the scores seen so far with sum s.
    let mut ways = vec![vec![0.0f64; total + 1]; k + 1];
    ways[0][0] = 1.0;
    let mut reach = 0usize;
    for (seen, &score) in scores.iter().enumerate() {
        let score = score as usize;
        reach += score;
        for j in (1..=k.min(seen + 1)).rev() {
            let (lower, upper) = ways.split_at_mut(j);
            let (from, to) = (&lower[j - 1], &mut upper[0]);
            for s in (score..=reach).rev() {
                to[s] += from[s - score];
            }
        }
    }
    ways.swap_remove(k)
}

/// The distribution of the Mann–Whitney U of a sample of `n_head` against `n_base` without ties,
/// as counts for U = 0 ..= n_base·n_head.
fn no_tie_distribution(n_base: usize, n_head: usize) -> std::sync::Arc<Vec<f64>> {
    type Cache = Mutex<HashMap<(usize, usize), std::sync::Arc<Vec<f64>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(d) = cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&(n_base, n_head))
    {
        return d.clone();
    }
    let ranks: Vec<u32> = (1..=(n_base + n_head) as u32).collect();
    let sums = subset_sum_counts(&ranks, n_head);
    // Rank sums start at 1 + … + n_head (U = 0).
    let d = std::sync::Arc::new(sums[tri(n_head) as usize..].to_vec());
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert((n_base, n_head), d.clone());
    d
}

/// The Hodges–Lehmann shift of `head` against `base` on a log scale, as a ratio, with its
/// confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatioEstimate {
    /// exp(median of all ln(head_j) − ln(base_i)): above 1 means head is slower.
    pub ratio: f64,
    /// Lower end of the confidence interval of the ratio (0 when the samples are too small).
    pub lo: f64,
    /// Upper end (infinite when the samples are too small).
    pub hi: f64,
}

/// Hodges–Lehmann estimate of head ÷ base with a distribution-free `confidence` interval (e.g.
/// 0.95). All values must be positive and finite.
pub fn hodges_lehmann_ratio(base: &[f64], head: &[f64], confidence: f64) -> RatioEstimate {
    let mut diffs: Vec<f64> = head
        .iter()
        .flat_map(|&h| base.iter().map(move |&b| h.ln() - b.ln()))
        .collect();
    diffs.sort_by(f64::total_cmp);
    let ratio = median_sorted(&diffs).exp();
    // Moses: the interval runs from the (c+1)-th smallest to the (c+1)-th largest difference,
    // where c is the largest U with P(U ≤ c) ≤ (1 − confidence) / 2.
    let tail = (1.0 - confidence) / 2.0;
    let nm = diffs.len();
    match critical_u(base.len(), head.len(), tail) {
        Some(c) if c <= nm - 1 - c => RatioEstimate {
            ratio,
            lo: diffs[c].exp(),
            hi: diffs[nm - 1 - c].exp(),
        },
        _ => RatioEstimate {
            ratio,
            lo: 0.0,
            hi: f64::INFINITY,
        },
    }
}

/// The largest `c` with P(U ≤ c) ≤ `tail` under no difference (the critical value of the
/// one-sided test), or `None` if even U = 0 is more likely than that.
fn critical_u(n_base: usize, n_head: usize, tail: f64) -> Option<usize> {
    if n_base + n_head <= EXACT_MAX_N {
        let d = no_tie_distribution(n_base, n_head);
        let all: f64 = d.iter().sum();
        let mut cum = 0.0;
        let mut below = 0;
        while below < d.len() && (cum + d[below]) / all <= tail {
            cum += d[below];
            below += 1;
        }
        // `below` values of U (0 ..= below − 1) lie in the tail.
        below.checked_sub(1)
    } else {
        critical_u_normal(n_base, n_head, tail)
    }
}

/// [`critical_u`] by the normal approximation with continuity correction.
fn critical_u_normal(n_base: usize, n_head: usize, tail: f64) -> Option<usize> {
    let (nb, nh) = (n_base as f64, n_head as f64);
    let sd = (nb * nh * (nb + nh + 1.0) / 12.0).sqrt();
    let c = (nb * nh / 2.0 - 0.5 - normal_quantile(1.0 - tail) * sd).floor();
    (c >= 0.0).then_some(c as usize)
}

/// The smallest one-sided p-value the exact test can reach with these sample sizes.
pub fn smallest_p(n_base: usize, n_head: usize) -> f64 {
    // 1 / C(n_base + n_head, n_head), in floating point.
    let mut c = 1.0f64;
    for i in 0..n_head {
        c = c * (n_base + n_head - i) as f64 / (i + 1) as f64;
    }
    1.0 / c
}

/// Holm's step-down adjusted p-values, in the input order.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let k = p.len();
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut adjusted = vec![0.0; k];
    let mut running = 0.0f64;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((k - rank) as f64 * p[i]).min(1.0));
        adjusted[i] = running;
    }
    adjusted
}

/// Median of unsorted values (NaN for none).
pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    median_sorted(&s)
}

fn median_sorted(s: &[f64]) -> f64 {
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

/// P(Z > z) for a standard normal Z.
fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// erfc with a relative error below 1.2e-7 (Numerical Recipes' Chebyshev fit).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// The standard normal quantile, by bisection on [`normal_sf`] (only used for large samples).
fn normal_quantile(p: f64) -> f64 {
    let (mut lo, mut hi) = (-10.0f64, 10.0f64);
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if 1.0 - normal_sf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// SplitMix64: a seeded generator for synthetic samples.
    pub(crate) struct Rng(pub u64);

    impl Rng {
        pub(crate) fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform in (0, 1).
        pub(crate) fn uniform(&mut self) -> f64 {
            ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }

        /// Standard normal (Box–Muller).
        pub(crate) fn normal(&mut self) -> f64 {
            let (u, v) = (self.uniform(), self.uniform());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        }
    }

    /// The naive oracle: enumerate every way to split the pooled values, compute the head's
    /// mid-rank sum for each, and count how many reach the observed one.
    fn brute_force(base: &[f64], head: &[f64]) -> (f64, f64) {
        let pooled: Vec<f64> = base.iter().chain(head).copied().collect();
        let n = pooled.len();
        let midrank = |v: f64| {
            let below = pooled.iter().filter(|&&x| x < v).count() as f64;
            let equal = pooled.iter().filter(|&&x| x == v).count() as f64;
            below + (equal + 1.0) / 2.0
        };
        let ranks: Vec<f64> = pooled.iter().map(|&v| midrank(v)).collect();
        let observed: f64 = ranks[base.len()..].iter().sum();
        let (mut ge, mut le, mut all) = (0u64, 0u64, 0u64);
        for mask in 0u32..(1 << n) {
            if mask.count_ones() as usize != head.len() {
                continue;
            }
            let s: f64 = (0..n)
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| ranks[i])
                .sum();
            all += 1;
            ge += u64::from(s >= observed - 1e-9);
            le += u64::from(s <= observed + 1e-9);
        }
        (ge as f64 / all as f64, le as f64 / all as f64)
    }

    #[test]
    fn exact_p_values_match_brute_force_with_and_without_ties() {
        let mut rng = Rng(7);
        for trial in 0..300 {
            let nb = 2 + (trial % 6);
            let nh = 2 + (trial / 6 % 6);
            // Coarse values make ties common in half of the trials.
            let coarse = trial % 2 == 0;
            let mut draw = || {
                let v = 100.0 + 10.0 * rng.normal();
                if coarse { (v / 5.0).round() * 5.0 } else { v }
            };
            let base: Vec<f64> = (0..nb).map(|_| draw()).collect();
            let head: Vec<f64> = (0..nh).map(|_| draw()).collect();
            let got = rank_sum_test(&base, &head);
            let (ge, le) = brute_force(&base, &head);
            assert!(got.exact);
            assert!(
                (got.p_greater - ge).abs() < 1e-9 && (got.p_less - le).abs() < 1e-9,
                "{base:?} vs {head:?}: {got:?}, brute force {ge} {le}"
            );
        }
    }

    #[test]
    fn critical_values_match_the_published_table() {
        // Mann–Whitney tables, two-sided α = 0.05: n1 = n2 = 10 → U ≤ 23; n1 = n2 = 5 → U ≤ 2;
        // n1 = 8, n2 = 12 → U ≤ 22; n1 = n2 = 4 → U ≤ 0.
        assert_eq!(critical_u(10, 10, 0.025), Some(23));
        assert_eq!(critical_u(5, 5, 0.025), Some(2));
        assert_eq!(critical_u(8, 12, 0.025), Some(22));
        assert_eq!(critical_u(4, 4, 0.025), Some(0));
        // Three against three: even U = 0 has probability 1/20 > 2.5 %.
        assert_eq!(critical_u(3, 3, 0.025), None);
        // The normal approximation used above EXACT_MAX_N lands within a step or two of the
        // exact value where both can be computed.
        for (nb, nh) in [(50, 50), (30, 40), (20, 20)] {
            let exact = critical_u(nb, nh, 0.025).unwrap();
            let approx = critical_u_normal(nb, nh, 0.025).unwrap();
            assert!(
                exact.abs_diff(approx) <= 2,
                "{nb}×{nh}: {exact} vs {approx}"
            );
        }
    }

    #[test]
    fn normal_approximation_agrees_with_exact_at_the_boundary() {
        let mut rng = Rng(11);
        let base: Vec<f64> = (0..50).map(|_| rng.normal()).collect();
        let head: Vec<f64> = (0..50).map(|_| rng.normal() + 0.4).collect();
        let exact = rank_sum_test(&base, &head);
        let head_big: Vec<f64> = head.iter().chain(&head[..1]).copied().collect();
        let approx = rank_sum_test(&base, &head_big);
        assert!(exact.exact && !approx.exact);
        // One extra value barely moves the p-value; the approximation must be close.
        assert!(
            (exact.p_greater.ln() - approx.p_greater.ln()).abs() < 0.5,
            "{exact:?} {approx:?}"
        );
        let z = normal_quantile(0.975);
        assert!((z - 1.959_964).abs() < 1e-4);
        assert!((normal_sf(1.959_964) - 0.025).abs() < 1e-6);
    }

    #[test]
    fn hodges_lehmann_recovers_a_pure_ratio() {
        let mut rng = Rng(3);
        let base: Vec<f64> = (0..10)
            .map(|_| 1000.0 * (0.05 * rng.normal()).exp())
            .collect();
        let head: Vec<f64> = base.iter().map(|v| v * 1.1).collect();
        let e = hodges_lehmann_ratio(&base, &head, 0.95);
        assert!((e.ratio - 1.1).abs() < 1e-9, "{e:?}");
        assert!(e.lo < 1.1 && 1.1 < e.hi, "{e:?}");
        let same = hodges_lehmann_ratio(&base, &base, 0.95);
        assert!((same.ratio - 1.0).abs() < 1e-12 && same.lo < 1.0 && same.hi > 1.0);
    }

    #[test]
    fn confidence_interval_covers_the_true_ratio_about_95_percent_of_the_time() {
        let mut rng = Rng(99);
        let trials = 400;
        let mut covered = 0;
        for _ in 0..trials {
            let base: Vec<f64> = (0..10).map(|_| (0.1 * rng.normal()).exp()).collect();
            let head: Vec<f64> = (0..10).map(|_| 1.05 * (0.1 * rng.normal()).exp()).collect();
            let e = hodges_lehmann_ratio(&base, &head, 0.95);
            covered += usize::from(e.lo <= 1.05 && 1.05 <= e.hi);
        }
        let rate = covered as f64 / trials as f64;
        assert!((0.92..=0.99).contains(&rate), "coverage {rate}");
    }

    #[test]
    fn holm_is_monotone_and_capped() {
        let adj = holm(&[0.01, 0.04, 0.03, 0.5]);
        assert_eq!(adj, vec![0.04, 0.09, 0.09, 0.5]);
        assert_eq!(holm(&[0.9, 0.8]), vec![1.0, 1.0]);
        assert!(holm(&[]).is_empty());
    }

    #[test]
    fn smallest_p_is_one_over_the_number_of_splits() {
        assert!((smallest_p(10, 10) - 1.0 / 184_756.0).abs() < 1e-15);
        assert!((smallest_p(3, 3) - 0.05).abs() < 1e-15);
    }

    #[test]
    fn identical_samples_are_never_significant() {
        let v = [5.0; 8];
        let r = rank_sum_test(&v, &v);
        assert_eq!((r.p_greater, r.p_less), (1.0, 1.0));
        assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), 2.5);
    }
}

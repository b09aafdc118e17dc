//! From per-process-run bench records of both sides to verdicts: the comparison's data model,
//! which is also its JSON file (`target/gauntlet/compare/<base>-<head>/comparison.json`).

use std::collections::BTreeMap;

use gauntlet_records::bench::BenchRecord;
pub use gauntlet_records::compare::{
    BenchComparison, Change, Comparison, Curve, GATED, Policy, SCHEMA, SHOWN, SideInfo,
    StatComparison,
};

use super::stats;

/// The statistic `stat` of a record.
fn stat_of(r: &BenchRecord, stat: &str) -> f64 {
    let p = &r.percentiles_ns;
    match stat {
        "p50" => p.p50,
        "p90" => p.p90,
        "p99" => p.p99,
        "p99.9" => p.p999,
        _ => p.max,
    }
}

/// Every record of one side, grouped by bench id, in run order.
pub fn by_id(runs: &[Vec<BenchRecord>]) -> BTreeMap<String, Vec<&BenchRecord>> {
    let mut m: BTreeMap<String, Vec<&BenchRecord>> = BTreeMap::new();
    for run in runs {
        for r in run {
            m.entry(r.id.clone()).or_default().push(r);
        }
    }
    m
}

/// Compare the process runs of both sides. `base`/`head` carry the side descriptions; their
/// `runs` and `loadavg` are filled in here.
pub fn analyse(
    mut base: SideInfo,
    mut head: SideInfo,
    base_runs: &[Vec<BenchRecord>],
    head_runs: &[Vec<BenchRecord>],
    time_ms: u64,
    policy: Policy,
) -> Comparison {
    let (b, h) = (by_id(base_runs), by_id(head_runs));
    base.runs = base_runs.len();
    head.runs = head_runs.len();
    base.loadavg = mean_load(base_runs);
    head.loadavg = mean_load(head_runs);
    let common: Vec<&String> = b.keys().filter(|k| h.contains_key(*k)).collect();
    let mut benches: Vec<BenchComparison> = common
        .iter()
        .map(|id| compare_bench(id, &b[*id], &h[*id], policy))
        .collect();
    // Holm over every gated test, separately for each direction.
    let gated: Vec<(usize, usize)> = benches
        .iter()
        .enumerate()
        .flat_map(|(i, bc)| {
            bc.stats
                .iter()
                .enumerate()
                .filter(|(_, s)| s.gated)
                .map(move |(j, _)| (i, j))
        })
        .collect();
    let slower = stats::holm(
        &gated
            .iter()
            .map(|&(i, j)| benches[i].stats[j].p_slower)
            .collect::<Vec<_>>(),
    );
    let faster = stats::holm(
        &gated
            .iter()
            .map(|&(i, j)| benches[i].stats[j].p_faster)
            .collect::<Vec<_>>(),
    );
    for (k, &(i, j)) in gated.iter().enumerate() {
        let s = &mut benches[i].stats[j];
        s.p_slower_adjusted = Some(slower[k]);
        s.p_faster_adjusted = Some(faster[k]);
        s.verdict = judge(s, policy);
    }
    for bc in &mut benches {
        bc.verdict = bc
            .stats
            .iter()
            .filter(|s| s.gated)
            .map(|s| s.verdict)
            .max()
            .unwrap_or(Change::Unchanged);
    }
    let count = |v: Change| {
        benches
            .iter()
            .flat_map(|b| &b.stats)
            .filter(|s| s.gated && s.verdict == v)
            .count()
    };
    let (regressions, improvements) = (count(Change::Regressed), count(Change::Improved));
    let min_runs = base.runs.min(head.runs);
    let significance_reachable = !gated.is_empty()
        && min_runs > 0
        && stats::smallest_p(base.runs, head.runs) * gated.len() as f64 <= policy.alpha;
    let first = base_runs.iter().chain(head_runs).flatten().next();
    Comparison {
        schema: SCHEMA.to_owned(),
        date: gauntlet_records::bench::rfc3339_now(),
        cpu: first.map_or_else(gauntlet_records::bench::cpu_model, |r| r.meta.cpu.clone()),
        rustc: first.map(|r| r.meta.rustc.clone()).unwrap_or_default(),
        only_in_base: b.keys().filter(|k| !h.contains_key(*k)).cloned().collect(),
        only_in_head: h.keys().filter(|k| !b.contains_key(*k)).cloned().collect(),
        base,
        head,
        time_ms,
        order: "interleaved, alternating which side goes first (A B B A A B …)".to_owned(),
        policy,
        significance_reachable,
        benches,
        regressions,
        improvements,
    }
}

fn mean_load(runs: &[Vec<BenchRecord>]) -> f64 {
    let loads: Vec<f64> = runs.iter().flatten().map(|r| r.meta.loadavg[0]).collect();
    if loads.is_empty() {
        0.0
    } else {
        loads.iter().sum::<f64>() / loads.len() as f64
    }
}

fn compare_bench(
    id: &str,
    base: &[&BenchRecord],
    head: &[&BenchRecord],
    policy: Policy,
) -> BenchComparison {
    let stats = GATED
        .iter()
        .map(|s| (s, true))
        .chain(SHOWN.iter().map(|s| (s, false)))
        .map(|(stat, gated)| {
            let a: Vec<f64> = base.iter().map(|r| stat_of(r, stat)).collect();
            let b: Vec<f64> = head.iter().map(|r| stat_of(r, stat)).collect();
            let mut s = compare_stat(stat, gated, a, b, policy);
            if !gated {
                // Unadjusted, for information only.
                s.verdict = judge(&s, policy);
            }
            s
        })
        .collect();
    let mean = |v: &[&BenchRecord], f: fn(&BenchRecord) -> f64| {
        v.iter().map(|r| f(r)).sum::<f64>() / v.len().max(1) as f64
    };
    BenchComparison {
        id: id.to_owned(),
        stats,
        verdict: Change::Unchanged,
        allocs_per_op: (
            mean(base, |r| r.allocs_per_op),
            mean(head, |r| r.allocs_per_op),
        ),
        bytes_per_op: (
            mean(base, |r| r.bytes_per_op),
            mean(head, |r| r.bytes_per_op),
        ),
        samples: (
            base.iter().map(|r| r.samples).sum(),
            head.iter().map(|r| r.samples).sum(),
        ),
        base_curve: merged_curve(base),
        head_curve: merged_curve(head),
    }
}

/// Compare one statistic; the verdict is provisional until the family adjustment.
pub fn compare_stat(
    stat: &str,
    gated: bool,
    base_runs: Vec<f64>,
    head_runs: Vec<f64>,
    policy: Policy,
) -> StatComparison {
    // Clamp to a positive floor: a statistic of 0 ns (an empty op) would break the log scale.
    let clean = |v: &[f64]| -> Vec<f64> {
        v.iter()
            .map(|x| if x.is_finite() { x.max(1e-3) } else { 1e-3 })
            .collect()
    };
    let (a, b) = (clean(&base_runs), clean(&head_runs));
    let test = stats::rank_sum_test(&a, &b);
    let est = stats::hodges_lehmann_ratio(&a, &b, policy.confidence);
    StatComparison {
        stat: stat.to_owned(),
        gated,
        base_median: stats::median(&base_runs),
        head_median: stats::median(&head_runs),
        base_runs,
        head_runs,
        ratio: est.ratio,
        ratio_lo: (est.lo > 0.0).then_some(est.lo),
        ratio_hi: est.hi.is_finite().then_some(est.hi),
        p_slower: test.p_greater,
        p_faster: test.p_less,
        p_slower_adjusted: None,
        p_faster_adjusted: None,
        exact: test.exact,
        verdict: Change::Inconclusive,
    }
}

/// The verdict of one statistic: a change counts only if it is significant after adjustment
/// (when there is one) *and* larger than the threshold.
pub fn judge(s: &StatComparison, policy: Policy) -> Change {
    let limit = 1.0 + policy.threshold_pct / 100.0;
    let p_slower = s.p_slower_adjusted.unwrap_or(s.p_slower);
    let p_faster = s.p_faster_adjusted.unwrap_or(s.p_faster);
    if p_slower < policy.alpha && s.ratio >= limit {
        Change::Regressed
    } else if p_faster < policy.alpha && s.ratio <= 1.0 / limit {
        Change::Improved
    } else if s.ratio_lo.is_some_and(|lo| lo > 1.0 / limit)
        && s.ratio_hi.is_some_and(|hi| hi < limit)
    {
        Change::Unchanged
    } else {
        Change::Inconclusive
    }
}

/// The percentile curve of all runs merged, on a log grid of `1 / (1 − q)`.
fn merged_curve(records: &[&BenchRecord]) -> Curve {
    let mut merged: Option<hdrhistogram::Histogram<u64>> = None;
    for r in records {
        let Ok(h) = r.histogram() else { continue };
        match &mut merged {
            None => merged = Some(h),
            Some(m) => {
                // Same bounds on both (the recorder fixes them); a failure only drops a run.
                let _ = m.add(&h);
            }
        }
    }
    let Some(h) = merged.filter(|h| !h.is_empty()) else {
        return Vec::new();
    };
    let ns = |ps: u64| ps as f64 / 1000.0;
    // Up to the quantile that still has ~10 samples above it, at most 99.999 %.
    let top = ((h.len() as f64) / 10.0).log10().clamp(0.0, 5.0);
    let mut curve: Curve = Vec::new();
    let mut x = 0.0;
    while x <= top + 1e-9 {
        let q = 1.0 - 10f64.powf(-x);
        curve.push((q, ns(h.value_at_quantile(q))));
        x += 0.05;
    }
    curve.push((1.0, ns(h.max())));
    curve
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::stats::tests::Rng;
    use super::*;

    fn side() -> SideInfo {
        SideInfo {
            spec: "x".into(),
            ..Default::default()
        }
    }

    /// Synthetic per-run statistics of `benches` benches: a per-run random effect with
    /// `sigma` spread (per statistic: the tail is noisier), a slow drift shared by neighbouring
    /// runs, occasional disturbed runs, and `slowdown` applied to head.
    fn synthetic_trial(
        rng: &mut Rng,
        runs: usize,
        benches: usize,
        slowdown: f64,
        policy: Policy,
    ) -> Comparison {
        let mut base_stats = Vec::new();
        let mut head_stats = Vec::new();
        for _ in 0..benches {
            let mut per_stat_base = Vec::new();
            let mut per_stat_head = Vec::new();
            for (k, sigma) in [0.02, 0.03, 0.06, 0.10, 0.25].into_iter().enumerate() {
                let level = 1000.0 * (1.0 + k as f64);
                let mut drift = 0.0;
                let (mut a, mut b) = (Vec::new(), Vec::new());
                for r in 0..runs {
                    // Interleaved with the first side alternating, as the runner does; the
                    // machine drifts a little between any two consecutive process runs.
                    let base_first = r % 2 == 0;
                    for slot in 0..2 {
                        drift += 0.007 * rng.normal();
                        let is_base = (slot == 0) == base_first;
                        let factor = if is_base { 1.0 } else { 1.0 + slowdown };
                        let disturbed = if rng.uniform() < 0.05 {
                            1.0 + 0.3 * rng.uniform()
                        } else {
                            1.0
                        };
                        let v = level * factor * (drift + sigma * rng.normal()).exp() * disturbed;
                        if is_base { a.push(v) } else { b.push(v) }
                    }
                }
                per_stat_base.push(a);
                per_stat_head.push(b);
            }
            base_stats.push(per_stat_base);
            head_stats.push(per_stat_head);
        }
        let mut benches_out: Vec<BenchComparison> = (0..benches)
            .map(|i| {
                let stats = GATED
                    .iter()
                    .chain(&SHOWN)
                    .enumerate()
                    .map(|(k, stat)| {
                        compare_stat(
                            stat,
                            k < GATED.len(),
                            base_stats[i][k].clone(),
                            head_stats[i][k].clone(),
                            policy,
                        )
                    })
                    .collect();
                BenchComparison {
                    id: format!("synthetic/{i}"),
                    stats,
                    verdict: Change::Unchanged,
                    allocs_per_op: (0.0, 0.0),
                    bytes_per_op: (0.0, 0.0),
                    samples: (0, 0),
                    base_curve: Vec::new(),
                    head_curve: Vec::new(),
                }
            })
            .collect();
        // Reuse the family adjustment of `analyse` on these synthetic statistics.
        let mut c = analyse(side(), side(), &[], &[], 0, policy);
        c.benches.append(&mut benches_out);
        rejudge(&mut c);
        c
    }

    /// Redo the family-wise part of [`analyse`] (for comparisons assembled by hand).
    fn rejudge(c: &mut Comparison) {
        let policy = c.policy;
        let mut ps = Vec::new();
        for b in &c.benches {
            for s in b.stats.iter().filter(|s| s.gated) {
                ps.push((s.p_slower, s.p_faster));
            }
        }
        let slower = stats::holm(&ps.iter().map(|p| p.0).collect::<Vec<_>>());
        let faster = stats::holm(&ps.iter().map(|p| p.1).collect::<Vec<_>>());
        let mut k = 0;
        for b in &mut c.benches {
            for s in b.stats.iter_mut().filter(|s| s.gated) {
                s.p_slower_adjusted = Some(slower[k]);
                s.p_faster_adjusted = Some(faster[k]);
                s.verdict = judge(s, policy);
                k += 1;
            }
            b.verdict = b
                .stats
                .iter()
                .filter(|s| s.gated)
                .map(|s| s.verdict)
                .max()
                .unwrap_or(Change::Unchanged);
        }
    }

    #[test]
    fn a_a_comparisons_report_no_regression_in_at_least_95_percent_of_trials() {
        let mut rng = Rng(0xA_A);
        let trials = 500;
        let quiet = (0..trials)
            .filter(|_| {
                let c = synthetic_trial(&mut rng, 10, 3, 0.0, Policy::default());
                c.change() != Change::Regressed
            })
            .count();
        let rate = quiet as f64 / trials as f64;
        eprintln!("synthetic A/A: quiet in {quiet}/{trials} trials");
        assert!(rate >= 0.95, "A/A quiet in only {rate:.3} of trials");
    }

    #[test]
    fn a_ten_percent_slowdown_is_detected_at_p50() {
        let mut rng = Rng(0x51_0e);
        let trials = 300;
        let caught = (0..trials)
            .filter(|_| {
                let c = synthetic_trial(&mut rng, 10, 3, 0.10, Policy::default());
                c.benches
                    .iter()
                    .all(|b| b.stats[0].verdict == Change::Regressed)
            })
            .count();
        let rate = caught as f64 / trials as f64;
        eprintln!("synthetic 10 % slowdown: caught at p50 in {caught}/{trials} trials");
        assert!(
            rate >= 0.95,
            "10 % slowdown caught in only {rate:.3} of trials"
        );
    }

    #[test]
    fn a_significant_change_below_the_threshold_is_not_a_regression() {
        let policy = Policy::default();
        let base: Vec<f64> = (0..10).map(|i| 1000.0 + i as f64).collect();
        let head: Vec<f64> = base.iter().map(|v| v * 1.03).collect();
        let s = compare_stat("p50", true, base.clone(), head, policy);
        assert!(s.p_slower < 0.001, "{s:?}");
        assert_eq!(judge(&s, policy), Change::Unchanged);
        let faster: Vec<f64> = base.iter().map(|v| v * 0.8).collect();
        let s = compare_stat("p50", true, base, faster, policy);
        assert_eq!(judge(&s, policy), Change::Improved);
        assert!((s.ratio - 0.8).abs() < 1e-9);
    }

    #[test]
    fn too_few_runs_are_inconclusive_not_regressed() {
        let policy = Policy::default();
        let s = compare_stat("p50", true, vec![100.0, 101.0], vec![150.0, 151.0], policy);
        assert_eq!(s.ratio_lo, None);
        assert_eq!(judge(&s, policy), Change::Inconclusive);
    }

    #[test]
    fn the_family_adjustment_tempers_many_small_p_values() {
        // p = 0.02 alone is significant at 5 %; as one of six gated tests it is not.
        let adj = stats::holm(&[0.02, 0.5, 0.5, 0.5, 0.5, 0.5]);
        assert!(adj[0] > 0.05);
    }
}

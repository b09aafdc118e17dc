//! `cargo gauntlet compare BASE HEAD --measure instructions`: instruction counts under valgrind's
//! callgrind, per bench and commit, instead of timings.
//!
//! Each side is built as for the timing comparison, then every selected bench executable runs
//! once under callgrind, counting only the measured routine ([`crate::callgrind`]).
//!
//! Instructions are deterministic: the same executable gives the same count on every run, so the
//! gate is a plain threshold (`[compare] instructions_threshold_pct`, default 1 %) with no
//! statistics. The estimated cycles (`records::instructions::COST_MODEL`) come from a simulated
//! cache of fixed geometry, the same on every machine.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use gauntlet_records::Verdict;
use gauntlet_records::compare::SideInfo;
use gauntlet_records::instructions::{self as rec, COST_MODEL, InstructionComparison, Measured};

use super::checkout::{self, Side};
use crate::callgrind;
use crate::project::{self, Project};
use crate::{exit, plot, sys};

/// Run the instruction comparison (`compare --measure instructions`).
pub fn run(args: &super::Args, project: &Project) -> Result<u8> {
    let threshold = args
        .threshold
        .or(project.config.compare.instructions_threshold_pct)
        .unwrap_or(1.0);
    if !(0.0..1000.0).contains(&threshold) {
        return Err(exit::usage(format!(
            "--threshold is a percentage between 0 and 1000, got {threshold}"
        )));
    }
    let valgrind = sys::ensure_valgrind()?;
    let root = project.root.clone();
    let gauntlet = project.gauntlet_dir();
    let compare_dir = gauntlet.join("compare");
    project::select_benches(&project.benches(), args.bench.as_deref())?;
    let (base, head) = super::sides(args, &root)?;

    // Checked out and built as for a timing comparison (one worktree and target directory for
    // gauntlet-bench benches); the executables then run under callgrind.
    let mut builder =
        checkout::Builder::new(&root, &project.target_dir, &compare_dir, args.bench.clone())?;
    let base_built = builder.build(&base)?;
    let head_built = if base.source == head.source {
        base_built.clone()
    } else {
        builder.build(&head)?
    };
    let common = checkout::common_benches(&base_built, &head_built, args.bench.as_deref())?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| compare_dir.join(format!("{}-{}", base.label, head.label)));
    eprintln!(
        "counting instructions under {valgrind} (callgrind) of {} → {}",
        common.join(", "),
        out.display()
    );
    let started = Instant::now();
    let mut counted: [BTreeMap<String, Measured>; 2] = Default::default();
    for (k, (side, built)) in [(&base, &base_built), (&head, &head_built)]
        .into_iter()
        .enumerate()
    {
        for name in &common {
            let (target, exe) = &built.executables[name];
            let job = callgrind::Job {
                exe,
                dir: &built.dir,
                native: target.native,
                package: &target.package,
                what: format!("bench {name} of {} {}", side.role, side.label),
                commit: &side.commit,
                env: &side.env,
                filter: args.filter.as_deref(),
                work: out.join("callgrind").join(side.role).join(name),
            };
            let t = Instant::now();
            let measured = callgrind::measure(&job)?;
            eprintln!(
                "{} {}: {} bench(es) of {name} counted in {:.1} s",
                side.role,
                side.label,
                measured.len(),
                t.elapsed().as_secs_f64()
            );
            for (id, m) in measured {
                counted[k].insert(id, m);
            }
        }
    }
    let measure_secs = started.elapsed().as_secs_f64();
    let [base_counts, mut head_counts] = counted;
    let mut benches = Vec::new();
    for (id, b) in base_counts {
        let h = head_counts.remove(&id);
        benches.push(rec::judge(&id, Some(b), h, threshold));
    }
    for (id, h) in head_counts {
        benches.push(rec::judge(&id, None, Some(h), threshold));
    }
    let comparison = InstructionComparison {
        schema: rec::SCHEMA.to_owned(),
        date: gauntlet_records::bench::rfc3339_now(),
        tool: callgrind::tool(&valgrind),
        model: COST_MODEL.to_owned(),
        base: side_info(&base),
        head: side_info(&head),
        threshold_pct: threshold,
        measure_secs,
        benches,
    };
    let timing = timing_verdicts(&gauntlet, &comparison);
    let md = markdown(&comparison, &timing);
    let json = serde_json::to_string_pretty(&comparison)?;
    sys::write(&out.join("instructions.json"), &json)?;
    sys::write(&compare_dir.join("latest-instructions.json"), &json)?;
    sys::write(&out.join("instructions.md"), &md)?;
    sys::write(&compare_dir.join("latest-instructions.md"), &md)?;
    print!("{md}");
    eprintln!(
        "instruction comparison: {} ({measure_secs:.1} s under valgrind)",
        out.join("instructions.json").display()
    );
    Ok(exit_code(&comparison))
}

/// The exit code of an instruction comparison: the same contract as the timing comparison.
pub fn exit_code(c: &InstructionComparison) -> u8 {
    match c.verdict() {
        Verdict::Fail => exit::FAILED,
        Verdict::Inconclusive => exit::INCONCLUSIVE,
        Verdict::Pass | Verdict::Warn => exit::OK,
    }
}

fn side_info(side: &Side) -> SideInfo {
    SideInfo {
        spec: side.spec.clone(),
        commit: side.commit.clone(),
        label: side.label.clone(),
        dirty: false,
        env: side.env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        runs: 1,
        loadavg: sys::loadavg()[0],
    }
}

/// The percentile verdict per bench id of the latest timing comparison, when it compared the
/// same two commits.
fn timing_verdicts(gauntlet: &Path, c: &InstructionComparison) -> BTreeMap<String, Verdict> {
    let Ok(t) = gauntlet_records::load::<gauntlet_records::compare::Comparison>(
        &gauntlet.join("compare").join("latest.json"),
    ) else {
        return BTreeMap::new();
    };
    if t.base.commit != c.base.commit || t.head.commit != c.head.commit {
        return BTreeMap::new();
    }
    t.benches
        .iter()
        .map(|b| (b.id.clone(), b.verdict.verdict()))
        .collect()
}

fn per_iter(m: &Option<Measured>, f: fn(&Measured) -> f64) -> String {
    m.as_ref()
        .map_or("–".to_owned(), |m| format!("{:.1}", f(m)))
}

fn pct(v: Option<f64>) -> String {
    v.map_or("–".to_owned(), |v| format!("{v:+.2} %"))
}

/// The Markdown table: per bench the instructions and estimated cycles per iteration of both
/// sides, the changes, the instruction verdict and (when the latest timing comparison compared
/// the same commits) the percentile verdict beside it.
pub fn markdown(c: &InstructionComparison, timing: &BTreeMap<String, Verdict>) -> String {
    let mut s = format!(
        "## Instruction counts: {} ({}) → {} ({})\n\n",
        c.base.spec, c.base.label, c.head.spec, c.head.label
    );
    s += &format!(
        "**{}** — instructions per iteration gated at ±{} %; {}; {}.\n\n",
        c.verdict().word().to_uppercase(),
        c.threshold_pct,
        COST_MODEL,
        c.tool
    );
    s += "| bench | path | Ir/iter base | Ir/iter head | Δ Ir | est. cycles/iter base | est. cycles/iter head | Δ cycles | instructions | percentiles |\n";
    s += "|---|---|---:|---:|---:|---:|---:|---:|---|---|\n";
    for b in &c.benches {
        let path = b
            .head
            .as_ref()
            .or(b.base.as_ref())
            .and_then(|m| m.path.clone())
            .unwrap_or_else(|| "–".into());
        s += &format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            b.id,
            path,
            per_iter(&b.base, Measured::ir_per_iteration),
            per_iter(&b.head, Measured::ir_per_iteration),
            pct(b.ir_change_pct),
            per_iter(&b.base, Measured::cycles_per_iteration),
            per_iter(&b.head, Measured::cycles_per_iteration),
            pct(b.cycles_change_pct),
            b.verdict.word(),
            timing.get(&b.id).map_or("–", |v| v.word()),
        );
    }
    s
}

/// The report's section on the latest instruction comparison
/// (`<gauntlet_dir>/compare/latest-instructions.json`), empty when there is none.
pub fn html_section(gauntlet_dir: &Path) -> String {
    let path = gauntlet_dir
        .join("compare")
        .join("latest-instructions.json");
    if !path.exists() {
        return String::new();
    }
    let c = match gauntlet_records::load::<InstructionComparison>(&path) {
        Ok(c) => c,
        Err(e) => {
            return format!(
                "<h2>Instruction counts</h2><p class=fail>{}</p>",
                plot::esc(&e)
            );
        }
    };
    let timing = timing_verdicts(gauntlet_dir, &c);
    let mut s = format!(
        "<h2>Instruction counts</h2><p><b class={v}>{}</b> {} ({}) → {} ({}): instructions per \
         iteration gated at ±{} %; {}.</p><table><tr><th>bench</th><th>path</th>\
         <th>Ir/iter base</th><th>Ir/iter head</th><th>Δ Ir</th><th>est. cycles base</th>\
         <th>est. cycles head</th><th>Δ cycles</th><th>instructions</th><th>percentiles</th></tr>",
        c.verdict().word(),
        plot::esc(&c.base.spec),
        plot::esc(&c.base.label),
        plot::esc(&c.head.spec),
        plot::esc(&c.head.label),
        c.threshold_pct,
        plot::esc(COST_MODEL),
        v = plot::verdict_class(c.verdict()),
    );
    for b in &c.benches {
        let path = b
            .head
            .as_ref()
            .or(b.base.as_ref())
            .and_then(|m| m.path.clone())
            .unwrap_or_else(|| "–".into());
        let (t, tc) = timing
            .get(&b.id)
            .map_or(("–", "na"), |v| (v.word(), plot::verdict_class(*v)));
        s += &format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td class={vc} title=\"{}\">{v}</td><td class={tc}>{t}</td></tr>",
            plot::esc(&b.id),
            plot::esc(&path),
            per_iter(&b.base, Measured::ir_per_iteration),
            per_iter(&b.head, Measured::ir_per_iteration),
            pct(b.ir_change_pct),
            per_iter(&b.base, Measured::cycles_per_iteration),
            per_iter(&b.head, Measured::cycles_per_iteration),
            pct(b.cycles_change_pct),
            plot::esc(&b.note),
            v = b.verdict.word(),
            vc = plot::verdict_class(b.verdict),
        );
    }
    s + "</table>"
}

#[cfg(test)]
mod tests {
    use super::*;
    use gauntlet_records::instructions::Counts;

    #[test]
    fn the_table_shows_both_verdicts_and_the_model() {
        let m = |ir| Measured {
            iterations: 10,
            totals: Counts {
                ir,
                ..Counts::default()
            },
            method: "t".into(),
            path: Some("scalar".into()),
        };
        let c = InstructionComparison {
            schema: rec::SCHEMA.into(),
            date: String::new(),
            tool: "valgrind".into(),
            model: COST_MODEL.into(),
            base: SideInfo::default(),
            head: SideInfo::default(),
            threshold_pct: 1.0,
            measure_secs: 1.0,
            benches: vec![
                rec::judge("x/slow", Some(m(1000)), Some(m(1020)), 1.0),
                rec::judge("x/same", Some(m(1000)), Some(m(1000)), 1.0),
            ],
        };
        assert_eq!(exit_code(&c), exit::FAILED);
        let timing = BTreeMap::from([("x/same".to_owned(), Verdict::Pass)]);
        let md = markdown(&c, &timing);
        assert!(
            md.contains("| x/slow | scalar | 100.0 | 102.0 | +2.00 % |"),
            "{md}"
        );
        assert!(md.contains("| fail | – |"), "{md}");
        assert!(md.contains("| +0.00 % | pass | pass |"), "{md}");
        assert!(md.contains(COST_MODEL), "{md}");

        // The report's section reads the same record back.
        let dir = std::env::temp_dir().join(format!("gauntlet-instr-{}", std::process::id()));
        assert_eq!(html_section(&dir), "");
        sys::write(
            &dir.join("compare/latest-instructions.json"),
            serde_json::to_string(&c).unwrap(),
        )
        .unwrap();
        let html = html_section(&dir);
        assert!(html.contains("<h2>Instruction counts</h2>"), "{html}");
        assert!(
            html.contains(
                "<td>x&#x2f;slow</td><td>scalar</td><td>100.0</td><td>102.0</td><td>+2.00 %</td>"
            ),
            "{html}"
        );
        assert!(html.contains("class=fail"), "{html}");
        sys::write(&dir.join("compare/latest-instructions.json"), "{").unwrap();
        assert!(html_section(&dir).contains("class=fail"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! The HTML outputs' charts and templates. A chart is laid out here in numbers (a [`Chart`]: the
//! plot frame, axis ticks with their labels, lines, marks, a key beside the frame) and drawn by one
//! template, `templates/report/chart.svg`; every page is a template too, so all markup, and all of
//! its escaping, lives in `templates/report/` (minijinja, auto-escaping `.html` and `.svg`).

use std::sync::OnceLock;

use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use serde::Serialize;

mod axis;
mod chart;
mod ladder;
mod line;

pub use axis::*;
pub use chart::*;
pub use ladder::*;
pub use line::*;

/// Twelve colours that stay apart on white and from each other; a series past twelve is dashed.
pub const PALETTE: [&str; 12] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#7f7f7f", "#bcbd22", "#393b79", "#222222",
];

/// Render a template of `templates/report/` with its context (`minijinja::context!`).
pub fn render(name: &str, ctx: Value) -> String {
    let env = environment();
    match env.get_template(name).and_then(|t| t.render(ctx)) {
        Ok(s) => s,
        // The templates are compiled in and their contexts are typed: a failure is a gauntlet bug,
        // and it should show on the page rather than abort a report of everything else.
        Err(e) => format!(
            "<p class=fail>template {name} failed (a gauntlet bug): {}</p>",
            minijinja::HtmlEscape(&format!("{e:#}"))
        ),
    }
}

/// The CSS class of a verdict (`ok`, `warn`, `inconclusive`, `fail`), shared by every page.
pub fn verdict_class(v: gauntlet_records::Verdict) -> &'static str {
    use gauntlet_records::Verdict;
    match v {
        Verdict::Pass => "ok",
        Verdict::Warn => "warn",
        Verdict::Inconclusive => "inconclusive",
        Verdict::Fail => "fail",
    }
}

/// Any serialisable value as a template value (a [`Value`] inside it, e.g. from [`safe`], stays
/// what it is).
pub fn value(x: impl Serialize) -> Value {
    Value::from(minijinja::value::Serde(x))
}

/// Already rendered markup (a chart, a section) to pass into another template unescaped.
pub fn safe(html: String) -> Value {
    Value::from_safe_string(html)
}

/// Escape text for HTML, for the few lines of markup built outside a template.
pub fn esc(s: &str) -> String {
    minijinja::HtmlEscape(s).to_string()
}

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") || name.ends_with(".svg") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        match minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
        {
            Ok(syntax) => env.set_syntax(syntax),
            Err(e) => panic!("template syntax (a gauntlet bug): {e:#}"),
        }
        for (name, source) in TEMPLATES {
            if let Err(e) = env.add_template(name, source) {
                // Caught by every test that renders a page.
                panic!("template {name} does not parse (a gauntlet bug): {e:#}");
            }
        }
        env
    })
}

const TEMPLATES: [(&str, &str); 7] = [
    ("style.css", include_str!("../templates/report/style.css")),
    ("base.html", include_str!("../templates/report/base.html")),
    ("chart.svg", include_str!("../templates/report/chart.svg")),
    (
        "report.html",
        include_str!("../templates/report/report.html"),
    ),
    (
        "comparison.html",
        include_str!("../templates/report/comparison.html"),
    ),
    (
        "coverage.html",
        include_str!("../templates/report/coverage.html"),
    ),
    ("page.html", include_str!("../templates/report/page.html")),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fragment_gets_the_shared_page_around_it() {
        let page = render(
            "page.html",
            minijinja::context! { title => "a<b", body => safe("<h2>x</h2>".into()) },
        );
        assert!(page.starts_with("<!doctype html>") && page.contains("<title>a&lt;b</title>"));
        assert!(page.contains("<h2>x</h2>") && page.contains(".scroll{overflow-x:auto"));
    }

    #[test]
    fn labels_read_well() {
        assert_eq!(time_label(10_000.0), "10 µs");
        assert_eq!(time_label(2_500_000.0), "2.5 ms");
        assert_eq!(time_label(5.0), "5 ns");
        assert_eq!(number_label(0.25), "0.25");
        assert_eq!(number_label(1200.0), "1200");
        assert_eq!(count_label(123_456.0), "123.5 k");
        assert_eq!(time_label(177.5), "177.5 ns");
    }

    #[test]
    fn log_axis_labels_never_crowd() {
        let s = Scale {
            lo: 1.0,
            hi: 1e6,
            log: true,
            from: 0.0,
            to: 600.0,
        };
        let ticks = log_ticks(&s, 70.0, &time_label);
        let labelled: Vec<&Tick> = ticks.iter().filter(|t| !t.label.is_empty()).collect();
        assert_eq!(labelled.len(), 7, "decades only at 100 px per decade");
        for w in labelled.windows(2) {
            assert!(w[1].at - w[0].at >= 70.0);
        }
    }

    #[test]
    fn a_single_point_is_marked_and_noted() {
        let series = [Series {
            name: "a<b".into(),
            points: vec![(1.0, 90.0)],
        }];
        let chart = LineChart {
            title: "t",
            width: 600.0,
            height: 300.0,
            x: Axis {
                label: "run",
                log: false,
                min: None,
                max: None,
                format: &number_label,
                integer: true,
                ticks: &[],
            },
            y: Axis {
                label: "line %",
                log: false,
                min: None,
                max: Some(100.0),
                format: &number_label,
                integer: false,
                ticks: &[],
            },
            series: &series,
            key: KeyAt::Right,
            markers: true,
            colors: None,
            dashed: &[],
        }
        .layout();
        assert_eq!(chart.marks.len(), 1);
        assert_eq!(chart.note, "one run so far");
        let svg = chart.svg();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{svg}"
        );
        assert!(svg.contains("a&lt;b") && !svg.contains("a<b"), "{svg}");
        let key = &chart.keys[0];
        assert!(
            key.x > chart.frame.x + chart.frame.w,
            "the key is right of the frame"
        );
    }
}

//! Tiny inline-SVG charts for the HTML report: no scripts, no network.

use std::fmt::Write;

/// Escape text for HTML and SVG.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A line chart of several series of `(x, y)` points, axes labelled with their ranges.
pub fn line_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[(String, Vec<(f64, f64)>)],
) -> String {
    const W: f64 = 640.0;
    const H: f64 = 240.0;
    const PAD: f64 = 48.0;
    let pts = series.iter().flat_map(|(_, p)| p.iter());
    let (mut x_max, mut y_max) = (0.0f64, 0.0f64);
    for &(x, y) in pts {
        x_max = x_max.max(x);
        y_max = y_max.max(y);
    }
    let x_max = if x_max > 0.0 { x_max } else { 1.0 };
    let y_max = if y_max > 0.0 { y_max * 1.05 } else { 1.0 };
    let sx = |x: f64| PAD + x / x_max * (W - 2.0 * PAD);
    let sy = |y: f64| H - PAD + -y / y_max * (H - 2.0 * PAD);
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" role="img"><title>{}</title>"#,
        esc(title)
    );
    let _ = write!(
        s,
        r##"<rect x="{PAD}" y="{PAD}" width="{}" height="{}" fill="none" stroke="#999"/><text x="{PAD}" y="20" font-size="13">{}</text><text x="{}" y="{}" font-size="11" text-anchor="end">{} (max {:.0})</text><text x="4" y="{}" font-size="11">{} (max {:.0})</text>"##,
        W - 2.0 * PAD,
        H - 2.0 * PAD,
        esc(title),
        W - PAD,
        H - 12.0,
        esc(x_label),
        x_max,
        PAD - 6.0,
        esc(y_label),
        y_max / 1.05
    );
    for (i, (name, points)) in series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let path: Vec<String> = points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
            .collect();
        let _ = write!(
            s,
            r#"<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{}"/><text x="{}" y="{}" font-size="11" fill="{color}">{}</text>"#,
            path.join(" "),
            PAD + 6.0,
            PAD + 14.0 + 13.0 * i as f64,
            esc(name)
        );
    }
    s.push_str("</svg>");
    s
}

/// Horizontal percentile ladders on a log scale: one row per item, a tick per percentile.
pub fn percentile_ladders(title: &str, rows: &[(String, Vec<(String, f64)>)]) -> String {
    const W: f64 = 760.0;
    const LEFT: f64 = 300.0;
    const ROW: f64 = 22.0;
    let h = 40.0 + ROW * rows.len() as f64;
    let values = rows
        .iter()
        .flat_map(|(_, v)| v.iter().map(|(_, x)| *x))
        .filter(|x| *x > 0.0);
    let (mut lo, mut hi) = (f64::MAX, 0.0f64);
    for v in values {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi <= 0.0 {
        return String::new();
    }
    let (llo, lhi) = (
        lo.log10().floor(),
        hi.log10().ceil().max(lo.log10().floor() + 1.0),
    );
    let sx = |v: f64| LEFT + (v.max(lo).log10() - llo) / (lhi - llo) * (W - LEFT - 20.0);
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" viewBox="0 0 {W} {h}" role="img"><title>{}</title><text x="4" y="16" font-size="13">{}</text>"#,
        esc(title),
        esc(title)
    );
    let mut decade = llo;
    while decade <= lhi {
        let x = sx(10f64.powf(decade));
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="24" x2="{x:.1}" y2="{}" stroke="#ddd"/><text x="{x:.1}" y="{}" font-size="10" text-anchor="middle">{}</text>"##,
            h - 12.0,
            h - 2.0,
            gauntlet_records::bench::fmt_ns(10f64.powf(decade))
        );
        decade += 1.0;
    }
    for (i, (name, pts)) in rows.iter().enumerate() {
        let y = 36.0 + ROW * i as f64;
        let _ = write!(
            s,
            r#"<text x="4" y="{:.1}" font-size="11">{}</text>"#,
            y + 4.0,
            esc(name)
        );
        if let (Some(first), Some(last)) = (pts.first(), pts.last()) {
            let _ = write!(
                s,
                r##"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#bbb" stroke-width="2"/>"##,
                sx(first.1),
                sx(last.1)
            );
        }
        for (j, (label, v)) in pts.iter().enumerate() {
            let color = PALETTE[j % PALETTE.len()];
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{y:.1}" r="4" fill="{color}"><title>{} {}</title></circle>"#,
                sx(*v),
                esc(label),
                gauntlet_records::bench::fmt_ns(*v)
            );
        }
    }
    s.push_str("</svg>");
    s
}

const PALETTE: [&str; 8] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_and_escape_text() {
        let s = line_chart(
            "cov <t>",
            "s",
            "cov",
            &[("a&b".into(), vec![(0.0, 1.0), (10.0, 5.0)])],
        );
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
        assert!(s.contains("cov &lt;t&gt;") && s.contains("a&amp;b"));
        assert!(s.contains("<polyline"));
        let l = percentile_ladders(
            "p",
            &[(
                "x".into(),
                vec![("p50".into(), 10.0), ("p99".into(), 1000.0)],
            )],
        );
        assert_eq!(l.matches("<circle").count(), 2);
        assert!(percentile_ladders("p", &[]).is_empty());
    }
}

//! `rss.svg`: the server's RSS (left axis, MiB) and the per-second p99 latency (right axis, ms)
//! over the run, with the phases marked. Hand-written SVG, viewable in any browser.

use std::fmt::Write;

use crate::sampler::{Mark, Sample};

const W: f64 = 960.0;
const H: f64 = 400.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 70.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;

/// A round axis maximum (1, 2 or 5 times a power of ten) at or above `v`.
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * p >= v {
            return m * p;
        }
    }
    10.0 * p
}

/// An axis end just above `v`, on a multiple of a round step giving 4 to 10 ticks.
fn nice_axis(v: f64) -> (f64, f64) {
    let v = if v > 0.0 && v.is_finite() { v } else { 1.0 };
    let step = nice_max(v / 8.0);
    ((v / step).ceil().max(1.0) * step, step)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn polyline(points: &[(f64, f64)], color: &str, dash: bool) -> String {
    if points.is_empty() {
        return String::new();
    }
    let mut d = String::new();
    for (x, y) in points {
        let _ = write!(d, "{x:.1},{y:.1} ");
    }
    format!(
        r#"<polyline fill="none" stroke="{color}" stroke-width="1.6"{} points="{}"/>"#,
        if dash {
            r#" stroke-dasharray="4 3""#
        } else {
            ""
        },
        d.trim_end()
    )
}

/// `by_deliveries`: the right axis shows deliveries per second at the simulated inboxes
/// (burst) instead of request latency.
pub fn plot(title: &str, samples: &[Sample], marks: &[Mark], by_deliveries: bool) -> String {
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let (t_max, t_step) = nice_axis(samples.last().map_or(1.0, |s| s.t_s));
    let rss_max = nice_max(
        samples
            .iter()
            .filter_map(|s| s.rss_kib)
            .max()
            .map_or(1.0, |k| k as f64 / 1024.0 * 1.1),
    );
    let lat_max = nice_max(
        if by_deliveries {
            samples
                .iter()
                .map(|s| s.deliveries as f64)
                .fold(0.0, f64::max)
        } else {
            samples
                .iter()
                .flat_map(|s| [s.p99_ms, s.home_p99_ms])
                .flatten()
                .fold(0.0, f64::max)
        } * 1.1,
    );
    let right_label = if by_deliveries {
        "deliveries per second"
    } else {
        "p99 latency per second (ms)"
    };
    let x = |t: f64| LEFT + t / t_max * plot_w;
    let y_rss = |mib: f64| TOP + plot_h - mib / rss_max * plot_h;
    let y_lat = |ms: f64| TOP + plot_h - (ms / lat_max).min(1.0) * plot_h;

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{LEFT}" y="22" font-size="15" font-weight="bold">{}</text>
"#,
        esc(title)
    );
    // Grid and axes.
    for i in 0..=5 {
        let f = f64::from(i) / 5.0;
        let yy = TOP + plot_h - f * plot_h;
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#e5e5e5"/>
<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#1f5fbf">{}</text>
<text x="{:.1}" y="{:.1}" fill="#d35400">{}</text>
"##,
            LEFT + plot_w,
            LEFT - 6.0,
            yy + 4.0,
            fmt_num(f * rss_max),
            LEFT + plot_w + 6.0,
            yy + 4.0,
            fmt_num(f * lat_max),
        );
    }
    let mut t = 0.0;
    while t <= t_max + t_step / 2.0 {
        let xx = x(t);
        let _ = write!(
            s,
            r##"<line x1="{xx:.1}" y1="{TOP}" x2="{xx:.1}" y2="{:.1}" stroke="#f0f0f0"/>
<text x="{xx:.1}" y="{:.1}" text-anchor="middle">{}</text>
"##,
            TOP + plot_h,
            TOP + plot_h + 16.0,
            fmt_num(t),
        );
        t += t_step;
    }
    let _ = write!(
        s,
        r##"<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888"/>
<text x="{:.1}" y="{:.1}" text-anchor="middle">time (s)</text>
<text transform="translate(18,{:.1}) rotate(-90)" text-anchor="middle" fill="#1f5fbf">RSS (MiB)</text>
<text transform="translate({:.1},{:.1}) rotate(90)" text-anchor="middle" fill="#d35400">{right_label}</text>
"##,
        LEFT + plot_w / 2.0,
        H - 24.0,
        TOP + plot_h / 2.0,
        W - 16.0,
        TOP + plot_h / 2.0,
    );
    // Phase marks.
    // Labels of marks close together are stepped down so they do not overprint.
    let mut last_x = f64::NEG_INFINITY;
    let mut row = 0.0;
    for m in marks {
        let xx = x(m.t_s);
        row = if xx - last_x < 60.0 {
            (row + 1.0) % 3.0
        } else {
            0.0
        };
        last_x = xx;
        let _ = write!(
            s,
            r##"<line x1="{xx:.1}" y1="{TOP}" x2="{xx:.1}" y2="{:.1}" stroke="#999" stroke-dasharray="2 3"/>
<text x="{:.1}" y="{:.1}" fill="#666" font-size="11">{}</text>
"##,
            TOP + plot_h,
            xx + 3.0,
            TOP + 12.0 + row * 13.0,
            esc(&m.label)
        );
    }
    let rss: Vec<(f64, f64)> = samples
        .iter()
        .filter_map(|p| p.rss_kib.map(|k| (x(p.t_s), y_rss(k as f64 / 1024.0))))
        .collect();
    let p99: Vec<(f64, f64)> = samples
        .iter()
        .filter_map(|p| p.p99_ms.map(|v| (x(p.t_s), y_lat(v))))
        .collect();
    let home: Vec<(f64, f64)> = samples
        .iter()
        .filter_map(|p| p.home_p99_ms.map(|v| (x(p.t_s), y_lat(v))))
        .collect();
    if by_deliveries {
        let d: Vec<(f64, f64)> = samples
            .iter()
            .map(|p| (x(p.t_s), y_lat(p.deliveries as f64)))
            .collect();
        s.push_str(&polyline(&d, "#d35400", false));
    } else {
        s.push_str(&polyline(&p99, "#d35400", false));
        s.push_str(&polyline(&home, "#27ae60", true));
    }
    s.push_str(&polyline(&rss, "#1f5fbf", false));
    if rss.is_empty() {
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#999">no RSS samples (no --pid or --spawn)</text>"##,
            LEFT + plot_w / 2.0,
            TOP + plot_h / 2.0
        );
    }
    // Legend.
    let ly = H - 8.0;
    let _ = write!(
        s,
        r##"
<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#1f5fbf" stroke-width="2"/><text x="{:.1}" y="{ly}">RSS</text>
<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#d35400" stroke-width="2"/><text x="{:.1}" y="{ly}">{}</text>
<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#27ae60" stroke-width="2" stroke-dasharray="4 3"/><text x="{:.1}" y="{ly}">{}</text>
</svg>
"##,
        ly - 4.0,
        LEFT + 24.0,
        ly - 4.0,
        LEFT + 30.0,
        LEFT + 90.0,
        ly - 4.0,
        LEFT + 114.0,
        ly - 4.0,
        LEFT + 120.0,
        if by_deliveries {
            "deliveries per second"
        } else {
            "p99, all requests"
        },
        LEFT + 250.0,
        ly - 4.0,
        LEFT + 274.0,
        ly - 4.0,
        LEFT + 280.0,
        if by_deliveries {
            ""
        } else {
            "p99, home timeline"
        },
    );
    s
}

fn fmt_num(v: f64) -> String {
    if v >= 100.0 || v == v.round() {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_maxima() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(13.0), 20.0);
        assert_eq!(nice_max(60.0), 100.0);
        assert_eq!(nice_max(2.3), 2.5);
    }

    #[test]
    fn time_axis_is_tight() {
        assert_eq!(nice_axis(137.0), (140.0, 20.0));
        assert_eq!(nice_axis(900.0), (1000.0, 200.0));
        assert_eq!(nice_axis(61.0), (70.0, 10.0));
    }

    #[test]
    fn plots_without_samples() {
        let svg = plot("t <&>", &[], &[], false);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("t &lt;&amp;&gt;"));
    }
}

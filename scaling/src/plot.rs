//! The series as an SVG picture (plotters; SVG needs no fonts on the
//! machine): time on the left, efficiency or rate on the right.

use std::collections::BTreeMap;
use std::path::Path;

use plotters::coord::combinators::LogCoord;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

use crate::error::Error;
use crate::series::{Mode, Row};

/// One curve: its points in order of x.
struct Line {
    label: String,
    points: Vec<(f64, f64)>,
    dashed: bool,
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// Draws the picture of `rows` to `path`.
pub fn svg(mode: Mode, rows: &[Row], path: &Path) -> Result<(), Error> {
    let root = SVGBackend::new(path, (1200, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(600);
    let time = |r: &Row| r.median.solver_s;
    match mode {
        Mode::Strong | Mode::Weak => {
            let x = |r: &Row| r.ranks as f64;
            let mut efficiency = lines(mode, rows, x, |r| r.efficiency);
            // The bound for memory-bound work: STREAM's own efficiency.
            let mut stream: Vec<(f64, f64)> =
                rows.iter().map(|r| (x(r), r.stream_speedup * min_ranks(rows) / x(r))).collect();
            stream.sort_by(|a, b| a.0.total_cmp(&b.0));
            stream.dedup_by(|a, b| a.0 == b.0);
            efficiency.push(Line { label: "STREAM speed-up / ranks".into(), points: stream, dashed: true });
            let title = format!("{} scaling: setup + solve time", mode.name());
            let ranks = XAxis::ranks(rows);
            panel(&left, &title, ranks, "time (s)", lines(mode, rows, x, time), LogAxis)?;
            panel(&right, "parallel efficiency", ranks, "efficiency", efficiency, LinearAxis)?;
        }
        Mode::Compare => {
            let x = |r: &Row| r.median.unknowns as f64;
            let unknowns = XAxis { name: "unknowns", base: 10.0, labels: 6 };
            panel(&left, "setup + solve time", unknowns, "time (s)", lines(mode, rows, x, time), LogAxis)?;
            let rate = lines(mode, rows, x, |r| r.dof_per_s() / 1e6);
            panel(&right, "unknowns per second of setup + solve", unknowns, "Mdof/s", rate, LogAxis)?;
        }
    }
    root.present().map_err(|e| Error::from(e).at(path.display()))
}

fn min_ranks(rows: &[Row]) -> f64 {
    rows.iter().map(|r| r.ranks).min().unwrap_or(1) as f64
}

/// One line per solver (and grid in strong mode, rank count in compare mode).
fn lines(mode: Mode, rows: &[Row], x: impl Fn(&Row) -> f64, y: impl Fn(&Row) -> f64) -> Vec<Line> {
    let mut groups: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for r in rows {
        let label = match mode {
            Mode::Strong => format!("{} {}", r.solver, r.grid),
            Mode::Weak => r.solver.clone(),
            Mode::Compare => format!("{}, {} rank{}", r.solver, r.ranks, if r.ranks == 1 { "" } else { "s" }),
        };
        groups.entry(label).or_default().push((x(r), y(r)));
    }
    groups
        .into_iter()
        .map(|(label, mut points)| {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            Line { label, points, dashed: false }
        })
        .collect()
}

/// A log x axis: its name, base, and how many labels at most.
#[derive(Clone, Copy)]
struct XAxis {
    name: &'static str,
    base: f64,
    labels: usize,
}

impl XAxis {
    /// Powers of two, one label per rank count measured (no labels between).
    fn ranks(rows: &[Row]) -> Self {
        let mut counts: Vec<usize> = rows.iter().map(|r| r.ranks).collect();
        counts.sort_unstable();
        counts.dedup();
        XAxis { name: "ranks", base: 2.0, labels: counts.len() }
    }
}

/// How a panel's y axis is scaled.
trait YAxis {
    type Spec: AsRangedCoord<Value = f64>;
    fn spec(&self, low: f64, high: f64) -> Self::Spec;
}

struct LogAxis;
struct LinearAxis;

impl YAxis for LogAxis {
    type Spec = LogCoord<f64>;
    fn spec(&self, low: f64, high: f64) -> Self::Spec {
        // Whole decades, a labelled power of ten at each end; room above the
        // data for the legend.
        let decade = |v: f64, round: fn(f64) -> f64| 10f64.powf(round(v.log10()));
        (decade(low, f64::floor)..decade(high * 3.0, f64::ceil)).log_scale().into()
    }
}

impl YAxis for LinearAxis {
    type Spec = std::ops::Range<f64>;
    fn spec(&self, _low: f64, high: f64) -> Self::Spec {
        0.0..(high * 1.4).max(1.5)
    }
}

fn panel<A: YAxis>(
    area: &Area,
    title: &str,
    x_axis: XAxis,
    y_desc: &str,
    lines: Vec<Line>,
    axis: A,
) -> Result<(), Error>
where
    <A::Spec as AsRangedCoord>::CoordDescType: ValueFormatter<f64>,
{
    let all = || lines.iter().flat_map(|l| l.points.iter()).filter(|p| p.0.is_finite() && p.1.is_finite());
    let bounds = |f: fn(&(f64, f64)) -> f64| {
        all().map(f).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
    };
    let ((x0, x1), (y0, y1)) = (bounds(|p| p.0), bounds(|p| p.1));
    if !(x0.is_finite() && y0.is_finite() && x0 > 0.0 && y0 > 0.0) {
        return Err(Error::NothingToPlot { title: title.into() });
    }
    let error = |e: DrawingAreaErrorKind<_>| Error::from(e).at(format!("plot \"{title}\""));
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d((x0 / 1.25..x1 * 1.25).log_scale().base(x_axis.base), axis.spec(y0, y1))
        .map_err(error)?;
    chart
        .configure_mesh()
        .x_desc(x_axis.name)
        .y_desc(y_desc)
        .x_labels(x_axis.labels)
        .y_labels(8)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .draw()
        .map_err(error)?;
    for (i, line) in lines.into_iter().enumerate() {
        let color = if line.dashed { BLACK.to_rgba() } else { Palette99::pick(i).to_rgba() };
        let style = color.stroke_width(2);
        let drawn = if line.dashed {
            chart.draw_series(DashedLineSeries::new(line.points.clone(), 6, 4, style))
        } else {
            chart.draw_series(LineSeries::new(line.points.clone(), style))
        }
        .map_err(error)?;
        drawn.label(line.label).legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
        chart.draw_series(line.points.iter().map(|&p| Circle::new(p, 3, color.filled()))).map_err(error)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(error)
}

/// A tick label: a few significant digits, no float noise ("0.7", "20000",
/// "1e6").
fn tick(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if !(1e-3..1e5).contains(&v.abs()) {
        return format!("{v:.0e}");
    }
    let text = format!("{v:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::tick;

    #[test]
    fn ticks_are_short() {
        let ticks: Vec<_> = [0.0, 0.7000000000000001, 0.01, 2.0, 20000.0, 1e6, 2e-4].map(tick).into();
        assert_eq!(ticks, ["0", "0.7", "0.01", "2", "20000", "1e6", "2e-4"]);
    }
}

//! Signature rendering: time per image and stored PNG size.
//!
//!     cargo bench -p signbook-core --bench render
//!
//! Targets: a 2,000-point signature renders in <= 3 ms; the median stored
//! PNG of the realistic fixtures is <= 8 KB. Timed with `Instant` over many
//! runs (criterion is not a dependency of this crate); prints the median
//! and p99 per fixture, then the PNG sizes and their median.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use signbook_core::signature::{Strokes, render_png};

/// The realistic fixtures (the ones whose median PNG size is the target).
const REALISTIC: [&str; 6] = [
    "tests/fixtures/signatures/realistic-li.json",
    "tests/fixtures/signatures/realistic-short.json",
    "tests/fixtures/signatures/realistic-initials.json",
    "tests/fixtures/signatures/realistic-medium.json",
    "tests/fixtures/signatures/realistic-2000.json",
    "tests/fixtures/signatures/realistic-long.json",
];
const DEMO: &str = "../../assets/demo-signature.json";

fn main() {
    // `cargo bench` passes `--bench`; any other non-flag argument filters.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    println!("| fixture | points | PNG bytes | width x height | median | p99 |\n|---|---|---|---|---|---|");
    let mut sizes = Vec::new();
    for path in REALISTIC.iter().chain([&DEMO]) {
        let name = Path::new(path).file_stem().and_then(|s| s.to_str()).unwrap_or(path);
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let strokes = Strokes::from_json(&std::fs::read(root.join(path)).expect("fixture")).expect("parse");
        let points: usize = strokes.strokes.iter().map(Vec::len).sum();
        let png = render_png(&strokes).expect("render");
        let image = image::load_from_memory(&png).expect("decode");
        let runs = if points >= 1000 { 500 } else { 1000 };
        let times = sample(runs, || {
            black_box(render_png(black_box(&strokes)).expect("render"));
        });
        println!(
            "| {name} | {points} | {} | {}x{} | {:.2} ms | {:.2} ms |",
            png.len(),
            image.width(),
            image.height(),
            ms(percentile(&times, 50.0)),
            ms(percentile(&times, 99.0)),
        );
        if REALISTIC.contains(path) {
            sizes.push(png.len());
        }
    }
    if !sizes.is_empty() {
        sizes.sort_unstable();
        let n = sizes.len();
        let median = if n % 2 == 1 { sizes[n / 2] as f64 } else { (sizes[n / 2 - 1] + sizes[n / 2]) as f64 / 2.0 };
        println!("\nmedian PNG size of {n} realistic fixtures: {median:.0} bytes (target <= 8192)");
    }
}

/// Times `f` `n` times after a short warm-up; returns the sorted timings.
fn sample(n: usize, mut f: impl FnMut()) -> Vec<Duration> {
    for _ in 0..n / 10 {
        f();
    }
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort_unstable();
    times
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((p / 100.0) * (sorted.len() - 1) as f64).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

//! Importing a 40-page PDF (the target: under 1 s), and the other formats
//! for comparison, printed as a Markdown table for docs/benchmarks.md:
//!
//!     cargo bench -p signbook-import --bench import_pdf
//!
//! Each row times whole imports (read + extract + clean + render), one at a
//! time, and reports percentiles of the individual timings.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

fn main() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let forty = here.join("benches/fixtures/forty-pages.pdf");
    let corpus = here.join("tests/corpus");
    let mut rows = Vec::new();
    for (what, path, runs, target) in [
        ("40-page PDF (forty-pages.pdf)", forty.clone(), 20, "< 1 s"),
        ("2-page PDF (pdf-bullets-wrapped.pdf)", corpus.join("pdf-bullets-wrapped.pdf"), 50, ""),
        (
            "2-page PDF pasted as text (pdf-bullets-wrapped.paste.txt)",
            corpus.join("pdf-bullets-wrapped.paste.txt"),
            200,
            "",
        ),
        (".docx (numbered-lettered.docx)", corpus.join("numbered-lettered.docx"), 200, ""),
        (".odt (allcaps-headings.odt)", corpus.join("allcaps-headings.odt"), 200, ""),
    ] {
        let bytes = std::fs::read(&path).expect("fixture");
        let name = path.file_name().expect("name").to_owned();
        let imported = signbook_import::import_bytes(&name, &bytes).expect("imports");
        let times = sample(runs, || {
            black_box(signbook_import::import_bytes(&name, &bytes).expect("imports"));
        });
        let what = format!("{what}: {} KB in, {} KB of Markdown", bytes.len() / 1024, imported.markdown.len() / 1024);
        rows.push(row(&what, &times, target));
    }
    println!("| import | p50 | p99 | max | target |\n|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
}

fn sample(runs: usize, mut f: impl FnMut()) -> Vec<Duration> {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times
}

fn row(what: &str, times: &[Duration], target: &str) -> String {
    let at = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    format!("| {what} | {:.1?} | {:.1?} | {:.1?} | {target} |", at(0.5), at(0.99), times[times.len() - 1])
}

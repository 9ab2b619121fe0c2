//! Figures, printed as a Markdown table for `docs/reliability.md`.

use std::time::Duration;

/// One row of the report.
#[derive(Debug, Clone)]
pub struct Finding {
    pub scenario: &'static str,
    pub measure: String,
    pub value: String,
}

impl Finding {
    pub fn new(scenario: &'static str, measure: impl Into<String>, value: impl ToString) -> Finding {
        Finding { scenario, measure: measure.into(), value: value.to_string() }
    }
}

pub fn print_header() {
    println!("| scenario | measure | value |\n|---|---|---|");
}

pub fn print_rows(findings: &[Finding]) {
    use std::io::Write;
    for f in findings {
        println!("| {} | {} | {} |", f.scenario, f.measure, f.value);
    }
    let _ = std::io::stdout().flush();
}

/// The value at quantile `q` (0..=1) of sorted durations, in milliseconds.
pub fn percentile_ms(sorted: &[Duration], q: f64) -> String {
    if sorted.is_empty() {
        return "-".into();
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    format!("{:.1} ms", sorted[i].as_secs_f64() * 1000.0)
}

/// "p50 / p99 / max" of sorted durations.
pub fn latency_summary(sorted: &[Duration]) -> String {
    format!("{} / {} / {}", percentile_ms(sorted, 0.5), percentile_ms(sorted, 0.99), percentile_ms(sorted, 1.0))
}

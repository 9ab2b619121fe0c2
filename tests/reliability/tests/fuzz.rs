//! The fuzz targets of `signbook_reliability::fuzz` under proptest, so CI
//! (stable Rust) runs them: random bytes, and valid inputs with random
//! bytes changed. libFuzzer runs the same functions in the long profile
//! (`fuzz/`). Findings become regression cases in `regressions()`.

use proptest::prelude::*;
use signbook_reliability::fuzz;

const STROKES: &str = r#"{"width":600,"height":240,"strokes":[[{"x":40,"y":150},{"x":90,"y":60},{"x":140,"y":170},{"x":200,"y":70},{"x":260,"y":160},{"x":330,"y":80},{"x":400,"y":150}]]}"#;
const GOLDEN: &str = include_str!("../../../crates/sync/tests/golden/sync_wire.json");
const AGREEMENT: &str = "Acceptable Use Agreement\n\nPage 1 of 2\n\n· I will keep my password secret\n  o and never share it\n\nSigned: ........ Date: ....\n";

/// The golden push (and pairing) request bodies of the sync protocol.
fn golden(name: &str) -> &'static str {
    let all: serde_json::Value = serde_json::from_str(GOLDEN).expect("golden JSON");
    Box::leak(all[name].to_string().into_boxed_str())
}

/// Mutates `seed` at a few random places (flip, insert, delete).
fn mutated(seed: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8).prop_map(move |edits| {
        let mut bytes = seed.as_bytes().to_vec();
        for (at, byte, op) in edits {
            let i = at.index(bytes.len().max(1));
            match op {
                0 if !bytes.is_empty() => bytes[i] = byte,
                1 => bytes.insert(i.min(bytes.len()), byte),
                _ if !bytes.is_empty() => {
                    bytes.remove(i);
                }
                _ => {}
            }
        }
        bytes
    })
}

/// A JSON signature with arbitrary (possibly huge, negative, tiny) numbers.
fn wild_strokes() -> impl Strategy<Value = Vec<u8>> {
    let number = prop_oneof![any::<f64>().prop_filter("finite", |f| f.is_finite()), -1e6f64..1e6, 0f64..1000.0];
    (
        number.clone(),
        number.clone(),
        prop::collection::vec(prop::collection::vec((number.clone(), number), 0..40), 0..6),
    )
        .prop_map(|(w, h, strokes)| {
            let strokes: Vec<Vec<serde_json::Value>> = strokes
                .into_iter()
                .map(|s| s.into_iter().map(|(x, y)| serde_json::json!({"x": x, "y": y})).collect())
                .collect();
            serde_json::to_vec(&serde_json::json!({"width": w, "height": h, "strokes": strokes})).unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn strokes_never_panic(data in prop_oneof![prop::collection::vec(any::<u8>(), 0..512), mutated(STROKES), wild_strokes()]) {
        fuzz::strokes(&data);
    }

    #[test]
    fn the_importer_never_panics(data in prop_oneof![prop::collection::vec(any::<u8>(), 0..2048), mutated(AGREEMENT), ".{0,600}".prop_map(String::into_bytes)]) {
        fuzz::importer(&data);
    }

    #[test]
    fn sync_bodies_never_panic(data in prop_oneof![prop::collection::vec(any::<u8>(), 0..512), mutated(golden("push_request")), mutated(golden("pair_request"))]) {
        fuzz::sync_body(&data);
    }

    #[test]
    fn bundles_never_panic(data in prop_oneof![prop::collection::vec(any::<u8>(), 0..512), mutated(golden("push_request"))]) {
        fuzz::bundle(&data);
    }
}

/// Inputs that once found a bug (from libFuzzer or proptest), kept for good.
#[test]
fn regressions() {
    for (target, input) in regression_cases() {
        match target {
            "strokes" => fuzz::strokes(input),
            "importer" => fuzz::importer(input),
            "sync_body" => fuzz::sync_body(input),
            "bundle" => fuzz::bundle(input),
            other => panic!("unknown target {other}"),
        }
    }
}

fn regression_cases() -> Vec<(&'static str, &'static [u8])> {
    vec![
        ("strokes", br#"{"width":1e308,"height":1e308,"strokes":[[{"x":0,"y":0},{"x":1e308,"y":1e308}]]}"#),
        ("sync_body", br#"{"records":[],"checkpoint":null,"erasures":[{"seq":0,"reason":"","erased_at":""}]}"#),
    ]
}

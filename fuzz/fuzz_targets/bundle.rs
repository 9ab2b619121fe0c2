#![no_main]
// The body lives in signbook_reliability::fuzz, shared with the proptest run in CI.
libfuzzer_sys::fuzz_target!(|data: &[u8]| signbook_reliability::fuzz::bundle(data));

//! Every error code and label the kiosk can send the UI has its text in
//! English and in Welsh (`ui/src/messages/{en,cy}.json`), using only the
//! placeholders the UI is given. The list comes from the Rust side
//! ([`signbook_kiosk::required_messages`]), which tests in each crate keep
//! equal to the codes its errors really return.

use std::collections::BTreeMap;

use signbook_kiosk::required_messages;

fn catalogue(lang: &str) -> BTreeMap<String, String> {
    let path = format!("{}/../../ui/src/messages/{lang}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not a flat JSON object of strings: {e}"))
}

/// The `{name}` placeholders of a text.
fn placeholders(text: &str) -> Vec<&str> {
    text.split('{').skip(1).filter_map(|part| part.split_once('}').map(|(name, _)| name)).collect()
}

#[test]
fn every_code_and_label_has_english_and_welsh_text() {
    let required = required_messages();
    assert!(required.len() > 100, "the list was built: {} messages", required.len());
    let mut problems = Vec::new();
    for lang in ["en", "cy"] {
        let messages = catalogue(lang);
        for need in &required {
            match messages.get(&need.key) {
                None => problems.push(format!("{lang}.json lacks \"{}\"", need.key)),
                Some(text) if text.trim().is_empty() => {
                    problems.push(format!("{lang}.json: \"{}\" is empty", need.key))
                }
                Some(text) => {
                    for hole in placeholders(text) {
                        if !need.placeholders.contains(&hole) {
                            problems.push(format!(
                                "{lang}.json: \"{}\" uses {{{hole}}}, but the UI only gets {:?}",
                                need.key, need.placeholders
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{} missing or wrong messages:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn the_catalogues_have_no_error_text_for_codes_nothing_sends() {
    let required = required_messages();
    for lang in ["en", "cy"] {
        let stale: Vec<String> = catalogue(lang)
            .into_keys()
            .filter(|key| key.starts_with("error.") && key != "error.generic")
            .filter(|key| !required.iter().any(|need| &need.key == key))
            .collect();
        assert!(stale.is_empty(), "{lang}.json has text for codes the kiosk never sends: {stale:?}");
    }
}

/// A key written twice is read as its last copy, silently: two branches
/// that each add the same message would leave one of them dead.
#[test]
fn no_message_is_written_twice() {
    for lang in ["en", "cy"] {
        let path = format!("{}/../../ui/src/messages/{lang}.json", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        let mut seen = std::collections::BTreeSet::new();
        let twice: Vec<&str> = text
            .lines()
            .filter_map(|line| line.trim_start().strip_prefix('"')?.split_once("\":").map(|(key, _)| key))
            .filter(|key| !seen.insert(*key))
            .collect();
        assert!(twice.is_empty(), "{lang}.json has these keys more than once: {twice:?}");
    }
}

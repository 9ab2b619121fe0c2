//! The `normalisation` vectors: what typed names, organisations and
//! agreement texts become before they are digested or hashed
//! (`docs/record-format.md`, sections 1 and 2), each produced by the real
//! core functions. The record vectors hold only names already normalised;
//! these are the inputs a second implementation gets wrong.

use serde_json::{Value, json};
use signbook_core::agreement;
use signbook_core::name::{normalise_name, normalise_organisation};

fn names() -> Vec<(&'static str, String)> {
    let typed = [
        ("a no-break space between words becomes a space", "Mary\u{00A0}Jane"),
        ("leading, trailing and repeated spaces", "  Siân   O'Brien "),
        ("decomposed accents (combining diaeresis, circumflex) compose to NFC", "Zoe\u{0308} Sia\u{0302}n"),
        ("ideographic, em and narrow no-break spaces are whitespace too", "\u{3000}Li\u{2003}Wei\u{202F}"),
        (
            "every White_Space character that is not refused, in one run, is one space",
            "Ann \u{00A0}\u{1680}\u{2000}\u{2001}\u{2002}\u{2003}\u{2004}\u{2005}\u{2006}\u{2007}\u{2008}\u{2009}\u{200A}\u{202F}\u{205F}\u{3000}Lee",
        ),
        ("next line (U+0085) is White_Space but also a control: refused", "Ann\u{0085}Lee"),
        ("a tab is a control character: refused, not collapsed", "Jane\tSmith"),
        ("a refused character is found before blankness is", "   \t "),
        ("a line separator is whitespace but refused", "Jane\u{2028}Smith"),
        ("only spaces", "   "),
        ("only a no-break space", "\u{00A0}"),
        ("a byte-order mark is refused", "\u{FEFF}John"),
        ("ZWNJ between two letters above U+024F is spelling (Persian)", "می\u{200C}خواهم"),
        ("ZWJ between Latin letters is refused", "Jo\u{200D}hn"),
        ("digits only", "12345"),
        ("a letter-number (Nl) counts as a letter: the Alphabetic property", "\u{216B}"),
    ];
    let mut names: Vec<_> = typed.iter().map(|&(description, name)| (description, name.to_owned())).collect();
    names.push(("length counts scalar values after NFC: 100 decomposed é (200 typed) fit", "e\u{0301}".repeat(100)));
    names.push(("101 precomposed é are too long", "é".repeat(101)));
    names
}

const ORGANISATIONS: &[(&str, Option<&str>)] = &[
    ("not given", None),
    ("empty", Some("")),
    ("only spaces: absent, not blank", Some("   ")),
    ("only a tab: blank, so absent (a tab inside one is refused)", Some("\t")),
    ("only no-break and ideographic spaces: absent", Some("\u{00A0}\u{3000}")),
    ("trimmed and collapsed like a name", Some(" Acme \u{00A0} Ltd ")),
    ("decomposed accent composes to NFC", Some("Cafe\u{0301} Ltd")),
    ("a tab inside is refused", Some("Acme\tLtd")),
    ("a zero-width space is not whitespace: not blank, refused", Some("\u{200B}")),
    ("digits only", Some("12")),
];

const AGREEMENTS: &[(&str, &str)] = &[
    ("byte-order mark and leading blank lines (one of spaces, one a tab)", "\u{FEFF}\n  \n\t\n# AUP\nBe kind.\n"),
    (
        "CRLF, a lone CR, trailing spaces and tabs; inner blank lines are kept",
        "# AUP\r\n\r\n\r\nBe kind.\rBe safe. \t\r\n\r\n",
    ),
    ("decomposed accent composes to NFC", "# Cafe\u{0301} rules\n"),
    ("no final line break: one is added", "Be kind."),
    ("leading spaces are kept (they matter in Markdown)", "  indented\n"),
    ("a line of a no-break space is not blank", "\u{00A0}\n# AUP\n"),
    ("only a leading byte-order mark is dropped, and only one", "\u{FEFF}\u{FEFF}# AUP\n"),
    ("a byte-order mark after a blank line is text", "\n\u{FEFF}# AUP\n"),
    ("nothing but blank lines: empty, cannot be published", " \r\n\t\n"),
];

pub fn compute() -> Value {
    let names: Vec<Value> = names()
        .into_iter()
        .map(|(description, typed)| match normalise_name(&typed) {
            Ok(name) => json!({"description": description, "as_typed": typed, "normalised": name}),
            Err(e) => json!({"description": description, "as_typed": typed, "refused": e.code()}),
        })
        .collect();
    let organisations: Vec<Value> = ORGANISATIONS
        .iter()
        .map(|&(description, typed)| match normalise_organisation(typed) {
            Ok(organisation) => json!({"description": description, "as_typed": typed, "normalised": organisation}),
            Err(e) => json!({"description": description, "as_typed": typed, "refused": e.code()}),
        })
        .collect();
    let agreements: Vec<Value> = AGREEMENTS
        .iter()
        .map(|&(description, typed)| {
            let canonical = agreement::canonical_text(typed);
            // An empty text is refused at publishing, so it has no version hash.
            let hash = (!canonical.is_empty()).then(|| agreement::agreement_hash(typed).to_hex());
            json!({"description": description, "as_typed": typed, "canonical": canonical, "hash": hash})
        })
        .collect();
    json!({"names": names, "organisations": organisations, "agreements": agreements})
}

#[test]
fn the_frozen_normalisations_are_what_the_docs_say() {
    // Checked by hand against the spec, so a wrong rule cannot be frozen unnoticed.
    let frozen: Value = serde_json::from_str(&std::fs::read_to_string(super::VECTORS).unwrap()).unwrap();
    let case = |kind: &str, typed: &str| {
        let cases = frozen["normalisation"][kind].as_array().unwrap();
        cases.iter().find(|v| v["as_typed"] == typed).unwrap_or_else(|| panic!("no {kind} {typed:?}")).clone()
    };
    assert_eq!(case("names", "Mary\u{00A0}Jane")["normalised"], "Mary Jane");
    assert_eq!(case("names", "Zoe\u{0308} Sia\u{0302}n")["normalised"], "Zo\u{00EB} Si\u{00E2}n");
    assert_eq!(case("names", "Jane\tSmith")["refused"], "name_hidden_character");
    assert_eq!(case("names", "\u{00A0}")["refused"], "name_empty");
    let blank = case("organisations", "   ");
    assert_eq!((&blank["normalised"], blank.get("refused")), (&Value::Null, None), "blank is absent, not refused");
    let bom = case("agreements", "\u{FEFF}\n  \n\t\n# AUP\nBe kind.\n");
    assert_eq!(bom["canonical"], "# AUP\nBe kind.\n");
    assert_eq!(bom["hash"], signbook_core::Hash32::of(b"# AUP\nBe kind.\n").to_hex());
}

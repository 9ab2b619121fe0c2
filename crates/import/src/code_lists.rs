//! Keeps [`ImportError::CODES`] and [`RemovedReason::CODES`] equal to what
//! `code()` and serde produce. `example` matches exhaustively on the variant
//! list strum derives (under `cfg(test)` only), so a new variant stops this
//! compiling until it has an example, and the test then names its code.

use std::collections::BTreeSet;
use std::path::PathBuf;

use strum::IntoEnumIterator;

use crate::error::ImportErrorDiscriminants as I;
use crate::{ImportError, RemovedReason};

fn example(kind: I) -> ImportError {
    let path = PathBuf::from("agreement.docx");
    match kind {
        I::Read => ImportError::Read { path, source: std::io::Error::other("example") },
        I::NotUtf8 => ImportError::NotUtf8 { path },
        I::Docx => ImportError::Docx { path, problem: "example".into() },
        I::Odt => ImportError::Odt { path, problem: "example".into() },
        I::Pdf => ImportError::Pdf { path, problem: "example".into() },
        I::ScannedPdf => ImportError::ScannedPdf { path },
        I::UnsupportedFormat => ImportError::UnsupportedFormat { path },
        I::TooLarge => ImportError::TooLarge { path, bytes: 1 },
    }
}

fn assert_same(what: &str, produced: BTreeSet<String>, listed: &[&str]) {
    let listed: BTreeSet<String> = listed.iter().map(|c| (*c).to_owned()).collect();
    let unlisted: Vec<_> = produced.difference(&listed).collect();
    let unused: Vec<_> = listed.difference(&produced).collect();
    assert!(
        unlisted.is_empty() && unused.is_empty(),
        "{what}: add {unlisted:?} to the list; remove {unused:?}, which nothing produces"
    );
}

#[test]
fn every_code_and_reason_is_listed() {
    assert_same("ImportError::CODES", I::iter().map(|k| example(k).code().to_owned()).collect(), ImportError::CODES);
    let reasons = RemovedReason::iter().map(|r| serde_json::to_value(r).unwrap().as_str().unwrap().to_owned());
    assert_same("RemovedReason::CODES", reasons.collect(), RemovedReason::CODES);
}

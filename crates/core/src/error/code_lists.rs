//! Keeps the code lists ([`Error::CODES`] and the nested errors', and
//! [`ProblemKind::KINDS`]) equal to what `code()` and serde really produce.
//!
//! Each `example` matches exhaustively on the variant list strum derives
//! (under `cfg(test)` only), so a new variant stops this compiling until it
//! has an example; the tests then fail until its code is in the list.

use std::collections::BTreeSet;
use std::path::PathBuf;

use strum::IntoEnumIterator;

use super::{Error, ErrorDiscriminants as E};
use crate::Hash32;
use crate::agreement::{AgreementError, AgreementErrorDiscriminants as A};
use crate::hash::HashParseError;
use crate::name::{NameError, NameErrorDiscriminants as N};
use crate::pin::PinRule;
use crate::role::RoleError;
use crate::signature::{SignatureError, SignatureErrorDiscriminants as S};
use crate::verify::{ProblemKind, ProblemKindDiscriminants as P};

fn sqlite() -> rusqlite::Error {
    rusqlite::Error::QueryReturnedNoRows
}

fn io() -> std::io::Error {
    std::io::Error::other("example")
}

fn json() -> serde_json::Error {
    serde_json::from_str::<u8>("not json").unwrap_err()
}

fn name_error(kind: N, field: &'static str) -> NameError {
    match kind {
        N::Empty => NameError::Empty { field },
        N::TooLong => NameError::TooLong { field, len: 101, max: 100 },
        N::HiddenCharacter => NameError::HiddenCharacter { field, codepoint: "U+202E".into() },
        N::NoLetters => NameError::NoLetters { field },
    }
}

fn signature_error(kind: S) -> SignatureError {
    match kind {
        S::Malformed => SignatureError::Malformed { source: json() },
        S::TooLarge => SignatureError::TooLarge { bytes: 1 },
        S::PadInvalid => SignatureError::PadInvalid { width: 0.0, height: 0.0 },
        S::Empty => SignatureError::Empty,
        S::NotFinite => SignatureError::NotFinite,
        S::OutOfPad => SignatureError::OutOfPad { x: -1.0, y: 0.0 },
        S::TooManyStrokes => SignatureError::TooManyStrokes { strokes: 1 },
        S::TooManyPoints => SignatureError::TooManyPoints { points: 1 },
        S::Dot => SignatureError::Dot,
        S::TooSmall => SignatureError::TooSmall,
        S::TooShort => SignatureError::TooShort,
        S::TooMuchInk => SignatureError::TooMuchInk,
    }
}

fn agreement_error(kind: A) -> AgreementError {
    match kind {
        A::EmptyText => AgreementError::EmptyText,
        A::TooLarge => AgreementError::TooLarge { bytes: 2, max: 1 },
        A::EmptyTitle => AgreementError::EmptyTitle,
        A::BadTitle => AgreementError::BadTitle { max: 1 },
        A::NoRoles => AgreementError::NoRoles,
    }
}

/// One example of each variant; nested errors get their first variant
/// (their own lists are checked separately).
fn example(kind: E) -> Error {
    let path = PathBuf::from("/example");
    match kind {
        E::Name => name_error(N::Empty, "name").into(),
        E::Signature => SignatureError::Empty.into(),
        E::Agreement => AgreementError::EmptyText.into(),
        E::Role => RoleError { input: "Visitor!".into() }.into(),
        E::HashParse => HashParseError { input: "abc".into() }.into(),
        E::NoCurrentAgreement => Error::NoCurrentAgreement { role: "visitor".into() },
        E::UnknownAgreement => Error::UnknownAgreement { hash: Hash32::ZERO },
        E::AgreementNotForRole => Error::AgreementNotForRole { hash: Hash32::ZERO, role: "visitor".into() },
        E::RecordNotFound => Error::RecordNotFound { seq: 1 },
        E::DamagedRecord => Error::DamagedRecord { seq: 1, detail: "example".into() },
        E::AlreadyErased => Error::AlreadyErased { seq: 1, erased_at: "2026-01-01T00:00:00Z".into() },
        E::SettingInvalid => Error::SettingInvalid { field: "roles", reason: "example".into() },
        E::PinNotSet => Error::PinNotSet,
        E::PinRequired => Error::PinRequired,
        E::PinRejected => Error::PinRejected { rule: PinRule::TooEasy },
        E::WrongPin => Error::WrongPin { attempts_left: 2 },
        E::PinLocked => Error::PinLocked { seconds: 60 },
        E::ResignDaysZero => Error::ResignDaysZero,
        E::ErasureReasonEmpty => Error::ErasureReasonEmpty,
        E::SchemaTooNew => Error::SchemaTooNew { path, found: 9, supported: 5 },
        E::NotADatabase => Error::NotADatabase { path, source: sqlite() },
        E::ForeignDatabase => Error::ForeignDatabase { path },
        E::StorageFull => Error::StorageFull { doing: "saving", source: sqlite() },
        E::StorageUnwritable => Error::StorageUnwritable { doing: "saving", source: sqlite() },
        E::Db => Error::Db { doing: "saving", source: sqlite() },
        E::KeyIo => Error::KeyIo { path, source: io() },
        E::KeyCorrupt => Error::KeyCorrupt { path, len: 3 },
        E::KeyMissing => Error::KeyMissing { path },
        E::KeyMismatch => Error::KeyMismatch { path },
        E::Io => Error::Io { path, source: io() },
        E::Csv => csv::Error::from(io()).into(),
        E::Json => json().into(),
        E::NoDataDir => Error::NoDataDir,
    }
}

fn problem(kind: P) -> ProblemKind {
    match kind {
        P::Missing => ProblemKind::Missing { found: 3 },
        P::Repeated => ProblemKind::Repeated { after: 3 },
        P::Unreadable => ProblemKind::Unreadable { detail: "example".into() },
        P::WrongDevice => ProblemKind::WrongDevice { found: uuid::Uuid::nil() },
        P::BrokenLink => ProblemKind::BrokenLink { expected: Hash32::ZERO, found: Hash32::ZERO },
        P::HashMismatch => ProblemKind::HashMismatch { stored: Hash32::ZERO, computed: Hash32::ZERO },
        P::FieldAltered => ProblemKind::FieldAltered { field: "name" },
        P::ErasedWithoutLog => ProblemKind::ErasedWithoutLog,
        P::ErasureNotApplied => ProblemKind::ErasureNotApplied,
        P::CheckpointForged => ProblemKind::CheckpointForged,
        P::CheckpointMismatch => ProblemKind::CheckpointMismatch { signed: Hash32::ZERO },
        P::Truncated => ProblemKind::Truncated { checkpoint_seq: 3 },
        P::HeadNotSigned => ProblemKind::HeadNotSigned,
        P::TombstoneWithoutEntry => ProblemKind::TombstoneWithoutEntry,
        P::ErasureTargetHoldsData => ProblemKind::ErasureTargetHoldsData { target_seq: 1 },
        P::ErasureTargetMissing => ProblemKind::ErasureTargetMissing { target_seq: 1, detail: "does not exist" },
        P::HeldTargetMissing => ProblemKind::HeldTargetMissing { target_seq: 1, detail: "does not exist" },
        P::HeldTargetHoldsData => ProblemKind::HeldTargetHoldsData { target_seq: 1 },
        P::HeldTargetNotAcknowledged => ProblemKind::HeldTargetNotAcknowledged { target_seq: 1 },
    }
}

/// Fails naming what is missing from `listed` and what it lists that nothing produces.
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
fn every_code_is_listed_and_every_listed_code_is_produced() {
    let names = N::iter().flat_map(|k| ["name", "organisation"].map(|field| name_error(k, field).code().to_owned()));
    assert_same("NameError::CODES", names.collect(), NameError::CODES);
    assert_same(
        "SignatureError::CODES",
        S::iter().map(|k| signature_error(k).code().to_owned()).collect(),
        SignatureError::CODES,
    );
    assert_same(
        "AgreementError::CODES",
        A::iter().map(|k| agreement_error(k).code().to_owned()).collect(),
        AgreementError::CODES,
    );
    let nested = [E::Name, E::Signature, E::Agreement];
    let own = E::iter().filter(|k| !nested.contains(k)).map(|k| example(k).code().to_owned());
    assert_same("Error::CODES", own.collect(), Error::CODES);
}

#[test]
fn nested_errors_keep_their_own_codes() {
    for kind in N::iter() {
        assert_eq!(Error::from(name_error(kind, "organisation")).code(), name_error(kind, "organisation").code());
    }
    for kind in S::iter() {
        assert_eq!(Error::from(signature_error(kind)).code(), signature_error(kind).code());
    }
    for kind in A::iter() {
        assert_eq!(Error::from(agreement_error(kind)).code(), agreement_error(kind).code());
    }
    let all: BTreeSet<&str> = Error::all_codes().collect();
    assert_eq!(all.len(), Error::all_codes().count(), "a code is listed twice");
    assert!(all.contains("organisation_too_long") && all.contains("signature_dot") && all.contains("pin_wrong"));
}

#[test]
fn every_problem_kind_is_listed() {
    let kinds = P::iter().map(|k| serde_json::to_value(problem(k)).unwrap()["kind"].as_str().unwrap().to_owned());
    assert_same("ProblemKind::KINDS", kinds.collect(), ProblemKind::KINDS);
}

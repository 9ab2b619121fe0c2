//! The checks of one record by itself, apart from the chain: its hash and
//! its personal data against its digests.

use super::ProblemKind;
use crate::hash::Hash32;
use crate::record::{Erasure, Record, field_digest, labels};

/// What [`ChainWalk`] checks of a record by itself, apart from the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prechecked {
    /// The hash of the record's canonical encoding.
    pub computed_hash: Hash32,
    /// Whether its personal data agrees with its digests and its erasure
    /// entry; `None` when the data was withheld.
    pub personal: Option<std::result::Result<(), ProblemKind>>,
}

impl Prechecked {
    /// Computes them. `personal`: `Some(erasure)` when the record's
    /// personal data is as stored (present, or erased with `erasure`),
    /// `None` when withheld.
    pub fn of(record: &Record, personal: Option<Option<&Erasure>>) -> Self {
        Prechecked {
            computed_hash: record.header.hash(),
            personal: personal.map(|erasure| personal_data_problem(record, erasure)),
        }
    }
}

/// Whether a record's personal data agrees with its digests and its
/// erasure log entry.
fn personal_data_problem(record: &Record, erasure: Option<&Erasure>) -> std::result::Result<(), ProblemKind> {
    let header = &record.header;
    match (&record.personal, erasure) {
        (Some(p), None) => {
            if field_digest(labels::NAME, &p.name_salt, p.name.as_bytes()) != header.name_digest {
                return Err(ProblemKind::FieldAltered { field: labels::NAME });
            }
            let organisation =
                p.organisation.as_ref().map(|(o, salt)| field_digest(labels::ORGANISATION, salt, o.as_bytes()));
            if organisation != header.organisation_digest {
                return Err(ProblemKind::FieldAltered { field: labels::ORGANISATION });
            }
            if field_digest(labels::SIGNATURE, &p.signature_salt, &p.signature_png) != header.signature_digest {
                return Err(ProblemKind::FieldAltered { field: labels::SIGNATURE });
            }
            Ok(())
        }
        (None, Some(_)) => Ok(()),
        (None, None) => Err(ProblemKind::ErasedWithoutLog),
        (Some(_), Some(_)) => Err(ProblemKind::ErasureNotApplied),
    }
}

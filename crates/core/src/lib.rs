//! # signbook-core
//!
//! Everything Signbook knows about agreements and signatures, with no UI:
//! the kiosk app, the `signbook` CLI and the office server all call these
//! functions, so a rule lives in exactly one place.
//!
//! ## A tour
//!
//! A kiosk has one [`Store`], an SQLite file plus the kiosk's Ed25519 key
//! in a file beside it. Publish the agreement people will read, for the
//! roles that read it:
//!
//! ```
//! use signbook_core::{Store, role::Role, signature::Strokes, SignRequest};
//! # let dir = tempfile::tempdir()?;
//! let mut store = Store::open(dir.path().join("kiosk.db"))?;
//! let roles = [Role::new("visitor")?];
//! let published = store.publish_agreement("# IT Acceptable Use\n\nI will log off.\n", "AUP 2026", &roles)?;
//! assert!(published.new_version);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The kiosk UI sends the drawn signature as stroke geometry; the core
//! validates the name and the strokes, renders the PNG itself, and appends
//! a record to the chain in one durable transaction:
//!
//! ```
//! # use signbook_core::{Store, role::Role, signature::Strokes, SignRequest};
//! # let dir = tempfile::tempdir()?;
//! # let mut store = Store::open(dir.path().join("kiosk.db"))?;
//! # store.publish_agreement("# AUP\n\nI will log off.\n", "AUP", &[Role::new("visitor")?])?;
//! let strokes = Strokes::from_json(br#"{"width": 600, "height": 240, "strokes": [[
//!     {"x": 40, "y": 150}, {"x": 90, "y": 60}, {"x": 140, "y": 170}, {"x": 200, "y": 70},
//!     {"x": 260, "y": 160}, {"x": 330, "y": 80}, {"x": 400, "y": 150}]]}"#)?;
//! let receipt = store.sign(&SignRequest {
//!     role: "visitor", name: "  Zoë  O'Brien ", organisation: Some("Acme Ltd"),
//!     strokes: &strokes, agreement: None,
//! })?;
//! assert_eq!((receipt.seq, receipt.first_name.as_str()), (1, "Zoë"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Store::verify`] walks the chain and names the first broken record;
//! [`Store::erase`] removes one person's data and leaves a tombstone that
//! still verifies; [`export::export_to_file`] writes CSV or JSON Lines.
//!
//! ```
//! # use signbook_core::Store;
//! # let dir = tempfile::tempdir()?;
//! # let store = Store::open(dir.path().join("kiosk.db"))?;
//! let report = store.verify()?;
//! assert!(report.is_intact());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`sync`] pairs the kiosk with the school office over pinned HTTPS and
//! pushes the chain idempotently (`docs/sync-protocol.md`); the office
//! server itself is the `signbook-office` crate.
//!
//! The exact bytes a record hash covers are specified in
//! `docs/record-format.md`, with golden vectors in `crates/core/tests/golden`.

pub mod agreement;
pub mod backup;
pub mod checkpoint;
pub mod device;
pub mod erasure;
pub mod error;
pub mod export;
pub mod hash;
pub mod held;
#[cfg(feature = "logging")]
pub mod logging;
pub mod markdown;
pub mod name;
pub mod paths;
pub mod pin;
pub mod privacy_notice;
pub mod private_files;
pub mod record;
pub mod role;
pub mod signature;
pub mod sqlite;
pub mod store;
pub mod verify;

pub use error::{Error, Result};
pub use hash::Hash32;
pub use store::{Receipt, RecordFilter, SignRequest, Store};
pub use verify::VerifyReport;

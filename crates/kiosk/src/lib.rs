//! What the kiosk app shows and does, as plain Rust the Tauri shell calls.
//!
//! Every screen of the kiosk gets its data from a method here and every
//! button ends in one, so the shell stays a list of one-line commands and
//! the whole flow is testable without a webview. Views are `Serialize` and
//! are exactly what the UI receives. The app holds a [`SharedKiosk`]: the
//! kiosk behind a lock for its commands, and the background sync beside it,
//! so that nothing waiting on the office holds up a visitor.
//!
//! ```
//! use signbook_kiosk::{Kiosk, Submission};
//! # let dir = tempfile::tempdir().unwrap();
//! let mut kiosk = Kiosk::open(dir.path().join("kiosk.db")).unwrap();
//! let welcome = kiosk.welcome().unwrap();
//! assert_eq!(welcome.roles[0].role.as_str(), "visitor");
//! let agreement = kiosk.agreement_for("visitor").unwrap();
//! assert!(agreement.html.starts_with("<h1>"));
//! let checked = kiosk.check_name("visitor", "  Zoë   O'Brien ", Some("Acme")).unwrap();
//! assert_eq!(checked.first_name, "Zoë");
//! let receipt = kiosk.submit(&Submission {
//!     role: "visitor".into(),
//!     name: checked.name,
//!     organisation: checked.organisation,
//!     strokes_json: std::fs::read_to_string("../../assets/demo-signature.json").unwrap(),
//!     agreement_hash: agreement.hash,
//! }).unwrap();
//! assert_eq!(receipt.seq, 1);
//! ```

mod admin;
mod error;
mod held;
mod messages;
mod shared;
mod sync;

pub use error::{KioskError, PARAMETERISED_CODES, Result, UiError, ui_error_codes};
pub use messages::{RequiredMessage, required_messages};

pub use admin::{
    AdminOverview, AdminStatus, AgreementRow, Destination, DestinationLabel, EXPORT_DIR_ENV, ExportDone, ImportPreview,
    default_export_dir, export_destinations,
};
pub use shared::SharedKiosk;
pub use sync::{OfficeFound, SyncView};

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use signbook_core::Error;
use signbook_core::hash::Hash32;
use signbook_core::name::{first_name, normalise_name, normalise_organisation};
use signbook_core::role::Role;
use signbook_core::signature::Strokes;
use signbook_core::store::{Published, Receipt, ResignRule, SignRequest, Store};

/// Title of the agreement a new kiosk publishes so it works at once.
pub const SAMPLE_AGREEMENT_TITLE: &str = "Staff, Governor and Visitor Acceptable Use Agreement";
/// The sample agreement (assets/sample-agreement.md), written for this project.
pub const SAMPLE_AGREEMENT_MARKDOWN: &str = include_str!("../../../assets/sample-agreement.md");

/// The kiosk: its store and whether the admin area is unlocked.
#[derive(Debug)]
pub struct Kiosk {
    store: Store,
    admin_until: Option<DateTime<Utc>>,
    export_dir: Option<std::path::PathBuf>,
    last_release: Option<held::LastRelease>,
}

/// The welcome and role screens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Welcome {
    /// Shown as the heading.
    pub school_name: String,
    /// Seconds of no touch before the form is wiped.
    pub idle_timeout_secs: u32,
    /// The "I am a ..." buttons, in order.
    pub roles: Vec<RoleChoice>,
    /// False on first run: the admin area asks for a new PIN.
    pub admin_pin_set: bool,
    /// "How we use your information", offered on the name screen.
    pub privacy_notice: PrivacyNoticeView,
}

/// The privacy notice as the kiosk shows it: the school's own, or the
/// built-in default naming the school, rendered like an agreement (so any
/// HTML in it is text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PrivacyNoticeView {
    /// For people reading the kiosk in English.
    pub english_html: String,
    /// For people reading the kiosk in Welsh.
    pub welsh_html: String,
}

/// One "I am a ..." button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RoleChoice {
    /// Identifier; the UI translates it.
    pub role: Role,
    /// Whether the name screen also asks for an organisation.
    pub asks_for_organisation: bool,
    /// False when no agreement is published for it (the button is disabled).
    pub has_agreement: bool,
}

/// The agreement screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AgreementView {
    /// The version, sent back with the signature so the record names what was read.
    pub hash: String,
    /// Its title.
    pub title: String,
    /// The text as HTML (see [`signbook_core::markdown`]).
    pub html: String,
    /// When it was published (RFC 3339, UTC).
    pub published_at: String,
    /// When this role signs again. Unless it is every visit, the kiosk
    /// tells everyone choosing the role the rule and this version's date,
    /// and lets them say they have signed it: the same screens for
    /// everyone, since the kiosk never looks a name up.
    pub resign_rule: ResignRule,
}

/// The name screen's answer. It says nothing about earlier signatures:
/// whoever types a name could be anyone, so the flow after it is the same
/// whether or not that name has signed before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct NameCheck {
    /// The name as it will be stored.
    pub name: String,
    /// The organisation as it will be stored.
    pub organisation: Option<String>,
    /// For "Thank you, ...".
    pub first_name: String,
}

/// Everything the flow collected, sent when "Submit" is tapped.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
pub struct Submission {
    /// Chosen role.
    pub role: String,
    /// Name as typed.
    pub name: String,
    /// Organisation as typed.
    pub organisation: Option<String>,
    /// The pad's strokes as JSON (see [`Strokes`]); parsed here so its size
    /// is checked before parsing.
    pub strokes_json: String,
    /// The agreement version shown ([`AgreementView::hash`]).
    pub agreement_hash: String,
}

impl Kiosk {
    /// Opens (or creates) the kiosk database. A database with no agreement
    /// at all gets the built-in sample, so a new kiosk works at once.
    pub fn open(path: impl AsRef<Path>) -> Result<Kiosk> {
        let mut store = Store::open(path)?;
        publish_sample_if_empty(&mut store)?;
        let mut kiosk = Kiosk { store, admin_until: None, export_dir: admin::default_export_dir(), last_release: None };
        // At start, nobody is signing: personal data past the local limit goes now.
        if let Err(error) = kiosk.release_to_office_if_due(Utc::now()) {
            tracing::error!(%error, "could not remove personal data the office holds");
        }
        Ok(kiosk)
    }

    /// Sets the folder offered first for exports (see [`default_export_dir`]).
    pub fn set_export_dir(&mut self, folder: impl Into<std::path::PathBuf>) {
        self.export_dir = Some(folder.into());
    }

    /// The store, for what the facade does not cover.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The welcome and role screens: the start of a visitor's flow, so the
    /// office's newer configuration, if one is waiting, is applied first.
    /// Never anywhere else: someone part-way through signing keeps the text
    /// and settings they started with.
    pub fn welcome(&mut self) -> Result<Welcome> {
        self.welcome_at(Utc::now())
    }

    /// [`Kiosk::welcome`] at `now`. Between two visitors is also when the
    /// kiosk removes personal data the office holds, once the local limit
    /// has passed ([`Kiosk::release_to_office_if_due`]).
    pub fn welcome_at(&mut self, now: DateTime<Utc>) -> Result<Welcome> {
        if let Err(error) = signbook_sync::apply_pending_configuration(&mut self.store, now) {
            // The welcome screen still shows, with what the kiosk had.
            tracing::error!(%error, "could not apply the office's configuration");
        }
        if let Err(error) = self.release_to_office_if_due(now) {
            // As above: the visitor signs; the removal is tried again later.
            tracing::error!(%error, "could not remove personal data the office holds");
        }
        let settings = self.store.settings()?;
        let mut roles = Vec::with_capacity(settings.roles.len());
        for role in settings.roles {
            let has_agreement = self.store.current_agreement(&role)?.is_some();
            roles.push(RoleChoice { asks_for_organisation: role.asks_for_organisation(), has_agreement, role });
        }
        let (english, welsh) = settings.privacy_notice.texts(&settings.school_name);
        let privacy_notice = PrivacyNoticeView {
            english_html: signbook_core::markdown::agreement_html(&english),
            welsh_html: signbook_core::markdown::agreement_html(&welsh),
        };
        Ok(Welcome {
            privacy_notice,
            school_name: settings.school_name,
            idle_timeout_secs: settings.idle_timeout_secs,
            roles,
            admin_pin_set: self.store.admin_pin_is_set()?,
        })
    }

    /// The current agreement for `role`.
    pub fn agreement_for(&self, role: &str) -> Result<AgreementView> {
        let role = Role::new(role).map_err(Error::from)?;
        let version =
            self.store.current_agreement(&role)?.ok_or_else(|| Error::NoCurrentAgreement { role: role.to_string() })?;
        Ok(AgreementView {
            hash: version.hash.to_string(),
            html: signbook_core::markdown::agreement_html(&version.text),
            title: version.title,
            published_at: version.published_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            resign_rule: self.store.resign_rule(&role)?,
        })
    }

    /// Checks the name screen: the name and organisation as they will be
    /// stored. It deliberately does not look for earlier signatures under
    /// the name: telling whoever typed it that "Ann Jones signed on 3 May"
    /// would tell a visitor when a named governor or teacher was last in
    /// school. Nor does its time depend on the name's history.
    pub fn check_name(&self, role: &str, name: &str, organisation: Option<&str>) -> Result<NameCheck> {
        Role::new(role).map_err(Error::from)?;
        let name = normalise_name(name).map_err(Error::from)?;
        let organisation = normalise_organisation(organisation).map_err(Error::from)?;
        Ok(NameCheck { first_name: first_name(&name).to_owned(), name, organisation })
    }

    /// Stores the signature. Nothing is stored if anything is refused.
    pub fn submit(&mut self, submission: &Submission) -> Result<Receipt> {
        let strokes = Strokes::from_json(submission.strokes_json.as_bytes()).map_err(Error::from)?;
        let agreement = Hash32::from_hex(&submission.agreement_hash).map_err(Error::from)?;
        Ok(self.store.sign(&SignRequest {
            role: &submission.role,
            name: &submission.name,
            organisation: submission.organisation.as_deref(),
            strokes: &strokes,
            agreement: Some(agreement),
        })?)
    }
}

/// First run: publish the sample agreement for every default role.
fn publish_sample_if_empty(store: &mut Store) -> signbook_core::Result<Option<Published>> {
    if !store.agreements()?.is_empty() {
        return Ok(None);
    }
    let roles: Vec<Role> = signbook_core::role::DEFAULT_ROLES.iter().map(|r| Role::new(r)).collect::<Result<_, _>>()?;
    store.publish_agreement(SAMPLE_AGREEMENT_MARKDOWN, SAMPLE_AGREEMENT_TITLE, &roles).map(Some)
}

//! The kiosk's one error type, and the one place its errors become the
//! `{code, message, params}` the UI shows: the UI looks `error.<code>` up in
//! `ui/src/messages/{en,cy}.json` and fills in `params`; the English message
//! is only a fallback for a code it does not know (a newer office's).

use std::collections::BTreeMap;

use signbook_core::Error;
use signbook_core::agreement::AgreementError;
use signbook_core::name::NameError;
use signbook_import::ImportError;
use signbook_sync::SyncError;

/// `Result` with [`KioskError`].
pub type Result<T, E = KioskError> = std::result::Result<T, E>;

/// Everything the kiosk's screens and admin area can meet.
#[derive(Debug, thiserror::Error)]
#[cfg_attr(test, derive(strum::EnumDiscriminants), strum_discriminants(derive(strum::EnumIter)))]
#[non_exhaustive]
pub enum KioskError {
    /// The store refused or failed (a name, a signature, the database...).
    #[error(transparent)]
    Core(#[from] signbook_core::Error),
    /// An agreement file could not be imported.
    #[error(transparent)]
    Import(#[from] signbook_import::ImportError),
    /// Pairing or syncing with the office failed.
    #[error(transparent)]
    Sync(#[from] signbook_sync::SyncError),
    /// An admin action without an unlocked admin session.
    #[error("the admin area is locked; enter the admin PIN again")]
    AdminLocked,
    /// "Sync now" when the background sync could not be started.
    #[error(
        "the background sync is not running, so records cannot be sent now; restart the kiosk app (records are kept here meanwhile)"
    )]
    SyncNotRunning,
    /// "Change address" reached a server whose certificate is not the
    /// paired office's: another computer, or someone in between.
    #[error(
        "the computer at {url} is not the office this kiosk is paired with (its certificate is different), so the office address was not changed; check the address with whoever runs the office server"
    )]
    NotThisOffice {
        /// The address typed.
        url: String,
    },
}

/// Codes whose UI text has placeholders, and the parameters
/// [`UiError::params`] carries for them; every other code carries none. Only
/// what a person acts on travels: numbers and limits, not English details.
pub const PARAMETERISED_CODES: &[(&str, &[&str])] = &[
    ("name_too_long", &["max"]),
    ("organisation_too_long", &["max"]),
    ("agreement_title_invalid", &["max"]),
    ("agreement_too_large", &["max_kb"]),
    ("pin_wrong", &["attempts_left"]),
    ("pin_locked", &["seconds"]),
];

impl KioskError {
    /// Every code [`KioskError::code`] returns for its own variants (the
    /// nested errors list theirs); kept complete by a test.
    pub const CODES: &[&str] = &["admin_locked", "sync_not_running", "office_address_not_this_office"];

    /// Stable snake_case code (what the logs show; the UI gets [`KioskError::ui_code`]).
    pub fn code(&self) -> &'static str {
        match self {
            KioskError::Core(e) => e.code(),
            KioskError::Import(e) => e.code(),
            KioskError::Sync(e) => e.code(),
            KioskError::AdminLocked => "admin_locked",
            KioskError::SyncNotRunning => "sync_not_running",
            KioskError::NotThisOffice { .. } => "office_address_not_this_office",
        }
    }

    /// What the UI translates: [`KioskError::code`], except that an office
    /// refusal names the office's code (`office.pairing_code_expired`).
    pub fn ui_code(&self) -> String {
        match self {
            KioskError::Sync(e) => e.detailed_code(),
            other => other.code().to_owned(),
        }
    }

    /// The values the UI's text for this code shows (see [`PARAMETERISED_CODES`]).
    pub fn params(&self) -> BTreeMap<String, String> {
        let core = match self {
            KioskError::Core(e) | KioskError::Sync(SyncError::Store(e)) => e,
            _ => return BTreeMap::new(),
        };
        let params: Vec<(&str, String)> = match core {
            Error::Name(NameError::TooLong { max, .. }) => vec![("max", max.to_string())],
            Error::Agreement(AgreementError::BadTitle { max }) => vec![("max", max.to_string())],
            Error::Agreement(AgreementError::TooLarge { max, .. }) => vec![("max_kb", (max / 1024).to_string())],
            Error::WrongPin { attempts_left } => vec![("attempts_left", attempts_left.to_string())],
            Error::PinLocked { seconds } => vec![("seconds", seconds.to_string())],
            _ => vec![],
        };
        params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    /// Whether the person at the kiosk can fix this by changing what they
    /// entered (as opposed to a fault staff must look at).
    pub fn is_user_input(&self) -> bool {
        matches!(self, KioskError::Core(e) if e.is_user_input())
    }
}

/// The one error shape the UI receives. Every Tauri command returns this.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct UiError {
    /// [`KioskError::ui_code`], or one of [`UiError::SHELL_CODES`]: the UI
    /// shows its `error.<code>` text.
    pub code: String,
    /// What happened and what to do, in English: shown only for a code the
    /// UI has no text for.
    pub message: String,
    /// Values for the text's placeholders ([`KioskError::params`]).
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    #[ts(as = "Option<_>", optional)]
    pub params: BTreeMap<String, String>,
}

impl UiError {
    /// The shell's own codes ([`UiError::internal`], [`UiError::import_unreadable`]).
    pub const SHELL_CODES: &[&str] = &["internal", "import_unreadable"];

    /// The kiosk hit a bug (a poisoned lock): nothing stored is lost.
    pub fn internal() -> UiError {
        UiError {
            code: "internal".into(),
            message: "the kiosk hit an internal error; restart it (nothing stored was lost)".into(),
            params: BTreeMap::new(),
        }
    }

    /// A picked file that did not arrive in the request.
    pub fn import_unreadable() -> UiError {
        UiError {
            code: "import_unreadable".into(),
            message: "the file did not arrive; pick it again".into(),
            params: BTreeMap::new(),
        }
    }
}

impl From<KioskError> for UiError {
    fn from(e: KioskError) -> Self {
        if !e.is_user_input() {
            tracing::warn!(code = e.code(), "{e}");
        }
        UiError { code: e.ui_code(), params: e.params(), message: e.to_string() }
    }
}

/// Every code the UI can receive, as a [`UiError::code`] or as the admin
/// area's last sync error: the store's, the importer's, the sync client's,
/// the kiosk's and the shell's own, and each office refusal as
/// `office.<code>`. Each needs `error.<code>` text in English and Welsh
/// (`crates/kiosk/tests/ui_messages.rs` checks).
pub fn ui_error_codes() -> Vec<String> {
    let mut codes: Vec<String> = Error::all_codes()
        .chain(ImportError::CODES.iter().copied())
        .chain(SyncError::CODES.iter().copied())
        .chain(KioskError::CODES.iter().copied())
        .chain(UiError::SHELL_CODES.iter().copied())
        .map(str::to_owned)
        .chain(
            signbook_sync::wire::OFFICE_ERROR_CODES
                .iter()
                .map(|code| format!("{}{code}", signbook_sync::OFFICE_CODE_PREFIX)),
        )
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

#[cfg(test)]
mod tests {
    use super::*;
    use signbook_core::signature::SignatureError;
    use strum::IntoEnumIterator;

    /// Exhaustive over the variants strum lists (in tests only): a new
    /// variant stops this compiling until it has an example.
    fn example(kind: KioskErrorDiscriminants) -> KioskError {
        match kind {
            KioskErrorDiscriminants::Core => Error::NoDataDir.into(),
            KioskErrorDiscriminants::Import => ImportError::NotUtf8 { path: "a.txt".into() }.into(),
            KioskErrorDiscriminants::Sync => SyncError::NotPaired.into(),
            KioskErrorDiscriminants::AdminLocked => KioskError::AdminLocked,
            KioskErrorDiscriminants::SyncNotRunning => KioskError::SyncNotRunning,
            KioskErrorDiscriminants::NotThisOffice => KioskError::NotThisOffice { url: "https://10.0.0.9:8443".into() },
        }
    }

    #[test]
    fn every_code_reaches_the_list_the_ui_is_checked_against() {
        let nested = [KioskErrorDiscriminants::Core, KioskErrorDiscriminants::Import, KioskErrorDiscriminants::Sync];
        let own: Vec<&str> =
            KioskErrorDiscriminants::iter().filter(|k| !nested.contains(k)).map(|k| example(k).code()).collect();
        assert_eq!(own, KioskError::CODES);
        let listed = ui_error_codes();
        for kind in KioskErrorDiscriminants::iter() {
            assert!(listed.contains(&example(kind).ui_code()), "{kind:?}");
        }
    }

    /// One error for each parameterised code, so the table and
    /// [`KioskError::params`] cannot drift apart.
    #[test]
    fn the_parameterised_codes_carry_exactly_their_parameters() {
        let examples: Vec<KioskError> = vec![
            Error::from(NameError::TooLong { field: "name", len: 120, max: 100 }).into(),
            Error::from(NameError::TooLong { field: "organisation", len: 120, max: 100 }).into(),
            Error::from(AgreementError::BadTitle { max: 200 }).into(),
            Error::from(AgreementError::TooLarge { bytes: 3 << 20, max: 2 << 20 }).into(),
            Error::WrongPin { attempts_left: 2 }.into(),
            SyncError::Store(Error::PinLocked { seconds: 300 }).into(),
        ];
        for (code, names) in PARAMETERISED_CODES {
            let error = examples.iter().find(|e| e.code() == *code).unwrap_or_else(|| panic!("no example of {code}"));
            let keys: Vec<String> = error.params().into_keys().collect();
            assert_eq!(keys, *names, "{code}");
        }
        assert_eq!(UiError::from(KioskError::from(Error::PinLocked { seconds: 300 })).params["seconds"], "300");
        let plain = UiError::from(KioskError::from(Error::from(SignatureError::Dot)));
        assert!(plain.params.is_empty() && plain.code == "signature_dot");
    }

    #[test]
    fn an_office_refusal_reaches_the_ui_with_the_office_code() {
        let refused = SyncError::OfficeRefused {
            status: 403,
            code: "pairing_code_expired".into(),
            message: "the pairing code expired".into(),
            acknowledged_seq: None,
        };
        let ui = UiError::from(KioskError::from(refused));
        assert_eq!(ui.code, "office.pairing_code_expired");
        assert!(ui_error_codes().contains(&ui.code));
        assert!(ui_error_codes().contains(&"office_refused".to_owned()), "the fallback for an unknown office code");
    }
}

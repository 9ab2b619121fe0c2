//! The kiosk's one error type, and the one place its errors become the
//! `{code, message}` the UI shows ([`KioskError::code`]; the UI looks the
//! code up in `ui/src/messages/{en,cy}.json`, falling back to the message).

/// `Result` with [`KioskError`].
pub type Result<T, E = KioskError> = std::result::Result<T, E>;

/// Everything the kiosk's screens and admin area can meet.
#[derive(Debug, thiserror::Error)]
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
}

impl KioskError {
    /// Stable snake_case code: what the UI translates.
    pub fn code(&self) -> &'static str {
        match self {
            KioskError::Core(e) => e.code(),
            KioskError::Import(e) => e.code(),
            KioskError::Sync(e) => e.code(),
            KioskError::AdminLocked => "admin_locked",
            KioskError::SyncNotRunning => "sync_not_running",
        }
    }

    /// Whether the person at the kiosk can fix this by changing what they
    /// entered (as opposed to a fault staff must look at).
    pub fn is_user_input(&self) -> bool {
        matches!(self, KioskError::Core(e) if e.is_user_input())
    }
}

/// The one error shape the UI receives: a stable code it translates, and
/// the English message as a fallback. Every Tauri command returns this.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UiError {
    /// [`KioskError::code`], or one of the shell's own (`internal`, `import_unreadable`).
    pub code: String,
    /// What happened and what to do, in English.
    pub message: String,
}

impl UiError {
    /// The kiosk hit a bug (a poisoned lock): nothing stored is lost.
    pub fn internal() -> UiError {
        UiError {
            code: "internal".into(),
            message: "the kiosk hit an internal error; restart it (nothing stored was lost)".into(),
        }
    }

    /// A picked file that did not arrive in the request.
    pub fn import_unreadable() -> UiError {
        UiError { code: "import_unreadable".into(), message: "the file did not arrive; pick it again".into() }
    }
}

impl From<KioskError> for UiError {
    fn from(e: KioskError) -> Self {
        if !e.is_user_input() {
            tracing::warn!(code = e.code(), "{e}");
        }
        UiError { code: e.code().to_owned(), message: e.to_string() }
    }
}

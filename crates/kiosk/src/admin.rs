//! The admin area: a PIN-gated session and what staff do inside it.
//!
//! The session lives here, not in the UI: every admin method checks it, so a
//! webview that skipped the PIN screen still gets [`KioskError::AdminLocked`].
//! The session ends after the kiosk's idle timeout without an admin action.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Local, Utc};
use serde::Serialize;
use ts_rs::TS;

use super::Kiosk;
use crate::SyncView;
use crate::error::{KioskError, Result};
use signbook_core::Error;
use signbook_core::export::{Format, export_to_file};
use signbook_core::role::Role;
use signbook_core::store::{KioskSettings, RecordFilter};
use signbook_import::{Removed, import_bytes};

/// Environment variable naming the default export folder (the Documents
/// folder's `Signbook exports` otherwise).
pub const EXPORT_DIR_ENV: &str = "SIGNBOOK_EXPORT_DIR";

/// The PIN screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AdminStatus {
    /// False on first run: the screen asks for a new PIN twice.
    pub pin_set: bool,
    /// Whether a session is open now.
    pub unlocked: bool,
}

/// The admin area's front page.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AdminOverview {
    /// This kiosk.
    pub device_id: String,
    /// The short fingerprint of its Ed25519 public key, for staff to compare
    /// with the office's Kiosks page and an export's header.
    pub key_fingerprint: String,
    /// Where its database is.
    pub database: String,
    /// Records in this kiosk's chain (including erased ones).
    pub records: u64,
    /// When the newest was signed (RFC 3339, UTC).
    pub last_signed_at: Option<String>,
    /// Sending records to the office.
    pub sync: SyncView,
    /// Every agreement version, oldest first.
    pub agreements: Vec<AgreementRow>,
    /// Current settings.
    pub settings: KioskSettings,
    /// Every role the settings screen can offer.
    pub known_roles: Vec<Role>,
    /// Where an export can go.
    pub destinations: Vec<Destination>,
}

/// One agreement version in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AgreementRow {
    /// Its hash.
    pub hash: String,
    /// Its title.
    pub title: String,
    /// When it was published.
    pub published_at: String,
    /// Roles it is current for (empty: superseded).
    pub current_for: Vec<Role>,
    /// Records that name it.
    pub signatures: u64,
}

/// A folder an export can be written to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Destination {
    /// What the admin sees, e.g. "USB drive KINGSTON", in the UI's language.
    pub label: DestinationLabel,
    /// The folder.
    pub path: String,
    /// Whether it is a removable drive.
    pub removable: bool,
}

/// What a destination is called: a code the UI translates
/// (`admin.export.destination.<code>`), with the drive's name as a parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[cfg_attr(test, derive(strum::EnumDiscriminants), strum_discriminants(derive(strum::EnumIter)))]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum DestinationLabel {
    /// The exports folder ([`default_export_dir`]).
    ExportsFolder,
    /// A removable drive.
    UsbDrive {
        /// Its volume name, as mounted.
        name: String,
    },
}

impl DestinationLabel {
    /// Every code, for the check that the UI can translate each (kept complete by a test).
    pub const CODES: &[&str] = &["exports_folder", "usb_drive"];
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ExportDone {
    /// Records written to each file.
    pub records: u64,
    /// The CSV file.
    pub csv: String,
    /// The JSONL file.
    pub jsonl: String,
}

/// An imported agreement, before it is published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportPreview {
    /// The Markdown that will be published.
    pub markdown: String,
    /// The title found (the admin can change it).
    pub title: Option<String>,
    /// The preview, exactly as the kiosk will show it.
    pub html: String,
    /// Review metadata taken out of the body.
    pub metadata: Vec<(String, String)>,
    /// Everything removed, for the admin to check.
    pub removed: Vec<Removed>,
}

impl Kiosk {
    /// The PIN screen's state.
    pub fn admin_status(&self, now: DateTime<Utc>) -> Result<AdminStatus> {
        Ok(AdminStatus {
            pin_set: self.store.admin_pin_is_set()?,
            unlocked: self.admin_until.is_some_and(|until| now < until),
        })
    }

    /// First run: chooses the admin PIN and opens a session. Refused once a
    /// PIN exists (changing it needs the current one).
    pub fn admin_set_first_pin(&mut self, pin: &str, now: DateTime<Utc>) -> Result<()> {
        if self.store.admin_pin_is_set()? {
            return Err(Error::PinRequired.into());
        }
        self.store.set_admin_pin(pin, None, now)?;
        self.extend_session(now)
    }

    /// Opens a session with the PIN (see [`crate::Store::check_admin_pin`] for the lockout).
    pub fn admin_unlock(&mut self, pin: &str, now: DateTime<Utc>) -> Result<()> {
        self.store.check_admin_pin(pin, now)?;
        self.extend_session(now)
    }

    /// Ends the session ("Back to the kiosk").
    pub fn admin_lock(&mut self) {
        self.admin_until = None;
    }

    fn extend_session(&mut self, now: DateTime<Utc>) -> Result<()> {
        let timeout = self.store.settings()?.idle_timeout_secs;
        self.admin_until = Some(now + chrono::Duration::seconds(i64::from(timeout)));
        Ok(())
    }

    /// Checks the admin session and counts this as an admin action.
    pub(crate) fn require_admin(&mut self, now: DateTime<Utc>) -> Result<()> {
        self.check_admin(now)?;
        self.extend_session(now)
    }

    /// Checks the admin session without extending it: for what the UI asks
    /// by itself (polling a sync), which must not keep the session open.
    pub(crate) fn check_admin(&mut self, now: DateTime<Utc>) -> Result<()> {
        match self.admin_until {
            Some(until) if now < until => Ok(()),
            _ => {
                self.admin_until = None;
                Err(KioskError::AdminLocked)
            }
        }
    }

    /// The admin area's front page.
    pub fn admin_overview(&mut self, now: DateTime<Utc>) -> Result<AdminOverview> {
        self.require_admin(now)?;
        // Records only: erasure entries share the chain's numbers.
        let (records, last) = self.store.last_record()?;
        let last_signed_at =
            last.map(|record| record.header.signed_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        let agreements = self
            .store
            .agreements()?
            .into_iter()
            .map(|a| AgreementRow {
                hash: a.version.hash.to_string(),
                title: a.version.title,
                published_at: a.version.published_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                current_for: a.current_for,
                signatures: a.signatures,
            })
            .collect();
        Ok(AdminOverview {
            device_id: self.store.device_id().to_string(),
            key_fingerprint: signbook_core::device::key_fingerprint(&self.store.public_key()),
            database: self.store.path().display().to_string(),
            records,
            last_signed_at,
            sync: self.sync_view()?,
            agreements,
            settings: self.store.settings()?,
            known_roles: self.store.roles_overview()?.into_iter().map(|r| r.role).collect(),
            destinations: export_destinations(self.export_dir.as_deref()),
        })
    }

    /// Checks the whole chain now.
    pub fn admin_verify(&mut self, now: DateTime<Utc>) -> Result<signbook_core::VerifyReport> {
        self.require_admin(now)?;
        Ok(self.store.verify()?)
    }

    /// Writes a CSV and a JSONL export of every record into `folder`, which
    /// must be one of [`export_destinations`]: the webview cannot pick an
    /// arbitrary place on disk.
    pub fn admin_export(&mut self, folder: &str, now: DateTime<Utc>) -> Result<ExportDone> {
        self.require_admin(now)?;
        let folder = export_destinations(self.export_dir.as_deref())
            .into_iter()
            .find(|d| d.path == folder)
            .map(|d| PathBuf::from(d.path))
            .ok_or_else(|| Error::Io {
                path: folder.into(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "not an export destination; plug the USB stick in again and refresh",
                ),
            })?;
        std::fs::create_dir_all(&folder).map_err(|source| Error::Io { path: folder.clone(), source })?;
        let stamp = now.with_timezone(&Local).format("%Y-%m-%d-%H%M%S");
        let csv = folder.join(format!("signbook-{stamp}.csv"));
        let jsonl = folder.join(format!("signbook-{stamp}.jsonl"));
        let filter = RecordFilter::default();
        let records = export_to_file(&self.store, Format::Csv, &filter, &csv)?;
        export_to_file(&self.store, Format::Jsonl, &filter, &jsonl)?;
        Ok(ExportDone { records, csv: csv.display().to_string(), jsonl: jsonl.display().to_string() })
    }

    /// Imports a file the admin picked; nothing is published yet.
    pub fn admin_import(&mut self, file_name: &str, bytes: &[u8], now: DateTime<Utc>) -> Result<ImportPreview> {
        self.require_admin(now)?;
        let imported =
            import_bytes(Path::new(file_name).file_name().map(Path::new).unwrap_or(Path::new(file_name)), bytes)?;
        Ok(ImportPreview {
            html: signbook_core::markdown::agreement_html(&imported.markdown),
            markdown: imported.markdown,
            title: imported.title,
            metadata: imported.metadata,
            removed: imported.removed,
        })
    }

    /// The preview of Markdown the admin edited.
    pub fn admin_preview(&mut self, markdown: &str, now: DateTime<Utc>) -> Result<String> {
        self.require_admin(now)?;
        Ok(signbook_core::markdown::agreement_html(markdown))
    }

    /// Publishes an agreement for `roles`; it is what those roles read from now on.
    pub fn admin_publish(
        &mut self,
        markdown: &str,
        title: &str,
        roles: &[Role],
        now: DateTime<Utc>,
    ) -> Result<AgreementRow> {
        self.require_admin(now)?;
        let published = self.store.publish_agreement_at(markdown, title, roles, now)?;
        let hash = published.version.hash;
        let row = self.admin_overview(now)?.agreements.into_iter().find(|a| a.hash == hash.to_string());
        Ok(row.ok_or(Error::UnknownAgreement { hash })?)
    }

    /// Saves the settings screen.
    pub fn admin_save_settings(&mut self, settings: &KioskSettings, now: DateTime<Utc>) -> Result<()> {
        self.require_admin(now)?;
        Ok(self.store.update_settings(settings)?)
    }

    /// Changes the PIN (the current one is asked again).
    pub fn admin_change_pin(&mut self, current: &str, new_pin: &str, now: DateTime<Utc>) -> Result<()> {
        self.require_admin(now)?;
        Ok(self.store.set_admin_pin(new_pin, Some(current), now)?)
    }
}

/// The export folder: `$SIGNBOOK_EXPORT_DIR`, else `Signbook exports` in
/// the Documents folder.
pub fn default_export_dir() -> Option<PathBuf> {
    std::env::var_os(EXPORT_DIR_ENV).filter(|p| !p.is_empty()).map(PathBuf::from).or_else(|| {
        directories::UserDirs::new().map(|u| u.document_dir().unwrap_or(u.home_dir()).join("Signbook exports"))
    })
}

/// Where exports can go: `folder`, then every mounted removable drive
/// (`/media/USER/*`, `/run/media/USER/*` on Linux).
pub fn export_destinations(folder: Option<&Path>) -> Vec<Destination> {
    let mut out = Vec::new();
    if let Some(path) = folder {
        out.push(Destination {
            label: DestinationLabel::ExportsFolder,
            path: path.display().to_string(),
            removable: false,
        });
    }
    let user = std::env::var("USER").unwrap_or_default();
    for base in [Path::new("/media").join(&user), Path::new("/run/media").join(&user)] {
        let Ok(entries) = std::fs::read_dir(&base) else { continue };
        let mut drives: Vec<PathBuf> =
            entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect();
        drives.sort();
        for drive in drives {
            let name = drive.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            out.push(Destination {
                label: DestinationLabel::UsbDrive { name },
                path: drive.display().to_string(),
                removable: true,
            });
        }
    }
    out
}

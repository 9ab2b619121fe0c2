//! `signbook-office settings show | set KEY VALUE`: the settings every
//! paired kiosk takes from the office on its next sync, for scripted
//! set-ups. Each change issues the next signed configuration (audited as `cli`).

use std::io::Write;

use anyhow::Result;
use chrono::Utc;
use clap::Subcommand;
use signbook_office::OfficeStorage;
use signbook_office::configuration::{SETTING_KEYS, describe_version, parse_setting};
use signbook_office::store::configuration::{IssuedConfiguration, KioskConfiguration};
use signbook_sync::configuration::WireResignRule;

#[derive(Debug, Subcommand)]
pub enum SettingsAction {
    /// The configuration kiosks take now: its version, what each role signs, rules and settings.
    Show,
    /// Set one setting for every kiosk: school-name TEXT, idle-timeout SECONDS, roles a,b,c,
    /// local-retention-days DAYS, or resign.ROLE every-visit|new-version|after-days:N.
    Set {
        /// school-name, idle-timeout, roles, local-retention-days or resign.ROLE.
        key: String,
        /// Its new value.
        value: String,
    },
}

pub async fn run(store: &dyn OfficeStorage, action: SettingsAction, out: &mut impl Write) -> Result<()> {
    match action {
        SettingsAction::Show => {
            let Some(issued) = store.current_configuration(Utc::now()).await? else {
                writeln!(
                    out,
                    "No kiosk configuration yet: kiosks keep their own settings. Set one with `signbook-office settings set KEY VALUE` ({SETTING_KEYS})."
                )?;
                return Ok(());
            };
            let c = &issued.content;
            writeln!(
                out,
                "kiosk configuration {} (issued {} by {})",
                issued.version, issued.issued_at, issued.issued_by
            )?;
            let unset = "(each kiosk's own)";
            writeln!(out, "school name: {}", c.settings.school_name.as_deref().unwrap_or(unset))?;
            match c.settings.idle_timeout_secs {
                Some(secs) => writeln!(out, "idle timeout: {secs} s")?,
                None => writeln!(out, "idle timeout: {unset}")?,
            }
            writeln!(out, "roles offered: {}", c.settings.roles.as_ref().map_or(unset.to_owned(), |r| r.join(", ")))?;
            match &c.settings.privacy_notice {
                Some(notice) => writeln!(
                    out,
                    "privacy notice: {} bytes in English, {} in Welsh (dashboard: Privacy -> Privacy notice)",
                    notice.english.len(),
                    notice.welsh.len()
                )?,
                None => writeln!(out, "privacy notice: {unset}")?,
            }
            match c.settings.local_retention_days {
                Some(days) => writeln!(out, "kiosks keep personal data the office holds for: {days} days")?,
                None => writeln!(out, "kiosks keep personal data the office holds for: 30 days (the default)")?,
            }
            for (role, hash) in &c.current {
                let title = c.agreements.iter().find(|a| a.hash == *hash).map_or("", |a| a.title.as_str());
                writeln!(out, "{role} signs: {hash}  \"{title}\"")?;
            }
            for (role, rule) in &c.resign_rules {
                let rule = match rule {
                    WireResignRule::EveryVisit => "every-visit".to_owned(),
                    WireResignRule::NewVersion => "new-version".to_owned(),
                    WireResignRule::AfterDays(days) => format!("after-days:{days}"),
                };
                writeln!(out, "{role} signs again: {rule}")?;
            }
        }
        SettingsAction::Set { key, value } => {
            let setting = parse_setting(&key, &value)?;
            let version = store.set_kiosk_setting(setting, "cli", Utc::now()).await?;
            writeln!(out, "Set {key}. Now {}.", describe_version(version))?;
        }
    }
    Ok(())
}

/// One kiosk's configuration beside the office's, for `signbook-office kiosks`.
pub fn kiosk_line(kiosk: Option<&KioskConfiguration>, office: Option<&IssuedConfiguration>) -> String {
    let Some(office) = office else { return "configuration: none issued by the office".to_owned() };
    let Some(kiosk) = kiosk else {
        return format!("configuration: not reported yet (office: {}); it reports on its next sync", office.version);
    };
    let current: Vec<String> =
        kiosk.current.iter().map(|(role, hash)| format!("{role} {}", &hash.to_hex()[..12])).collect();
    let marker = if kiosk.differs_from(office) { "  DIFFERS FROM THE OFFICE" } else { "" };
    format!(
        "configuration: {} (office: {}){marker}; signs: {}",
        kiosk.applied,
        office.version,
        if current.is_empty() { "-".to_owned() } else { current.join(", ") }
    )
}

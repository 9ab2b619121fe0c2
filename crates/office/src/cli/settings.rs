//! `signbook-office settings show | set KEY VALUE | unset KEY`: the settings
//! paired kiosks take from the office on their next sync, for scripted
//! set-ups. Without `--school` a setting is the trust's, every school's; with
//! it, that school's own, which its kiosks take instead (`unset` gives the
//! school the trust's again). Each change issues the next signed
//! configuration of the schools it changes (audited as `cli`).

use std::io::Write;

use anyhow::Result;
use chrono::Utc;
use clap::Subcommand;
use signbook_office::OfficeStorage;
use signbook_office::configuration::{SETTING_KEYS, describe_version, parse_setting, unchosen_target};
use signbook_office::store::configuration::{
    ConfigurationContent, IssuedConfiguration, KioskConfiguration, SettingName, SettingsFor,
};
use signbook_sync::configuration::WireResignRule;

#[derive(Debug, Subcommand)]
pub enum SettingsAction {
    /// The configuration kiosks take now: its version, what each role signs, rules and settings.
    Show {
        /// One school's: the trust's settings with the school's own marked (needed to see a
        /// school's when the office holds several).
        #[arg(long, alias = "site")]
        school: Option<String>,
    },
    /// Set one setting for every kiosk, or with --school for one school's kiosks: school-name
    /// TEXT, idle-timeout SECONDS, roles a,b,c, local-retention-days DAYS, or resign.ROLE
    /// every-visit|new-version|after-days:N.
    Set {
        /// school-name, idle-timeout, roles, local-retention-days or resign.ROLE.
        key: String,
        /// Its new value.
        value: String,
        /// The school whose own setting this is (its kiosks take it instead of the trust's).
        #[arg(long, alias = "site")]
        school: Option<String>,
    },
    /// The school stops setting KEY itself and takes the trust's again.
    Unset {
        /// school-name, idle-timeout, roles, local-retention-days, privacy-notice or resign.ROLE.
        key: String,
        /// The school.
        #[arg(long, alias = "site")]
        school: String,
    },
}

pub async fn run(store: &dyn OfficeStorage, action: SettingsAction, out: &mut impl Write) -> Result<()> {
    match action {
        SettingsAction::Show { school } => {
            let several = store.sites().await?.len() > 1;
            if school.is_none() && several {
                let trust = store.settings_content(SettingsFor::Trust).await?;
                writeln!(out, "The trust's settings (each school's kiosks take them unless it sets its own):")?;
                print_content(&trust, &[], out)?;
                for site in store.sites().await? {
                    let issued = store.current_configuration(site.id, Utc::now()).await?;
                    writeln!(out, "{}: {}", site.name, describe_version(issued.map(|i| i.version)))?;
                }
                writeln!(out, "Each school's own: `signbook-office settings show --school NAME`.")?;
                return Ok(());
            }
            let site = super::schools::chosen(store, school.as_deref()).await?;
            let Some(issued) = store.current_configuration(site.id, Utc::now()).await? else {
                writeln!(
                    out,
                    "No kiosk configuration yet: kiosks keep their own settings. Set one with `signbook-office settings set KEY VALUE` ({SETTING_KEYS})."
                )?;
                return Ok(());
            };
            writeln!(
                out,
                "kiosk configuration {} (issued {} by {})",
                issued.version, issued.issued_at, issued.issued_by
            )?;
            if several {
                writeln!(out, "school: {}", site.name)?;
            }
            let own = if several { store.school_setting_names(site.id).await? } else { Vec::new() };
            print_content(&issued.content, &own, out)?;
        }
        SettingsAction::Set { key, value, school } => {
            let setting = parse_setting(&key, &value)?;
            let target = match school {
                Some(school) => SettingsFor::School(super::schools::chosen(store, Some(&school)).await?.id),
                None => unchosen_target(store, &setting).await?,
            };
            let version = store.set_kiosk_setting(target, setting, "cli", Utc::now()).await?;
            writeln!(out, "Set {key}. Now {}.", describe_version(version))?;
        }
        SettingsAction::Unset { key, school } => {
            let name = SettingName::parse(&key)?;
            let site = super::schools::chosen(store, Some(&school)).await?;
            let version = store.unset_school_setting(site.id, name, "cli", Utc::now()).await?;
            writeln!(out, "{} takes the trust's {key} again. Now {}.", site.name, describe_version(version))?;
        }
    }
    Ok(())
}

/// The settings in `c`, each a school sets itself (`own`) marked.
fn print_content(c: &ConfigurationContent, own: &[SettingName], out: &mut impl Write) -> Result<()> {
    let unset = "(each kiosk's own)";
    let mark = |name: SettingName| if own.contains(&name) { "  (this school's own)" } else { "" };
    let school_name = c.settings.school_name.as_deref().unwrap_or(unset);
    writeln!(out, "school name: {school_name}{}", mark(SettingName::SchoolName))?;
    let idle = c.settings.idle_timeout_secs.map_or(unset.to_owned(), |secs| format!("{secs} s"));
    writeln!(out, "idle timeout: {idle}{}", mark(SettingName::IdleTimeoutSecs))?;
    let roles = c.settings.roles.as_ref().map_or(unset.to_owned(), |r| r.join(", "));
    writeln!(out, "roles offered: {roles}{}", mark(SettingName::Roles))?;
    match &c.settings.privacy_notice {
        Some(notice) => writeln!(
            out,
            "privacy notice: {} bytes in English, {} in Welsh (dashboard: Privacy -> Privacy notice){}",
            notice.english.len(),
            notice.welsh.len(),
            mark(SettingName::PrivacyNotice)
        )?,
        None => writeln!(out, "privacy notice: {unset}")?,
    }
    let days = c.settings.local_retention_days.map_or("30 days (the default)".to_owned(), |d| format!("{d} days"));
    writeln!(out, "kiosks keep personal data the office holds for: {days}{}", mark(SettingName::LocalRetentionDays))?;
    for (role, hash) in &c.current {
        let title = c.agreements.iter().find(|a| a.hash == *hash).map_or("", |a| a.title.as_str());
        writeln!(out, "{role} signs: {hash}  \"{title}\"")?;
    }
    for (role, rule) in &c.resign_rules {
        let text = match rule {
            WireResignRule::EveryVisit => "every-visit".to_owned(),
            WireResignRule::NewVersion => "new-version".to_owned(),
            WireResignRule::AfterDays(days) => format!("after-days:{days}"),
        };
        writeln!(out, "{role} signs again: {text}{}", mark(SettingName::ResignRule(role.clone())))?;
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

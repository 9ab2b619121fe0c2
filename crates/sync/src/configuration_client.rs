//! The kiosk's side of the office configuration: after a push whose answer
//! announces a newer version, fetch it, verify it ([`verify_configuration`])
//! and keep it pending; [`apply_pending_configuration`] applies it when the
//! kiosk is between visitors. The kiosk tells the office what it runs only
//! once the office has shown it knows of configurations.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use signbook_core::role::Role;
use signbook_core::store::{ConfigurationUpdate, ResignRule, Store};

use crate::configuration::{
    CONFIGURATION_PATH, Configuration, ConfigurationRequest, ConfigurationStatus, SignedConfiguration, WireResignRule,
};
use crate::configuration_check::{ConfigurationRefusal, verify_configuration};
use crate::error::Result;
use crate::http::OfficeClient;

/// What the kiosk tells an office that announced configurations, else `None`.
pub(crate) fn status_for_office(store: &Store) -> Result<Option<ConfigurationStatus>> {
    let state = store.configuration_state()?;
    if state.office_version.is_none() {
        return Ok(None);
    }
    let mut current = BTreeMap::new();
    for summary in store.agreements()? {
        for role in summary.current_for {
            current.insert(role.as_str().to_owned(), summary.version.hash);
        }
    }
    Ok(Some(ConfigurationStatus { applied: state.applied_version, current }))
}

/// After a push answer: keeps the version the office announced, and
/// fetches, verifies and stages a newer one than the kiosk has. A refused
/// configuration is recorded (why, when) and nothing of it is kept; a
/// failure to fetch is logged and tried again after the next push.
pub(crate) fn follow_configuration(
    store: &mut Store,
    client: &OfficeClient,
    announced: Option<u64>,
    kiosk_now: DateTime<Utc>,
) -> Result<()> {
    let Some(announced) = announced else { return Ok(()) };
    let state = store.configuration_state()?;
    if state.office_version != Some(announced) {
        store.note_office_configuration_version(announced)?;
    }
    if announced <= state.applied_version.max(state.pending_version.unwrap_or(0)) {
        return Ok(());
    }
    // The same version refused for what it is (not its form, or another
    // office's) would be refused again: wait for the next one, or a new
    // pairing. One altered on the way is fetched again.
    if state
        .refused
        .as_ref()
        .is_some_and(|r| r.version == Some(announced) && r.code != ConfigurationRefusal::SignatureInvalid.code())
    {
        return Ok(());
    }
    let body = serde_json::to_vec(&ConfigurationRequest { applied: state.applied_version })
        .expect("a configuration request serialises");
    let device_id = store.device_id();
    let signed: SignedConfiguration =
        match client.signed_call(store.signing_key(), &device_id, CONFIGURATION_PATH, &body, kiosk_now) {
            Ok(signed) => signed,
            Err(error) => {
                tracing::warn!(%error, "could not fetch the office's configuration; trying again after the next push");
                return Ok(());
            }
        };
    let pins: Vec<_> = store
        .sync_config()?
        .map(|c| [Some(c.fingerprint), c.next_fingerprint])
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    match verify_configuration(&signed, &pins) {
        Ok(configuration) if configuration.version <= state.applied_version => {
            tracing::info!(
                version = configuration.version,
                "the office's configuration is no newer than the one applied"
            );
        }
        Ok(configuration) => {
            if store.stage_configuration(configuration.version, &signed.configuration)? {
                tracing::info!(
                    version = configuration.version,
                    "office configuration verified; applied before the next visitor"
                );
            }
        }
        Err(refusal) => refuse(store, Some(announced), &refusal, Utc::now())?,
    }
    Ok(())
}

fn refuse(store: &mut Store, version: Option<u64>, refusal: &ConfigurationRefusal, now: DateTime<Utc>) -> Result<()> {
    tracing::warn!(code = refusal.code(), %refusal, "office configuration refused; the kiosk keeps what it had");
    store.note_configuration_refused(version, refusal.code(), &refusal.to_string(), now)?;
    Ok(())
}

/// Applies the verified configuration waiting in `store`, if any, and says
/// which version. Call it only between visitors (the kiosk does so as the
/// welcome screen appears). One the store refuses to apply (a setting out
/// of its range) is dropped and recorded like a refused signature: the
/// kiosk keeps what it had.
pub fn apply_pending_configuration(store: &mut Store, now: DateTime<Utc>) -> Result<Option<u64>> {
    let Some((version, body)) = store.pending_configuration()? else { return Ok(None) };
    let update = serde_json::from_str::<Configuration>(&body)
        .map_err(|e| e.to_string())
        .and_then(|configuration| update_from(&configuration));
    let applied = match update {
        Ok(update) => store.apply_configuration(&update, now).map_err(|e| e.to_string()),
        Err(reason) => Err(reason),
    };
    match applied {
        Ok(()) => {
            tracing::info!(version, "office configuration applied");
            Ok(Some(version))
        }
        Err(reason) => {
            store.drop_pending_configuration()?;
            refuse(store, Some(version), &ConfigurationRefusal::Malformed(reason), now)?;
            Ok(None)
        }
    }
}

/// The store's terms for a configuration whose bounds were checked.
fn update_from(configuration: &Configuration) -> std::result::Result<ConfigurationUpdate, String> {
    let role = |name: &str| Role::new(name).map_err(|e| e.to_string());
    let roles = |names: &[String]| names.iter().map(|n| role(n)).collect::<std::result::Result<Vec<_>, _>>();
    let issued_at = DateTime::parse_from_rfc3339(&configuration.issued_at)
        .map(|t| t.to_utc())
        .map_err(|_| format!("issued_at {:?} is not a time", configuration.issued_at))?;
    Ok(ConfigurationUpdate {
        version: configuration.version,
        issued_at,
        agreements: configuration
            .agreements
            .iter()
            .map(|a| Ok((a.title.clone(), a.text.clone(), roles(&a.roles)?)))
            .collect::<std::result::Result<_, String>>()?,
        current: configuration
            .current
            .iter()
            .map(|(r, h)| Ok((role(r)?, *h)))
            .collect::<std::result::Result<_, String>>()?,
        resign_rules: configuration
            .resign_rules
            .iter()
            .map(|(r, rule)| Ok((role(r)?, resign_rule(*rule))))
            .collect::<std::result::Result<_, String>>()?,
        school_name: configuration.settings.school_name.clone(),
        idle_timeout_secs: configuration.settings.idle_timeout_secs,
        roles: configuration.settings.roles.as_deref().map(roles).transpose()?,
        privacy_notice: configuration.settings.privacy_notice.clone(),
        local_retention_days: configuration.settings.local_retention_days,
    })
}

fn resign_rule(rule: WireResignRule) -> ResignRule {
    match rule {
        WireResignRule::EveryVisit => ResignRule::EveryVisit,
        WireResignRule::NewVersion => ResignRule::NewVersion,
        WireResignRule::AfterDays(days) => ResignRule::AfterDays(days),
    }
}

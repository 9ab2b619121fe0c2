//! [`SqliteStore`] behind the storage traits: each call takes what it needs
//! by value onto the blocking pool and runs one [`super::Db`] method there.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use signbook_core::Hash32;
use signbook_core::verify::VerifyReport;
use signbook_sync::wire::{PushRequest, PushResponse};
use uuid::Uuid;

use super::SqliteStore;
use crate::error::{OfficeError, Result};
use crate::i18n::Lang;
use crate::pairing::{PairingAlerts, PairingThrottle};
use crate::store::agreements::{AgreementStanding, AgreementStore};
use crate::store::configuration::{
    ConfigurationContent, ConfigurationStore, IssuedConfiguration, KioskConfiguration, KioskSetting, SettingName,
    SettingsFor,
};
use crate::store::integrity::{Alert, AlertRow, DeviceSummary, IntegrityStore, KioskHead, KioskStatus};
use crate::store::privacy::{AuditEntry, PrivacyStore, PurgeReport, SignedOfficeErasure};
use crate::store::records::{ErasureStatus, RecordStore, RecordStream, SearchPage, StoredAgreement, StoredRecord};
use crate::store::roles::StaffRole;
use crate::store::roster::{RosterEntry, RosterStatus, RosterStore};
use crate::store::search::RecordQuery;
use crate::store::sites::{Scope, Site, SiteId, SiteStore};
use crate::store::staff::{LoginThrottle, NewLockouts, RecentFailures, Session, StaffAccount, StaffStore};
use crate::store::sync::{Device, PakeExchange, SyncStore};

/// Records an export may have read ahead of the one being written.
const STREAM_BUFFER: usize = 64;

#[async_trait]
impl SyncStore for SqliteStore {
    async fn add_pairing_code(
        &self,
        site: SiteId,
        code: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<bool> {
        let code = code.to_owned();
        self.run(move |db| db.add_pairing_code(site, &code, now, expires_at)).await
    }

    async fn pake_code(&self, code_id: &str, now: DateTime<Utc>) -> Result<String> {
        let code_id = code_id.to_owned();
        self.run(move |db| db.pake_code(&code_id, now)).await
    }

    async fn save_pake_exchange(&self, exchange: &PakeExchange) -> Result<()> {
        let exchange = exchange.clone();
        self.run(move |db| db.save_pake_exchange(&exchange)).await
    }

    async fn take_pake_exchange(&self, exchange_id: &str, now: i64) -> Result<Option<PakeExchange>> {
        let exchange_id = exchange_id.to_owned();
        self.run(move |db| db.take_pake_exchange(&exchange_id, now)).await
    }

    async fn pair(
        &self,
        code: &str,
        code_hash: &str,
        device_id: Uuid,
        public_key: &VerifyingKey,
        name: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(Device, u64)> {
        let (code, code_hash, public_key, name) =
            (code.to_owned(), code_hash.to_owned(), *public_key, name.map(str::to_owned));
        self.run(move |db| db.pair(&code, &code_hash, device_id, &public_key, name.as_deref(), now)).await
    }

    async fn recent_pairing_failures(
        &self,
        throttle: &PairingThrottle,
        address: &str,
        now: i64,
    ) -> Result<RecentFailures> {
        let (throttle, address) = (*throttle, address.to_owned());
        self.run(move |db| db.recent_pairing_failures(&throttle, &address, now)).await
    }

    async fn note_pairing_failure(&self, throttle: &PairingThrottle, address: &str, now: i64) -> Result<PairingAlerts> {
        let (throttle, address) = (*throttle, address.to_owned());
        self.run(move |db| db.note_pairing_failure(&throttle, &address, now)).await
    }

    async fn device(&self, device_id: Uuid) -> Result<Option<Device>> {
        self.run(move |db| db.device(device_id)).await
    }

    async fn remember_nonce(&self, device_id: Uuid, nonce: &str, now_secs: i64) -> Result<bool> {
        let nonce = nonce.to_owned();
        self.run(move |db| db.remember_nonce(device_id, &nonce, now_secs)).await
    }

    async fn ingest(
        &self,
        device: &Device,
        nonce: Option<(&str, i64)>,
        batch: PushRequest,
        now: DateTime<Utc>,
    ) -> Result<PushResponse> {
        let (device, nonce) = (device.clone(), nonce.map(|(n, at)| (n.to_owned(), at)));
        self.run(move |db| db.ingest(&device, nonce.as_ref().map(|(n, at)| (n.as_str(), *at)), &batch, now)).await
    }

    async fn raise_alert(
        &self,
        device_id: Option<Uuid>,
        seq: Option<u64>,
        kind: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (kind, detail) = (kind.to_owned(), detail.to_owned());
        self.run(move |db| db.raise_alert(device_id, seq, &kind, &detail, now)).await
    }

    async fn revoke(&self, device_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        self.run(move |db| db.revoke(device_id, now)).await
    }

    async fn rename_kiosk(&self, device_id: Uuid, name: &str) -> Result<Option<String>> {
        let name = name.to_owned();
        self.run(move |db| db.rename_kiosk(device_id, &name)).await
    }
}

#[async_trait]
impl IntegrityStore for SqliteStore {
    async fn devices(&self) -> Result<Vec<DeviceSummary>> {
        self.run(|db| db.devices()).await
    }

    async fn kiosk_statuses(&self, scope: &Scope) -> Result<Vec<KioskStatus>> {
        let scope = scope.clone();
        self.run(move |db| db.kiosk_statuses(&scope)).await
    }

    async fn alerts(&self) -> Result<Vec<Alert>> {
        self.run(|db| db.alerts()).await
    }

    async fn alert_rows(&self, scope: &Scope, all: bool) -> Result<Vec<AlertRow>> {
        let scope = scope.clone();
        self.run(move |db| db.alert_rows(&scope, all)).await
    }

    async fn acknowledge_alert(&self, scope: &Scope, id: i64, staff: &str, now: DateTime<Utc>) -> Result<bool> {
        let (scope, staff) = (scope.clone(), staff.to_owned());
        self.run(move |db| db.acknowledge_alert(&scope, id, &staff, now)).await
    }

    async fn verify(&self) -> Result<Vec<VerifyReport>> {
        self.read(|db| db.verify()).await
    }

    async fn checkpoint_covering(&self, device_id: Uuid, seq: u64) -> Result<Option<u64>> {
        self.run(move |db| db.checkpoint_covering(device_id, seq)).await
    }

    async fn kiosk_heads(&self) -> Result<Vec<KioskHead>> {
        self.run(|db| db.kiosk_heads()).await
    }

    async fn record_count(&self, device_id: Uuid) -> Result<u64> {
        self.run(move |db| db.record_count(device_id)).await
    }

    async fn record_hashes(&self, device_id: Uuid) -> Result<Vec<(u64, Hash32)>> {
        self.run(move |db| db.record_hashes(device_id)).await
    }

    async fn chain_entries(&self, device_id: Uuid, up_to: u64) -> Result<Vec<signbook_core::erasure::ChainEntry>> {
        self.run(move |db| db.chain_entries(device_id, up_to)).await
    }
}

#[async_trait]
impl RecordStore for SqliteStore {
    async fn search_records(&self, scope: &Scope, query: &RecordQuery, offset: u64, limit: u64) -> Result<SearchPage> {
        let (scope, query) = (scope.clone(), query.clone());
        self.run(move |db| db.search_records(&scope, &query, offset, limit)).await
    }

    async fn count_matching(&self, scope: &Scope, query: &RecordQuery) -> Result<u64> {
        let (scope, query) = (scope.clone(), query.clone());
        self.run(move |db| db.count_matching(&scope, &query)).await
    }

    async fn matching_records(&self, scope: &Scope, query: &RecordQuery, signatures: bool) -> Result<RecordStream> {
        let (sender, stream) = RecordStream::channel(STREAM_BUFFER);
        let (scope, query, readers) = (scope.clone(), query.clone(), self.readers.clone());
        // One query on a read connection of its own, read while the export
        // is written (however slowly); it stops when the export drops its
        // stream (the send fails).
        tokio::task::spawn_blocking(move || {
            let walked = readers.take().and_then(|db| {
                let walked = db.for_each_matching(&scope, &query, signatures, |record| {
                    sender.blocking_send(Ok(record)).map_err(|_| OfficeError::Internal("the export stopped".into()))
                });
                readers.give_back(db);
                walked
            });
            if let Err(error) = walked {
                let _ = sender.blocking_send(Err(error));
            }
        });
        Ok(stream)
    }

    async fn stored_record(&self, scope: &Scope, device_id: Uuid, seq: u64) -> Result<Option<StoredRecord>> {
        let scope = scope.clone();
        self.run(move |db| db.stored_record(&scope, device_id, seq)).await
    }

    async fn erasure_status(&self, device_id: Uuid, seq: u64) -> Result<Option<ErasureStatus>> {
        self.run(move |db| db.erasure_status(device_id, seq)).await
    }

    async fn agreement(&self, hash: &Hash32) -> Result<Option<StoredAgreement>> {
        let hash = *hash;
        self.run(move |db| db.agreement(&hash)).await
    }

    async fn agreements(&self, scope: &Scope) -> Result<Vec<(StoredAgreement, u64)>> {
        let scope = scope.clone();
        self.run(move |db| db.agreements(&scope)).await
    }
}

#[async_trait]
impl StaffStore for SqliteStore {
    async fn add_user(&self, username: &str, password: &str, role: StaffRole, now: DateTime<Utc>) -> Result<()> {
        let (username, password) = (username.to_owned(), password.to_owned());
        self.run(move |db| db.add_user(&username, &password, role, now)).await
    }

    async fn remove_user(&self, username: &str) -> Result<bool> {
        let username = username.to_owned();
        self.run(move |db| db.remove_user(&username)).await
    }

    async fn users(&self) -> Result<Vec<StaffAccount>> {
        self.run(|db| db.users()).await
    }

    async fn set_role(&self, username: &str, role: StaffRole) -> Result<()> {
        let username = username.to_owned();
        self.run(move |db| db.set_role(&username, role)).await
    }

    async fn set_may_publish(&self, username: &str, may_publish: bool) -> Result<()> {
        let username = username.to_owned();
        self.run(move |db| db.set_may_publish(&username, may_publish)).await
    }

    async fn set_disabled(&self, username: &str, disabled_at: Option<DateTime<Utc>>) -> Result<()> {
        let username = username.to_owned();
        self.run(move |db| db.set_disabled(&username, disabled_at)).await
    }

    async fn set_password(&self, username: &str, password: &str) -> Result<()> {
        let (username, password) = (username.to_owned(), password.to_owned());
        self.run(move |db| db.set_password(&username, &password)).await
    }

    async fn check_password(&self, username: &str, password: &str) -> Result<Option<String>> {
        let (username, password) = (username.to_owned(), password.to_owned());
        self.run(move |db| db.check_password(&username, &password)).await
    }

    async fn login_locked_for(
        &self,
        throttle: &LoginThrottle,
        account: &str,
        address: &str,
        now: i64,
    ) -> Result<Option<i64>> {
        let (throttle, account, address) = (*throttle, account.to_owned(), address.to_owned());
        self.run(move |db| db.login_locked_for(&throttle, &account, &address, now)).await
    }

    async fn note_login_failure(
        &self,
        throttle: &LoginThrottle,
        account: &str,
        address: &str,
        now: i64,
    ) -> Result<NewLockouts> {
        let (throttle, account, address) = (*throttle, account.to_owned(), address.to_owned());
        self.run(move |db| db.note_login_failure(&throttle, &account, &address, now)).await
    }

    async fn start_session(&self, username: &str, now: i64) -> Result<String> {
        let username = username.to_owned();
        self.run(move |db| db.start_session(&username, now)).await
    }

    async fn session(&self, token: &str, now: i64) -> Result<Option<Session>> {
        let token = token.to_owned();
        self.run(move |db| db.session(&token, now)).await
    }

    async fn end_session(&self, token: &str) -> Result<()> {
        let token = token.to_owned();
        self.run(move |db| db.end_session(&token)).await
    }

    async fn set_language(&self, username: &str, language: Lang) -> Result<()> {
        let username = username.to_owned();
        self.run(move |db| db.set_language(&username, language)).await
    }

    async fn export_language(&self) -> Result<Lang> {
        self.run(|db| db.export_language()).await
    }

    async fn set_export_language(&self, language: Lang) -> Result<()> {
        self.run(move |db| db.set_export_language(language)).await
    }
}

#[async_trait]
impl PrivacyStore for SqliteStore {
    async fn audit_for(
        &self,
        site: Option<SiteId>,
        actor: &str,
        action: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (actor, action, detail) = (actor.to_owned(), action.to_owned(), detail.to_owned());
        self.run(move |db| db.audit(site, &actor, &action, &detail, now)).await
    }

    async fn audit_log(&self, scope: &Scope, limit: u64) -> Result<Vec<AuditEntry>> {
        let scope = scope.clone();
        self.run(move |db| db.audit_log(&scope, limit)).await
    }

    async fn erase_record(
        &self,
        scope: &Scope,
        device_id: Uuid,
        seq: u64,
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (scope, reason, actor) = (scope.clone(), reason.to_owned(), actor.to_owned());
        self.run(move |db| db.erase_record(&scope, device_id, seq, &reason, &actor, now)).await
    }

    async fn sign_office_erasures(&self, signer: &crate::tls::OfficeSigner, now: DateTime<Utc>) -> Result<u64> {
        let signer = signer.clone();
        self.run(move |db| db.sign_office_erasures(&signer, now)).await
    }

    async fn office_erasure(&self, device_id: Uuid, seq: u64) -> Result<Option<SignedOfficeErasure>> {
        self.run(move |db| db.office_erasure(device_id, seq)).await
    }

    async fn retention(&self, site: SiteId) -> Result<Vec<(String, u32)>> {
        self.run(move |db| db.retention(site)).await
    }

    async fn set_retention(
        &self,
        site: SiteId,
        role: &str,
        days: Option<u32>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (role, actor) = (role.to_owned(), actor.to_owned());
        self.run(move |db| db.set_retention(site, &role, days, &actor, now)).await
    }

    async fn purge_expired(&self, actor: &str, now: DateTime<Utc>) -> Result<PurgeReport> {
        let actor = actor.to_owned();
        self.run(move |db| db.purge_expired(&actor, now)).await
    }
}

#[async_trait]
impl RosterStore for SqliteStore {
    async fn replace_roster(
        &self,
        site: SiteId,
        entries: &[RosterEntry],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (entries, actor) = (entries.to_vec(), actor.to_owned());
        self.run(move |db| db.replace_roster(site, &entries, &actor, now)).await
    }

    async fn current_agreements(&self) -> Result<HashMap<String, String>> {
        self.run(|db| db.current_agreements()).await
    }

    async fn roster_status(&self, site: SiteId) -> Result<Vec<(RosterEntry, RosterStatus)>> {
        self.run(move |db| db.roster_status(site)).await
    }
}

#[async_trait]
impl AgreementStore for SqliteStore {
    async fn agreement_standings(&self) -> Result<Vec<AgreementStanding>> {
        self.run(|db| db.agreement_standings()).await
    }

    async fn adopt_agreement(&self, hash: &Hash32, roles: &[String], actor: &str, now: DateTime<Utc>) -> Result<()> {
        let (hash, roles, actor) = (*hash, roles.to_vec(), actor.to_owned());
        self.run(move |db| db.adopt_agreement(&hash, &roles, &actor, now)).await
    }

    async fn publish_agreement(
        &self,
        text: &str,
        title: &str,
        roles: &[String],
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Hash32> {
        let (text, title, roles, actor) = (text.to_owned(), title.to_owned(), roles.to_vec(), actor.to_owned());
        self.run(move |db| db.publish_agreement(&text, &title, &roles, &actor, now)).await
    }

    async fn set_school_agreement(
        &self,
        site: SiteId,
        roles: &[String],
        hash: Option<Hash32>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>> {
        let (roles, actor) = (roles.to_vec(), actor.to_owned());
        self.run(move |db| db.set_school_agreement(site, &roles, hash.as_ref(), &actor, now)).await
    }

    async fn school_agreements(&self, site: SiteId) -> Result<BTreeMap<String, Hash32>> {
        self.run(move |db| db.school_agreements(site)).await
    }
}

#[async_trait]
impl ConfigurationStore for SqliteStore {
    async fn current_configuration(&self, site: SiteId, now: DateTime<Utc>) -> Result<Option<IssuedConfiguration>> {
        self.run(move |db| db.current_configuration(site, now)).await
    }

    async fn agreement_texts(&self, hashes: Vec<Hash32>) -> Result<BTreeMap<Hash32, String>> {
        self.run(move |db| db.agreement_texts(&hashes)).await
    }

    async fn set_kiosk_setting(
        &self,
        target: SettingsFor,
        setting: KioskSetting,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>> {
        let actor = actor.to_owned();
        self.run(move |db| db.set_kiosk_setting(target, &setting, &actor, now)).await
    }

    async fn unset_school_setting(
        &self,
        site: SiteId,
        name: SettingName,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>> {
        let actor = actor.to_owned();
        self.run(move |db| db.unset_school_setting(site, &name, &actor, now)).await
    }

    async fn school_setting_names(&self, site: SiteId) -> Result<Vec<SettingName>> {
        self.run(move |db| db.school_setting_names(site)).await
    }

    async fn settings_content(&self, target: SettingsFor) -> Result<ConfigurationContent> {
        self.run(move |db| db.settings_content(target)).await
    }

    async fn kiosk_configurations(&self) -> Result<BTreeMap<Uuid, KioskConfiguration>> {
        self.run(|db| db.kiosk_configurations()).await
    }
}

#[async_trait]
impl SiteStore for SqliteStore {
    async fn sites(&self) -> Result<Vec<Site>> {
        self.run(|db| db.sites()).await
    }

    async fn add_site(&self, name: &str, now: DateTime<Utc>) -> Result<Site> {
        let name = name.to_owned();
        self.run(move |db| db.add_site(&name, now)).await
    }

    async fn rename_site(&self, site: SiteId, name: &str) -> Result<()> {
        let name = name.to_owned();
        self.run(move |db| db.rename_site(site, &name)).await
    }

    async fn kiosk_site(&self, device_id: Uuid) -> Result<Option<SiteId>> {
        self.run(move |db| db.kiosk_site(device_id)).await
    }

    async fn account_sites(&self, username: &str) -> Result<Vec<SiteId>> {
        let username = username.to_owned();
        self.run(move |db| db.account_sites(&username)).await
    }

    async fn set_account_sites(&self, username: &str, sites: &[SiteId]) -> Result<()> {
        let (username, sites) = (username.to_owned(), sites.to_vec());
        self.run(move |db| db.set_account_sites(&username, &sites)).await
    }
}

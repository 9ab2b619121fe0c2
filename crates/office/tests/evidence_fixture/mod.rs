//! Records for the evidence tests and benchmark, made by a real kiosk
//! store (so hashes, chains and the kiosk's own CSV are genuine) and read
//! back as the office holds them.
#![allow(dead_code)]

use chrono::{DateTime, FixedOffset};
use signbook_core::checkpoint::Checkpoint;
use signbook_core::erasure::ChainEntry;
use signbook_core::role::Role;
use signbook_core::signature::{Strokes, render_png};
use signbook_core::verify::VerifyReport;
use signbook_core::{RecordFilter, Store};
use signbook_office::evidence::{HeldChain, HeldChains};
use signbook_office::store::{Device, KioskHead, StoredAgreement, StoredRecord};
use signbook_sync::wire::{PushRequest, WireAgreement, WireCheckpoint, WireErasureEntry, WireRecord};

pub const SCHOOL: &str = "Ysgol Gymraeg Aberystwyth";
pub const KIOSK_NAME: &str = "Main reception";
pub const AGREEMENT: &str = include_str!("../../../../assets/sample-agreement.md");
pub const AGREEMENT_TITLE: &str = "Staff, Governor and Visitor Acceptable Use Agreement";
pub const SIGNATURE_JSON: &[u8] = include_bytes!("../../../../assets/demo-signature.json");

/// A kiosk database with records signed by `people` (role, name,
/// organisation), one a minute from 09:05:03.120 BST on 22 May 2026.
pub struct Kiosk {
    pub dir: tempfile::TempDir,
    pub store: Store,
    signed: i64,
}

impl Kiosk {
    pub fn new() -> Kiosk {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("kiosk.db")).unwrap();
        store.unsafe_disable_fsync_for_fixtures().unwrap();
        let roles: Vec<Role> =
            ["visitor", "governor", "staff", "volunteer", "contractor"].iter().map(|r| Role::new(r).unwrap()).collect();
        store.publish_agreement(AGREEMENT, AGREEMENT_TITLE, &roles).unwrap();
        Kiosk { dir, store, signed: 0 }
    }

    pub fn with(people: &[(&str, &str, Option<&str>)]) -> Kiosk {
        let mut kiosk = Kiosk::new();
        let png = demo_png();
        for (role, name, organisation) in people {
            kiosk.sign(role, name, *organisation, png.clone());
        }
        kiosk
    }

    pub fn sign(&mut self, role: &str, name: &str, organisation: Option<&str>, png: Vec<u8>) {
        let at: DateTime<FixedOffset> = DateTime::parse_from_rfc3339("2026-05-22T09:05:03.120+01:00").unwrap()
            + chrono::Duration::minutes(self.signed);
        self.signed += 1;
        self.store.sign_prerendered_at(&Role::new(role).unwrap(), name, organisation, png, at).unwrap();
    }

    /// Every record as the office would hold it.
    pub fn records(&self) -> Vec<StoredRecord> {
        let mut out = Vec::new();
        self.store
            .for_each_record(&RecordFilter::default(), |record, erasure| {
                out.push(StoredRecord {
                    record,
                    erasure,
                    kiosk_name: Some(KIOSK_NAME.to_owned()),
                    received_at: "2026-05-22T08:10:00Z".to_owned(),
                });
                Ok(())
            })
            .unwrap();
        out
    }

    pub fn agreements(&self) -> Vec<StoredAgreement> {
        self.store
            .agreements()
            .unwrap()
            .into_iter()
            .map(|a| StoredAgreement {
                hash: a.version.hash,
                title: a.version.title,
                text: a.version.text,
                published_at: a.version.published_at.to_rfc3339(),
                received_at: "2026-05-22T08:10:00Z".to_owned(),
            })
            .collect()
    }

    pub fn chain(&self) -> VerifyReport {
        self.store.verify().unwrap()
    }

    /// Everything this kiosk signed, with its agreement texts and a
    /// checkpoint at the head, as its push sends them.
    pub fn push_request(&self) -> PushRequest {
        let key = signbook_core::device::load_key(&self.dir.path().join("kiosk.db.key")).unwrap();
        let records: Vec<WireRecord> =
            self.records().iter().map(|r| WireRecord::from_record(&r.record, r.erasure.as_ref())).collect();
        // Record format 2: erasures are entries of the chain, sent beside the records.
        let erasure_entries: Vec<WireErasureEntry> =
            self.store.erasure_entries().unwrap().iter().map(WireErasureEntry::new).collect();
        let (head, head_hash) = self.store.head().unwrap().unwrap();
        let checkpoint = WireCheckpoint::new(&Checkpoint::sign(&key, self.store.device_id(), head, head_hash));
        let agreements = self.store.agreements().unwrap().iter().map(|a| WireAgreement::new(&a.version)).collect();
        PushRequest {
            records,
            checkpoint: Some(checkpoint),
            erasures: vec![],
            agreements,
            kiosk_head_seq: Some(head),
            erasure_entries,
            configuration: None,
            held_entries: vec![],
        }
    }
}

impl Kiosk {
    /// This kiosk's chain as an office holding all of it would give it to
    /// a pack (no office erasures), for packs made without an office store.
    pub fn held(&self) -> HeldChains {
        let key = signbook_core::device::load_key(&self.dir.path().join("kiosk.db.key")).unwrap();
        let mut entries = Vec::new();
        self.store
            .for_each_chain_entry(|entry| {
                entries.push(match entry {
                    ChainEntry::Record(mut r, _) => {
                        r.personal = None;
                        ChainEntry::Record(r, None)
                    }
                    erasure => erasure,
                });
                Ok(())
            })
            .unwrap();
        let checkpoint =
            self.store.head().unwrap().map(|(seq, hash)| Checkpoint::sign(&key, self.store.device_id(), seq, hash));
        let device = Device {
            device_id: self.store.device_id(),
            public_key: self.store.public_key(),
            name: Some(KIOSK_NAME.to_owned()),
            paired_at: "2026-05-22T08:00:00.000Z".to_owned(),
            revoked_at: None,
            site: signbook_office::store::FIRST_SITE,
        };
        HeldChains {
            filter: Default::default(),
            narrowed: false,
            kiosks: vec![HeldChain { head: KioskHead { device, checkpoint }, entries, office_erasures: vec![] }],
        }
    }
}

/// The PNG the kiosk stores for `assets/demo-signature.json` (8.9 KB).
pub fn demo_png() -> Vec<u8> {
    render_png(&Strokes::from_json(SIGNATURE_JSON).unwrap()).unwrap()
}

//! The kiosk's side of a push: the backlog in batches, each acknowledged
//! before the next (the crate docs say how it fits together).

use chrono::{DateTime, Utc};
use serde::Serialize;
use signbook_core::checkpoint::Checkpoint;
use signbook_core::erasure::{ChainEntry, ChainErasure, ReasonCategory, Requester};
use signbook_core::hash::Hash32;
use signbook_core::held::ChainHeld;
use signbook_core::record::{Erasure, Record};
use signbook_core::store::{ErasureRequest, Store};

use crate::error::{Result, SyncError};
use crate::http::OfficeClient;
use crate::wire::{
    PushRequest, PushResponse, WireAgreement, WireCheckpoint, WireEraseDetail, WireErasure, WireErasureEntry,
    WireHeldEntry, WireRecord,
};
use crate::{MAX_BATCH_BYTES, PUSH_PATH};

/// What one [`crate::push`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PushReport {
    /// Requests sent, including one re-signed after the office refused the
    /// kiosk's clock.
    pub requests: u64,
    /// Records sent (a resend after a lost answer counts again).
    pub sent: u64,
    /// Erasures of earlier-synced records sent.
    pub erasures_sent: u64,
    /// What the office holds now: records `1..=acknowledged_seq`.
    pub acknowledged_seq: u64,
    /// Records still waiting (signed meanwhile, or refused).
    pub pending: u64,
}

/// Pushes the whole backlog once over `client` (an error getting it, e.g.
/// [`SyncError::NotPaired`], is kept like any other). On failure the error
/// is also kept for [`Store::sync_status`], and what was acknowledged
/// before it stays so.
pub(crate) fn push_over(
    store: &mut Store,
    client: Result<OfficeClient>,
    batch_size: usize,
    kiosk_clock: &dyn Fn() -> DateTime<Utc>,
) -> Result<PushReport> {
    let mut report = PushReport::default();
    let result = client.and_then(|client| {
        let before = client.requests_sent();
        let mut announced = None;
        let pushed = push_backlog(store, &client, batch_size.max(1), kiosk_clock, &mut report, &mut announced)
            // Once the backlog is in: a newer office configuration, if it announced one.
            .and_then(|()| crate::configuration_client::follow_configuration(store, &client, announced, kiosk_clock()));
        report.requests = client.requests_sent() - before;
        pushed
    });
    if let Err(error) = &result
        && let Err(note) = store.note_push_failure(&error.detailed_code(), &error.to_string())
    {
        tracing::warn!(%note, "could not save the sync error");
    }
    let status = store.sync_status()?;
    report.acknowledged_seq = status.acknowledged_seq;
    report.pending = status.pending;
    result.map(|()| report)
}

fn push_backlog(
    store: &mut Store,
    client: &OfficeClient,
    batch_size: usize,
    kiosk_clock: &dyn Fn() -> DateTime<Utc>,
    report: &mut PushReport,
    announced_configuration: &mut Option<u64>,
) -> Result<()> {
    let device_id = store.device_id();
    // The office may answer that it holds less than we thought (its
    // database restored from a backup); resend from there, but only once
    // per push so a confused office cannot keep us looping.
    let mut rewound = false;
    // An office that announced configurations and then refuses the kiosk's
    // status as an unknown field went back to an older version: stop
    // sending it, once per push.
    let mut status_refused = false;
    loop {
        let acked = store.sync_status()?.acknowledged_seq;
        let head = store.head()?.map_or(0, |(seq, _)| seq);
        let mut chain = store.chain_after(acked, batch_size)?;
        let fetched = chain.len();
        chain.truncate(fitting(&chain));
        let configuration = crate::configuration_client::status_for_office(store)?;
        // Held entries go only to an office that announced configurations:
        // an older one refuses the unknown field. Stop short of the first.
        let held_stopped = configuration.is_none() && truncate_before_held(&mut chain);
        let (records, entries, held) = split_chain(&chain);
        let erasures = store.unsent_erasures(acked, batch_size)?;
        let last = chain.last().map(|entry| (entry.seq(), entry.hash()));
        let request = PushRequest {
            checkpoint: last
                .map(|(seq, hash)| WireCheckpoint::new(&Checkpoint::sign(store.signing_key(), device_id, seq, hash))),
            records: records.iter().map(|(r, e)| WireRecord::from_record(r, *e)).collect(),
            erasures: erasures.iter().map(|(seq, e)| WireErasure::new(*seq, e)).collect(),
            agreements: agreements_for_push(store, records.iter().map(|(r, _)| &r.header.agreement_hash))?,
            kiosk_head_seq: Some(head),
            erasure_entries: entries.iter().map(|e| WireErasureEntry::new(e)).collect(),
            configuration,
            held_entries: held.iter().map(|h| WireHeldEntry::new(h)).collect(),
        };
        let sent_status = request.configuration.is_some();
        let body = serde_json::to_vec(&request).expect("a push request serialises");
        let answer = match client.signed_call::<PushResponse>(
            store.signing_key(),
            &device_id,
            PUSH_PATH,
            &body,
            kiosk_clock(),
        ) {
            Ok(answer) => answer,
            Err(SyncError::OfficeRefused { code, .. })
                if code == "malformed_json" && sent_status && !status_refused =>
            {
                tracing::warn!("the office no longer knows of configurations; not sending the kiosk's");
                store.forget_office_configuration_version()?;
                status_refused = true;
                continue;
            }
            Err(SyncError::OfficeRefused { code, acknowledged_seq: Some(office), .. })
                if code == "gap" && office < acked && !rewound =>
            {
                tracing::warn!(office, acked, "the office holds fewer records than it acknowledged before; resending");
                store.note_push_success(office, &[])?;
                rewound = true;
                continue;
            }
            Err(error) => return Err(error),
        };
        follow_certificate_rotation(store, client, answer.next_certificate)?;
        *announced_configuration = answer.configuration_version;
        report.sent += records.len() as u64;
        report.erasures_sent += erasures.len() as u64;
        if answer.acknowledged_seq > head {
            return Err(SyncError::OfficeAhead { office: answer.acknowledged_seq, kiosk: head });
        }
        apply_office_erasures(store, &answer.erase, &answer.erase_details);
        // Tombstones the office now holds carry their erasure: confirmed too.
        let tombstones = records
            .iter()
            .filter(|(r, e)| e.is_some() && r.header.seq <= answer.acknowledged_seq)
            .map(|(r, _)| r.header.seq);
        let erased: Vec<u64> = erasures.iter().map(|(seq, _)| *seq).chain(tombstones).collect();
        store.note_push_success(answer.acknowledged_seq, &erased)?;
        let sent_up_to = last.map_or(acked, |(seq, _)| seq);
        if answer.acknowledged_seq < sent_up_to {
            if chain.is_empty() && !rewound {
                // We sent nothing and learnt the office holds less: resend.
                rewound = true;
                continue;
            }
            return Err(SyncError::OfficeProtocol {
                url: client.url().to_owned(),
                detail: format!(
                    "it accepted the batch up to record {sent_up_to} but acknowledges only {}",
                    answer.acknowledged_seq
                ),
            });
        }
        if held_stopped {
            tracing::warn!(
                "the office has not announced configurations, so it cannot take held entries; the push stops before them"
            );
            return Ok(());
        }
        // A short batch was the end of the backlog: no need to ask again.
        if fetched < batch_size && chain.len() == fetched && erasures.len() < batch_size {
            return Ok(());
        }
    }
}

/// Keeps the pins in step with the office's certificate rotation, after an
/// answer over a connection the pin accepted: if the office presented the
/// certificate it had announced, that becomes the pin (the old one is
/// dropped); then the certificate it announces now, if any, is accepted
/// next (none announced: none accepted besides the pin).
pub(crate) fn follow_certificate_rotation(
    store: &mut Store,
    client: &OfficeClient,
    announced: Option<Hash32>,
) -> Result<()> {
    let presented = client.presented().filter(|p| *p != client.fingerprint());
    if let Some(presented) = presented {
        if store.promote_next_office_pin(presented)? {
            tracing::info!(%presented, "the office uses its new certificate; it is now the pinned one");
        }
        // This client keeps its old pin; the next push makes one with the new.
        client.accept_next(Some(presented));
    } else {
        client.accept_next(announced);
    }
    if announced != client.presented() {
        store.save_next_office_pin(announced)?;
    }
    Ok(())
}

/// The agreement versions `hashes` name, each once, so the office holds the
/// text every record refers to. A version this kiosk does not hold (which
/// `ChainWalk` would not allow in the first place) is simply left out.
pub(crate) fn agreements_named<'a>(
    store: &Store,
    hashes: impl Iterator<Item = &'a Hash32>,
) -> signbook_core::Result<Vec<WireAgreement>> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for hash in hashes {
        if seen.insert(*hash)
            && let Some(version) = store.agreement(hash)?
        {
            out.push(WireAgreement::new(&version));
        }
    }
    Ok(out)
}

/// Erases this kiosk's copy of records office staff erased. Each then
/// travels back as an erasure on the next push, which is how the office
/// learns the kiosk holds no copy any more. A record already erased here
/// has already been (or will be) confirmed the same way.
fn apply_office_erasures(store: &mut Store, erasures: &[WireErasure], details: &[WireEraseDetail]) {
    for erasure in erasures {
        let reason = format!("erased at the office: {}", erasure.reason);
        // Who asked and why, for the chain's erasure entry; an office older
        // than record format 2 does not say: the office, at a request.
        let detail = details.iter().find(|d| d.seq == erasure.seq);
        let requested_by = detail.and_then(|d| d.requested_by.parse().ok()).unwrap_or(Requester::Office);
        let category = detail.and_then(|d| d.reason.parse().ok()).unwrap_or(ReasonCategory::Request);
        let request = ErasureRequest { requested_by, category, reason: &reason };
        match store.erase_as(erasure.seq, &request) {
            Ok(_) => tracing::info!(seq = erasure.seq, "erased at the office's request"),
            Err(signbook_core::Error::AlreadyErased { .. }) => {}
            Err(error) => {
                tracing::warn!(seq = erasure.seq, %error, "could not apply the office's erasure; it will ask again")
            }
        }
    }
}

/// [`agreements_named`] plus the versions currently current for some role
/// (a few tens of KB), so the office knows what each role must sign even
/// before anyone has signed it.
fn agreements_for_push<'a>(store: &Store, hashes: impl Iterator<Item = &'a Hash32>) -> Result<Vec<WireAgreement>> {
    let mut out = agreements_named(store, hashes)?;
    for summary in store.agreements()? {
        if !summary.current_for.is_empty() && !out.iter().any(|a| a.hash == summary.version.hash) {
            out.push(WireAgreement::new(&summary.version));
        }
    }
    Ok(out)
}

/// How many of `records` fit in [`MAX_BATCH_BYTES`] of JSON (at least one).
fn fitting(chain: &[ChainEntry]) -> usize {
    let mut bytes = 0;
    for (i, entry) in chain.iter().enumerate() {
        // base64 grows the PNG by 4/3; the other fields are under 1.5 KB.
        let png = match entry {
            ChainEntry::Record(record, _) => record.personal.as_ref().map_or(0, |p| p.signature_png.len()),
            ChainEntry::Erasure(_) | ChainEntry::Held(_) => 0,
        };
        bytes += png * 4 / 3 + 1536;
        if bytes > MAX_BATCH_BYTES {
            return i.max(1);
        }
    }
    chain.len()
}

/// A stretch of the chain as a push carries it: its records (with their
/// erasure log rows), its erasure entries and its held entries, each in
/// sequence order.
type SplitChain<'a> = (Vec<(&'a Record, Option<&'a Erasure>)>, Vec<&'a ChainErasure>, Vec<&'a ChainHeld>);

pub(crate) fn split_chain(chain: &[ChainEntry]) -> SplitChain<'_> {
    let (mut records, mut entries, mut held) = (Vec::new(), Vec::new(), Vec::new());
    for entry in chain {
        match entry {
            ChainEntry::Record(record, erasure) => records.push((record, erasure.as_ref())),
            ChainEntry::Erasure(erasure) => entries.push(erasure),
            ChainEntry::Held(entry) => held.push(entry),
        }
    }
    (records, entries, held)
}

/// Cuts `chain` before its first held entry; true when there was one.
pub(crate) fn truncate_before_held(chain: &mut Vec<ChainEntry>) -> bool {
    match chain.iter().position(|entry| matches!(entry, ChainEntry::Held(_))) {
        Some(first) => {
            chain.truncate(first);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An office that never announced configurations refuses held entries
    /// as an unknown field: the push stops short of the first one.
    #[test]
    fn a_push_to_an_older_office_stops_before_the_first_held_entry() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("kiosk.db")).unwrap();
        let visitor = signbook_core::role::Role::new("visitor").unwrap();
        store.publish_agreement("# AUP\n\nI will log off.\n", "AUP", std::slice::from_ref(&visitor)).unwrap();
        let strokes = signbook_core::signature::Strokes::from_json(
            br#"{"width":600,"height":240,"strokes":[[{"x":40,"y":150},{"x":90,"y":60},{"x":140,"y":170},{"x":200,"y":70}]]}"#,
        )
        .unwrap();
        let png = signbook_core::signature::render_png(&strokes).unwrap();
        let at = chrono::DateTime::parse_from_rfc3339("2026-01-05T09:00:00+00:00").unwrap();
        for name in ["Ann Able", "Ben Baker"] {
            store.sign_prerendered_at(&visitor, name, None, png.clone(), at).unwrap();
        }
        store.save_pairing("https://office.example:8443", Hash32([5; 32]), 0).unwrap();
        store.note_push_success(2, &[]).unwrap();
        assert_eq!(store.release_to_office(Utc::now()).unwrap().records, 2);
        store.sign_prerendered_at(&visitor, "Cat Cole", None, png, at).unwrap();

        let mut chain = store.chain_after(0, 10).unwrap();
        assert_eq!(chain.len(), 5, "records 1 and 2, held entries 3 and 4, record 5");
        assert!(truncate_before_held(&mut chain));
        assert_eq!(chain.iter().map(ChainEntry::seq).collect::<Vec<_>>(), [1, 2]);
        assert!(!truncate_before_held(&mut chain), "nothing held left: nothing cut");
        let (records, entries, held) = split_chain(&chain);
        assert_eq!((records.len(), entries.len(), held.len()), (2, 0, 0));
    }
}

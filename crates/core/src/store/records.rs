//! Signing (one transaction per signature), erasure, and reading records.

use chrono::{DateTime, FixedOffset, Local, NaiveDate, SubsecRound, Utc};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use uuid::Uuid;

use super::database::Store;
use super::erasures::chain_head;
use crate::checkpoint::{CHECKPOINT_KEEP_EVERY, Checkpoint};
use crate::error::{DbContext, Error, Result};
use crate::hash::Hash32;
use crate::name::{first_name, normalise_name, normalise_organisation};
use crate::record::{Erasure, Record, RecordHeader, field_digest, format_utc, labels, new_salt, reference_code};
use crate::role::Role;
use crate::signature::{Strokes, render_png};
use crate::sqlite::record_row::{RowDefect, decode_record_row};

/// The columns [`decode_record_row`] reads, in its order, from the kiosk's
/// `records` table (its erasure log has one row per erased `seq`).
pub(super) const RECORD_COLUMNS: &str = "seq, id, device_id, prev_hash, agreement_hash, role, signed_at, utc_offset_minutes, \
     name_digest, organisation_digest, signature_digest, record_hash, \
     name, name_salt, organisation, organisation_salt, signature_png, signature_salt, \
     (SELECT reason FROM erasures e WHERE e.seq = records.seq), (SELECT erased_at FROM erasures e WHERE e.seq = records.seq)";

/// What the kiosk collected from one person.
#[derive(Debug, Clone, Copy)]
pub struct SignRequest<'a> {
    /// Role chosen on the "I am a ..." screen.
    pub role: &'a str,
    /// Name as typed.
    pub name: &'a str,
    /// Organisation as typed, if asked.
    pub organisation: Option<&'a str>,
    /// The drawn signature.
    pub strokes: &'a Strokes,
    /// The version the person read; `None` means the role's current one.
    pub agreement: Option<Hash32>,
}

/// What the confirmation screen and `signbook sign` show.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Receipt {
    /// Record id (UUIDv7).
    pub id: Uuid,
    /// Position in this kiosk's chain.
    pub seq: u64,
    /// Short code to read aloud, e.g. `7KQ2-M9XD`.
    pub reference: String,
    /// The record hash.
    pub record_hash: String,
    /// The agreement version signed.
    pub agreement_hash: String,
    /// Role signed as.
    pub role: String,
    /// For "Thank you, ...".
    pub first_name: String,
    /// UTC, milliseconds.
    pub signed_at: String,
    /// Kiosk's local time at signing.
    pub signed_at_local: String,
}

/// Which records to read: dates are calendar days at the kiosk's local time
/// when signed, both ends inclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFilter {
    /// First day included.
    pub since: Option<NaiveDate>,
    /// Last day included.
    pub until: Option<NaiveDate>,
    /// Only this role.
    pub role: Option<Role>,
}

impl RecordFilter {
    /// Whether `header` is one the filter selects: the same rule as the
    /// database query in [`Store::for_each_record`], so a filtered export
    /// can say of every record whether it belongs.
    pub fn matches(&self, header: &RecordHeader) -> bool {
        let day = header.signed_at_local().date_naive();
        self.since.is_none_or(|since| day >= since)
            && self.until.is_none_or(|until| day <= until)
            && self.role.as_ref().is_none_or(|role| role.as_str() == header.role)
    }

    /// Whether it selects every record.
    pub fn is_everything(&self) -> bool {
        self == &RecordFilter::default()
    }
}

impl Store {
    /// Validates what the person entered, renders the signature, and appends
    /// the record to the chain, durably, stamped with the current time.
    pub fn sign(&mut self, request: &SignRequest<'_>) -> Result<Receipt> {
        self.sign_at(request, Local::now().fixed_offset())
    }

    /// [`Store::sign`] at a given time (tests, clock-fault drills).
    pub fn sign_at(&mut self, request: &SignRequest<'_>, at: DateTime<FixedOffset>) -> Result<Receipt> {
        let role = Role::new(request.role)?;
        let name = normalise_name(request.name)?;
        let organisation = normalise_organisation(request.organisation)?;
        let png = render_png(request.strokes)?;
        self.append(role, name, organisation, png, request.agreement, at)
    }

    /// Appends a record whose PNG was already rendered by
    /// [`crate::signature::render_png`]. Benchmarks and fixture builders
    /// only, to sign thousands of records without re-rendering each.
    #[doc(hidden)]
    pub fn sign_prerendered_at(
        &mut self,
        role: &Role,
        name: &str,
        organisation: Option<&str>,
        png: Vec<u8>,
        at: DateTime<FixedOffset>,
    ) -> Result<Receipt> {
        let name = normalise_name(name)?;
        let organisation = normalise_organisation(organisation)?;
        self.append(role.clone(), name, organisation, png, None, at)
    }

    fn append(
        &mut self,
        role: Role,
        name: String,
        organisation: Option<String>,
        png: Vec<u8>,
        agreement: Option<Hash32>,
        at: DateTime<FixedOffset>,
    ) -> Result<Receipt> {
        const DOING: &str = "saving the signature";
        let signed_at = at.with_timezone(&Utc).trunc_subsecs(3);
        let utc_offset_minutes = at.offset().local_minus_utc() / 60;
        let (name_salt, signature_salt) = (new_salt(), new_salt());
        let organisation = organisation.map(|o| (o, new_salt()));
        let device_id = self.device_id;

        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        let agreement_hash = resolve_agreement(&tx, &role, agreement)?;
        let (prev_seq, prev_hash) = chain_head(&tx)?.unwrap_or((0, Hash32::ZERO));
        let header = RecordHeader {
            id: Uuid::now_v7(),
            device_id,
            seq: prev_seq + 1,
            prev_hash,
            agreement_hash,
            role: role.as_str().to_owned(),
            signed_at,
            utc_offset_minutes,
            name_digest: field_digest(labels::NAME, &name_salt, name.as_bytes()),
            organisation_digest: organisation
                .as_ref()
                .map(|(o, salt)| field_digest(labels::ORGANISATION, salt, o.as_bytes())),
            signature_digest: field_digest(labels::SIGNATURE, &signature_salt, &png),
        };
        let hash = header.hash();
        tx.prepare_cached(
            "INSERT INTO records (seq, id, device_id, prev_hash, agreement_hash, role, signed_at, utc_offset_minutes,
                name_digest, organisation_digest, signature_digest, record_hash,
                name, name_salt, organisation, organisation_salt, signature_png, signature_salt)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                header.seq,
                header.id.hyphenated().to_string(),
                device_id.hyphenated().to_string(),
                header.prev_hash.to_hex(),
                header.agreement_hash.to_hex(),
                header.role,
                format_utc(&header.signed_at),
                header.utc_offset_minutes,
                header.name_digest.to_hex(),
                header.organisation_digest.map(|d| d.to_hex()),
                header.signature_digest.to_hex(),
                hash.to_hex(),
                name,
                name_salt.as_slice(),
                organisation.as_ref().map(|(o, _)| o.as_str()),
                organisation.as_ref().map(|(_, salt)| salt.as_slice()),
                png,
                signature_salt.as_slice(),
            ])
        })
        .doing(DOING)?;
        write_checkpoint(&tx, &self.key, device_id, prev_seq, header.seq, hash)?;
        tx.commit().doing(DOING)?;

        let local = header.signed_at_local();
        Ok(Receipt {
            id: header.id,
            seq: header.seq,
            reference: reference_code(&hash),
            record_hash: hash.to_hex(),
            agreement_hash: agreement_hash.to_hex(),
            role: header.role,
            first_name: first_name(&name).to_owned(),
            signed_at: format_utc(&header.signed_at),
            signed_at_local: local.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        })
    }

    /// The head of the chain `(seq, hash)`: its last record or erasure entry.
    pub fn head(&self) -> Result<Option<(u64, Hash32)>> {
        chain_head(&self.conn)
    }

    /// How many signature records the chain holds, and the newest one: the
    /// head may be an erasure entry (record format 2), so not `head()`.
    pub fn last_record(&self) -> Result<(u64, Option<Record>)> {
        const DOING: &str = "reading the newest record";
        let count: u64 = self.conn.query_row("SELECT count(*) FROM records", [], |r| r.get(0)).doing(DOING)?;
        let last: Option<u64> = self.conn.query_row("SELECT max(seq) FROM records", [], |r| r.get(0)).doing(DOING)?;
        Ok((count, last.map(|seq| self.record(seq)).transpose()?))
    }

    /// The record with sequence number `seq`.
    pub fn record(&self, seq: u64) -> Result<Record> {
        let sql = format!("SELECT {RECORD_COLUMNS} FROM records WHERE seq = ?1");
        let row =
            self.conn.query_row(&sql, [seq], |r| Ok(decode_record_row(r))).optional().doing("reading a record")?;
        match row {
            Some(Ok((record, _))) => Ok(record),
            Some(Err(defect)) => Err(defect.into_error()),
            None => Err(Error::RecordNotFound { seq }),
        }
    }

    /// Calls `each` for every record matching `filter`, in sequence order,
    /// without loading them all at once. A damaged row stops the walk with
    /// [`Error::DamagedRecord`] rather than being left out of an export.
    pub fn for_each_record(
        &self,
        filter: &RecordFilter,
        mut each: impl FnMut(Record, Option<Erasure>) -> Result<()>,
    ) -> Result<()> {
        const DOING: &str = "reading records";
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records
             WHERE (?1 IS NULL OR date(signed_at, utc_offset_minutes || ' minutes') >= ?1)
               AND (?2 IS NULL OR date(signed_at, utc_offset_minutes || ' minutes') <= ?2)
               AND (?3 IS NULL OR role = ?3)
             ORDER BY seq"
        );
        let mut stmt = self.conn.prepare(&sql).doing(DOING)?;
        let since = filter.since.map(|d| d.format("%Y-%m-%d").to_string());
        let until = filter.until.map(|d| d.format("%Y-%m-%d").to_string());
        let mut rows = stmt.query(params![since, until, filter.role.as_ref().map(Role::as_str)]).doing(DOING)?;
        while let Some(row) = rows.next().doing(DOING)? {
            let (record, erasure) = decode_record_row(row).map_err(RowDefect::into_error)?;
            each(record, erasure)?;
        }
        Ok(())
    }

    /// Runs `read` inside one read transaction, so everything it reads
    /// (records, checkpoints) is one moment's state even while the kiosk
    /// keeps signing: an export's head checkpoint then covers exactly the
    /// records it contains.
    pub fn read_snapshot<T>(&self, read: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        const DOING: &str = "starting a consistent read";
        let tx = self.conn.unchecked_transaction().doing(DOING)?;
        let out = read(self)?;
        tx.finish().doing(DOING)?;
        Ok(out)
    }

    /// Stored checkpoints, oldest first.
    pub fn checkpoints(&self) -> Result<Vec<Checkpoint>> {
        const DOING: &str = "reading checkpoints";
        let mut stmt =
            self.conn.prepare("SELECT seq, head_hash, signature FROM checkpoints ORDER BY seq").doing(DOING)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, u64>(0)?, r.get::<_, String>(1)?, r.get::<_, Vec<u8>>(2)?)))
            .doing(DOING)?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, head, signature) = row.doing(DOING)?;
            out.push(Checkpoint {
                device_id: self.device_id,
                seq,
                // A damaged hash or signature simply fails verification.
                head_hash: Hash32::from_hex(&head).unwrap_or(Hash32::ZERO),
                signature: signature.try_into().unwrap_or([0; 64]),
            });
        }
        Ok(out)
    }
}

/// Signs the new head at `seq` and drops the previous head's checkpoint
/// (`prev_seq`) unless it is one kept for good ([`CHECKPOINT_KEEP_EVERY`]).
pub(super) fn write_checkpoint(
    tx: &Transaction<'_>,
    key: &ed25519_dalek::SigningKey,
    device_id: Uuid,
    prev_seq: u64,
    seq: u64,
    hash: Hash32,
) -> Result<()> {
    const DOING: &str = "signing the chain head";
    let checkpoint = Checkpoint::sign(key, device_id, seq, hash);
    tx.prepare_cached("INSERT INTO checkpoints (seq, head_hash, signature, created_at) VALUES (?1, ?2, ?3, ?4)")
        .and_then(|mut stmt| {
            stmt.execute(params![
                checkpoint.seq,
                hash.to_hex(),
                checkpoint.signature.as_slice(),
                format_utc(&Utc::now())
            ])
        })
        .doing(DOING)?;
    if prev_seq > 0 && !prev_seq.is_multiple_of(CHECKPOINT_KEEP_EVERY) {
        tx.prepare_cached("DELETE FROM checkpoints WHERE seq = ?1")
            .and_then(|mut s| s.execute([prev_seq]))
            .doing(DOING)?;
    }
    Ok(())
}

fn resolve_agreement(tx: &Transaction<'_>, role: &Role, requested: Option<Hash32>) -> Result<Hash32> {
    const DOING: &str = "checking the agreement version";
    match requested {
        None => {
            let current: Option<String> = tx
                .query_row("SELECT agreement_hash FROM current_agreements WHERE role = ?1", [role.as_str()], |r| {
                    r.get(0)
                })
                .optional()
                .doing(DOING)?;
            let current = current.ok_or_else(|| Error::NoCurrentAgreement { role: role.to_string() })?;
            Ok(Hash32::from_hex(&current)?)
        }
        Some(hash) => {
            let known: bool = tx
                .query_row("SELECT EXISTS (SELECT 1 FROM agreements WHERE hash = ?1)", [hash.to_hex()], |r| r.get(0))
                .doing(DOING)?;
            if !known {
                return Err(Error::UnknownAgreement { hash });
            }
            let for_role: bool = tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM agreement_roles WHERE agreement_hash = ?1 AND role = ?2)",
                    params![hash.to_hex(), role.as_str()],
                    |r| r.get(0),
                )
                .doing(DOING)?;
            if !for_role {
                return Err(Error::AgreementNotForRole { hash, role: role.to_string() });
            }
            Ok(hash)
        }
    }
}

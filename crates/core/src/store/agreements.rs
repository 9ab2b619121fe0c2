//! Publishing and reading agreement versions.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::database::Store;
use crate::agreement::{AgreementSummary, AgreementVersion, check_publishable};
use crate::error::{DbContext, Error, Result};
use crate::hash::Hash32;
use crate::record::format_utc;
use crate::role::Role;

/// What [`Store::publish_agreement`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The version, as stored.
    pub version: AgreementVersion,
    /// False when the same text was already published (no duplicate made).
    pub new_version: bool,
}

impl Store {
    /// Publishes `markdown` under `title` for `roles`, making it the current
    /// version for each. Publishing text that is already stored (after
    /// canonicalisation) reuses that version and keeps its first title.
    pub fn publish_agreement(&mut self, markdown: &str, title: &str, roles: &[Role]) -> Result<Published> {
        self.publish_agreement_at(markdown, title, roles, Utc::now())
    }

    /// [`Store::publish_agreement`] with an explicit time.
    pub fn publish_agreement_at(
        &mut self,
        markdown: &str,
        title: &str,
        roles: &[Role],
        now: DateTime<Utc>,
    ) -> Result<Published> {
        const DOING: &str = "publishing the agreement";
        let (text, title) = check_publishable(markdown, title, roles)?;
        let hash = Hash32::of(text.as_bytes());
        let now_text = format_utc(&now);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        let inserted = tx
            .execute(
                "INSERT OR IGNORE INTO agreements (hash, title, body, published_at) VALUES (?1, ?2, ?3, ?4)",
                params![hash.to_hex(), title, text, now_text],
            )
            .doing(DOING)?;
        for role in roles {
            tx.execute(
                "INSERT OR IGNORE INTO agreement_roles (agreement_hash, role) VALUES (?1, ?2)",
                params![hash.to_hex(), role.as_str()],
            )
            .doing(DOING)?;
            tx.execute(
                "INSERT INTO current_agreements (role, agreement_hash, since) VALUES (?1, ?2, ?3)
                 ON CONFLICT (role) DO UPDATE SET agreement_hash = excluded.agreement_hash, since = excluded.since
                 WHERE agreement_hash IS NOT excluded.agreement_hash",
                params![role.as_str(), hash.to_hex(), now_text],
            )
            .doing(DOING)?;
        }
        tx.commit().doing(DOING)?;
        let version = self.agreement(&hash)?.ok_or(Error::UnknownAgreement { hash })?;
        Ok(Published { version, new_version: inserted == 1 })
    }

    /// The version with this hash, if stored.
    pub fn agreement(&self, hash: &Hash32) -> Result<Option<AgreementVersion>> {
        const DOING: &str = "reading an agreement";
        let row = self
            .conn
            .query_row("SELECT title, body, published_at FROM agreements WHERE hash = ?1", [hash.to_hex()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
            })
            .optional()
            .doing(DOING)?;
        let Some((title, text, published_at)) = row else { return Ok(None) };
        let mut stmt = self
            .conn
            .prepare_cached("SELECT role FROM agreement_roles WHERE agreement_hash = ?1 ORDER BY role")
            .doing(DOING)?;
        let roles = stmt
            .query_map([hash.to_hex()], |r| r.get::<_, String>(0))
            .doing(DOING)?
            .filter_map(|r| r.ok().and_then(|role| Role::new(&role).ok()))
            .collect();
        Ok(Some(AgreementVersion { hash: *hash, title, text, roles, published_at: parse_time(&published_at) }))
    }

    /// The version a person choosing `role` reads and signs now.
    pub fn current_agreement(&self, role: &Role) -> Result<Option<AgreementVersion>> {
        let hash: Option<String> = self
            .conn
            .query_row("SELECT agreement_hash FROM current_agreements WHERE role = ?1", [role.as_str()], |r| r.get(0))
            .optional()
            .doing("finding the current agreement")?;
        match hash {
            Some(hash) => self.agreement(&Hash32::from_hex(&hash)?),
            None => Ok(None),
        }
    }

    /// Every version, oldest first, with where it is current and how many
    /// records name it.
    pub fn agreements(&self) -> Result<Vec<AgreementSummary>> {
        const DOING: &str = "listing agreements";
        let mut current: BTreeMap<String, Vec<Role>> = BTreeMap::new();
        let mut stmt =
            self.conn.prepare("SELECT agreement_hash, role FROM current_agreements ORDER BY role").doing(DOING)?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).doing(DOING)? {
            let (hash, role) = row.doing(DOING)?;
            if let Ok(role) = Role::new(&role) {
                current.entry(hash).or_default().push(role);
            }
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.hash, (SELECT count(*) FROM records r WHERE r.agreement_hash = a.hash)
                 FROM agreements a ORDER BY a.published_at, a.hash",
            )
            .doing(DOING)?;
        let rows: Vec<(String, u64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .doing(DOING)?
            .collect::<rusqlite::Result<_>>()
            .doing(DOING)?;
        let mut out = Vec::with_capacity(rows.len());
        for (hash, signatures) in rows {
            let parsed = Hash32::from_hex(&hash)?;
            let version = self.agreement(&parsed)?.ok_or(Error::UnknownAgreement { hash: parsed })?;
            out.push(AgreementSummary { current_for: current.remove(&hash).unwrap_or_default(), version, signatures });
        }
        Ok(out)
    }
}

pub(crate) fn parse_time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).unwrap_or(DateTime::UNIX_EPOCH)
}

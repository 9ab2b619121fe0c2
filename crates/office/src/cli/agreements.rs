//! `signbook-office agreement list | adopt`: which version each role must
//! sign, for scripted set-ups (the dashboard's "Adopt" does the same).

use std::io::Write;

use anyhow::Result;
use chrono::Utc;
use clap::Subcommand;
use signbook_core::Hash32;
use signbook_office::SqliteStore;
use signbook_office::store::AgreementStore;
use signbook_office::web::parse_roles;

#[derive(Debug, Subcommand)]
pub enum AgreementAction {
    /// Every version the office holds: current for which roles, not adopted for which, and the kiosks that sent it.
    List,
    /// Make a version the one these roles must sign (audited as `cli`).
    Adopt {
        /// The version's SHA-256 (see `agreement list`).
        hash: String,
        /// Roles, comma-separated: visitor,governor,staff,volunteer,contractor.
        #[arg(long, value_name = "ROLES")]
        roles: String,
    },
}

pub async fn run(store: &SqliteStore, action: AgreementAction, out: &mut impl Write) -> Result<()> {
    match action {
        AgreementAction::List => {
            let standings = store.agreement_standings().await?;
            if standings.is_empty() {
                writeln!(
                    out,
                    "No agreement version has reached the office yet; the first kiosk to sync brings its own."
                )?;
            }
            for s in standings {
                let a = &s.agreement;
                writeln!(out, "{}  \"{}\"", a.hash, a.title)?;
                let current = if s.current_for.is_empty() { "-".to_owned() } else { s.current_for.join(", ") };
                writeln!(out, "  current for: {current}")?;
                if !s.not_adopted_for.is_empty() {
                    writeln!(
                        out,
                        "  NOT ADOPTED for: {} (signbook-office agreement adopt {} --roles {})",
                        s.not_adopted_for.join(", "),
                        a.hash,
                        s.not_adopted_for.join(",")
                    )?;
                }
                writeln!(out, "  received by the office: {}", a.received_at)?;
                writeln!(out, "  published (the kiosk's claim, not relied on): {}", a.published_at)?;
                for k in &s.senders {
                    writeln!(
                        out,
                        "  sent by kiosk {} {}, last {}",
                        k.device_id,
                        k.name.as_deref().unwrap_or(""),
                        k.last_sent_at
                    )?;
                }
            }
        }
        AgreementAction::Adopt { hash, roles } => {
            let hash = Hash32::from_hex(hash.trim()).map_err(|_| {
                anyhow::anyhow!(
                    "\"{hash}\" is not a version hash; copy the 64 hex digits `signbook-office agreement list` prints"
                )
            })?;
            let roles = parse_roles(&roles)?;
            match store.adopt_agreement(&hash, &roles, "cli", Utc::now()).await {
                Err(signbook_office::OfficeError::NotFound) => anyhow::bail!(
                    "the office holds no version {hash}; see `signbook-office agreement list` (a version arrives when a kiosk syncs)"
                ),
                other => other?,
            }
            writeln!(
                out,
                "Adopted {hash} for {}. The roster now counts signatures of this version.",
                roles.join(", ")
            )?;
        }
    }
    Ok(())
}

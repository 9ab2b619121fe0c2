//! `signbook-office agreement import | publish | list | adopt`: agreement
//! versions for scripted set-ups, as the dashboard's "Publish a new
//! agreement" and "Adopt" do them (same importer, same rules, same audit).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::Utc;
use clap::Subcommand;
use signbook_core::Hash32;
use signbook_office::OfficeStorage;
use signbook_office::web::parse_roles;

#[derive(Debug, Subcommand)]
pub enum AgreementAction {
    /// Turn a .pdf, .docx, .odt, .txt or .md file into the Markdown kiosks show. Prints it (or writes --out) and
    /// reports on stderr the review details and everything it removed.
    Import {
        /// The agreement's file.
        file: PathBuf,
        /// Write the Markdown here instead of printing it.
        #[arg(long, value_name = "FILE.md")]
        out: Option<PathBuf>,
    },
    /// Publish a Markdown file as the version these roles sign from kiosks' next sync (audited as `cli`).
    Publish {
        /// The agreement as Markdown (see `agreement import`).
        file: PathBuf,
        /// Its title, shown above the text and in exports.
        #[arg(long)]
        title: String,
        /// Roles, comma-separated: visitor,governor,staff,volunteer,contractor.
        #[arg(long, value_name = "ROLES")]
        roles: String,
    },
    /// Every version the office holds: current for which roles, not adopted for which, and the kiosks that sent it.
    List,
    /// Make a version the one these roles must sign (audited as `cli`): the trust's, every
    /// school's, or with --school that school's own.
    Adopt {
        /// The version's SHA-256 (see `agreement list`).
        hash: String,
        /// Roles, comma-separated: visitor,governor,staff,volunteer,contractor.
        #[arg(long, value_name = "ROLES")]
        roles: String,
        /// The school whose kiosks sign it instead of the trust's current version.
        #[arg(long, alias = "site")]
        school: Option<String>,
    },
    /// A school's roles sign the trust's current version again, not the school's own.
    UseTrusts {
        /// Roles, comma-separated.
        #[arg(long, value_name = "ROLES")]
        roles: String,
        /// The school.
        #[arg(long, alias = "site")]
        school: String,
    },
}

pub async fn run(store: &dyn OfficeStorage, action: AgreementAction, out: &mut impl Write) -> Result<()> {
    match action {
        AgreementAction::Import { .. } => unreachable!("handled by `import`, without a database"),
        AgreementAction::Publish { file, title, roles } => {
            let roles = parse_roles(&roles)?;
            let markdown = read_markdown(&file)?;
            let hash = store.publish_agreement(&markdown, &title, &roles, "cli", Utc::now()).await?;
            writeln!(
                out,
                "Published {hash} \"{}\" for {}; the roster now counts signatures of this version, and every paired kiosk takes it at its next sync (`signbook-office kiosks` shows which have).",
                title.trim(),
                roles.join(", ")
            )?;
        }
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
        AgreementAction::Adopt { hash, roles, school } => {
            let hash = Hash32::from_hex(hash.trim()).map_err(|_| {
                anyhow::anyhow!(
                    "\"{hash}\" is not a version hash; copy the 64 hex digits `signbook-office agreement list` prints"
                )
            })?;
            let roles = parse_roles(&roles)?;
            let site = match &school {
                Some(school) => Some(super::schools::chosen(store, Some(school)).await?),
                None => None,
            };
            let adopted = match &site {
                Some(site) => {
                    store.set_school_agreement(site.id, &roles, Some(hash), "cli", Utc::now()).await.map(drop)
                }
                None => store.adopt_agreement(&hash, &roles, "cli", Utc::now()).await,
            };
            match adopted {
                Err(signbook_office::OfficeError::NotFound) => anyhow::bail!(
                    "the office holds no version {hash}; see `signbook-office agreement list` (a version arrives when a kiosk syncs)"
                ),
                other => other?,
            }
            let at = site.map_or_else(String::new, |s| format!(" at {}", s.name));
            writeln!(
                out,
                "Adopted {hash} for {}{at}. The roster now counts signatures of this version.",
                roles.join(", ")
            )?;
        }
        AgreementAction::UseTrusts { roles, school } => {
            let roles = parse_roles(&roles)?;
            let site = super::schools::chosen(store, Some(&school)).await?;
            store.set_school_agreement(site.id, &roles, None, "cli", Utc::now()).await?;
            writeln!(out, "{} signs the trust's current version again for {}.", site.name, roles.join(", "))?;
        }
    }
    Ok(())
}

/// `agreement import`: needs no database, so it works before `serve` ever ran.
pub fn import(file: &Path, out: Option<&Path>, stdout: &mut impl Write) -> Result<()> {
    let imported = signbook_import::import_file(file)?;
    match out {
        Some(path) => {
            std::fs::write(path, &imported.markdown).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("Wrote {}", path.display());
        }
        None => write!(stdout, "{}", imported.markdown)?,
    }
    // The report goes to stderr so standard output stays pure Markdown.
    eprint!("{}", signbook_import::report_text(&imported));
    Ok(())
}

/// A Markdown file to publish: UTF-8, within the agreement size limit.
fn read_markdown(path: &Path) -> Result<String> {
    let max = signbook_core::agreement::MAX_AGREEMENT_BYTES;
    let size = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.len();
    anyhow::ensure!(
        size <= max as u64,
        "{} is {size} bytes, more than the {max} an agreement may have; is it the right file?",
        path.display()
    );
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).with_context(|| {
        format!(
            "{} is not UTF-8 text; import the document first (`signbook-office agreement import FILE --out FILE.md`)",
            path.display()
        )
    })
}

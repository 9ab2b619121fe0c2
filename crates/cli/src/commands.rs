//! One function per command; each is a thin call into `signbook-core`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use signbook_core::agreement::MAX_AGREEMENT_BYTES;
use signbook_core::export::{self, Format};
use signbook_core::role::{Role, parse_role_list};
use signbook_core::signature::{MAX_JSON_BYTES, Strokes};
use signbook_core::{Hash32, RecordFilter, SignRequest, Store, paths};

use signbook_core::store::{ResignRule, SigningStatus};

use crate::{
    AdminPinCommand, AgreementCommand, Cli, Command, ExportFormat, RecordsCommand, ResignChoice, RoleCommand,
    SettingsCommand,
};

pub fn run(cli: Cli) -> Result<ExitCode> {
    // Importing touches no database, so it works before one exists.
    if let Command::Agreement(AgreementCommand::Import { file, out }) = &cli.command {
        return import(file, out.as_deref());
    }
    // Neither does checking an export: it stands on its own.
    if let Command::VerifyExport { file, key, json } = &cli.command {
        return crate::verify_export::run(file, key, *json);
    }
    let db = match cli.db {
        Some(path) => path,
        None => paths::default_db_path()?,
    };
    let mut store = Store::open(&db)?;
    match cli.command {
        Command::Agreement(AgreementCommand::Add { file, title, roles }) => {
            let text = read_text(&file, MAX_AGREEMENT_BYTES)?;
            let roles = parse_role_list(&roles)?;
            let published = store.publish_agreement(&text, &title, &roles)?;
            let v = &published.version;
            let what = if published.new_version { "Published" } else { "Already published; made current" };
            println!("{what}: {} ({})", v.title, v.hash);
            println!("Current for: {}", roles.iter().map(Role::as_str).collect::<Vec<_>>().join(", "));
        }
        Command::Agreement(AgreementCommand::Import { .. }) | Command::VerifyExport { .. } => {
            unreachable!("handled before opening the database")
        }
        Command::Agreement(AgreementCommand::List) => {
            let list = store.agreements()?;
            if list.is_empty() {
                println!("No agreement published yet. Publish one with: signbook agreement add FILE.md --title TITLE");
            }
            for a in list {
                let v = &a.version;
                let roles = v.roles.iter().map(Role::as_str).collect::<Vec<_>>().join(",");
                let current = a.current_for.iter().map(Role::as_str).collect::<Vec<_>>().join(",");
                println!("{}  {}  {}", v.hash, v.published_at.format("%Y-%m-%d"), v.title);
                println!(
                    "    roles: {roles}   current for: {}   signatures: {}",
                    if current.is_empty() { "-" } else { &current },
                    a.signatures
                );
            }
        }
        Command::Sign { role, name, org, strokes, agreement } => {
            let strokes = Strokes::from_json(read_text(&strokes, MAX_JSON_BYTES)?.as_bytes())
                .with_context(|| format!("reading the signature from {}", strokes.display()))?;
            let agreement = agreement.as_deref().map(Hash32::from_hex).transpose()?;
            let receipt = store.sign(&SignRequest {
                role: &role,
                name: &name,
                organisation: org.as_deref(),
                strokes: &strokes,
                agreement,
            })?;
            println!("{}", serde_json::to_string_pretty(&receipt)?);
        }
        Command::Verify { json } => {
            let report = store.verify()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else if let Some(problem) = &report.problem {
                println!("BROKEN: {problem}");
                println!("({} records before it are intact.)", report.records);
            } else {
                let held = match report.held {
                    0 => String::new(),
                    n => format!(", {n} held at the office"),
                };
                println!(
                    "intact: {} records ({} erased{held}), {} kiosk checkpoint(s) valid, device {}",
                    report.records, report.erased, report.checkpoints, report.device_id
                );
            }
            return Ok(if report.is_intact() { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
        Command::Key { json } => {
            let key = store.public_key();
            let (public_key, fingerprint) = (hex::encode(key.as_bytes()), signbook_core::device::key_fingerprint(&key));
            if json {
                let value = serde_json::json!({
                    "device_id": store.device_id(),
                    "public_key": public_key,
                    "fingerprint": fingerprint,
                });
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                println!("device: {}", store.device_id());
                println!("public key (Ed25519): {public_key}");
                println!("fingerprint: {fingerprint}");
            }
        }
        Command::Export { format, since, until, role, out } => {
            let filter = RecordFilter {
                since: since.as_deref().map(parse_date).transpose()?,
                until: until.as_deref().map(parse_date).transpose()?,
                role: role.as_deref().map(Role::new).transpose()?,
            };
            if let (Some(since), Some(until)) = (filter.since, filter.until)
                && since > until
            {
                bail!("--since {since} is after --until {until}; nothing could match");
            }
            let format = match format {
                ExportFormat::Csv => Format::Csv,
                ExportFormat::Jsonl => Format::Jsonl,
            };
            let count = export::export_to_file(&store, format, &filter, &out)?;
            println!("Exported {count} record(s) to {}", out.display());
        }
        Command::Records(RecordsCommand::List) => {
            let mut any = false;
            store.for_each_record(&RecordFilter::default(), |record, erasure| {
                any = true;
                let h = &record.header;
                let (name, org) = match (&record.personal, erasure) {
                    (Some(p), _) => (p.name.as_str(), p.organisation.as_ref().map_or("", |(o, _)| o.as_str())),
                    (None, Some(_)) => ("[erased]", ""),
                    // Removed here once the office held it (record format 3).
                    (None, None) => ("[held at the office]", ""),
                };
                println!(
                    "{:>6}  {}  {}  {:<10}  {name}{}{org}",
                    h.seq,
                    record.reference(),
                    h.signed_at_local().format("%Y-%m-%d %H:%M"),
                    h.role,
                    if org.is_empty() { "" } else { ", " }
                );
                Ok(())
            })?;
            if !any {
                println!("No records yet.");
            }
        }
        Command::Role(RoleCommand::List) => {
            for r in store.roles_overview()? {
                let current = r.current.map_or_else(
                    || "no agreement published".to_owned(),
                    |(title, hash)| format!("{title} ({})", &hash.to_hex()[..12]),
                );
                println!("{:<12} signs {:<45} {current}", r.role.as_str(), r.rule.to_string());
            }
        }
        Command::Role(RoleCommand::Resign { role, rule, days }) => {
            let role = Role::new(&role)?;
            let rule = match (rule, days) {
                (ResignChoice::EveryVisit, _) => ResignRule::EveryVisit,
                (ResignChoice::NewVersion, _) => ResignRule::NewVersion,
                (ResignChoice::AfterDays, Some(days)) => ResignRule::AfterDays(days),
                (ResignChoice::AfterDays, None) => bail!("say after how many days with --days N"),
            };
            store.set_resign_rule(&role, rule)?;
            println!("{role} now signs {rule}.");
        }
        Command::Settings(SettingsCommand::Show) => {
            let settings = store.settings()?;
            println!("school name:   {}", settings.school_name);
            println!("idle timeout:  {} seconds", settings.idle_timeout_secs);
            println!("roles offered: {}", settings.roles.iter().map(Role::as_str).collect::<Vec<_>>().join(", "));
        }
        Command::Settings(SettingsCommand::Set { school_name, idle_timeout, roles }) => {
            let mut settings = store.settings()?;
            if let Some(name) = school_name {
                settings.school_name = name;
            }
            if let Some(secs) = idle_timeout {
                settings.idle_timeout_secs = secs;
            }
            if let Some(roles) = roles {
                settings.roles = parse_role_list(&roles)?;
            }
            store.update_settings(&settings)?;
            println!("Settings saved.");
        }
        Command::AdminPin(AdminPinCommand::Reset) => {
            store.reset_admin_pin()?;
            println!(
                "The admin PIN is reset; the kiosk will ask for a new one the next time the admin area is opened."
            );
        }
        Command::Check { role, name } => {
            let role = Role::new(&role)?;
            match store.signing_status(&role, &name, chrono::Utc::now())? {
                SigningStatus::AlreadySigned { seq, signed_at } => {
                    println!(
                        "already signed: record {seq} on {} (rule: {})",
                        signed_at.format("%Y-%m-%d"),
                        store.resign_rule(&role)?
                    );
                }
                SigningStatus::MustSign { reason } => println!("must sign: {reason}"),
            }
        }
        Command::Pair { office, code, fingerprint, name } => {
            let link = &mut signbook_sync::OfficeLink::new();
            let paired = match fingerprint {
                Some(fingerprint) => {
                    let mut request = signbook_sync::PairingRequest::prepare(&store, &office, &code, &fingerprint)?;
                    if let Some(name) = &name {
                        request = request.named(name)?;
                    }
                    request.send(link)?
                }
                None => {
                    let mut request = signbook_sync::CodePairing::prepare(&store, &office, &code)?;
                    if let Some(name) = &name {
                        request = request.named(name)?;
                    }
                    request.send(link)?
                }
            };
            let answer = paired.save(&mut store)?;
            println!(
                "Paired with {office} as kiosk {} (the office holds {} of its records).",
                answer.device_id, answer.acknowledged_seq
            );
            println!("Push now with: signbook sync");
        }
        Command::OfficeAddress { url } => {
            let report = signbook_sync::move_to_address(&mut store, &url)?;
            println!(
                "The office at {} presented the pinned certificate and acknowledged records 1 to {}; {} pending. This kiosk syncs there from now on.",
                url.trim().trim_end_matches('/'),
                report.acknowledged_seq,
                report.pending
            );
        }
        Command::Sync { json } => {
            let report = signbook_sync::push(&mut store)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "Sent {} records and {} erasures in {} requests; the office acknowledged records 1 to {}; {} pending.",
                    report.sent, report.erasures_sent, report.requests, report.acknowledged_seq, report.pending
                );
            }
        }
        Command::SyncStatus { json } => {
            let status = store.sync_status()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                print_sync_status(&status);
                if let Some(config) = store.sync_config()? {
                    println!("office certificate (pinned): {}", config.fingerprint);
                    if let Some(next) = config.next_fingerprint {
                        println!("office's next certificate (announced, also accepted): {next}");
                    }
                    print_configuration(&store.configuration_state()?);
                }
            }
        }
        Command::ExportBundle { out } => {
            let report = signbook_sync::export_bundle(&store, &out)?;
            println!(
                "Wrote {} records ({} erased) in {} batches to {}. At the office: signbook-office import-bundle {}",
                report.records,
                report.erased,
                report.batches,
                out.display(),
                out.display()
            );
        }
        Command::Backup { out } => {
            let report = signbook_core::backup::backup_kiosk(store.path(), &out)?;
            let files: Vec<_> = report.files.iter().map(|f| f.display().to_string()).collect();
            println!(
                "Backed up {} records ({} bytes) to {}. Keep these files together and private.",
                report.records,
                report.bytes,
                files.join(" and ")
            );
        }
        Command::Erase { seq, reason, category } => {
            let category = category.parse().map_err(|e: String| anyhow::anyhow!("--category: {e}"))?;
            let request = signbook_core::store::ErasureRequest {
                requested_by: signbook_core::erasure::Requester::KioskAdmin,
                category,
                reason: &reason,
            };
            let receipt = store.erase_as(seq, &request)?;
            println!(
                "Erased the personal data of record {} ({}); erasure entry {} records it in the chain, which still verifies.",
                receipt.seq, receipt.id, receipt.entry_seq
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn import(file: &Path, out: Option<&Path>) -> Result<ExitCode> {
    let imported = signbook_import::import_file(file)?;
    match out {
        Some(out) => {
            std::fs::write(out, &imported.markdown).with_context(|| format!("cannot write {}", out.display()))?;
            eprintln!("Wrote {}", out.display());
        }
        None => print!("{}", imported.markdown),
    }
    // The report goes to stderr so stdout stays pure Markdown.
    eprint!("{}", signbook_import::report_text(&imported));
    Ok(ExitCode::SUCCESS)
}

fn read_text(path: &Path, max: usize) -> Result<String> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.len() > max as u64 {
        bail!(
            "{} is {} bytes, more than the {max} allowed; check you chose the right file",
            path.display(),
            meta.len()
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).with_context(|| {
        format!("{} is not UTF-8 text; save it as UTF-8 (for Markdown, \"Plain text\")", path.display())
    })
}

fn parse_date(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("\"{text}\" is not a date; use YYYY-MM-DD, e.g. 2026-09-01"))
}

/// `signbook sync-status` in words: an unpaired kiosk says so and what
/// waits; a paired one, how far the office has acknowledged and how the
/// last push went.
fn print_sync_status(status: &signbook_core::store::SyncProgress) {
    let Some(office) = &status.office_url else {
        println!(
            "not paired with an office: {} records wait on this kiosk (pair with: signbook pair --office https://HOST:PORT --code CODE)",
            status.pending
        );
        return;
    };
    println!("office: {office}");
    let acknowledged = match status.acknowledged_seq {
        0 => format!("none of {} records yet", status.head_seq),
        acked => format!("records 1 to {acked} of {}", status.head_seq),
    };
    println!("acknowledged: {acknowledged}; pending: {} records, {} erasures", status.pending, status.pending_erasures);
    println!("last success: {}", status.last_success_at.as_deref().unwrap_or("never"));
    match (&status.last_error_code, &status.last_error) {
        (Some(code), Some(message)) => {
            println!("last error ({code}, at {}): {message}", status.last_attempt_at.as_deref().unwrap_or("?"))
        }
        _ => println!("last error: none"),
    }
}

/// The office's configuration on this kiosk: in use, waiting for the next
/// visitor (the kiosk app applies it as its welcome screen appears), refused.
fn print_configuration(state: &signbook_core::store::ConfigurationState) {
    match state.applied_version {
        0 => println!("office configuration: none applied yet"),
        version => {
            println!("office configuration: version {version} applied {}", state.applied_at.as_deref().unwrap_or(""))
        }
    }
    if let Some(pending) = state.pending_version {
        println!("office configuration {pending}: verified, applied before the kiosk's next visitor");
    }
    if let Some(refused) = &state.refused {
        println!("office configuration refused ({}, at {}): {}", refused.code, refused.at, refused.reason);
    }
}

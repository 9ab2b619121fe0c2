//! `signbook`: the administrator's command line over `signbook-core`.
//!
//! Every command opens the same database the kiosk uses (`--db`, else
//! `$SIGNBOOK_DB`, else the platform data directory), calls one core
//! function, and prints a result meant for a person, or JSON with `--json`.
//! Exit codes: 0 success (for `verify` and `verify-export`: intact), 1 they
//! found a broken record, 2 anything else went wrong (the message says what
//! and what to do).

mod commands;
mod verify_export;
mod verify_pack;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "signbook",
    version,
    about = "Administer a Signbook kiosk database: agreements, signatures, verification, export."
)]
struct Cli {
    /// Database file [default: $SIGNBOOK_DB, else the platform data directory]
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Publish and list agreement versions.
    #[command(subcommand)]
    Agreement(AgreementCommand),
    /// Record a signature (as the kiosk does) and print its receipt as JSON.
    Sign {
        /// Role signed as, e.g. visitor.
        #[arg(long)]
        role: String,
        /// The signer's name.
        #[arg(long)]
        name: String,
        /// Organisation (visitors and contractors).
        #[arg(long)]
        org: Option<String>,
        /// Signature strokes as JSON: {"width":..,"height":..,"strokes":[[{"x":..,"y":..},..],..]}.
        #[arg(long, value_name = "FILE.json")]
        strokes: PathBuf,
        /// Sign this exact version instead of the role's current one.
        #[arg(long, value_name = "SHA256")]
        agreement: Option<String>,
    },
    /// Check every record's hash, the chain links and the kiosk's checkpoints.
    Verify {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check a JSON Lines export, or an office evidence pack (ZIP), from the
    /// file alone (no database): every hash, the chain from record 1 to the
    /// kiosk's signed head, and that nothing of its range is left out; for a
    /// pack also its manifest, the office's signatures and its CSV. Exit 0
    /// intact, 1 broken (the first problem is named), 2 the file cannot be read.
    #[command(name = "verify-export")]
    VerifyExport {
        /// The export (`signbook export --format jsonl`) or evidence pack (.zip).
        file: PathBuf,
        /// A kiosk's public key, 64 hex digits, or a file holding one key a
        /// line (or `signbook key --json`'s output); once per kiosk of a
        /// pack. Without it, only consistency is checked, not who signed.
        #[arg(long, value_name = "HEX|FILE")]
        key: Vec<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print this kiosk's device id, Ed25519 public key and its short
    /// fingerprint: what an auditor compares with the office's record.
    Key {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Export records to CSV (for Excel) or JSON Lines (every field).
    Export {
        /// Output format.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// First day to include, YYYY-MM-DD (kiosk local date).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Last day to include, YYYY-MM-DD (kiosk local date).
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// Only this role.
        #[arg(long)]
        role: Option<String>,
        /// File to write (replaced atomically).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// List records.
    #[command(subcommand)]
    Records(RecordsCommand),
    /// Roles: their current agreement and when they sign again.
    #[command(subcommand)]
    Role(RoleCommand),
    /// Kiosk settings: school name, idle timeout, roles offered.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// The kiosk admin PIN.
    #[command(subcommand, name = "admin-pin")]
    AdminPin(AdminPinCommand),
    /// Say whether a person must sign now (exit 0 either way; see the output).
    Check {
        /// Role they would sign as.
        #[arg(long)]
        role: String,
        /// Their name.
        #[arg(long)]
        name: String,
    },
    /// Pair this kiosk with the office (run `signbook-office pair` there first).
    Pair {
        /// The office address, https://HOST:PORT.
        #[arg(long, value_name = "URL")]
        office: String,
        /// The one-time code the office printed.
        #[arg(long)]
        code: String,
        /// The office certificate's SHA-256 fingerprint, as the office printed it. Without it,
        /// the code alone proves the office's certificate (offices from this version on).
        #[arg(long, value_name = "SHA256")]
        fingerprint: Option<String>,
        /// Where this kiosk stands, for the office's kiosk list ("Main reception").
        #[arg(long, value_name = "LOCATION")]
        name: Option<String>,
    },
    /// Point this paired kiosk at another address of the same office (a second office server,
    /// a new IP address): kept only when the server there presents the certificate pinned at
    /// pairing and accepts a push from this kiosk.
    #[command(name = "office-address")]
    OfficeAddress {
        /// The office's other address, https://HOST:PORT.
        url: String,
    },
    /// Push every record the office has not acknowledged yet, once.
    Sync {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show what is waiting for the office, the last success and the last error.
    #[command(name = "sync-status")]
    SyncStatus {
        /// Print the status as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write every record to a signed file for `signbook-office import-bundle` (no network needed).
    #[command(name = "export-bundle")]
    ExportBundle {
        /// File to write (replaced atomically).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Copy the database and its key while the kiosk runs (SQLite's online backup).
    Backup {
        /// File to write; the key goes beside it as FILE.key.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Erase one record's personal data (UK GDPR), leaving a verifiable tombstone.
    Erase {
        /// Sequence number of the record (see `signbook records list`).
        #[arg(long)]
        seq: u64,
        /// Why, in words (e.g. a subject request reference); kept beside the chain, not hashed.
        #[arg(long)]
        reason: String,
        /// Which kind of reason, recorded in the chain's erasure entry:
        /// request (the person asked), retention (kept long enough) or other.
        #[arg(long, default_value = "request")]
        category: String,
    },
}

#[derive(Debug, Subcommand)]
enum AgreementCommand {
    /// Publish a Markdown file as the current version for some roles.
    Add {
        /// The agreement text (Markdown, UTF-8).
        file: PathBuf,
        /// Title shown to signers and in exports.
        #[arg(long)]
        title: String,
        /// Comma-separated roles it applies to.
        #[arg(long, default_value = "visitor,governor,staff,volunteer,contractor")]
        roles: String,
    },
    /// List every version with its hash, roles, date and signature count.
    List,
    /// Turn an agreement (a PDF, a Word or LibreOffice file, or text pasted
    /// out of one) into clean Markdown. Prints the Markdown (or writes --out)
    /// and reports the review details and everything it removed.
    Import {
        /// A .pdf, .docx, .odt, .txt or .md file.
        file: PathBuf,
        /// Write the Markdown here instead of printing it.
        #[arg(long, value_name = "FILE.md")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum RoleCommand {
    /// Each role with its current agreement and re-sign rule.
    List,
    /// Set when a role signs again.
    Resign {
        /// The role, e.g. volunteer.
        role: String,
        /// every-visit, new-version, or after-days (with --days).
        #[arg(value_enum)]
        rule: ResignChoice,
        /// Days after which a signature of the current version expires.
        #[arg(long, required_if_eq("rule", "after-days"))]
        days: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
enum SettingsCommand {
    /// Print the settings.
    Show,
    /// Change some settings; the rest stay as they are.
    Set {
        /// Shown on the kiosk's welcome screen.
        #[arg(long)]
        school_name: Option<String>,
        /// Seconds without a touch before the kiosk wipes the form (15-600).
        #[arg(long)]
        idle_timeout: Option<u32>,
        /// Roles offered, in order, e.g. visitor,staff,governor.
        #[arg(long)]
        roles: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum AdminPinCommand {
    /// Forget the admin PIN and any lockout; the kiosk asks for a new PIN.
    Reset,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ResignChoice {
    EveryVisit,
    NewVersion,
    AfterDays,
}

#[derive(Debug, Subcommand)]
enum RecordsCommand {
    /// One line per record, oldest first.
    List,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExportFormat {
    Csv,
    Jsonl,
}

fn main() -> ExitCode {
    signbook_core::logging::init();
    let cli = Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

//! Disk full and an unwritable data directory: the kiosk gives a clear
//! error, keeps every earlier record, and signs again once space (or
//! permission) returns. The signing process is the real kiosk code in a
//! child process, limited the way a full disk limits it.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::checks::{ensure, kiosk_sound};
use crate::env::{binary, new_kiosk, sign_one, strokes};
use crate::report::Finding;

/// Error codes that tell the person at the kiosk what happened and what to do.
pub const CLEAR_CODES: [&str; 2] = ["storage_full", "storage_unwritable"];

/// What a `child-sign` run printed: acknowledged sequences and the error line.
#[derive(Debug)]
pub struct ChildRun {
    pub acked: Vec<u64>,
    pub error: Option<(String, String)>,
}

pub fn run_child(mut command: Command) -> Result<ChildRun> {
    let out = command.output().context("running child-sign")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let acked = text.lines().filter_map(|l| l.strip_prefix("ACK ")?.parse().ok()).collect();
    let error = text.lines().find_map(|l| l.strip_prefix("ERROR ")).map(|l| {
        let (code, message) = l.split_once(' ').unwrap_or((l, ""));
        (code.to_owned(), message.to_owned())
    });
    Ok(ChildRun { acked, error })
}

fn child_command(db: &Path, count: u64) -> Result<Command> {
    let mut command = Command::new(binary("signbook-reliability")?);
    child_args(&mut command, db, count);
    Ok(command)
}

fn child_args(command: &mut Command, db: &Path, count: u64) {
    command.args(["child-sign", "--count", &count.to_string(), "--sync-every", "0"]).arg(db);
}

/// The same child with at most `kib` KiB per file it writes (`ulimit -f`):
/// SQLite's writes past it fail as on a full disk. SIGXFSZ is ignored so
/// the write fails instead of killing the process.
fn limited(db: &Path, count: u64, kib: u64) -> Result<Command> {
    let mut command = Command::new("bash");
    command
        .args([
            "-c",
            &format!("trap '' XFSZ; ulimit -f {kib}; exec \"$0\" child-sign --count {count} --sync-every 0 \"$1\""),
        ])
        .arg(binary("signbook-reliability")?)
        .arg(db);
    Ok(command)
}

fn clear(run: &ChildRun, situation: &str) -> Result<(String, String)> {
    let error = run.error.clone();
    ensure(
        error.as_ref().is_some_and(|(code, _)| CLEAR_CODES.contains(&code.as_str())),
        "a clear error, saying what to do",
        || format!("{situation}: got {error:?}"),
    )?;
    Ok(error.expect("checked"))
}

pub fn run(dir: &Path) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();

    // Disk full.
    let db = dir.join("full/kiosk.db");
    let mut store = new_kiosk(&db)?;
    let strokes = strokes();
    for _ in 0..10 {
        sign_one(&mut store, &strokes, "Before Full")?;
    }
    drop(store);
    let size_kib = std::fs::metadata(&db)?.len() / 1024;
    let full = run_child(limited(&db, 500, size_kib + 128)?)?;
    let (code, message) = clear(&full, "disk full")?;
    let acked = full.acked.last().copied().unwrap_or(10);
    kiosk_sound(&db, acked, true)?;
    let again = run_child(child_command(&db, 3)?)?;
    ensure(again.error.is_none() && again.acked.len() == 3, "signing recovers when space returns", || {
        format!("{again:?}")
    })?;
    kiosk_sound(&db, acked + 3, true)?;
    findings.push(Finding::new(
        "disk full",
        format!("signatures before the disk filled, then the error ({code})"),
        format!("{} , \"{message}\"", full.acked.len()),
    ));
    findings.push(Finding::new("disk full", "earlier records kept / signs again when space returns", "yes / yes"));

    // An unwritable data directory (as root, the child runs as nobody, since root ignores permissions).
    let data = dir.join("readonly");
    let db = data.join("kiosk.db");
    let mut store = new_kiosk(&db)?;
    for _ in 0..5 {
        sign_one(&mut store, &strokes, "Before Readonly")?;
    }
    drop(store);
    let root = Command::new("id").arg("-u").output()?.stdout.starts_with(b"0\n");
    let as_owner = |count: u64| -> Result<Command> {
        if !root {
            return child_command(&db, count);
        }
        let mut command = Command::new("setpriv");
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(binary("signbook-reliability")?);
        child_args(&mut command, &db, count);
        Ok(command)
    };
    if root {
        let status = Command::new("chown").args(["-R", "65534:65534"]).arg(&data).status()?;
        ensure(status.success(), "the test can hand the directory to nobody", || format!("chown: {status}"))?;
    }
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o500))?;
    let refused = run_child(as_owner(1)?)?;
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700))?;
    let (code, message) = clear(&refused, "unwritable data directory")?;
    ensure(refused.acked.is_empty(), "nothing is acknowledged that was not saved", || format!("{refused:?}"))?;
    let again = run_child(as_owner(2)?)?;
    ensure(
        again.error.is_none() && again.acked == [6, 7],
        "signing recovers when the directory is writable again",
        || format!("{again:?}"),
    )?;
    kiosk_sound(&db, 7, true)?;
    findings.push(Finding::new("unwritable data dir", format!("error ({code})"), format!("\"{message}\"")));
    findings.push(Finding::new("unwritable data dir", "earlier records kept / signs again when writable", "yes / yes"));
    Ok(findings)
}

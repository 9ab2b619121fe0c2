//! The TypeScript types of everything the UI receives from (or sends to)
//! the Tauri commands, rendered from the Rust types with ts-rs, must equal
//! the committed `ui/src/generated/types.ts`, which `ui/src/backend.ts`
//! imports. A change on either side then fails here (and, through
//! `tsc`, in the UI build), instead of breaking the kiosk silently.
//!
//! After changing a type: `SIGNBOOK_WRITE_UI_TYPES=1 cargo test -p signbook-kiosk --test ui_types`,
//! then commit the file.
//!
//! Why a comparing test rather than ts-rs's `#[ts(export)]`: that writes
//! one file per type into the source tree whenever tests run, so a stale
//! file is only caught by a separate `git diff` step. Here `cargo test`
//! itself fails, says which lines differ and how to regenerate.

use std::collections::BTreeSet;
use std::path::PathBuf;

use ts_rs::{Config, TS};

const WRITE_ENV: &str = "SIGNBOOK_WRITE_UI_TYPES";

/// One rendered type: its name, its declaration, and the names it uses.
struct Rendered {
    name: String,
    text: String,
    uses: Vec<String>,
}

fn render<T: TS + 'static>(cfg: &Config) -> Rendered {
    let mut text = T::docs().unwrap_or_default();
    text.push_str(&indent(&format!("export {}", T::decl(cfg))));
    Rendered { name: T::name(cfg), text, uses: T::dependencies(cfg).into_iter().map(|d| d.ts_name).collect() }
}

/// ts-rs puts every field (and its doc comment) at the start of a line;
/// indenting by brace depth keeps the file readable in review.
fn indent(decl: &str) -> String {
    let mut depth = 0usize;
    let mut out = String::new();
    for line in decl.lines() {
        let line = line.trim_end();
        let starts_closed = line.starts_with('}');
        out.push_str(&"  ".repeat(if starts_closed { depth.saturating_sub(1) } else { depth }));
        out.push_str(line);
        out.push('\n');
        for c in line.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    out
}

macro_rules! render_all {
    ($cfg:expr; $($ty:ty),* $(,)?) => { vec![$(render::<$ty>($cfg)),*] };
}

fn generated() -> String {
    // serde_json writes u64 as a number; no count here comes near 2^53.
    let cfg = Config::new().with_large_int("number");
    use signbook_core::Hash32;
    use signbook_core::privacy_notice::PrivacyNotice;
    use signbook_core::role::Role;
    use signbook_core::store::{KioskSettings, Receipt, ResignRule};
    use signbook_core::verify::{Problem, ProblemKind, VerifyReport};
    use signbook_import::{Removed, RemovedReason};
    use signbook_kiosk::*;
    let types = render_all![&cfg;
        // The visitor flow.
        Welcome, PrivacyNoticeView, RoleChoice, Role, AgreementView, ResignRule, NameCheck, Submission, Receipt,
        // The admin area.
        AdminStatus, AdminOverview, SyncView, OfficeFound, AgreementRow, KioskSettings, PrivacyNotice, Destination, DestinationLabel,
        ExportDone, ImportPreview, Removed, RemovedReason, VerifyReport, Problem, ProblemKind, Hash32,
        // What every command rejects with.
        UiError,
    ];
    let declared: BTreeSet<&str> = types.iter().map(|t| t.name.as_str()).collect();
    for t in &types {
        for used in &t.uses {
            assert!(declared.contains(used.as_str()), "{} uses {used}: add {used} to the list in this test", t.name);
        }
    }
    let mut out = String::from(
        "// Generated from the Rust types by crates/kiosk/tests/ui_types.rs (ts-rs): do not edit.\n\
         // That test (part of `cargo test`) fails when this file differs from what the Rust types give,\n\
         // so a change on either side cannot silently break the other. After changing a Rust type:\n\
         // SIGNBOOK_WRITE_UI_TYPES=1 cargo test -p signbook-kiosk --test ui_types\n",
    );
    for t in &types {
        out.push('\n');
        out.push_str(&t.text);
    }
    out
}

#[test]
fn the_ui_types_are_generated_from_the_rust_types() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/generated/types.ts");
    let fresh = generated();
    if std::env::var_os(WRITE_ENV).is_some_and(|v| !v.is_empty()) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != fresh {
        let old: BTreeSet<&str> = committed.lines().collect();
        let new: BTreeSet<&str> = fresh.lines().collect();
        let gone: Vec<&&str> = old.difference(&new).collect();
        let added: Vec<&&str> = new.difference(&old).collect();
        panic!(
            "ui/src/generated/types.ts is out of date with the Rust types.\n\
             committed only: {gone:#?}\ngenerated only: {added:#?}\n\
             Run `{WRITE_ENV}=1 cargo test -p signbook-kiosk --test ui_types`, then fix what `npm --prefix ui run build` reports."
        );
    }
}

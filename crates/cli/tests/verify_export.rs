//! `signbook verify-export` and `docs/auditor/recompute.py verify-export`
//! on one real export, made by the real `signbook export`, and on copies of
//! it tampered as an attacker holding only the file would: each must be
//! caught by both, from the file alone, naming the same first broken entry.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use chrono::DateTime;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use signbook_core::role::Role;
use signbook_core::signature::Strokes;
use signbook_core::{SignRequest, Store};

/// A kiosk database with six records over two years and several roles
/// (record 4 erased, so entry 7 is its erasure entry), and its JSON Lines
/// exports made by the CLI.
struct Fixture {
    dir: tempfile::TempDir,
    public_key: String,
}

const SIGNINGS: [(&str, &str, &str); 6] = [
    ("visitor", "Ann Able", "2025-12-15T09:00:00+00:00"),
    ("governor", "Ben Baker", "2025-12-20T18:00:00+00:00"),
    ("governor", "Cat Cole", "2026-02-01T18:30:00+00:00"),
    ("visitor", "Dan Dune", "2026-03-01T10:00:00+00:00"),
    ("governor", "Eve Ellis", "2026-04-01T18:00:00+01:00"),
    ("staff", "Fay Ford", "2026-05-01T08:00:00+01:00"),
];

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("kiosk.db")).unwrap();
        let roles: Vec<Role> = ["visitor", "governor", "staff"].iter().map(|r| Role::new(r).unwrap()).collect();
        store.publish_agreement(include_str!("../../../assets/sample-agreement.md"), "AUP 2026", &roles).unwrap();
        let strokes = Strokes::from_json(include_bytes!("../../../assets/demo-signature.json")).unwrap();
        for (role, name, at) in SIGNINGS {
            let request =
                SignRequest { role, name, organisation: Some("Acme Ltd"), strokes: &strokes, agreement: None };
            store.sign_at(&request, DateTime::parse_from_rfc3339(at).unwrap()).unwrap();
        }
        store.erase(4, "subject access request").unwrap();
        let public_key = hex::encode(store.public_key().as_bytes());
        drop(store);
        let fixture = Fixture { dir, public_key };
        fixture.export("all.jsonl", &[]);
        fixture.export("governors.jsonl", &["--role", "governor", "--since", "2026-01-01"]);
        fixture
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn export(&self, name: &str, filter: &[&str]) {
        Command::cargo_bin("signbook")
            .unwrap()
            .arg("--db")
            .arg(self.path("kiosk.db"))
            .args(["export", "--format", "jsonl"])
            .args(filter)
            .arg("--out")
            .arg(self.path(name))
            .assert()
            .success();
    }

    /// The export's lines as JSON values (the header first).
    fn lines(&self, name: &str) -> Vec<Value> {
        std::fs::read_to_string(self.path(name)).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    fn write(&self, name: &str, lines: &[Value]) -> PathBuf {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(self.path(name), text).unwrap();
        self.path(name)
    }
}

/// What a verifier said: its exit code and its first line of output.
#[derive(Debug)]
struct Verdict {
    code: i32,
    first_line: String,
}

fn signbook_verify(file: &Path, key: Option<&str>) -> Verdict {
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("signbook"));
    cmd.arg("verify-export").arg(file).env_remove("SIGNBOOK_DB");
    if let Some(key) = key {
        cmd.args(["--key", key]);
    }
    verdict(cmd)
}

fn recompute_verify(file: &Path, key: Option<&str>) -> Verdict {
    let mut cmd = StdCommand::new("python3");
    cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/auditor/recompute.py"));
    cmd.arg("verify-export").arg(file);
    if let Some(key) = key {
        cmd.args(["--key", key]);
    }
    verdict(cmd)
}

fn verdict(mut cmd: StdCommand) -> Verdict {
    let out = cmd.output().expect("the verifier runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    Verdict { code: out.status.code().unwrap_or(-1), first_line: text.lines().next().unwrap_or("").to_owned() }
}

/// Both verifiers exit 1 and name `entry` ("line L, record N" or "line 1,
/// the header") as the first broken one; returns Signbook's line.
fn both_catch(file: &Path, key: Option<&str>, entry: &str) -> String {
    let ours = signbook_verify(file, key);
    let theirs = recompute_verify(file, key);
    for (who, v) in [("signbook", &ours), ("recompute.py", &theirs)] {
        assert_eq!(v.code, 1, "{who} must fail {}: {v:?}", file.display());
        let named = v.first_line.strip_prefix("BROKEN: ").unwrap_or_else(|| panic!("{who}: {v:?}"));
        assert!(named.starts_with(&format!("{entry}:")) || named.starts_with(&format!("{entry} (")), "{who}: {v:?}");
    }
    ours.first_line
}

fn both_pass(file: &Path, key: Option<&str>) -> String {
    let ours = signbook_verify(file, key);
    let theirs = recompute_verify(file, key);
    assert_eq!((ours.code, theirs.code), (0, 0), "{ours:?} {theirs:?}");
    assert!(ours.first_line.starts_with("intact: ") && theirs.first_line.starts_with("intact: "), "{theirs:?}");
    ours.first_line
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Recomputes a record line's hash and reference from its fields, exactly
/// as docs/record-format.md says: what an attacker with the spec would do.
fn rehash(line: &mut Value) {
    let s = |k: &str| line[k].as_str().unwrap_or("-").to_owned();
    let canonical = format!(
        "signbook-record-v1\nid:{}\ndevice:{}\nseq:{}\nprev:{}\nagreement:{}\nrole:{}\nsigned_at:{}\nutc_offset:{}\nname:{}\norganisation:{}\nsignature:{}\n",
        s("record_id"),
        s("device_id"),
        line["seq"],
        s("prev_hash"),
        s("agreement_hash"),
        s("role"),
        s("signed_at_utc"),
        s("utc_offset"),
        s("name_digest"),
        s("organisation_digest"),
        s("signature_digest")
    );
    let hash = sha256_hex(canonical.as_bytes());
    if line.get("reference").is_some() {
        let hash32 = signbook_core::Hash32::from_hex(&hash).unwrap();
        line["reference"] = json!(signbook_core::record::reference_code(&hash32));
    }
    line["record_hash"] = json!(hash);
}

/// Changes a record line's name and redoes its digest from the exported salt.
fn rename(line: &mut Value, name: &str) {
    let salt: [u8; 16] = hex::decode(line["name_salt"].as_str().unwrap()).unwrap().try_into().unwrap();
    line["name"] = json!(name);
    line["name_digest"] = json!(signbook_core::record::field_digest("name", &salt, name.as_bytes()).to_hex());
}

/// Recomputes an erasure line's hash from its fields (section 13).
fn rehash_erasure(line: &mut Value) {
    let s = |k: &str| line[k].as_str().unwrap().to_owned();
    let canonical = format!(
        "signbook-erasure-v2\nid:{}\ndevice:{}\nseq:{}\nprev:{}\ntarget_seq:{}\ntarget:{}\nerased_at:{}\nrecorded_at:{}\nrequested_by:{}\nreason:{}\n",
        s("entry_id"),
        s("device_id"),
        line["seq"],
        s("prev_hash"),
        line["target_seq"],
        s("target_hash"),
        s("erased_at"),
        s("recorded_at"),
        s("requested_by"),
        s("reason"),
    );
    line["entry_hash"] = json!(sha256_hex(canonical.as_bytes()));
}

/// A line's own hash: a record's or an erasure entry's.
fn hash_of(line: &Value) -> Value {
    line.get("record_hash").unwrap_or_else(|| &line["entry_hash"]).clone()
}

/// Rewrites every entry from `from` (index into `lines`) on so hashes and
/// links are consistent again, and returns the new head hash.
fn relink_from(lines: &mut [Value], from: usize) -> String {
    for i in from..lines.len() {
        if i > 1 {
            let prev = hash_of(&lines[i - 1]);
            lines[i]["prev_hash"] = prev;
        }
        if lines[i]["kind"] == "erasure" {
            rehash_erasure(&mut lines[i]);
        } else {
            rehash(&mut lines[i]);
        }
    }
    hash_of(lines.last().unwrap()).as_str().unwrap().to_owned()
}

fn sign_checkpoint(key: &SigningKey, header: &mut Value, head: &str) {
    let seq = header["checkpoint"]["seq"].as_u64().unwrap();
    let message =
        format!("signbook-checkpoint-v1\ndevice:{}\nseq:{seq}\nhead:{head}\n", header["device_id"].as_str().unwrap());
    header["checkpoint"]["head"] = json!(head);
    header["checkpoint"]["signature"] = json!(hex::encode(key.sign(message.as_bytes()).to_bytes()));
}

#[test]
fn an_untouched_export_verifies_and_says_whether_the_signer_was_checked() {
    let fx = Fixture::new();
    let all = fx.path("all.jsonl");
    let line = both_pass(&all, None);
    assert!(line.starts_with("intact: 6 records (1 erased) and 0 omitted"), "{line}");
    let out = signbook_verify(&all, None);
    let text = String::from_utf8(
        StdCommand::new(assert_cmd::cargo::cargo_bin("signbook"))
            .arg("verify-export")
            .arg(&all)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(out.code, 0);
    assert!(text.contains("NOT checked who signed the head"), "{text}");

    both_pass(&all, Some(&fx.public_key));
    let with_key = StdCommand::new(assert_cmd::cargo::cargo_bin("signbook"))
        .arg("verify-export")
        .arg(&all)
        .args(["--key", &fx.public_key])
        .output()
        .unwrap();
    let text = String::from_utf8(with_key.stdout).unwrap();
    assert!(text.contains("signed by the key you gave") && !text.contains("NOT checked"), "{text}");

    // The key as `signbook key --json` saves it works as a file too.
    let key_file = fx.path("kiosk-key.json");
    let key_json = Command::cargo_bin("signbook")
        .unwrap()
        .arg("--db")
        .arg(fx.path("kiosk.db"))
        .args(["key", "--json"])
        .output()
        .unwrap();
    std::fs::write(&key_file, key_json.stdout).unwrap();
    both_pass(&all, Some(key_file.to_str().unwrap()));
}

#[test]
fn every_tampering_is_caught_from_the_file_alone_by_both_verifiers() {
    let fx = Fixture::new();
    let original = fx.lines("all.jsonl");
    assert_eq!(original.len(), 8, "a header, six records and the erasure entry of record 4");
    assert_eq!(original[7]["kind"], "erasure");
    let case = |name: &str, edit: &dyn Fn(&mut Vec<Value>)| -> PathBuf {
        let mut lines = original.clone();
        edit(&mut lines);
        fx.write(name, &lines)
    };
    // Lines: 1 the header, then entry N on line N + 1 (the erasure entry is 7).
    let name_edited = case("name-edited.jsonl", &|l| l[3]["name"] = json!("Mallory Cole"));
    let line = both_catch(&name_edited, None, "line 4, record 3");
    assert!(line.contains("name no longer matches its digest"), "{line}");

    let redone = case("digest-and-hash-redone.jsonl", &|l| {
        rename(&mut l[3], "Mallory Cole");
        rehash(&mut l[3]);
    });
    let line = both_catch(&redone, None, "line 5, record 4");
    assert!(line.contains("does not link to record 3"), "{line}");

    let deleted = case("record-deleted.jsonl", &|l| {
        l.remove(3);
    });
    assert!(both_catch(&deleted, None, "line 4, record 3").contains("is missing"));

    let swapped = case("two-swapped.jsonl", &|l| l.swap(3, 4));
    both_catch(&swapped, None, "line 4, record 3");

    let cut = case("tail-cut.jsonl", &|l| {
        l.pop();
        l.pop();
    });
    let line = both_catch(&cut, None, "line 6, record 5");
    assert!(line.contains("signed a checkpoint at record 7"), "{line}");

    let appended = case("record-appended.jsonl", &|l| {
        let mut extra = l[6].clone();
        extra["seq"] = json!(8);
        extra["record_id"] = json!("01a2e6c4-0000-7000-8000-000000000008");
        extra["prev_hash"] = l[7]["entry_hash"].clone();
        rehash(&mut extra);
        l.push(extra);
    });
    let line = both_catch(&appended, None, "line 9, record 8");
    assert!(line.contains("no kiosk checkpoint covers it"), "{line}");

    let rewritten = case("tail-rewritten.jsonl", &|l| {
        rename(&mut l[5], "Mallory Ellis");
        relink_from(l, 5);
    });
    let line = both_catch(&rewritten, None, "line 8, record 7");
    assert!(line.contains("not the record the kiosk signed"), "{line}");

    let forged_signature = case("checkpoint-signature-altered.jsonl", &|l| {
        let signature = l[0]["checkpoint"]["signature"].as_str().unwrap();
        let flipped = if signature.starts_with('0') { "1" } else { "0" };
        l[0]["checkpoint"]["signature"] = json!(format!("{flipped}{}", &signature[1..]));
    });
    let line = both_catch(&forged_signature, None, "line 8, record 7");
    assert!(line.contains("signature is not this kiosk's"), "{line}");

    // The whole tail rewritten and re-signed with another key, named in the
    // header: consistent in itself, so only the true key catches it.
    let mallory = SigningKey::from_bytes(&[7; 32]);
    let key_swapped = case("public-key-swapped.jsonl", &|l| {
        rename(&mut l[5], "Mallory Ellis");
        let head = relink_from(l, 5);
        let public = mallory.verifying_key();
        l[0]["public_key"] = json!(hex::encode(public.as_bytes()));
        l[0]["key_fingerprint"] = json!(signbook_core::device::key_fingerprint(&public));
        sign_checkpoint(&mallory, &mut l[0], &head);
    });
    let line = both_pass(&key_swapped, None);
    assert!(line.starts_with("intact: "), "consistent without the key: {line}");
    let line = both_catch(&key_swapped, Some(&fx.public_key), "line 1, the header");
    assert!(line.contains("not the key you trust"), "{line}");
}

/// Record format version 2: an erasure is an entry of the signed chain, so
/// someone holding only the file cannot fake one, move its time, or drop it.
#[test]
fn faked_moved_or_removed_erasures_are_caught_by_both_verifiers() {
    let fx = Fixture::new();
    let original = fx.lines("all.jsonl");
    let case = |name: &str, edit: &dyn Fn(&mut Vec<Value>)| -> PathBuf {
        let mut lines = original.clone();
        edit(&mut lines);
        fx.write(name, &lines)
    };
    // Record 3 (line 4), alive, made to look like record 4's tombstone: its
    // hash still holds (only digests are hashed), but no erasure entry names it.
    let faked = case("live-record-faked-as-tombstone.jsonl", &|l| {
        for key in ["name", "organisation", "name_salt", "organisation_salt", "signature_salt", "signature_png_base64"]
        {
            l[3][key] = Value::Null;
        }
        l[3]["status"] = json!("erased");
        l[3]["erased_at"] = l[4]["erased_at"].clone();
    });
    let line = both_catch(&faked, None, "line 4, record 3");
    assert!(line.contains("no erasure entry in the chain names it"), "{line}");

    let moved = case("erasure-time-changed.jsonl", &|l| {
        l[7]["erased_at"] = json!("2025-01-01T00:00:00.000Z");
        l[4]["erased_at"] = json!("2025-01-01T00:00:00.000Z");
    });
    let line = both_catch(&moved, None, "line 8, record 7");
    assert!(line.contains("was altered"), "{line}");
    // The record line's own (unhashed) copy of the time must agree with the entry.
    let copy_moved = case("erased-at-changed.jsonl", &|l| l[4]["erased_at"] = json!("2025-01-01T00:00:00.000Z"));
    let line = both_catch(&copy_moved, None, "line 5, record 4");
    assert!(line.contains("its erased_at was altered"), "{line}");

    let removed = case("erasure-entry-removed.jsonl", &|l| {
        l.remove(7);
    });
    let line = both_catch(&removed, None, "line 7, record 6");
    assert!(line.contains("signed a checkpoint at record 7"), "{line}");
    // Relabelled as an export of record format 1 (before erasure entries):
    // the signed head still counts the entry.
    let relabelled = case("erasure-entry-removed-as-format-1.jsonl", &|l| {
        l.remove(7);
        l[0]["record_format"] = json!(1);
    });
    both_catch(&relabelled, None, "line 7, record 6");
}

#[test]
fn a_filtered_export_is_complete_for_its_range_and_a_left_out_record_is_caught() {
    let fx = Fixture::new();
    let lines = fx.lines("governors.jsonl");
    let kinds: Vec<&str> = lines[1..].iter().map(|l| l["kind"].as_str().unwrap()).collect();
    // Governors since 2026-01-01 are records 3 and 5; record 2 is a governor too, but from 2025.
    // The erasure entry of record 4 is in every export: it holds no personal data.
    assert_eq!(kinds, ["omitted", "omitted", "record", "omitted", "record", "omitted", "erasure"]);
    for omitted in lines[1..].iter().filter(|l| l["kind"] == "omitted") {
        for private in ["name", "organisation", "name_salt", "signature_salt", "signature_png_base64", "reference"] {
            assert!(omitted.get(private).is_none(), "an omitted line carries no {private}: {omitted}");
        }
    }
    let line = both_pass(&fx.path("governors.jsonl"), Some(&fx.public_key));
    assert!(line.starts_with("intact: 2 records (0 erased) and 4 omitted"), "{line}");

    let case = |name: &str, edit: &dyn Fn(&mut Vec<Value>)| -> PathBuf {
        let mut tampered = lines.clone();
        edit(&mut tampered);
        fx.write(name, &tampered)
    };
    let removed = case("governor-removed.jsonl", &|l| {
        l.remove(5);
    });
    both_catch(&removed, None, "line 6, record 5");

    // Subtler: record 3 turned into an omitted line, so the chain still links.
    let withheld = case("governor-withheld.jsonl", &|l| {
        let full = l[3].as_object().unwrap().clone();
        let keep = [
            "seq",
            "record_id",
            "device_id",
            "prev_hash",
            "agreement_hash",
            "role",
            "signed_at_utc",
            "utc_offset",
            "name_digest",
            "organisation_digest",
            "signature_digest",
            "record_hash",
        ];
        let mut omitted: serde_json::Map<String, Value> =
            full.into_iter().filter(|(k, _)| keep.contains(&k.as_str())).collect();
        omitted.insert("kind".into(), json!("omitted"));
        l[3] = Value::Object(omitted);
    });
    let line = both_catch(&withheld, None, "line 4, record 3");
    assert!(line.contains("within the export's range but the export leaves it out"), "{line}");

    // Or its role relabelled to hide it: the hash gives it away.
    let relabelled = case("governor-relabelled.jsonl", &|l| {
        l[3]["kind"] = json!("omitted");
        l[3]["role"] = json!("visitor");
    });
    both_catch(&relabelled, None, "line 4, record 3");
}

#[test]
fn a_file_that_is_not_a_version_2_export_exits_2_naming_why() {
    let fx = Fixture::new();
    let lines = fx.lines("all.jsonl");
    let v1 = fx.write("version-1.jsonl", &lines[1..]);
    let mut newer = lines.clone();
    newer[0]["signbook_export"] = json!(3);
    let newer = fx.write("version-3.jsonl", &newer);
    std::fs::write(fx.path("empty.jsonl"), "").unwrap();
    for (file, says) in [
        (v1, "version 1 export"),
        (newer, "version 3"),
        (fx.path("empty.jsonl"), "empty"),
        (fx.path("missing.jsonl"), "cannot read"),
    ] {
        for (who, v) in [("signbook", signbook_verify(&file, None)), ("recompute.py", recompute_verify(&file, None))] {
            assert_eq!(v.code, 2, "{who}: {v:?}");
            assert!(v.first_line.contains(says), "{who} names why: {v:?}");
        }
    }
    let bad_key = signbook_verify(&fx.path("all.jsonl"), Some("not-a-key"));
    assert_eq!(bad_key.code, 2, "{bad_key:?}");
}

/// The two verifiers stay in step on damage nobody planned: one byte
/// changed at spread-out places of every line (mostly where the fields
/// are, not inside the images), both must give the same exit code and name
/// the same first broken entry.
#[test]
fn both_verifiers_agree_on_single_byte_damage_anywhere() {
    let fx = Fixture::new();
    let mut broken = 0;
    for export in ["all.jsonl", "governors.jsonl"] {
        let text = std::fs::read(fx.path(export)).unwrap();
        let starts: Vec<usize> = std::iter::once(0)
            .chain(text.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1))
            .collect();
        for k in 0..32usize {
            let start = starts[k % (starts.len() - 1)];
            let end = starts[k % (starts.len() - 1) + 1] - 1;
            let pos = start + (k * 97) % (end - start).min(1500);
            let mut damaged = text.clone();
            damaged[pos] = b"0f\"{:,Z-"[k % 8];
            let file = fx.path("damaged.jsonl");
            std::fs::write(&file, &damaged).unwrap();
            let (ours, theirs) = (signbook_verify(&file, None), recompute_verify(&file, None));
            // "line L, record N" or "line 1, the header", from "BROKEN: line L, record N (id): ...".
            let entry = |v: &Verdict| {
                let named = v.first_line.strip_prefix("BROKEN: ").unwrap_or_default();
                named.split(':').next().unwrap_or_default().split(" (").next().unwrap_or_default().to_owned()
            };
            assert_eq!(ours.code, theirs.code, "byte {pos} of {export}: {ours:?} {theirs:?}");
            if ours.code == 1 {
                broken += 1;
                assert!(entry(&ours).starts_with("line "), "{ours:?}");
                assert_eq!(entry(&ours), entry(&theirs), "byte {pos} of {export}: {ours:?} {theirs:?}");
            }
        }
    }
    assert!(broken >= 32, "most single-byte damage is caught: {broken} of 64");
}

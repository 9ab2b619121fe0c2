#!/usr/bin/env python3
"""Recompute Signbook record hashes independently of Signbook's own code.

Uses only the Python standard library (hashlib), following
docs/record-format.md. Four uses:

    python3 recompute.py vectors crates/core/tests/golden/vectors.json
    python3 recompute.py vectors crates/core/tests/golden/vectors-v2.json   # erasure entries
    python3 recompute.py vectors crates/core/tests/golden/vectors-v3.json   # held entries
    python3 recompute.py verify-export signatures.jsonl [--key HEX|FILE]
    python3 recompute.py verify-export evidence-pack.zip [--key HEX|FILE]...   # evidence_zip.py
    python3 recompute.py export old-signatures.jsonl   # a version 1 export: hashes and links only
    python3 recompute.py office-statement PACK   # an evidence pack (ZIP or unzipped folder)

`verify-export` checks an export (version 2, `signbook export --format
jsonl`) from the file alone, exactly as `signbook verify-export` does and in
the same order: section 11 of docs/record-format.md. It prints "intact" and
exits 0, or names the first broken entry ("line L, record N: ...") and exits
1; 2 when the file cannot be read. Checkpoint signatures (Ed25519) are
checked when the `cryptography` package is installed; otherwise that step is
reported as skipped (and nothing proves who signed the head).
"""
import base64
import binascii
import datetime
import hashlib
import json
import re
import sys

# Importing normalise.py must not leave a __pycache__ in the auditor's folder.
sys.dont_write_bytecode = True

ZERO = "0" * 64


def field_digest(label, salt_hex, value):
    h = hashlib.sha256()
    h.update(b"signbook-field-v1\x00" + label.encode() + b"\x00")
    h.update(bytes.fromhex(salt_hex))
    h.update(value)
    return h.hexdigest()


def offset(minutes):
    sign = "-" if minutes < 0 else "+"
    m = abs(minutes)
    return f"{sign}{m // 60:02d}:{m % 60:02d}"


def canonical(r):
    organisation = r["organisation_digest"] or "-"
    return (
        "signbook-record-v1\n"
        f"id:{r['id']}\ndevice:{r['device']}\nseq:{r['seq']}\nprev:{r['prev']}\n"
        f"agreement:{r['agreement']}\nrole:{r['role']}\nsigned_at:{r['signed_at']}\n"
        f"utc_offset:{r['utc_offset']}\nname:{r['name_digest']}\n"
        f"organisation:{organisation}\nsignature:{r['signature_digest']}\n"
    ).encode("utf-8")


def canonical_erasure(e):
    """The record format version 2 erasure entry encoding (section 13)."""
    return (
        "signbook-erasure-v2\n"
        f"id:{e['id']}\ndevice:{e['device']}\nseq:{e['seq']}\nprev:{e['prev']}\n"
        f"target_seq:{e['target_seq']}\ntarget:{e['target']}\nerased_at:{e['erased_at']}\n"
        f"recorded_at:{e['recorded_at']}\nrequested_by:{e['requested_by']}\nreason:{e['reason']}\n"
    ).encode("utf-8")


def canonical_held(e):
    """The record format version 3 held entry encoding (section 14)."""
    return (
        "signbook-held-v1\n"
        f"id:{e['id']}\ndevice:{e['device']}\nseq:{e['seq']}\nprev:{e['prev']}\n"
        f"target_seq:{e['target_seq']}\ntarget:{e['target']}\nremoved_at:{e['removed_at']}\n"
        f"acknowledged_at:{e['acknowledged_at']}\n"
        f"office_certificate_sha256:{e['office_certificate_sha256']}\n"
    ).encode("utf-8")


def check_vectors(path):
    # normalise.py sits beside this file; imported here so that
    # recompute.py copied alone still verifies exports.
    from normalise import canonical_agreement
    data = json.load(open(path, encoding="utf-8"))
    if data.get("format") == "signbook-erasure-v2":
        return check_vectors_v2(path, data)
    if data.get("format") == "signbook-held-v1":
        return check_vectors_v3(path, data)
    agreement = data["agreement"]
    if canonical_agreement(agreement["as_typed"]) != agreement["canonical"]:
        return "agreement canonical text differs"
    if hashlib.sha256(agreement["canonical"].encode()).hexdigest() != agreement["hash"]:
        return "agreement hash differs"
    prev = ZERO
    for v in data["records"]:
        i, e = v["input"], v["expected"]
        png = bytes.fromhex(i["signature_png_hex"])
        r = dict(i, utc_offset=offset(i["utc_offset_minutes"]), prev=prev,
                 name_digest=field_digest("name", i["name_salt"], i["name"].encode()),
                 organisation_digest=i["organisation"] and field_digest("organisation", i["organisation_salt"], i["organisation"].encode()),
                 signature_digest=field_digest("signature", i["signature_salt"], png))
        for key in ("name_digest", "organisation_digest", "signature_digest"):
            if r[key] != e[key]:
                return f"record {i['seq']}: {key} differs"
        if canonical(r).decode() != e["canonical"]:
            return f"record {i['seq']}: canonical encoding differs"
        if hashlib.sha256(canonical(r)).hexdigest() != e["record_hash"]:
            return f"record {i['seq']}: record hash differs"
        if reference(e["record_hash"]) != e["reference"]:
            return f"record {i['seq']}: reference code differs"
        prev = e["record_hash"]
    problem = check_normalisation(data["normalisation"])
    if problem:
        return problem
    cp = data["checkpoint"]
    message = f"signbook-checkpoint-v1\ndevice:{cp['device']}\nseq:{cp['seq']}\nhead:{cp['head']}\n"
    if message != cp["message"] or cp["head"] != prev:
        return "checkpoint message differs"
    return verify_ed25519(cp["public_key_hex"], cp["signature_hex"], message.encode())


def check_vectors_v2(path, data):
    """Record format version 2: a chain of the version 1 vectors' records
    followed by erasure entries, and the checkpoint over its head."""
    import os
    v1 = json.load(open(os.path.join(os.path.dirname(path), data["records_from"]), encoding="utf-8"))
    hashes = {v["input"]["seq"]: v["expected"]["record_hash"] for v in v1["records"]}
    prev, seq = hashes[max(hashes)], max(hashes)
    for v in data["erasures"]:
        i, e = v["input"], v["expected"]
        seq += 1
        if i["seq"] != seq:
            return f"erasure entry {i['seq']}: expected seq {seq}"
        if hashes.get(i["target_seq"]) != i["target"]:
            return f"erasure entry {seq}: its target is not record {i['target_seq']} of the chain"
        if not REQUESTED_BY.fullmatch(i["requested_by"]) or i["reason"] not in REASONS:
            return f"erasure entry {seq}: requested_by or reason is not in its written form"
        entry = dict(i, prev=prev)
        if canonical_erasure(entry).decode() != e["canonical"]:
            return f"erasure entry {seq}: canonical encoding differs"
        if hashlib.sha256(canonical_erasure(entry)).hexdigest() != e["entry_hash"]:
            return f"erasure entry {seq}: entry hash differs"
        prev = e["entry_hash"]
    cp = data["checkpoint"]
    message = f"signbook-checkpoint-v1\ndevice:{cp['device']}\nseq:{cp['seq']}\nhead:{cp['head']}\n"
    if message != cp["message"] or cp["head"] != prev or cp["seq"] != seq:
        return "checkpoint message differs"
    return verify_ed25519(cp["public_key_hex"], cp["signature_hex"], message.encode())


def check_vectors_v3(path, data):
    """Record format version 3: a chain of the version 1 vectors' records
    followed by held entries, and the checkpoint over its head."""
    import os
    v1 = json.load(open(os.path.join(os.path.dirname(path), data["records_from"]), encoding="utf-8"))
    hashes = {v["input"]["seq"]: v["expected"]["record_hash"] for v in v1["records"]}
    prev, seq = hashes[max(hashes)], max(hashes)
    held = set()
    for v in data["held"]:
        i, e = v["input"], v["expected"]
        seq += 1
        if i["seq"] != seq:
            return f"held entry {i['seq']}: expected seq {seq}"
        if hashes.get(i["target_seq"]) != i["target"] or i["target_seq"] in held:
            return f"held entry {seq}: its target is not a record of the chain not held before"
        held.add(i["target_seq"])
        entry = dict(i, prev=prev)
        if canonical_held(entry).decode() != e["canonical"]:
            return f"held entry {seq}: canonical encoding differs"
        if hashlib.sha256(canonical_held(entry)).hexdigest() != e["entry_hash"]:
            return f"held entry {seq}: entry hash differs"
        prev = e["entry_hash"]
    cp = data["checkpoint"]
    message = f"signbook-checkpoint-v1\ndevice:{cp['device']}\nseq:{cp['seq']}\nhead:{cp['head']}\n"
    if message != cp["message"] or cp["head"] != prev or cp["seq"] != seq:
        return "checkpoint message differs"
    return verify_ed25519(cp["public_key_hex"], cp["signature_hex"], message.encode())


def check_normalisation(vectors):
    """Names, organisations and agreement texts as typed, against what
    normalise.py (written from the doc) makes of them."""
    from normalise import canonical_agreement, normalise_name, normalise_organisation
    for kind, normalise in (("name", normalise_name), ("organisation", normalise_organisation)):
        for v in vectors[kind + "s"]:
            normalised, refused = normalise(v["as_typed"])
            if normalised != v.get("normalised") or refused != v.get("refused"):
                expected = v.get("normalised", v.get("refused"))
                return f"{kind} {v['as_typed']!r} ({v['description']}): expected {expected!r}, got {normalised or refused!r}"
    for v in vectors["agreements"]:
        canonical = canonical_agreement(v["as_typed"])
        if canonical != v["canonical"]:
            return f"agreement {v['as_typed']!r} ({v['description']}): canonical text differs"
        expected_hash = hashlib.sha256(canonical.encode()).hexdigest() if canonical else None
        if expected_hash != v["hash"]:
            return f"agreement {v['as_typed']!r} ({v['description']}): hash differs"
    return None


def reference(record_hash):
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    bits = int(record_hash[:10], 16)
    code = "".join(alphabet[(bits >> (5 * i)) & 31] for i in range(7, -1, -1))
    return code[:4] + "-" + code[4:]


def verify_ed25519(public_key_hex, signature_hex, message):
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        print("checkpoint signature: skipped (pip install cryptography to check it)")
        return None
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex)).verify(bytes.fromhex(signature_hex), message)
    except Exception:
        return "checkpoint signature is not valid"
    print("checkpoint signature: valid")
    return None


def check_export(path):
    """A version 1 export (no header): hashes, digests and links only."""
    prev, expected_seq = ZERO, None
    for line_no, line in enumerate(open(path, encoding="utf-8"), 1):
        x = json.loads(line)
        seq = x["seq"]
        if expected_seq is not None and seq != expected_seq:
            return f"record {expected_seq}: missing (the export jumps to {seq})"
        if expected_seq is not None and x["prev_hash"] != prev:
            return f"record {seq}: does not link to record {seq - 1}"
        if x["status"] == "signed":
            png = base64.b64decode(x["signature_png_base64"])
            if field_digest("name", x["name_salt"], x["name"].encode()) != x["name_digest"]:
                return f"record {seq}: name does not match its digest"
            org = x["organisation"]
            if (org and field_digest("organisation", x["organisation_salt"], org.encode())) != x["organisation_digest"]:
                return f"record {seq}: organisation does not match its digest"
            if field_digest("signature", x["signature_salt"], png) != x["signature_digest"]:
                return f"record {seq}: signature image does not match its digest"
        r = dict(id=x["record_id"], device=x["device_id"], seq=seq, prev=x["prev_hash"], agreement=x["agreement_hash"],
                 role=x["role"], signed_at=x["signed_at_utc"], utc_offset=x["utc_offset"], name_digest=x["name_digest"],
                 organisation_digest=x["organisation_digest"], signature_digest=x["signature_digest"])
        if hashlib.sha256(canonical(r)).hexdigest() != x["record_hash"]:
            return f"record {seq}: contents do not match its hash"
        prev, expected_seq = x["record_hash"], seq + 1
    return None


# ---- verify-export: a version 2 export checked from the file alone ----
# Each check below mirrors crates/core/src/export/verify.rs, in the same order,
# so both name the same first broken entry.

HEX64 = re.compile(r"[0-9a-f]{64}")
HEX32 = re.compile(r"[0-9a-f]{32}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
OFFSET = re.compile(r"[+-](\d{2}):(\d{2})")
ROLE = re.compile(r"[a-z][a-z0-9_-]{0,31}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
REQUESTED_BY = re.compile(r"kiosk-admin|office|v1-log|office-staff:(0|[1-9][0-9]{0,19})")
REASONS = ("request", "retention", "other")
HELD_KEYS = {"kind", "seq", "entry_id", "device_id", "prev_hash", "target_seq", "target_hash", "removed_at",
             "acknowledged_at", "office_certificate_sha256", "entry_hash"}
ERASURE_KEYS = {"kind", "seq", "entry_id", "device_id", "prev_hash", "target_seq", "target_hash", "erased_at",
                "recorded_at", "requested_by", "reason", "entry_hash"}


class Unreadable(Exception):
    """The file cannot be verified at all (exit 2)."""


class Broken(Exception):
    """The first broken entry (exit 1)."""

    def __init__(self, line, seq, text):
        where = "the header" if seq is None else f"record {seq}"
        super().__init__(f"line {line}, {where}: {text}")


def fingerprint(key_hex):
    digest = hashlib.sha256(bytes.fromhex(key_hex)).hexdigest()[:20]
    return " ".join(digest[i:i + 4] for i in range(0, 20, 4))


def ed25519_valid(key_hex, signature_hex, message):
    """True or False; None when `cryptography` is not installed."""
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return None
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex)).verify(bytes.fromhex(signature_hex), message)
        return True
    except Exception:
        return False


def strict(x, key, pattern, what):
    value = x[key]
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f"{key}: {value!r} is not {what}")
    return value


def utc_time(text):
    if not isinstance(text, str) or not UTC.fullmatch(text):
        raise ValueError(f"{text!r} is not a UTC time written YYYY-MM-DDTHH:MM:SS.mmmZ")
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")


def offset_minutes(text):
    m = OFFSET.fullmatch(text) if isinstance(text, str) else None
    minutes = m and (-1 if text[0] == "-" else 1) * (int(m[1]) * 60 + int(m[2]))
    if not m or offset(minutes) != text:
        raise ValueError(f"{text!r} is not an offset written +HH:MM or -HH:MM")
    return minutes


def read_header(first):
    try:
        h = json.loads(first)
    except ValueError as e:
        raise Unreadable(f"line 1 is not a Signbook export header ({e})")
    if not isinstance(h, dict) or "signbook_export" not in h:
        if isinstance(h, dict) and "record_hash" in h:
            raise Unreadable("this is a version 1 export (no header line): it carries no checkpoint or public key, "
                             "so nothing can prove it complete; `recompute.py export` checks its hashes")
        raise Unreadable("line 1 is not a Signbook export header (no \"signbook_export\" key)")
    version = h["signbook_export"]
    if not isinstance(version, int) or version < 2:
        raise Unreadable(f"line 1 is not a Signbook export header (unknown export version {version!r})")
    if version > 2:
        raise Unreadable(f"this export uses export format version {version}; this verifier reads version 2")
    for key, known in (("record_format", (1, 2, 3)), ("checkpoint_format", (1,))):
        if h.get(key) not in known or isinstance(h.get(key), bool):
            raise Unreadable(f"this export uses {key.replace('_', ' ')} version {h.get(key)!r}; this verifier reads "
                             + " or ".join(map(str, known)))
    # The header's shape (as Signbook's parser demands it); its values are checked later.
    for key in ("device_id", "public_key", "key_fingerprint", "exported_at"):
        if not isinstance(h.get(key), str):
            raise Unreadable(f"line 1 is not a Signbook export header (missing or not text: `{key}`)")
    f, cp = h.get("filter"), h.get("checkpoint")
    if not isinstance(f, dict) or any(not (f.get(k) is None or isinstance(f[k], str)) for k in ("role", "since", "until")):
        raise Unreadable("line 1 is not a Signbook export header (`filter` is not an object of texts or nulls)")
    if cp is not None and not (isinstance(cp, dict) and isinstance(cp.get("seq"), int) and not isinstance(cp["seq"], bool)
                               and cp["seq"] >= 0 and isinstance(cp.get("head"), str)
                               and isinstance(cp.get("signature"), str)):
        raise Unreadable("line 1 is not a Signbook export header (`checkpoint` lacks its seq, head or signature)")
    return h


def check_header(h, trusted):
    def bad(text):
        return Broken(1, None, text)
    try:
        device = strict(h, "device_id", UUID, "a lowercase hyphenated UUID")
        key = strict(h, "public_key", HEX64, "64 lowercase hex digits")
    except (ValueError, KeyError) as e:
        raise bad(str(e))
    if fingerprint(key) != h.get("key_fingerprint"):
        raise bad(f"key_fingerprint {h.get('key_fingerprint')!r} is not the fingerprint of its public key ({fingerprint(key)})")
    if trusted is not None and trusted != key:
        raise bad(f"it names the kiosk key {h['key_fingerprint']}, not the key you trust ({fingerprint(trusted)})")
    cp = h.get("checkpoint")
    if cp is not None:
        if not isinstance(cp.get("head"), str) or not HEX64.fullmatch(cp["head"]):
            raise bad("checkpoint head is not 64 lowercase hex digits")
        if not isinstance(cp.get("signature"), str) or not re.fullmatch(r"[0-9a-fA-F]{128}", cp["signature"]):
            raise bad("checkpoint signature is not 128 hex digits")
    f = h.get("filter") or {}
    for end in ("since", "until"):
        day = f.get(end)
        if day is not None:
            try:
                if not DATE.fullmatch(day):
                    raise ValueError
                datetime.date.fromisoformat(day)
            except (ValueError, TypeError):
                raise bad(f"filter {end} {day!r} is not a YYYY-MM-DD date")
    if f.get("role") is not None and not (isinstance(f["role"], str) and ROLE.fullmatch(f["role"])):
        raise bad(f"filter role {f['role']!r} is not a role identifier")
    return device, key, cp, f


def in_range(f, x, minutes):
    day = (utc_time(x["signed_at_utc"]) + datetime.timedelta(minutes=minutes)).date().isoformat()
    return ((f.get("since") is None or day >= f["since"]) and (f.get("until") is None or day <= f["until"])
            and (f.get("role") is None or x["role"] == f["role"]))


def read_line(raw):
    """The line's fields in their strict forms; raises ValueError (with the seq when known)."""
    x = json.loads(raw)
    if isinstance(x, dict) and not all(k in x for k in RECORD_KEYS):
        erasure = read_erasure_line(x)
        if erasure is not None:
            return erasure, "erasure", None, None
        held = read_held_line(x)
        if held is not None:
            return held, "held", None, None
    for key in ("seq", "record_id", "device_id", "prev_hash", "agreement_hash", "role", "signed_at_utc",
                "utc_offset", "name_digest", "signature_digest", "record_hash"):
        if key not in x:
            raise ValueError(f"not a record line: missing field `{key}`")
    if not isinstance(x["seq"], int) or isinstance(x["seq"], bool) or x["seq"] < 0:
        raise ValueError("not a record line: seq is not a whole number")
    try:
        strict(x, "record_id", UUID, "a lowercase hyphenated UUID")
        strict(x, "device_id", UUID, "a lowercase hyphenated UUID")
        strict(x, "prev_hash", HEX64, "64 lowercase hex digits")
        strict(x, "agreement_hash", HEX64, "64 lowercase hex digits")
        utc_time(x["signed_at_utc"])
        minutes = offset_minutes(x["utc_offset"])
        strict(x, "name_digest", HEX64, "64 lowercase hex digits")
        if x.get("organisation_digest") is not None:
            strict(x, "organisation_digest", HEX64, "64 lowercase hex digits")
        strict(x, "signature_digest", HEX64, "64 lowercase hex digits")
        strict(x, "record_hash", HEX64, "64 lowercase hex digits")
        kind = x.get("kind")
        if kind not in ("record", "omitted"):
            raise ValueError(f"its kind is {kind!r}, not \"record\" or \"omitted\"")
        personal = None
        if kind == "record":
            if x.get("name") is None:
                if x.get("organisation") is not None or x.get("signature_png_base64") is not None:
                    raise ValueError("personal data: an organisation or signature without a name")
            else:
                for key in ("name_salt", "signature_salt") + (("organisation_salt",) if x.get("organisation") is not None else ()):
                    if x.get(key) is None:
                        raise ValueError(f"personal data: missing {key}")
                    strict(x, key, HEX32, "32 lowercase hex digits")
                if x.get("signature_png_base64") is None:
                    raise ValueError("personal data: a name without a signature image")
                personal = base64.b64decode(x["signature_png_base64"], validate=True)
            if x.get("erased_at") is not None:
                try:
                    utc_time(x["erased_at"])
                except ValueError as e:
                    raise ValueError(f"erased_at: {e}")
        return x, kind, minutes, personal
    except (ValueError, binascii.Error) as e:
        raise ValueError(str(e), x["seq"])


RECORD_KEYS = ("seq", "record_id", "device_id", "prev_hash", "agreement_hash", "role", "signed_at_utc",
               "utc_offset", "name_digest", "signature_digest", "record_hash")


def read_erasure_line(x):
    """An erasure line's fields in their strict forms, or None when the
    line is not shaped as one (then it is read as a record line)."""
    def whole(v):
        return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2 ** 64
    if (set(x) != ERASURE_KEYS or x["kind"] != "erasure" or not whole(x["seq"]) or not whole(x["target_seq"])
            or not all(isinstance(x[k], str) for k in ERASURE_KEYS - {"seq", "target_seq"})):
        return None
    try:
        strict(x, "entry_id", UUID, "a lowercase hyphenated UUID")
        strict(x, "device_id", UUID, "a lowercase hyphenated UUID")
        strict(x, "prev_hash", HEX64, "64 lowercase hex digits")
        strict(x, "target_hash", HEX64, "64 lowercase hex digits")
        for key in ("erased_at", "recorded_at"):
            try:
                utc_time(x[key])
            except ValueError as e:
                raise ValueError(f"{key}: {e}")
        if not REQUESTED_BY.fullmatch(x["requested_by"]) or (
                x["requested_by"].startswith("office-staff:") and int(x["requested_by"][13:]) >= 2 ** 64):
            raise ValueError(f"requested_by: {x['requested_by']!r} is not kiosk-admin, office, office-staff:<number> or v1-log")
        if x["reason"] not in REASONS:
            raise ValueError(f"reason: {x['reason']!r} is not a reason category (request, retention or other)")
        strict(x, "entry_hash", HEX64, "64 lowercase hex digits")
    except ValueError as e:
        raise ValueError(str(e), x["seq"])
    return x


def read_held_line(x):
    """A held line's fields in their strict forms (record format 3), or None
    when the line is not shaped as one."""
    def whole(v):
        return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2 ** 64
    if (set(x) != HELD_KEYS or x["kind"] != "held" or not whole(x["seq"]) or not whole(x["target_seq"])
            or not all(isinstance(x[k], str) for k in HELD_KEYS - {"seq", "target_seq"})):
        return None
    try:
        strict(x, "entry_id", UUID, "a lowercase hyphenated UUID")
        strict(x, "device_id", UUID, "a lowercase hyphenated UUID")
        strict(x, "prev_hash", HEX64, "64 lowercase hex digits")
        strict(x, "target_hash", HEX64, "64 lowercase hex digits")
        for key in ("removed_at", "acknowledged_at"):
            try:
                utc_time(x[key])
            except ValueError as e:
                raise ValueError(f"{key}: {e}")
        strict(x, "office_certificate_sha256", HEX64, "64 lowercase hex digits")
        strict(x, "entry_hash", HEX64, "64 lowercase hex digits")
    except ValueError as e:
        raise ValueError(str(e), x["seq"])
    return x


def walk(lines, h, trusted, rules=None):
    """Raises Broken at the first broken entry; returns the counts. `rules`
    (an evidence pack's chain file, evidence_zip.py): `vouched` tombstones
    the office's signed statements cover, `narrowed` (in-range omitted lines
    counted in `withheld`, not refused); `record_lines` is filled in."""
    device, key, cp, f = check_header(h, trusted)
    checkpoints = {cp["seq"]: cp} if cp else {}
    last_seq, prev, line_no = 0, ZERO, 1
    counts = {"record": 0, "erased": 0, "omitted": 0, "erasure": 0, "held": 0}
    entries_required = h["record_format"] >= 2
    # seq -> ("record", hash, state, held) or ("entry",); state: data, erased,
    # erased_by_entry, withheld, unlogged (no data, no erasure: only a held entry may account for it)
    seen = {}
    erased_lines = {}  # tombstone record lines: seq -> (line, erased_at), until their erasure entry
    for raw in lines:
        line_no += 1
        try:
            x, kind, minutes, png = read_line(raw)
        except ValueError as e:
            seq = e.args[1] if len(e.args) > 1 else last_seq + 1
            raise Broken(line_no, seq, f"the line cannot be read: {e.args[0]}")
        seq = x["seq"]
        if kind == "erasure" and not entries_required:
            raise Broken(line_no, seq, "the line cannot be read: an erasure entry in an export of record format 1")
        if kind == "held" and h["record_format"] < 3:
            raise Broken(line_no, seq, "the line cannot be read: a held entry in an export of record format 1 or 2")
        if seq < last_seq + 1:
            raise Broken(line_no, seq, f"appears again after record {last_seq}")
        if seq != last_seq + 1:
            raise Broken(line_no, last_seq + 1, f"is missing (the chain jumps to {seq})")
        if x["device_id"] != device:
            raise Broken(line_no, seq, f"names another kiosk ({x['device_id']})")
        if x["prev_hash"] != prev:
            raise Broken(line_no, seq, f"does not link to record {seq - 1}")
        if kind == "erasure":
            walk_erasure(x, line_no, seen, erased_lines, checkpoints, device, key)
            prev, last_seq = x["entry_hash"], seq
            counts["erasure"] += 1
            continue
        if kind == "held":
            walk_held(x, line_no, seen, erased_lines, checkpoints, device, key,
                      keep_data=bool(rules and rules.get("held_keep_data")))
            prev, last_seq = x["entry_hash"], seq
            counts["held"] += 1
            continue
        r = dict(id=x["record_id"], device=x["device_id"], seq=seq, prev=x["prev_hash"], agreement=x["agreement_hash"],
                 role=x["role"], signed_at=x["signed_at_utc"], utc_offset=x["utc_offset"], name_digest=x["name_digest"],
                 organisation_digest=x.get("organisation_digest"), signature_digest=x["signature_digest"])
        if hashlib.sha256(canonical(r)).hexdigest() != x["record_hash"]:
            raise Broken(line_no, seq, "was altered: its contents do not match its hash")
        if kind == "record":
            erased = x.get("erased_at") is not None
            if x.get("name") is not None and not erased:
                if field_digest("name", x["name_salt"], x["name"].encode()) != x["name_digest"]:
                    raise Broken(line_no, seq, "was altered: the name no longer matches its digest")
                org = x.get("organisation")
                if (org and field_digest("organisation", x["organisation_salt"], org.encode())) != x.get("organisation_digest"):
                    raise Broken(line_no, seq, "was altered: the organisation no longer matches its digest")
                if field_digest("signature", x["signature_salt"], png) != x["signature_digest"]:
                    raise Broken(line_no, seq, "was altered: the signature no longer matches its digest")
            elif x.get("name") is None and not erased and not entries_required:
                raise Broken(line_no, seq, "has lost its personal data, but no erasure was recorded")
            elif x.get("name") is not None and erased:
                raise Broken(line_no, seq, "is logged as erased, but its personal data is still there")
            state = "data" if x.get("name") is not None else "erased" if erased else "unlogged"
        else:
            state = "withheld"
        check_checkpoint(checkpoints, seq, line_no, device, key, x["record_hash"])
        seen[seq] = ("record", x["record_hash"], state, False)
        prev, last_seq = x["record_hash"], seq
        selected = in_range(f, x, minutes)
        if kind == "omitted":
            if selected and rules and rules["narrowed"]:
                rules["withheld"] += 1
            elif selected:
                raise Broken(line_no, seq, "is within the export's range but the export leaves it out")
            counts["omitted"] += 1
            continue
        if not selected:
            raise Broken(line_no, seq, "is outside the export's range, yet exported in full")
        counts["record"] += 1
        counts["erased"] += x.get("erased_at") is not None
        if rules is not None:
            rules["record_lines"][seq] = (x["record_hash"], x.get("name") is None)
        if x.get("name") is None:
            erased_lines[seq] = (line_no, x.get("erased_at"))
        local = utc_time(x["signed_at_utc"]) + datetime.timedelta(minutes=minutes)
        status = "signed" if x.get("name") is not None else "erased" if x.get("erased_at") is not None else "held"
        for field, derived in (("reference", reference(x["record_hash"])),
                               ("signed_at_local", local.strftime("%Y-%m-%d %H:%M:%S")), ("status", status)):
            if x.get(field) != derived:
                raise Broken(line_no, seq, f"its {field} was altered (it does not match the record)")
    if any(s > last_seq for s in checkpoints):
        raise Broken(line_no, last_seq, f"is the last record, but the kiosk signed a checkpoint at record {cp['seq']}")
    if entries_required:
        vouched = rules["vouched"] if rules else set()
        waiting = sorted(s for s, v in seen.items()
                         if v[0] == "record" and v[2] in ("erased", "unlogged") and s not in vouched)
        if waiting and seen[waiting[0]][2] == "unlogged":
            raise Broken(erased_lines[waiting[0]][0], waiting[0], "has lost its personal data, but no erasure was recorded")
        if waiting:
            raise Broken(erased_lines[waiting[0]][0], waiting[0], "has lost its personal data, but no erasure entry "
                         "in the chain names it: it was erased without the kiosk key, or its erasure entry was removed")
    if last_seq > 0 and last_seq not in checkpoints:
        raise Broken(line_no, last_seq, "is the newest record but no kiosk checkpoint covers it")
    return counts


def walk_erasure(x, line_no, seen, erased_lines, checkpoints, device, key):
    """An erasure entry's hash, target and checkpoint (section 13)."""
    seq, target_seq = x["seq"], x["target_seq"]
    e = dict(id=x["entry_id"], device=x["device_id"], seq=seq, prev=x["prev_hash"], target_seq=target_seq,
             target=x["target_hash"], erased_at=x["erased_at"], recorded_at=x["recorded_at"],
             requested_by=x["requested_by"], reason=x["reason"])
    if hashlib.sha256(canonical_erasure(e)).hexdigest() != x["entry_hash"]:
        raise Broken(line_no, seq, "was altered: its contents do not match its hash")
    target = seen.get(target_seq)
    missing = None
    if target_seq >= seq:
        missing = "does not come before it in the chain"
    elif target is None:
        missing = "does not exist"
    elif target[0] == "entry":
        missing = "is itself an entry, not a record"
    elif target[1] != x["target_hash"]:
        missing = "has another hash than the one the entry names"
    elif target[2] == "erased_by_entry":
        missing = "an earlier erasure entry already erased"
    elif target[2] == "data":
        raise Broken(line_no, seq, f"is an erasure entry for record {target_seq}, "
                     "but that record's personal data is still there")
    elif target[2] == "unlogged":
        raise Broken(line_no, target_seq, "has lost its personal data, but no erasure was recorded")
    if missing:
        raise Broken(line_no, seq, f"is an erasure entry for record {target_seq}, which {missing}")
    check_checkpoint(checkpoints, seq, line_no, device, key, x["entry_hash"])
    seen[target_seq] = ("record", x["target_hash"], "erased_by_entry", False)
    seen[seq] = ("entry",)
    if target_seq in erased_lines:
        record_line, erased_at = erased_lines.pop(target_seq)
        if erased_at != x["erased_at"]:
            raise Broken(record_line, target_seq, "its erased_at was altered (it does not match its erasure entry)")


def walk_held(x, line_no, seen, erased_lines, checkpoints, device, key, keep_data=False):
    """A held entry's hash, target and checkpoint (section 14). An export
    does not say what the office acknowledged: that is checked at the kiosk.
    `keep_data`: the office's copy (an evidence pack's chain file), where the
    target keeps its personal data."""
    seq, target_seq = x["seq"], x["target_seq"]
    e = dict(id=x["entry_id"], device=x["device_id"], seq=seq, prev=x["prev_hash"], target_seq=target_seq,
             target=x["target_hash"], removed_at=x["removed_at"], acknowledged_at=x["acknowledged_at"],
             office_certificate_sha256=x["office_certificate_sha256"])
    if hashlib.sha256(canonical_held(e)).hexdigest() != x["entry_hash"]:
        raise Broken(line_no, seq, "was altered: its contents do not match its hash")
    target = seen.get(target_seq)
    missing = None
    if target_seq >= seq:
        missing = "does not come before it in the chain"
    elif target is None:
        missing = "does not exist"
    elif target[0] == "entry":
        missing = "is itself an entry, not a record"
    elif target[1] != x["target_hash"]:
        missing = "has another hash than the one the entry names"
    elif target[3]:
        missing = "an earlier held entry already named"
    elif target[2] == "erased_by_entry":
        missing = "an earlier erasure entry already erased"
    elif target[2] == "data" and not keep_data:
        raise Broken(line_no, seq, f"says record {target_seq} is held at the office, "
                     "but the kiosk still stores its personal data")
    if missing:
        raise Broken(line_no, seq, f"says record {target_seq} is held at the office, but that record {missing}")
    check_checkpoint(checkpoints, seq, line_no, device, key, x["entry_hash"])
    # An unlogged tombstone is accounted for (an erasure entry may still name it).
    state = "held" if target[2] == "unlogged" else target[2]
    seen[target_seq] = ("record", x["target_hash"], state, True)
    seen[seq] = ("entry",)
    if target_seq in erased_lines and erased_lines[target_seq][1] is None:
        erased_lines.pop(target_seq)


def check_checkpoint(checkpoints, seq, line_no, device, key, head):
    if seq in checkpoints:
        message = f"signbook-checkpoint-v1\ndevice:{device}\nseq:{seq}\nhead:{checkpoints[seq]['head']}\n".encode()
        valid = ed25519_valid(key, checkpoints[seq]["signature"], message)
        if valid is None:
            print("checkpoint signature: skipped (pip install cryptography to check it)")
        elif not valid:
            raise Broken(line_no, seq, "has a checkpoint whose signature is not this kiosk's")
        if checkpoints[seq]["head"] != head:
            raise Broken(line_no, seq, "is not the record the kiosk signed")


def read_trusted_key(arg):
    if not re.fullmatch(r"[0-9a-fA-F]{64}", arg):
        try:
            text = open(arg, encoding="utf-8").read().strip()
        except OSError as e:
            raise Unreadable(f"--key {arg!r} is neither 64 hex digits nor a readable file ({e})")
        arg = json.loads(text)["public_key"] if text.startswith("{") else text
    if not re.fullmatch(r"[0-9a-fA-F]{64}", arg.strip()):
        raise Unreadable("--key: not 64 hex digits")
    return arg.strip().lower()


def verify_export_main(args):
    keys = args[2::2]
    if not args or any(flag != "--key" for flag in args[1::2]) or len(args) % 2 != 1:
        print("usage: recompute.py verify-export FILE|PACK.zip [--key HEX|FILE]...")
        return 2
    try:
        with open(args[0], "rb") as file:
            is_zip = file.read(4) in (b"PK\x03\x04", b"PK\x05\x06")
    except OSError as e:
        print(f"error: cannot read {args[0]}: {e}")
        return 2
    if is_zip:
        # evidence_zip.py sits beside this file.
        import evidence_zip
        return evidence_zip.main(args[0], keys)
    if len(keys) > 1:
        print("error: a JSON Lines export is one kiosk's: give one --key (several are for an evidence pack)")
        return 2
    try:
        trusted = read_trusted_key(keys[0]) if keys else None
        with open(args[0], "rb") as file:
            first = file.readline()
            if not first:
                raise Unreadable("the file is empty; it is not a Signbook export")
            header = read_header(first)
            counts = walk(file, header, trusted)
    except Unreadable as e:
        print(f"error: {e}")
        return 2
    except OSError as e:
        print(f"error: cannot read the export: {e}")
        return 2
    except Broken as e:
        print(f"BROKEN: {e}")
        return 1
    held = f" and {counts['held']} held at the office (the kiosk removed its copy)" if counts["held"] else ""
    print(f"intact: {counts['record']} records ({counts['erased']} erased{held}) and {counts['omitted']} omitted as outside "
          f"the range, and {counts['erasure']} erasure entries, up to the signed head of kiosk {header['device_id']}")
    if trusted is None:
        print(f"NOT checked who signed the head: no --key given; the file names key {header['key_fingerprint']}")
    else:
        print(f"signed by the key you gave: {header['key_fingerprint']}")
    return 0



def office_statement_main(pack):
    # office_statement.py sits beside this file (see office_statement.py's docstring).
    import office_statement
    try:
        lines = office_statement.check(pack)
    except office_statement.Unreadable as e:
        print(f"error: {e}")
        return 2
    except office_statement.Broken as e:
        print(f"BROKEN: {e}")
        return 1
    print("\n".join(lines))
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "office-statement":
        return office_statement_main(argv[2])
    if len(argv) >= 3 and argv[1] == "verify-export":
        return verify_export_main(argv[2:])
    if len(argv) != 3 or argv[1] not in ("vectors", "export"):
        print(__doc__)
        return 2
    if argv[1] == "export" and b"signbook_export" in open(argv[2], "rb").readline():
        return verify_export_main(argv[2:])  # a version 2 file gets the full check
    problem = check_vectors(argv[2]) if argv[1] == "vectors" else check_export(argv[2])
    if problem:
        print("BROKEN: " + problem)
        return 1
    print("intact")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""Recompute Signbook record hashes independently of Signbook's own code.

Uses only the Python standard library (hashlib), following
docs/record-format.md. Two uses:

    python3 recompute.py vectors crates/core/tests/golden/vectors.json
    python3 recompute.py export signatures.jsonl     # from `signbook export --format jsonl`

Prints "intact" and exits 0, or names the first broken record and exits 1.
Checkpoint signatures (Ed25519) are checked too when the `cryptography`
package is installed; otherwise that step is reported as skipped.
"""
import base64
import hashlib
import json
import sys

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


def canonical_agreement(text):
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip(" \t") for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    import unicodedata
    return unicodedata.normalize("NFC", "\n".join(lines)) + "\n" if lines else ""


def check_vectors(path):
    data = json.load(open(path, encoding="utf-8"))
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
    cp = data["checkpoint"]
    message = f"signbook-checkpoint-v1\ndevice:{cp['device']}\nseq:{cp['seq']}\nhead:{cp['head']}\n"
    if message != cp["message"] or cp["head"] != prev:
        return "checkpoint message differs"
    return verify_ed25519(cp["public_key_hex"], cp["signature_hex"], message.encode())


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


def main(argv):
    if len(argv) != 3 or argv[1] not in ("vectors", "export"):
        print(__doc__)
        return 2
    problem = check_vectors(argv[2]) if argv[1] == "vectors" else check_export(argv[2])
    if problem:
        print("BROKEN: " + problem)
        return 1
    print("intact")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

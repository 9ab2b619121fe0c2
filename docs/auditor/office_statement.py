"""`recompute.py office-statement PACK`: checks the office's signed statement
in an evidence pack (a folder it was unzipped to, or the ZIP itself), as
docs/record-format.md ("The office's signed statement") describes.

Needs the `cryptography` package (Debian: python3-cryptography); nothing of
Signbook's. Exit 0: the statement is signed by the certificate in the pack
and every kiosk head it lists is signed by the kiosk key it lists. What the
auditor still compares by eye is printed: the certificate's fingerprint (with
the school's pairing record) and each kiosk's key fingerprint (with the kiosk).
"""
import hashlib
import json
import os
import re
import zipfile

STATEMENT_FORMAT = "signbook-office-statement-v1"
CHECKPOINT_FORMAT = "signbook-checkpoint-v1"
FILES = ("office-statement.json", "office-statement.sig", "office-certificate.der")


class Unreadable(Exception):
    pass


class Broken(Exception):
    pass


def read_files(pack):
    """The three files' bytes, from a folder or from the ZIP (or already read: a dict)."""
    if isinstance(pack, dict):
        return {name: pack[name] for name in FILES}
    try:
        if os.path.isdir(pack):
            out = {}
            for name in FILES:
                with open(os.path.join(pack, name), "rb") as f:
                    out[name] = f.read()
            return out
        with zipfile.ZipFile(pack) as z:
            return {name: z.read(name) for name in FILES}
    except (OSError, KeyError, zipfile.BadZipFile) as e:
        raise Unreadable(f"cannot read {', '.join(FILES)} from {pack}: {e}")


def key_fingerprint(key_hex):
    digest = hashlib.sha256(bytes.fromhex(key_hex)).hexdigest()[:20]
    return " ".join(digest[i:i + 4] for i in range(0, 20, 4))


def office_signature_valid(certificate, signature, message):
    """The certificate's own key: ECDSA P-256 with SHA-256 (DER signature), or Ed25519."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    key = certificate.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, message)
        else:
            raise Broken(f"the office certificate's key is of a kind Signbook does not make ({type(key).__name__})")
        return True
    except InvalidSignature:
        return False


def checkpoint_valid(device_id, key_hex, head):
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    message = f"{CHECKPOINT_FORMAT}\ndevice:{device_id}\nseq:{head['seq']}\nhead:{head['head_hash']}\n".encode()
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex)).verify(bytes.fromhex(head["signature"]), message)
        return True
    except (InvalidSignature, ValueError):
        return False


def check(pack):
    """Checks the statement; returns the lines to print. Raises Broken or Unreadable."""
    try:
        from cryptography import x509
    except ImportError:
        raise Unreadable("the `cryptography` package is needed (Debian: apt install python3-cryptography)")
    files = read_files(pack)
    statement_bytes, signature, der = (files[name] for name in FILES)
    try:
        certificate = x509.load_der_x509_certificate(der)
    except ValueError as e:
        raise Broken(f"office-certificate.der is not a certificate: {e}")
    cert_sha256 = hashlib.sha256(der).hexdigest()
    # 1. The office's key signed exactly these bytes.
    if not office_signature_valid(certificate, signature, statement_bytes):
        raise Broken("office-statement.sig is not the office certificate's signature over office-statement.json: "
                     "the statement was changed after the office signed it, or signed by another key")
    try:
        statement = json.loads(statement_bytes)
    except ValueError as e:
        raise Broken(f"office-statement.json is not JSON: {e}")
    if statement.get("format") != STATEMENT_FORMAT:
        raise Broken(f"office-statement.json: format {statement.get('format')!r}, expected {STATEMENT_FORMAT}")
    if statement.get("office_certificate_sha256") != cert_sha256:
        raise Broken("office-statement.json names another certificate than office-certificate.der")
    lines = [
        "intact: office-statement.json is signed by the key of office-certificate.der",
        f"office certificate SHA-256 fingerprint: {cert_sha256}",
        "  compare it with the fingerprint the school wrote down at pairing (or `signbook-office fingerprint`)",
        f"school: {statement['school']}; generated {statement['generated_at']}; records chosen by: {statement['filter']}",
    ]
    # 2. Each kiosk: its fingerprint is of its key, and its head is signed by that key.
    for kiosk in statement["kiosks"]:
        device, key = kiosk["device_id"], kiosk["public_key"]
        if not re.fullmatch(r"[0-9a-f]{64}", key):
            raise Broken(f"kiosk {device}: public_key is not 64 lowercase hex digits")
        if key_fingerprint(key) != kiosk["key_fingerprint"]:
            raise Broken(f"kiosk {device}: key_fingerprint {kiosk['key_fingerprint']!r} is not that of its public_key")
        name = f" ({kiosk['name']})" if kiosk.get("name") else ""
        lines.append(f"kiosk {device}{name}: key fingerprint {kiosk['key_fingerprint']}")
        head = kiosk.get("head")
        if head is None:
            lines.append("  no signed head held: the office holds no checkpoint from this kiosk")
            continue
        if not checkpoint_valid(device, key, head):
            raise Broken(f"kiosk {device}: the head at record {head['seq']} is not signed by the listed key")
        lines.append(f"  head record {head['seq']} ({head['head_hash']}) signed by this key")
    lines.append("  compare each key fingerprint with `signbook key` or the Status tab at that kiosk")
    return lines

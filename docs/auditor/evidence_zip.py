"""`recompute.py verify-export PACK.zip [--key HEX|FILE]...`: an office
evidence pack checked from the file alone, as `signbook verify-export` does
and in the same order (docs/record-format.md section 12, "The evidence ZIP"):

1. every file's SHA-256 and size against manifest.json, and no unlisted file;
2. the office statement (office_statement.py): signed by the certificate in
   the pack, each key fingerprint its key's, each head signed by its kiosk;
3. each office erasure statement (office-erasures/<device>-<seq>.txt): its
   .sig is the same certificate's signature over it;
4. a chain file chains/<device>.jsonl for every kiosk the statement lists,
   whose header names the statement's key and head, verified as an export
   (recompute.py's walk), a tombstone covered by an office statement
   accepted without a kiosk erasure entry;
5. each erasure statement names a tombstone record line of its chain file;
6. every records.csv row is a record line of its kiosk's chain file, with
   the same record hash and status, and every record line is a row.

Standard library only, plus `cryptography` for the signatures (Debian:
python3-cryptography). Exit 0 intact, 1 BROKEN naming the first problem,
2 when the pack cannot be read (not a ZIP, a ZIP bomb, no manifest).
"""
import csv
import hashlib
import io
import json
import re
import zipfile

import office_statement
import recompute

MAX_ENTRIES = 250_000
MAX_ENTRY_BYTES = 2 << 30
MAX_TOTAL_BYTES = 32 << 30
MAX_MANIFEST_BYTES = 256 << 20
ERASURE_FORMAT = "signbook-office-erasure-v1"


class Broken(Exception):
    """The first problem: the file, then what (exit 1)."""

    def __init__(self, path, text, seq=None):
        super().__init__(f"{path}, record {seq}: {text}" if seq is not None else f"{path}: {text}")


def kept(path):
    return (path.startswith("office-erasures/") or path in (
        "records.csv", "office-statement.json", "office-statement.sig", "office-certificate.der"))


def read_entry(z, info, limit):
    """An entry's bytes, never more than its declared size (nor `limit`)."""
    with z.open(info) as f:
        data = f.read(min(info.file_size, limit) + 1)
    if len(data) > info.file_size or len(data) > limit:
        raise recompute.Unreadable(f"{info.filename} inflates to more than it declares; refusing to read it (a ZIP bomb?)")
    return data


def read_pack(path):
    """manifest, {path: bytes} of the kept files, number of files checked."""
    try:
        z = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as e:
        raise recompute.Unreadable(f"it is not a readable ZIP file ({e})")
    infos = z.infolist()
    if len(infos) > MAX_ENTRIES:
        raise recompute.Unreadable(f"the ZIP holds {len(infos)} files; an evidence pack holds at most {MAX_ENTRIES}")
    total, names = 0, {}
    for info in infos:
        if info.file_size > MAX_ENTRY_BYTES:
            raise recompute.Unreadable(f"{info.filename} would inflate to {info.file_size} bytes, more than any pack "
                                       f"file ({MAX_ENTRY_BYTES}); refusing to read it (a ZIP bomb?)")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise recompute.Unreadable(f"the ZIP would inflate to more than {MAX_TOTAL_BYTES} bytes; refusing to read it (a ZIP bomb?)")
        if info.filename in names:
            raise recompute.Unreadable(f"the ZIP holds two files named {info.filename}; it was not made by Signbook")
        names[info.filename] = info
    if "manifest.json" not in names:
        raise recompute.Unreadable("the ZIP has no manifest.json; it is not a Signbook evidence pack")
    try:
        manifest = json.loads(read_entry(z, names["manifest.json"], MAX_MANIFEST_BYTES))
    except ValueError as e:
        raise recompute.Unreadable(f"manifest.json is not JSON ({e})")
    fmt = manifest.get("format")
    if fmt == "signbook-evidence-pack-v1":
        raise recompute.Unreadable("this pack was made before packs carried their kiosks' chains "
                                   "(signbook-evidence-pack-v1): it cannot prove itself complete")
    if fmt != "signbook-evidence-pack-v2":
        raise recompute.Unreadable(f"manifest.json's format is {fmt!r}, not signbook-evidence-pack-v2")
    files, chains, seen = {}, {}, set()
    for entry in manifest.get("files") or []:
        p, sha, size = entry.get("path"), entry.get("sha256"), entry.get("bytes")
        if p in seen:
            raise Broken("manifest.json", f"lists {p} twice")
        seen.add(p)
        if p not in names:
            raise Broken(p, "manifest.json lists it, but the ZIP does not hold it")
        if p.startswith("chains/"):
            # Hashed as it is verified (verify): a chain file is never read whole into memory.
            chains[p] = (names[p], sha, size)
            continue
        h, n, content = hashlib.sha256(), 0, io.BytesIO() if kept(p) else None
        try:
            with z.open(names[p]) as f:
                while n <= names[p].file_size:
                    block = f.read(1 << 16)
                    if not block:
                        break
                    h.update(block)
                    n += len(block)
                    if content is not None:
                        content.write(block)
        except (zipfile.BadZipFile, OSError) as e:
            raise recompute.Unreadable(f"{p} cannot be inflated (the ZIP is damaged: {e})")
        if n > names[p].file_size:
            raise recompute.Unreadable(f"{p} inflates to more than its ZIP entry declares; refusing to read it (a ZIP bomb?)")
        if n != size or h.hexdigest() != sha:
            raise Broken(p, f"its SHA-256 is {h.hexdigest()} ({n} bytes), but manifest.json says {sha} ({size} bytes): "
                         "the file was changed after the pack was made")
        if content is not None:
            files[p] = content.getvalue()
    extra = sorted(n for n in names if n != "manifest.json" and n not in seen)
    if extra:
        raise Broken(extra[0], "the ZIP holds it, but manifest.json does not list it")
    return manifest, files, chains, z, len(seen)


def check_statement(files):
    """office_statement.check on the files in memory; its Broken named by file."""
    try:
        from cryptography import x509
    except ImportError:
        raise recompute.Unreadable("the `cryptography` package is needed for the office's signatures "
                                   "(Debian: apt install python3-cryptography)")
    for name in office_statement.FILES:
        if name not in files:
            raise Broken(name, "the pack does not hold it")
    certificate = x509.load_der_x509_certificate(files["office-certificate.der"])
    if not office_statement.office_signature_valid(certificate, files["office-statement.sig"], files["office-statement.json"]):
        raise Broken("office-statement.sig", "it is not the office certificate's signature over office-statement.json: "
                     "the statement was changed after the office signed it, or signed by another key")
    try:
        lines = office_statement.check(files)
    except office_statement.Broken as e:
        raise Broken("office-statement.json", str(e))
    return certificate, json.loads(files["office-statement.json"]), lines


def check_erasures(files, certificate):
    out = []
    cert_sha = hashlib.sha256(files["office-certificate.der"]).hexdigest()
    for path in sorted(p for p in files if p.startswith("office-erasures/")):
        if path.endswith(".sig"):
            if path[:-4] + ".txt" not in files:
                raise Broken(path, "a signature without its statement (.txt)")
            continue
        stem = path[:-4] if path.endswith(".txt") else None
        if stem is None:
            continue
        if stem + ".sig" not in files:
            raise Broken(path, f"its signature {stem}.sig is not in the pack")
        if not office_statement.office_signature_valid(certificate, files[stem + ".sig"], files[path]):
            raise Broken(path, "its .sig is not the office certificate's signature over it: it was changed after the office signed it")
        lines = files[path].decode("utf-8", "replace").split("\n")
        field = {k: v for k, _, v in (l.partition(":") for l in lines[1:] if l)}
        if lines[0] != ERASURE_FORMAT or field.get("office_certificate_sha256") != cert_sha:
            raise Broken(path, f"it is not a {ERASURE_FORMAT} statement naming office-certificate.der")
        if not re.fullmatch(r"[0-9]+", field.get("seq", "")):
            raise Broken(path, "its seq is not a number")
        device, seq = field.get("device", ""), int(field["seq"])
        if stem != f"office-erasures/{device}-{seq}":
            raise Broken(path, f"it names kiosk {device} record {seq}, not the record its file name says")
        out.append(dict(path=path, device=device, seq=seq, record=field.get("record")))
    return out


def hashed_lines(f, h, read, limit):
    for line in f:
        read[0] += len(line)
        if read[0] > limit:
            raise recompute.Unreadable("a chain file inflates to more than it declares; refusing to read it (a ZIP bomb?)")
        h.update(line)
        yield line


def stream_chain(z, path, listed_file, kiosk, keys, vouched, narrowed):
    """Verifies a chain file as it is inflated and hashed; the manifest's
    verdict on it comes first, as for every other file."""
    info, sha, size = listed_file
    h, read = hashlib.sha256(), [0]
    with z.open(info) as f:
        lines = hashed_lines(f, h, read, min(info.file_size, MAX_ENTRY_BYTES))
        try:
            result, problem = check_chain(path, lines, kiosk, keys, vouched, narrowed), None
        except Broken as e:
            result, problem = None, e
        for _ in lines:
            pass
    if read[0] != size or h.hexdigest() != sha:
        raise Broken(path, f"its SHA-256 is {h.hexdigest()} ({read[0]} bytes), but manifest.json says {sha} ({size} bytes): "
                     "the file was changed after the pack was made")
    if problem:
        raise problem
    return result


def check_chain(path, lines, kiosk, keys, vouched, narrowed):
    first = next(lines, b"")
    try:
        header = json.loads(first)
    except ValueError as e:
        raise Broken(path, f"line 1 is not JSON ({e})")
    if header.get("public_key") != kiosk["public_key"]:
        raise Broken(path, "line 1, the header: its public_key is not the key the office statement lists for this kiosk")
    cp, head = header.get("checkpoint"), kiosk.get("head")
    if (cp and (cp.get("seq"), cp.get("head"), cp.get("signature"))) != (head and (head["seq"], head["head_hash"], head["signature"])):
        raise Broken(path, "line 1, the header: its checkpoint is not the head the office statement lists for this kiosk")
    trusted = kiosk["public_key"] if kiosk["public_key"] in keys else None
    rules = dict(vouched=vouched, narrowed=narrowed, withheld=0, record_lines={},
                 held_keep_data=True)  # the office keeps what a kiosk holds no more
    try:
        h = recompute.read_header(first)
        counts = recompute.walk(lines, h, trusted, rules)
    except recompute.Broken as e:
        raise Broken(path, str(e))
    except recompute.Unreadable as e:
        raise Broken(path, f"it cannot be read as an export: {e}")
    return counts, rules, trusted is not None, (cp or {}).get("seq")


def check_rows(data, lines_of):
    text = data.decode("utf-8-sig")
    rows, seen = list(csv.reader(io.StringIO(text, newline=""))), set()
    heading = rows[0] if rows else []
    col = {name: heading.index(name) for name in ("status", "device_id", "seq", "record_hash") if name in heading}
    if len(col) != 4:
        raise Broken("records.csv", "its heading row lacks status, device_id, seq or record_hash")
    for row_no, row in enumerate(rows[1:], start=2):
        device, seq_text = row[col["device_id"]], row[col["seq"]]
        if not re.fullmatch(r"[0-9]+", seq_text):
            raise Broken("records.csv", f"row {row_no}: seq {seq_text!r} is not a number")
        seq, chain = int(seq_text), f"chains/{device}.jsonl"
        where = f"row {row_no} (kiosk {device}): "
        if device not in lines_of:
            raise Broken("records.csv", where + f"the pack has no chain file for its kiosk ({chain})", seq)
        if seq not in lines_of[device]:
            raise Broken("records.csv", where + f"{chain} holds no record line for it: the row is not in the chain the pack proves", seq)
        line_hash, tombstone = lines_of[device][seq]
        if row[col["record_hash"]] != line_hash:
            raise Broken("records.csv", where + f"its record_hash {row[col['record_hash']]} is not the record hash in {chain} ({line_hash})", seq)
        expected = "erased" if tombstone else "signed"
        if row[col["status"]] != expected:
            raise Broken("records.csv", where + f"its status is {row[col['status']]!r}, but in {chain} the record is {expected}", seq)
        seen.add((device, seq))
    for device, lines in lines_of.items():
        for seq in sorted(lines):
            if (device, seq) not in seen:
                raise Broken("records.csv", f"chains/{device}.jsonl holds this record in full, but records.csv has no row for it", seq)


def read_keys(args):
    keys = []
    for arg in args:
        if re.fullmatch(r"[0-9a-fA-F]{64}", arg):
            keys.append(arg.lower())
            continue
        try:
            text = open(arg, encoding="utf-8").read()
        except OSError as e:
            raise recompute.Unreadable(f"--key {arg!r} is neither 64 hex digits nor a readable file ({e})")
        if text.strip().startswith("{"):
            keys.append(recompute.read_trusted_key(arg))
            continue
        found = [l.strip().lower() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]
        if not found or not all(re.fullmatch(r"[0-9a-f]{64}", k) for k in found):
            raise recompute.Unreadable(f"{arg} must hold one kiosk key (64 hex digits) a line")
        keys.extend(found)
    return keys


def verify(path, keys):
    manifest, files, chains, z, count = read_pack(path)
    certificate, statement, _ = check_statement(files)
    erasures = check_erasures(files, certificate)
    listed = {k["device_id"]: k for k in statement["kiosks"]}
    for key in keys:
        if not any(k["public_key"] == key for k in listed.values()):
            raise Broken("office-statement.json", f"the key you gave ({recompute.fingerprint(key)}) is the key of no kiosk "
                         "in the pack: a chain may have been re-signed with another key")
    narrowed = manifest.get("narrowed") is True
    lines_of, results = {}, []
    for device in sorted(listed):
        chain = f"chains/{device}.jsonl"
        if chain not in chains:
            raise Broken(chain, f"the office statement lists kiosk {device}, but the pack has no chain file for it")
        mine = [e for e in erasures if e["device"] == device]
        counts, rules, given, head = stream_chain(z, chain, chains[chain], listed[device], keys,
                                                  {e["seq"] for e in mine}, narrowed)
        for e in mine:
            line = rules["record_lines"].get(e["seq"])
            if line is None or not line[1]:
                raise Broken(e["path"], f"it names a record that is not a tombstone record line of {chain}", e["seq"])
            if line[0] != e["record"]:
                raise Broken(e["path"], f"it names another record hash than {chain} holds", e["seq"])
        lines_of[device] = rules["record_lines"]
        results.append((device, listed[device], counts, rules, given, head, len(mine)))
    for p in sorted(chains):
        if p[len("chains/"):-len(".jsonl")] not in listed:
            raise Broken(p, "a chain file for a kiosk the office statement does not list")
    for e in erasures:
        if e["device"] not in listed:
            raise Broken(e["path"], "it names a kiosk the office statement does not list")
    if "records.csv" not in files:
        raise Broken("records.csv", "the pack does not hold it")
    check_rows(files["records.csv"], lines_of)
    return manifest, count, hashlib.sha256(files["office-certificate.der"]).hexdigest(), results


def main(path, key_args):
    try:
        keys = read_keys(key_args)
        manifest, count, cert_sha, results = verify(path, keys)
    except recompute.Unreadable as e:
        print(f"error: cannot verify {path}: {e}")
        return 2
    except Broken as e:
        print(f"BROKEN: {e}")
        return 1
    print(f"intact: {count} files match manifest.json; records chosen by: {manifest.get('filter')}")
    print(f"office-statement.json is signed by office-certificate.der, SHA-256 {cert_sha}")
    print("  compare it with the office fingerprint the school wrote down at pairing")
    for device, kiosk, counts, rules, given, head, office_erasures in results:
        name = f" ({kiosk['name']})" if kiosk.get("name") else ""
        span = f"entries 1 to {head}" if head else "an empty chain"
        print(f"kiosk {device}{name}: {span}, nothing missing: {counts['record']} records in the pack, "
              f"{counts['omitted']} omitted as outside the range, {counts['erasure']} erasure entries, "
              f"{office_erasures} erased at the office (signed statements)")
        if rules["withheld"]:
            print(f"  {rules['withheld']} records in the chain file's role and date range are left out as hash-only lines: "
                  "the pack was also chosen by name, organisation or agreement, which hashes cannot show, so for this "
                  "kiosk completeness is proven for its role and dates only")
        if given:
            print(f"  signed by the key you gave: {kiosk['key_fingerprint']}")
        else:
            print(f"  NOT checked who signed the head: no --key for this kiosk, so its chain was checked for consistency "
                  f"with the key the office statement lists ({kiosk['key_fingerprint']}). The office statement vouches for "
                  "that key only as far as you trust the office certificate above; compare the fingerprint with "
                  "`signbook key` at the kiosk, or run again with --key.")
    return 0

#!/usr/bin/env python3
"""The Python behind conformance/interop; not meant to be run by hand.

Subcommands:
  free-port [N]                       print N free TCP ports on 127.0.0.1
  make-corpus OUTDIR                  build the interop corpus from pydicom's test files
  files MANIFEST [--part I --of N] [--dcmtk-readable]
                                      print corpus files (every N-th from I), one a line
  storescu-config MANIFEST OUT        write a dcmtk association profile for the corpus
  verify ...                          check what a receiver stored (see cmd_verify)
  pynetdicom-scp --port P --max-pdu N --out DIR   a recording Storage SCP (until SIGTERM)
  row RESULTS PEER VERSION CASE OK DETAIL [PROBLEMS_FILE]   append a result row
  table RESULTS [--json FILE]         print the result table; exit 1 if a row failed

The corpus (make-corpus): every file in pydicom's test data that pydicom reads and whose data
set has a SOP Instance UID and a SOP Class UID that is a Storage SOP class (so no DICOMDIR),
and that has File Meta Information. pydicom's test files reuse SOP Instance UIDs (the same
image in several transfer syntaxes), and a receiver keeps one file per SOP Instance UID, so
each repeat gets a new SOP Instance UID of the same length, written over the old value of
(0002,0003) and (0008,0018) in the raw bytes: every length and every other byte stays as in
pydicom's file. OUTDIR/manifest.json lists the files with their UIDs and transfer syntaxes.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import struct
import subprocess
import sys
import urllib.request
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness.dcmtk import storescu_results  # noqa: E402
from harness.part10 import dataset_bytes, first_diff, meta_uid, split_part10  # noqa: E402
from harness.ports import free_ports  # noqa: E402
from harness.staging import sendit_index  # noqa: E402

STORAGE_DICOMDIR = "1.2.840.10008.1.3.10"
TS_NAMES = {
    "1.2.840.10008.1.2": "ImplicitLE", "1.2.840.10008.1.2.1": "ExplicitLE",
    "1.2.840.10008.1.2.2": "ExplicitBE", "1.2.840.10008.1.2.1.99": "Deflated",
    "1.2.840.10008.1.2.5": "RLE", "1.2.840.10008.1.2.4.50": "JPEGBaseline",
    "1.2.840.10008.1.2.4.51": "JPEGExtended", "1.2.840.10008.1.2.4.57": "JPEGLossless",
    "1.2.840.10008.1.2.4.70": "JPEGLosslessSV1", "1.2.840.10008.1.2.4.80": "JPEG-LS",
    "1.2.840.10008.1.2.4.81": "JPEG-LS-near", "1.2.840.10008.1.2.4.90": "J2K-lossless",
    "1.2.840.10008.1.2.4.91": "J2K",
}


def ts_name(uid):
    return TS_NAMES.get(uid, uid)


SWAP_UNIT = {"US": 2, "SS": 2, "OW": 2, "AT": 2, "UL": 4, "SL": 4, "FL": 4, "OF": 4, "OL": 4,
             "FD": 8, "OD": 8, "SV": 8, "UV": 8, "OV": 8}


def canonical(path):
    """The data set's elements as pydicom reads them, independent of the transfer syntax:
    {(item path, tag): value bytes in little endian order} (sequences: their item count).
    The VR is left out (Implicit VR has none: pydicom takes the dictionary's, or UN for a
    private element), so are group lengths and (FFFC,FFFC) padding. A private sequence that
    pydicom reads as UN bytes in Implicit VR cannot be compared: its value is None."""
    import pydicom
    from pydicom.dataelem import RawDataElement
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path)
        little = ds.original_encoding[1] if ds.original_encoding[1] is not None else True
        implicit = ds.original_encoding[0] is False
        rows = {}

        def walk(d, prefix):
            for tag in sorted(d._dict.keys()):
                if tag.element == 0 or tag == 0xFFFCFFFC:
                    continue
                raw = d.get_item(tag)
                if isinstance(raw, RawDataElement) and raw.value is not None and raw.length == 0xFFFFFFFF \
                        and raw.VR in (None, "UN") and implicit:
                    rows[(prefix, int(tag))] = None
                    continue
                el = d[tag]
                if el.VR == "SQ":
                    rows[(prefix, int(tag))] = ("SQ", len(el.value))
                    for i, item in enumerate(el.value):
                        walk(item, f"{prefix}{int(tag):08X}[{i}].")
                    continue
                if isinstance(raw, RawDataElement):
                    v = raw.value or b""
                elif el.value is None or (not isinstance(el.value, (int, float)) and len(el.value) == 0):
                    v = b""   # an empty value, however pydicom holds it
                elif isinstance(el.value, bytes):
                    v = el.value
                else:   # converted already: compare the decoded value
                    rows[(prefix, int(tag))] = ("value", str(el.value))
                    continue
                unit = SWAP_UNIT.get(el.VR, 0)
                if not little and unit >= 2:
                    b = bytearray(v)
                    for i in range(0, len(b) - len(b) % unit, unit):
                        b[i:i + unit] = v[i:i + unit][::-1]
                    v = bytes(b)
                rows[(prefix, int(tag))] = v
        walk(ds, "")
    return rows


def canonical_equal(a, b):
    """Compares two canonical() results; an element that is an unparsed private sequence
    (None) on one side matches anything, as do the elements inside it on the other, and an
    odd-length value matches itself padded to even length."""
    skip = [k for k, v in list(a.items()) + list(b.items()) if v is None]
    def hidden(k):
        return any(k == s or k[0].startswith(f"{s[0]}{s[1]:08X}[") for s in skip)
    def same(x, y):
        if x == y:
            return True
        # An odd-length value (not allowed, found in some files) padded to even length by
        # the sender that converted it: one trailing space or NUL more.
        if isinstance(x, bytes) and isinstance(y, bytes) and abs(len(x) - len(y)) == 1:
            longer, shorter = (x, y) if len(x) > len(y) else (y, x)
            return longer[-1:] in (b" ", b"\0") and longer[:-1] == shorter and len(shorter) % 2 == 1
        return False
    keys = {k for k in set(a) | set(b) if not hidden(k)}
    return all(same(a.get(k), b.get(k)) for k in keys)


# ---------------------------------------------------------------------------------------
# The corpus

def cmd_free_port(args):
    print(" ".join(str(p) for p in free_ports(args.n)))


def is_storage_class(uid):
    from pydicom.uid import UID
    if uid == STORAGE_DICOMDIR:
        return False
    u = UID(uid)
    return u.type == "SOP Class" and "Storage" in u.name


def new_uid_same_length(uid: str, taken: set) -> str:
    """A UID as long as uid and not in taken: the last component's trailing digits counted
    up (its first digit is kept, so no leading zero appears)."""
    head, _, last = uid.rpartition(".")
    n = min(len(last) - 1, 6)
    if n < 1:
        raise ValueError(f"cannot vary {uid}: last component too short")
    base = int(last[-n:])
    for i in range(1, 10 ** n):
        cand = f"{head}.{last[:-n]}{(base + i) % 10 ** n:0{n}d}"
        if cand not in taken:
            return cand
    raise ValueError(f"no variant left for {uid}")


def replace_uid_bytes(raw: bytes, old: str, new: str):
    """Writes new over old where old is the value of (0002,0003) or (0008,0018), in Explicit
    VR (short or long length form, either byte order) or Implicit VR. Returns the new bytes
    and how many values were replaced."""
    assert len(old) == len(new)
    tags = (b"\x02\x00\x03\x00", b"\x08\x00\x18\x00", b"\x00\x08\x00\x18")
    lengths = (len(old), len(old) + 1)
    needle = old.encode()
    out, n, start = bytearray(raw), 0, 0

    def length_at(pos, size):
        f = "H" if size == 2 else "I"
        chunk = raw[pos:pos + size]
        return struct.unpack("<" + f, chunk)[0] in lengths or struct.unpack(">" + f, chunk)[0] in lengths

    while (s := raw.find(needle, start)) >= 0:
        start = s + 1
        short = s >= 8 and raw[s - 8:s - 4] in tags and raw[s - 4:s - 2].isalpha() and length_at(s - 2, 2)
        long_ = (s >= 12 and raw[s - 12:s - 8] in tags and raw[s - 8:s - 6].isalpha()
                 and raw[s - 6:s - 4] == b"\0\0" and length_at(s - 4, 4))
        implicit = s >= 8 and raw[s - 8:s - 4] in tags and length_at(s - 4, 4)
        if short or long_ or implicit:
            out[s:s + len(needle)] = new.encode()
            n += 1
    return bytes(out), n


def encoding_mismatch(path):
    """True if pydicom finds the data set encoded otherwise than its transfer syntax says
    (e.g. implicit VR under an explicit syntax): it warns "Expected explicit VR, but found
    implicit VR" (or the reverse) while reading."""
    import pydicom
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            pydicom.dcmread(path, stop_before_pixels=True)
        except Exception:
            return False
    return any("VR, but found" in str(w.message) for w in caught)


def dcmtk_reads(path):
    """True if dcmtk's dcmdump parses the file without an error."""
    try:
        r = subprocess.run(["dcmdump", "-q", path], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=30)
        return r.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def cmd_make_corpus(args):
    import pydicom
    src = os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files")
    out = os.path.abspath(args.outdir)
    files_dir = os.path.join(out, "files")
    os.makedirs(files_dir, exist_ok=True)
    entries, taken, skipped, paths = [], set(), [], []
    for root, dirs, names in os.walk(src):
        dirs.sort()
        paths += [os.path.join(root, n) for n in sorted(names)]
    for path in paths:
        rel = os.path.relpath(path, src)
        try:
            ds = pydicom.dcmread(path)
        except Exception:
            continue
        sop_class, sop_inst = ds.get("SOPClassUID"), ds.get("SOPInstanceUID")
        if not sop_class or not sop_inst or not is_storage_class(str(sop_class)):
            continue
        with open(path, "rb") as f:
            raw = f.read()
        if raw[128:132] != b"DICM":
            skipped.append(f"{rel}: no File Meta Information")
            continue
        ts = str(ds.file_meta.get("TransferSyntaxUID", ""))
        orig = sop_inst = str(sop_inst)
        if sop_inst in taken:
            new = new_uid_same_length(sop_inst, taken)
            raw, n = replace_uid_bytes(raw, sop_inst, new)
            try:
                ok = n >= 1 and str(pydicom.dcmread(io.BytesIO(raw)).SOPInstanceUID) == new
            except Exception:
                ok = False
            if not ok:   # e.g. a deflated data set: the UID is not in the raw bytes
                skipped.append(f"{rel}: repeated SOP Instance UID that could not be replaced")
                continue
            sop_inst = new
        taken.add(sop_inst)
        name = f"{len(entries) + 1:03d}_" + rel.replace(os.sep, "_")
        name += "" if name.endswith(".dcm") else ".dcm"
        out_path = os.path.join(files_dir, name)
        with open(out_path, "wb") as f:
            f.write(raw)
        study = ds.get("StudyInstanceUID")
        entries.append({"file": out_path, "source": rel, "sop_class": str(sop_class),
                        "sop_instance": sop_inst, "original_sop_instance": orig,
                        "transfer_syntax": ts, "study": str(study) if study else None,
                        "size": len(raw), "dcmtk_reads": dcmtk_reads(out_path)})
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"source_dir": src, "pydicom": pydicom.__version__, "files": entries,
                   "skipped": skipped}, f, indent=1)
    tss = sorted({e["transfer_syntax"] for e in entries}, key=lambda t: [int(x) for x in t.split(".")])
    renamed = sum(e["sop_instance"] != e["original_sop_instance"] for e in entries)
    print(f"{len(entries)} files from pydicom {pydicom.__version__}'s test data, "
          f"{len(tss)} transfer syntaxes ({', '.join(ts_name(t) for t in tss)}); "
          f"{renamed} got a new SOP Instance UID" + (f"; {len(skipped)} skipped" if skipped else ""))


def load_manifest(path):
    with open(path) as f:
        return json.load(f)


def cmd_files(args):
    entries = load_manifest(args.manifest)["files"]
    if args.dcmtk_readable:
        entries = [e for e in entries if e["dcmtk_reads"]]
    files = [e["file"] for e in entries]
    if args.of:
        files = files[args.part::args.of]
    for f in files:
        print(f)


def cmd_storescu_config(args):
    """A dcmtk association profile (storescu -xf FILE Corpus) with one presentation context
    per (SOP class, transfer syntax) pair of the corpus, each with just that transfer syntax,
    so storescu sends each file in its own transfer syntax. (storescu's own options propose
    the same transfer syntaxes for every SOP class: one compressed one at most.)"""
    pairs = sorted({(e["sop_class"], e["transfer_syntax"])
                    for e in load_manifest(args.manifest)["files"]})
    tss = sorted({ts for _, ts in pairs})
    lines = ["[[TransferSyntaxes]]"]
    for i, ts in enumerate(tss):
        lines += [f"[TS{i}]", f"TransferSyntax1 = {ts}"]
    lines += ["[[PresentationContexts]]", "[CorpusContexts]"]
    for n, (sop, ts) in enumerate(pairs, 1):
        lines.append(f"PresentationContext{n} = {sop}\\TS{tss.index(ts)}")
    lines += ["[[Profiles]]", "[Corpus]", "PresentationContexts = CorpusContexts"]
    if len(pairs) > 128:
        sys.exit(f"{len(pairs)} presentation contexts: more than 128")
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------
# What the senders report

# sendit send: one line per file, "PATH: 0x0000 Success" or "PATH: 0xB000 ..." on stdout,
# "PATH: FAILED: 0xA700 Refused: ..." (a status from the peer) or "PATH: FAILED: <reason>"
# (no status) on stderr, then "sent N of M files (...)". Capture stdout and stderr in two
# files: written to one file, their lines can interleave mid-line.
RE_SENDIT_LINE = re.compile(r"^(/.*?): (FAILED: )?(0x[0-9A-Fa-f]{4})?(.*)$")


def sendit_results(log_paths):
    """{file: (stored?, status text, peer answered with a status?)} from `sendit send`
    output (paths are absolute because the corpus is given as an absolute path)."""
    result = {}
    for log in log_paths:
        with open(log, errors="replace") as f:
            for line in f:
                m = RE_SENDIT_LINE.match(line.rstrip("\n"))
                if not m or not os.path.isabs(m.group(1)):
                    continue
                failed, code = m.group(2) is not None, m.group(3)
                value = int(code, 16) if code else None
                stored = not failed and value is not None and (
                    value in (0x0000, 0x0001) or value >> 12 == 0xB)
                result[m.group(1)] = (stored, ((code or "") + m.group(4)).strip(), code is not None)
    return result


# ---------------------------------------------------------------------------------------
# What the receivers stored

def fnv_name(uid):
    """sendit's file name for a UID that is not a valid UID (SenditIntake's StagingArea.fileName)."""
    h = 0xCBF29CE484222325
    for b in uid.encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "x" + format(h, "x")


def valid_uid(uid):
    return 0 < len(uid) <= 64 and re.fullmatch(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*", uid) is not None


def storescp_index(out_dir):
    """{Media Storage SOP Instance UID: path} of dcmtk storescp's output folder."""
    idx = {}
    for name in os.listdir(out_dir):
        path = os.path.join(out_dir, name)
        if os.path.isfile(path):
            try:
                with open(path, "rb") as f:
                    meta, _ = split_part10(f.read())
            except (OSError, ValueError):
                continue
            if uid := meta_uid(meta, 0x00020003):
                idx[uid] = path
    return idx


def orthanc_has(http_port, uid):
    req = urllib.request.Request(f"http://127.0.0.1:{http_port}/tools/lookup", data=uid.encode(),
                                 method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return any(x.get("Type") == "Instance" for x in json.loads(r.read()))


def orthanc_count(http_port):
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/statistics", timeout=10) as r:
        return json.loads(r.read())["CountInstances"]


def cmd_verify(args):
    """Checks a transfer of (part of) the corpus. Prints 'ok DETAIL' or 'FAIL DETAIL' (the
    first problem in DETAIL), writes every problem to --problems, exits 1 on a problem.

    --sender storescu|sendit --log LOG...   what the sender reports per file
    --files LIST       the corpus files that were sent (default: all)
    --receiver sendit DATA_FOLDER | storescp OUTPUT_FOLDER | orthanc HTTP_PORT (--where)
               (storescp: any folder of Part 10 files, e.g. the pynetdicom SCP's)
    --compare original   a stored data set must be byte-identical to the file's data set;
                         when the receiver got another transfer syntax (the sender
                         converted), pydicom must read the same elements and values instead
    --compare reference --reference-dir DIR --reference-log LOG...
                         a stored data set must be byte-identical to the one dcmtk storescp
                         (+B, bit-preserving) stored from the same sender and files, and
                         the files stored must be the ones stored in that reference run
    --compare none       (Orthanc) only that the instance is there (/tools/lookup)
    --unstored none|refused   'none': every file must be stored; 'refused': a file may be
                         unstored if the peer answered with a failure status
    --check-incoming     DATA_FOLDER/.incoming must hold no .part file
    """
    manifest = load_manifest(args.manifest)
    entries = {e["file"]: e for e in manifest["files"]}
    sent = [l.strip() for l in open(args.files)] if args.files else list(entries)
    sent = [f for f in sent if f]
    if args.sender == "storescu":
        raw = storescu_results(args.log)
        results = {f: (ok, st, True) for f, (ok, st) in raw.items()}
    else:
        results = sendit_results(args.log)
    problems, identical, converted, conversions, unstored = [], 0, 0, {}, {}
    stored = [f for f in sent if results.get(f, (False,))[0]]
    for f in sent:
        if f in results and not results[f][0]:
            unstored[f] = results[f][1]
        elif f not in results:
            unstored[f] = "no result reported"

    # Which files may stay unstored.
    if args.compare == "reference":
        ref = storescu_results(args.reference_log)
        ref_stored = {f for f in sent if ref.get(f, (False,))[0]}
        for f in sorted(ref_stored - set(stored)):
            problems.append(f"{entries[f]['source']}: stored by storescp in the reference run, "
                            f"not here: {unstored.get(f)}")
        for f in sorted(set(stored) - ref_stored):
            problems.append(f"{entries[f]['source']}: stored here, not by storescp in the reference run")
    else:
        for f, status in unstored.items():
            peer_status = results.get(f, (None, None, False))[2]
            # sendit refuses to send a file whose data set is cut short; accepted only where
            # dcmtk cannot read the file either (so a complete file refused still fails).
            if "file is incomplete, not sent" in status and not dcmtk_reads(f):
                continue
            if args.unstored == "none" or not peer_status:
                problems.append(f"{entries[f]['source']}: not stored: {status}")

    if args.receiver == "sendit":
        idx = sendit_index(args.where)
        n_files = sum(len(v) for v in idx.values())
        if n_files != len(stored):
            problems.append(f"{n_files} files in the staging folders, {len(stored)} acknowledged")
    elif args.receiver == "storescp":
        idx = storescp_index(args.where)
    ref_idx = storescp_index(args.reference_dir) if args.compare == "reference" else None

    for f in stored:
        e = entries[f]
        uid = e["sop_instance"]
        if args.receiver == "orthanc":
            if not orthanc_has(args.where, uid):
                problems.append(f"{e['source']}: /tools/lookup does not find {uid}")
            continue
        if args.receiver == "sendit":
            name = (uid if valid_uid(uid) else fnv_name(uid)) + ".dcm"
            paths = idx.get(name, [])
            if len(paths) != 1:
                problems.append(f"{e['source']}: {len(paths)} files *.tmp*/{name}")
                continue
            got = paths[0]
        else:
            got = idx.get(uid)
            if got is None:
                problems.append(f"{e['source']}: no stored file with SOP Instance UID {uid}")
                continue
        try:
            got_ts, got_ds = dataset_bytes(got)
        except (OSError, ValueError) as ex:
            problems.append(f"{e['source']}: stored file unreadable: {ex}")
            continue
        if args.compare == "reference":
            if uid not in ref_idx:
                continue   # reported above
            ref_ts, ref_ds = dataset_bytes(ref_idx[uid])
            if ref_ts != got_ts:
                problems.append(f"{e['source']}: received in {ts_name(got_ts)}, storescp got {ts_name(ref_ts)}")
            elif ref_ds != got_ds:
                problems.append(f"{e['source']}: data set differs from storescp's copy ({len(got_ds)} vs "
                                f"{len(ref_ds)} bytes, first difference at byte {first_diff(got_ds, ref_ds)})")
            else:
                identical += 1
        elif args.compare == "original":
            orig_ts, orig_ds = dataset_bytes(f)
            if got_ts == orig_ts:
                # An odd-length deflated stream travels with the NUL pad PS3.5 A.5 requires.
                padded = orig_ds + b"\x00" if len(orig_ds) % 2 == 1 and orig_ts == "1.2.840.10008.1.2.1.99" else orig_ds
                if got_ds == orig_ds or got_ds == padded:
                    identical += 1
                elif encoding_mismatch(f) and canonical_equal(canonical(f), canonical(got)):
                    # The file's bytes are not encoded as its transfer syntax says (pydicom
                    # confirms it); sendit re-encodes them correctly: compare values instead.
                    converted += 1
                    conversions["re-encoded (file encoded against its syntax)"] = conversions.get(
                        "re-encoded (file encoded against its syntax)", 0) + 1
                else:
                    problems.append(f"{e['source']}: data set differs from the file's ({len(got_ds)} vs "
                                    f"{len(orig_ds)} bytes, first difference at byte {first_diff(got_ds, orig_ds)})")
                continue
            try:
                same, why = canonical_equal(canonical(f), canonical(got)), "values differ"
            except Exception as ex:
                same, why = False, f"pydicom: {ex}"
            if same:
                converted += 1
                key = f"{ts_name(orig_ts)}->{ts_name(got_ts)}"
                conversions[key] = conversions.get(key, 0) + 1
            else:
                problems.append(f"{e['source']}: received in {ts_name(got_ts)} (file: {ts_name(orig_ts)}), {why}")

    if args.receiver == "sendit" and args.check_incoming:
        parts = [p for p in os.listdir(os.path.join(args.where, ".incoming")) if p.endswith(".part")]
        if parts:
            problems.append(f"{len(parts)} .part files left in .incoming")

    detail = f"{len(stored)}/{len(sent)} stored"
    if args.compare == "reference":
        detail += f"; {identical} data sets byte-identical to storescp's copy"
    elif args.compare == "original":
        detail += f"; {identical} data sets byte-identical to the file's"
        if converted:
            detail += f", {converted} converted, values equal (" + ", ".join(
                f"{k} x{v}" for k, v in sorted(conversions.items())) + ")"
    else:
        detail += f"; {len(stored) - sum('/tools/lookup' in p for p in problems)} found by /tools/lookup"
        detail += f"; Orthanc holds {orthanc_count(args.where)} instances"
    if unstored:
        reasons = {}
        for f, st in unstored.items():
            key = re.sub(r"\s*\(.*$", "", st)[:60]
            reasons.setdefault(key, []).append(entries[f]["source"].split("/")[-1])
        detail += "; not stored: " + "; ".join(f"{', '.join(v)} ({k})" for k, v in sorted(reasons.items()))
    if args.problems:
        with open(args.problems, "w") as out:
            out.writelines(p + "\n" for p in problems)
    print(("ok " if not problems else "FAIL ") + detail)
    sys.exit(1 if problems else 0)


# ---------------------------------------------------------------------------------------
# A pynetdicom Storage SCP that records the PDVs it receives

def cmd_pynetdicom_scp(args):
    """Runs a pynetdicom Storage SCP (every storage SOP class, every transfer syntax) on
    127.0.0.1:PORT, advertising --max-pdu, until SIGTERM. Each received data set is written
    byte for byte as received, after File Meta naming its transfer syntax, to
    OUT/<SOPInstanceUID>.dcm. On SIGTERM writes OUT/../pdvs.json: the number of data set
    fragments received and the odd-length ones (PS3.8 E.1: every fragment has an even length)."""
    import signal
    import threading
    from pydicom.dataset import FileMetaDataset
    from pydicom.filewriter import write_file_meta_info
    from pynetdicom import AE, ALL_TRANSFER_SYNTAXES, AllStoragePresentationContexts, evt
    from pynetdicom.pdu import P_DATA_TF
    os.makedirs(args.out, exist_ok=True)
    lock = threading.Lock()
    stats = {"fragments": 0, "odd_fragments": [], "largest_pdu": 0, "stored": 0}

    def on_pdu(event):
        if isinstance(event.pdu, P_DATA_TF):
            with lock:
                stats["largest_pdu"] = max(stats["largest_pdu"], len(event.pdu))
                for item in event.pdu.presentation_data_value_items:
                    value = item.presentation_data_value   # control header byte + fragment
                    if value[0] & 1:
                        continue   # command fragments: sendit's commands are even anyway
                    stats["fragments"] += 1
                    if (len(value) - 1) % 2:
                        stats["odd_fragments"].append(len(value) - 1)

    def on_store(event):
        req = event.request
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = req.AffectedSOPClassUID
        meta.MediaStorageSOPInstanceUID = req.AffectedSOPInstanceUID
        meta.TransferSyntaxUID = event.context.transfer_syntax
        buf = io.BytesIO()
        buf.write(b"\0" * 128 + b"DICM")
        write_file_meta_info(buf, meta, enforce_standard=True)
        buf.write(req.DataSet.getvalue())
        with open(os.path.join(args.out, str(req.AffectedSOPInstanceUID) + ".dcm"), "wb") as f:
            f.write(buf.getvalue())
        with lock:
            stats["stored"] += 1
        return 0x0000

    ae = AE(ae_title="ANY-SCP")
    ae.maximum_pdu_size = args.max_pdu
    ae.maximum_associations = 4
    for cx in AllStoragePresentationContexts:
        ae.add_supported_context(cx.abstract_syntax, ALL_TRANSFER_SYNTAXES)
    server = ae.start_server(("127.0.0.1", args.port), block=False,
                             evt_handlers=[(evt.EVT_PDU_RECV, on_pdu), (evt.EVT_C_STORE, on_store)])
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print("listening", flush=True)
    done.wait()
    server.shutdown()
    with open(os.path.join(os.path.dirname(os.path.abspath(args.out)), "pdvs.json"), "w") as f:
        json.dump(stats, f)


# ---------------------------------------------------------------------------------------
# Results

def cmd_row(args):
    problems = []
    if args.problems and os.path.exists(args.problems):
        problems = [l.rstrip("\n") for l in open(args.problems) if l.strip()]
    with open(args.results, "a") as f:
        f.write(json.dumps({"peer": args.peer, "version": args.version, "case": args.case,
                            "result": "pass" if args.ok == "1" else "FAIL",
                            "detail": args.detail, "problems": problems}) + "\n")


def cmd_table(args):
    rows = [json.loads(l) for l in open(args.results) if l.strip()] if os.path.exists(args.results) else []
    heads = ("peer", "version", "case", "result")
    w = {h: max([len(h)] + [len(str(r[h])) for r in rows]) for h in heads}
    print("  ".join(f"{h:<{w[h]}}" for h in heads) + "  detail")
    for r in rows:
        print("  ".join(f"{str(r[h]):<{w[h]}}" for h in heads) + "  " + r["detail"])
        if r["result"] != "pass":
            for p in r["problems"][:5]:
                print(f"    {p}")
            if len(r["problems"]) > 5:
                print(f"    ... {len(r['problems']) - 5} more")
    failed = sum(r["result"] != "pass" for r in rows)
    print(f"{len(rows) - failed} passed, {failed} failed")
    if args.json:
        import datetime
        with open(args.json, "w") as f:
            json.dump({"date": datetime.date.today().isoformat(), "sendit": args.sendit,
                       "corpus": args.corpus, "results": rows, "passed": len(rows) - failed,
                       "failed": failed}, f, indent=1)
            f.write("\n")
    sys.exit(1 if failed or not rows else 0)


def main():
    warnings.simplefilter("ignore")
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("free-port")
    s.add_argument("n", nargs="?", type=int, default=1)
    s.set_defaults(func=cmd_free_port)
    s = sub.add_parser("make-corpus")
    s.add_argument("outdir")
    s.set_defaults(func=cmd_make_corpus)
    s = sub.add_parser("files")
    s.add_argument("manifest")
    s.add_argument("--part", type=int, default=0)
    s.add_argument("--of", type=int, default=0)
    s.add_argument("--dcmtk-readable", action="store_true")
    s.set_defaults(func=cmd_files)
    s = sub.add_parser("storescu-config")
    s.add_argument("manifest")
    s.add_argument("out")
    s.set_defaults(func=cmd_storescu_config)
    s = sub.add_parser("verify")
    s.add_argument("--manifest", required=True)
    s.add_argument("--sender", choices=["storescu", "sendit"], required=True)
    s.add_argument("--log", nargs="+", required=True)
    s.add_argument("--files")
    s.add_argument("--receiver", choices=["sendit", "storescp", "orthanc"], required=True)
    s.add_argument("--where", required=True)
    s.add_argument("--compare", choices=["original", "reference", "none"], default="original")
    s.add_argument("--reference-dir")
    s.add_argument("--reference-log", nargs="+")
    s.add_argument("--unstored", choices=["none", "refused"], default="none")
    s.add_argument("--check-incoming", action="store_true")
    s.add_argument("--problems")
    s.set_defaults(func=cmd_verify)
    s = sub.add_parser("pynetdicom-scp")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--max-pdu", type=int, required=True)
    s.add_argument("--out", required=True)
    s.set_defaults(func=cmd_pynetdicom_scp)
    s = sub.add_parser("row")
    for a in ("results", "peer", "version", "case", "ok", "detail"):
        s.add_argument(a)
    s.add_argument("problems", nargs="?")
    s.set_defaults(func=cmd_row)
    s = sub.add_parser("table")
    s.add_argument("results")
    s.add_argument("--json")
    s.add_argument("--sendit", default="")
    s.add_argument("--corpus", default="")
    s.set_defaults(func=cmd_table)
    args = p.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()

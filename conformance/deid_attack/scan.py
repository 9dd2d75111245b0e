#!/usr/bin/env python3
"""The independent scanner: does any output of `sendit deid` hold a value planted in its input?

Usage:
  scan.py --manifest CORPUS/manifest.json --run NAME LOG OUTDIR [--run ...]
          [--json FILE] [--markdown FILE] [--jobs N]
  scan.py --needles-from INPUT.json FILE...     (scan single files; used by test_scan.py)

LOG is what `sendit deid` printed for the run ("IN -> OUT", "IN: HELD ...", "IN: FAILED: ...").
Each output is searched for its input's planted values (manifest.json) and their forms
(forms.py), everywhere:
  - every byte of the file (and of the inflated data set of a deflated file), ASCII case
    ignored, with each needle encoded in Latin-1, UTF-8, CP1252, UTF-16LE/BE, UTF-32LE,
    Shift-JIS, EUC-JP, ISO-2022-JP, EUC-KR, ISO-2022-KR, GB18030 and Big5;
  - every element value (walked by dicomwalk.py, not pydicom) decoded in its Specific
    Character Set and, as bytes that need not be text, in Latin-1, UTF-8, UTF-16LE/BE and the
    CJK encodings; gzip, zlib, ZIP and base64 content inside values decoded and searched too;
  - every text value as pydicom decodes it, honouring Specific Character Set at every level;
  - normalised (forms.variants) and as digit runs (forms.digit_runs);
  - Pixel Data split by pixelparse.py: marker segments, boxes, tails and offset tables for
    every needle; sample bytes only for needles of at least 8 bytes;
  - the names of the output's file and folders.
Prints one line per input file and run; exits 1 if any written output holds a planted value
or an input has no result in a run's log.
"""
import argparse
import base64
import bisect
import concurrent.futures
import json
import os
import re
import sys
import warnings
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dicomwalk  # noqa: E402
import forms  # noqa: E402
import pixelparse  # noqa: E402
from search import CJK_DECODINGS, Hit, Searcher  # noqa: E402

warnings.simplefilter("ignore")
import pydicom  # noqa: E402
import pydicom.charset  # noqa: E402
from pydicom.config import settings as _pydicom_settings  # noqa: E402

_pydicom_settings.reading_validation_mode = 0

COARSE_ENCODINGS = ["latin-1", "utf-8", "utf-16-le", "utf-16-be"]
NUMBER_VRS = {"US", "SS", "UL", "SL", "SV", "UV", "FL", "FD"}
TEXT_VRS = {"SH", "LO", "ST", "LT", "UT", "UC", "PN", "AE", "CS", "DA", "DT", "TM", "UI", "UR",
            "AS", "DS", "IS"}


# --- one file ------------------------------------------------------------------------------------

def _value(buf, e):
    return buf[e.start:e.end]


def _locator(w, buf_index):
    """where_of(offset) for raw hits in one buffer: the innermost element holding it."""
    els = sorted((e for e in w.elements if e.buf == buf_index), key=lambda e: e.start)
    starts = [e.start for e in els]

    def where_of(off):
        k = bisect.bisect_right(starts, off) - 1
        while k >= 0:
            e = els[k]
            if e.start <= off < e.end:
                return f"{e.path} {e.vr}"
            k -= 1
        if buf_index == 0 and w.preamble and off < 128:
            return "preamble"
        for b, s, t, why in w.unparsed:
            if b == buf_index and s <= off < t:
                return f"unparsed bytes at {off} ({why})"
        return f"byte {off} outside any element value" + (" of the inflated data set" if buf_index else "")
    return where_of


def _decodes(raw, charset=None, vr=None, light=False):
    """(text, how) decodings of one value (light: Latin-1 and UTF-8 only, for whole files,
    whose UTF-16 and CJK forms the byte search covers)."""
    out = []
    if vr in TEXT_VRS and charset is not None:
        try:
            encs = pydicom.charset.convert_encodings(list(charset) or ["ISO_IR 6"])
            delims = pydicom.charset.PN_DELIMS if vr == "PN" else pydicom.charset.TEXT_VR_DELIMS
            out.append((pydicom.charset.decode_bytes(raw, encs, delims), "Specific Character Set"))
        except Exception:
            pass
    out.append((raw.decode("latin-1"), "latin-1"))
    if any(b >= 0x80 for b in raw):
        u = raw.decode("utf-8", "replace")
        out.append((u, "utf-8"))
        for enc in ("latin-1", "cp1252"):           # UTF-8 of text already UTF-8 (mojibake)
            try:
                out.append((u.encode(enc).decode("utf-8"), f"utf-8 twice ({enc})"))
                break
            except (UnicodeEncodeError, UnicodeDecodeError):
                pass
    if light:
        return out
    if len(raw) >= 4:
        for enc in ("utf-16-le", "utf-16-be"):
            out.append((raw.decode(enc, "replace"), enc))
            out.append((raw[1:].decode(enc, "replace"), enc + " from byte 1"))
    if len(raw) <= 65536 and (b"\x1b" in raw or any(b >= 0x80 for b in raw)):
        for enc in CJK_DECODINGS:
            out.append((raw.decode(enc, "replace"), enc))
    return out


# More than sendit inflates (32 MiB): what lies past its cap is still found.
INFLATE_CAP = 64 << 20
_ZIP = re.compile(rb"\x1f\x8b\x08|\x78[\x01\x5e\x9c\xda]|PK\x03\x04")
_B64 = re.compile(rb"[A-Za-z0-9+/]{16,}={0,2}")


def _embedded(raw):
    """Content a value carries in another container: gzip, zlib, ZIP members, base64."""
    found = []
    for m in _ZIP.finditer(raw):
        i = m.start()
        try:
            if raw[i:i + 4] == b"PK\x03\x04" and len(raw) >= i + 30:
                nlen = int.from_bytes(raw[i + 26:i + 28], "little")
                xlen = int.from_bytes(raw[i + 28:i + 30], "little")
                body = raw[i + 30 + nlen + xlen:]
                found.append((raw[i + 30:i + 30 + nlen], "ZIP member name"))
                d = zlib.decompressobj(-15).decompress(body, INFLATE_CAP)
                how = "ZIP member"
            else:
                d = zlib.decompressobj(47).decompress(raw[i:], INFLATE_CAP)
                how = "gzip" if raw[i] == 0x1F else "zlib"
        except zlib.error:
            continue
        if len(d) >= 8:
            found.append((d, how))
    for m in _B64.finditer(raw):
        s = m.group(0)
        try:
            d = base64.b64decode(s + b"=" * (-len(s) % 4), validate=False)
        except Exception:
            continue
        found.append((d, "base64"))
    return found


def _attrs(w):
    """Top-level image attributes pixelparse needs."""
    vals = {}
    for e in w.elements:
        if "." in e.path or e.path.startswith("(0002,"):
            continue
        raw = w.buffers[e.buf][e.start:e.end]
        if e.tag in (0x00280010, 0x00280011, 0x00280002, 0x00280100, 0x00280101, 0x00280102) and len(raw) >= 2:
            vals[e.tag] = int.from_bytes(raw[:2], "little" if e.little else "big")
        elif e.tag == 0x00280008:
            try:
                vals[e.tag] = int(raw.decode("latin-1").strip(" \x00").split("\\")[0])
            except ValueError:
                pass
    return vals


def _pixel_parts(w, e):
    buf = w.buffers[e.buf]
    if e.fragments is not None:
        frags = [buf[s:t] for s, t in e.fragments]
        yield from pixelparse.encapsulated_parts(frags, w.transfer_syntax)
        return
    a = _attrs(w)
    rows, cols = a.get(0x00280010, 0), a.get(0x00280011, 0)
    spp, alloc = a.get(0x00280002, 1), a.get(0x00280100, 8)
    stored, high = a.get(0x00280101, alloc), a.get(0x00280102, a.get(0x00280101, alloc) - 1)
    frames = a.get(0x00280008, 1) or 1
    value = buf[e.start:e.end]
    if not e.little and alloc == 16:                     # big endian: samples as little endian
        value = b"".join(value[i + 1:i + 2] + value[i:i + 1] for i in range(0, len(value) - 1, 2))
    if rows and cols and alloc in (1, 8, 16, 32):
        yield from pixelparse.native_parts(value, rows, cols, spp, alloc, stored, high, frames)
    else:
        yield "samples", value, "(7FE0,0010) without image attributes"


def _pydicom_pieces(path):
    pieces = []
    try:
        ds = pydicom.dcmread(path, force=True)
    except Exception as ex:
        return [], f"pydicom cannot read it: {type(ex).__name__}"

    def visit(d, prefix):
        for tag in list(d.keys()):
            where = f"pydicom {prefix}{dicomwalk.tag_str(int(tag))}"
            try:
                el = d[tag]
            except Exception:
                continue
            try:
                if el.VR == "SQ":
                    for i, item in enumerate(el.value or []):
                        visit(item, f"{prefix}{dicomwalk.tag_str(int(tag))}[{i}].")
                elif el.VR in TEXT_VRS:
                    v = el.value
                    vs = v if isinstance(v, (list, tuple, pydicom.multival.MultiValue)) else [v]
                    for x in vs:
                        if x is not None:
                            pieces.append((str(x), where))
                            if el.VR == "PN":
                                for g in ("alphabetic", "ideographic", "phonetic"):
                                    s = getattr(x, g, "")
                                    if s:
                                        pieces.append((s, where))
                elif el.VR in NUMBER_VRS and el.VM <= 64:
                    # binary numbers as a reader shows them: an MRN stored as an integer
                    v = el.value
                    vs = v if isinstance(v, (list, tuple, pydicom.multival.MultiValue)) else [v]
                    for x in vs:
                        if isinstance(x, (int, float)) and float(x).is_integer() and abs(x) >= 100000:
                            pieces.append((str(int(x)), where + " (as a number)"))
                elif el.VR in ("OF", "OD") and isinstance(el.value, bytes) and 0 < len(el.value) <= 512:
                    # float arrays as a reader shows them: an MRN stored as a float
                    size = 4 if el.VR == "OF" else 8
                    raw = el.value[: len(el.value) // size * size]
                    for x in np.frombuffer(raw, "<f4" if size == 4 else "<f8"):
                        if np.isfinite(x) and float(x).is_integer() and abs(x) >= 100000:
                            pieces.append((str(int(x)), where + " (as a number)"))
            except Exception:
                continue
    try:
        visit(ds.file_meta, "")
    except Exception:
        pass
    try:
        visit(ds, "")
    except Exception:
        pass
    return pieces, None


def scan_file(path, searcher, name_for_report=None):
    """All hits in one output file; its path's file and folder names too."""
    with open(path, "rb") as f:
        data = f.read()
    w = dicomwalk.walk(data)
    hits = []
    text_pieces, binary_pieces = [], []

    # element values (pixel data apart)
    pixel = [e for e in w.elements if e.tag == dicomwalk.PIXEL_DATA and "." not in e.path]
    for e in w.elements:
        if e in pixel or e.vr == "SQ":          # a sequence's items are elements of their own
            continue
        raw = w.buffers[e.buf][e.start:e.end]
        if not raw:
            continue
        where = f"{e.path} {e.vr}"
        is_text = e.vr in TEXT_VRS
        for text, how in _decodes(raw, e.charset if is_text else None, e.vr):
            (text_pieces if is_text and how in ("Specific Character Set", "latin-1") else binary_pieces
             ).append((text, f"{where} ({how})"))
        if e.vr in ("OW", "OB", "UN", "OF", "OL", "OD") and len(raw) >= 4:
            # 16-bit words written in the other byte order (a big endian OW made little endian)
            swapped = np.frombuffer(raw[:len(raw) // 2 * 2], "<u2").byteswap().tobytes()
            hits += searcher.search_bytes(swapped, lambda off, wh=where: f"{wh} (16-bit words swapped)")
        for d, how in _embedded(raw):
            hits += searcher.search_bytes(d, lambda off, wh=where, h=how: f"{wh} ({h} content)")
            for text, how2 in _decodes(d):
                binary_pieces.append((text, f"{where} ({how} content, {how2})"))

    # Pixel Data
    masks = []
    for e in pixel:
        masks.append((e.buf, e.start, e.end))
        for kind, part, where in _pixel_parts(w, e):
            if kind == "samples":
                hits += searcher.search_bytes(part, lambda off, wh=where: wh, samples=True)
            else:
                hits += searcher.search_bytes(part, lambda off, wh=where: wh)
                for text, how in _decodes(part):
                    binary_pieces.append((text, f"{where} ({how})"))

    # every byte, Pixel Data masked (searched above by its parts)
    for bi, buf in enumerate(w.buffers):
        masked = bytearray(buf)
        for b, s, t in masks:
            if b == bi:
                masked[s:t] = bytes(t - s)
        masked = bytes(masked)
        hits += searcher.search_bytes(masked, _locator(w, bi))
        label = "file" if bi == 0 else "inflated data set"
        for text, how in _decodes(masked, light=True):
            binary_pieces.append((text, f"{label} bytes ({how})"))

    # pydicom's reading
    pd_pieces, pd_error = _pydicom_pieces(path)
    text_pieces += pd_pieces

    hits += searcher.search_texts(text_pieces, binary=False)
    hits += searcher.search_texts(binary_pieces, binary=True)

    # the output's own name and folders
    name = name_for_report or path
    comps = [(c, f"output path component {c!r}") for c in re.split(r"[/\\]", name) if c]
    hits += searcher.search_texts(comps, binary=False)
    return _dedupe(hits), pd_error


def scan_unaccounted(path, searcher):
    """An output no log line names: its bytes (Pixel Data by its parts, as in scan_file) and
    digit runs, against every identity."""
    with open(path, "rb") as f:
        data = f.read()
    w = dicomwalk.walk(data)
    hits = []
    pixel = [e for e in w.elements if e.tag == dicomwalk.PIXEL_DATA and "." not in e.path]
    for e in pixel:
        parts = list(_pixel_parts(w, e))
        for k in ("full", "samples"):
            blob = b"\x00".join(p for kind, p, _ in parts if kind == k)
            hits += searcher.search_bytes(blob, lambda off, k=k: f"(7FE0,0010) {k} parts", samples=(k == "samples"))
    for bi, buf in enumerate(w.buffers):
        masked = bytearray(buf)
        for e in pixel:
            if e.buf == bi:
                masked[e.start:e.end] = bytes(e.end - e.start)
        masked = bytes(masked)
        hits += searcher.search_bytes(masked, _locator(w, bi))
        hits += searcher.search_texts([(masked.decode("latin-1"), "file bytes (latin-1)")], binary=True)
    return _dedupe(hits), None


def coarse_needles(entries):
    """Every identity's distinctive forms: no whole-word forms, none under 6 characters, no
    digit-only forms under 9 digits (among hundreds of identities' numbers one would end a
    39-digit UID by chance), and no study dates (identities' study dates are days apart, so
    one file's moved dates are another's real ones)."""
    out = set()
    for e in entries:
        for n in needles_for(e):
            if n.word or len(n.form) < forms.WORD_BELOW or n.attr == "StudyDate":
                continue
            if n.kind == "digits" and len(n.form) < 9:
                continue
            out.add(n)
    return out


_COARSE = {}


def _coarse_searcher(manifest_path):
    if manifest_path not in _COARSE:
        with open(manifest_path) as f:
            entries = json.load(f)["files"]
        _COARSE[manifest_path] = Searcher(coarse_needles(entries), encodings=COARSE_ENCODINGS, text=False)
    return _COARSE[manifest_path]


def _dedupe(hits):
    """One hit per (needle, where); the most specific places first."""
    seen, out = set(), []
    rank = lambda h: (h.where.startswith(("file bytes", "inflated data set bytes")), "swapped" in h.where,
                      h.where.startswith("pydicom"))
    for h in sorted(hits, key=rank):
        key = (h.needle, h.where)
        if key in seen:
            continue
        seen.add(key)
        out.append(h)
    return out


def summarise(hits):
    """The report line's detail: each planted value once, with its first form and place."""
    by_value = {}
    for h in hits:
        by_value.setdefault((h.needle.attr, h.needle.value), []).append(h)
    parts = []
    for (attr, value), hs in by_value.items():
        h = hs[0]
        places = {x.where.split(" (")[0] for x in hs} - {h.where.split(" (")[0]}
        places = {p for p in places if not p.startswith(("pydicom", "file bytes", "inflated"))}
        forms_ = {x.needle.form for x in hs}
        more = []
        if len(forms_) > 1:
            more.append(f"{len(forms_)} forms")
        if places:
            more.append(f"{len(places)} more places")
        parts.append(f"{attr} {value!r} as {h.needle.form!r} at {h.where}"
                     + (f" ({', '.join(more)})" if more else ""))
    return "; ".join(parts)


# --- runs ----------------------------------------------------------------------------------------

LINE = re.compile(r"^(?P<inp>.+?)(?: -> (?P<out>.+)|: (?P<what>HELD|FAILED)\b:? ?(?P<why>.*))$")


def parse_log(text):
    results = {}
    for line in text.splitlines():
        m = LINE.match(line.strip())
        if not m:
            continue
        inp = os.path.realpath(m.group("inp"))
        if m.group("out"):
            results.setdefault(inp, []).append(("written", m.group("out")))
        else:
            results.setdefault(inp, []).append((m.group("what").lower(), m.group("why")))
    return results


def needles_for(entry):
    out = set()
    for p in entry["planted"]:
        out |= forms.forms_of(p["attr"], p["kind"], p["value"])
    for d in entry.get("derived", []):
        out.add(forms.needle_from_json(d))
    return out


def _scan_job(args):
    entry, out_path, outdir = args
    if entry.get("every"):
        hits, pd_error = scan_unaccounted(out_path, _coarse_searcher(entry["every"]))
    else:
        searcher = Searcher(needles_for(entry))
        hits, pd_error = scan_file(out_path, searcher, os.path.relpath(out_path, outdir))
    return [(h.needle.attr, h.needle.value, h.needle.form, h.needle.kind, h.where, h.how) for h in hits], pd_error


def run_scans(manifest, manifest_path, corpus_dir, runs, jobs):
    """runs: [(name, log text, outdir)]. Returns {run: {file: result dict}}."""
    results = {}
    tasks = []
    written_outputs = {}
    for name, log, outdir in runs:
        parsed = parse_log(log)
        results[name] = {}
        for entry in manifest["files"]:
            if name not in entry["runs"]:
                continue
            inp = os.path.realpath(os.path.join(corpus_dir, entry["file"]))
            outcome = parsed.get(inp)
            if not outcome:
                results[name][entry["file"]] = {"status": "no result"}
                continue
            status, detail = outcome[-1]
            if status != "written":                 # sendit quotes the input path: shorten it
                detail = detail.replace(corpus_dir + os.sep, "")
            r = {"status": status, "detail": detail}
            results[name][entry["file"]] = r
            if status == "written":
                out_path = detail if os.path.isabs(detail) else os.path.join(outdir, detail)
                if not os.path.isfile(out_path):
                    results[name][entry["file"]] = {"status": "no result"}
                    continue
                written_outputs.setdefault(name, set()).add(os.path.realpath(out_path))
                tasks.append((name, entry["file"], (entry, out_path, outdir)))
        # outputs no log line accounts for are scanned for every identity
        for root, _, files in os.walk(outdir):
            for f in files:
                p = os.path.realpath(os.path.join(root, f))
                if p not in written_outputs.get(name, set()):
                    every = {"every": manifest_path}
                    key = "(unaccounted) " + os.path.relpath(p, outdir)
                    results[name][key] = {"status": "written", "detail": p}
                    tasks.append((name, key, (every, p, outdir)))
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_scan_job, t[2]): t for t in tasks}
        for fut in concurrent.futures.as_completed(futures):
            name, key, _ = futures[fut]
            hits, pd_error = fut.result()
            results[name][key]["hits"] = hits
            if pd_error:
                results[name][key]["pydicom"] = pd_error
    return results


def verdict_line(r):
    s = r["status"]
    if s == "written":
        hits = r.get("hits", [])
        if not hits:
            return "written, 0 planted values"
        hs = [Hit(forms.Needle(a, v, f, k), wh, how) for a, v, f, k, wh, how in hits]
        return "written, LEAK: " + summarise(hs)
    if s == "held":
        return f"held ({r['detail']})"
    if s == "failed":
        return f"refused ({r['detail']})"
    return "no result in the log"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest")
    ap.add_argument("--run", nargs=3, action="append", metavar=("NAME", "LOG", "OUTDIR"), default=[])
    ap.add_argument("--json")
    ap.add_argument("--markdown")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--sendit", default="sendit", help="the version the runs used, for the report")
    ap.add_argument("--needles-from", help="a JSON entry {planted, derived} for scanning FILEs")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()

    if a.needles_from:
        entry = json.load(open(a.needles_from))
        searcher = Searcher(needles_for(entry))
        leak = False
        for f in a.files:
            hits, _ = scan_file(f, searcher)
            print(f"{f}: " + ("LEAK: " + summarise(hits) if hits else "0 planted values"))
            leak |= bool(hits)
        return 1 if leak else 0

    manifest = json.load(open(a.manifest))
    manifest["sendit"] = a.sendit
    corpus_dir = os.path.dirname(os.path.abspath(a.manifest))
    runs = [(n, open(log).read(), outdir) for n, log, outdir in a.run]
    results = run_scans(manifest, os.path.abspath(a.manifest), corpus_dir, runs, a.jobs)
    import report
    return report.emit(manifest, [n for n, _, _ in a.run], results, a.json, a.markdown)


if __name__ == "__main__":
    sys.exit(main())

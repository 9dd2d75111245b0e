#!/usr/bin/env python3
"""Canonical element listing of DICOM files as pydicom reads them, for comparing with sendit.

Usage: pydicom-canonical.py --list            print pydicom's test data files, one per line
       pydicom-canonical.py --json FILE...    pydicom's DICOM JSON Model of each, one per line
       pydicom-canonical.py FILE...           one JSON object per file, one per line:

  {"file": ..., "ok": true, "forced": false, "rows": [...], "warnings": [...]}
  or {"file": ..., "ok": false, "error": ..., "warnings": [...]}

Each row is one element or item, in file order, nested ones after their parent:
  {"p": path prefix, "t": "GGGGEEEE", "vr": VR, "len": value length or "u/l",
   "h": FNV-1a 64 hash (hex) of the value bytes in little-endian order, "v": decoded values:
   strings, integers, or floats as their repr() text}
  sequences: {"p", "t", "vr": "SQ", "undef": bool, "n": item count}
  items:     {"p": "<parent path>GGGGEEEE[i].", "item_undef": bool}

A file pydicom rejects without force=True is read again with force=True ("forced": true), so
sendit's lenient reading of it can be compared as well.
"""
import json
import os
import sys
import warnings

import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.multival import MultiValue

STRING_VRS = {"AE", "AS", "CS", "DA", "DT", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"}
SWAP = {"US": 2, "SS": 2, "OW": 2, "AT": 2, "UL": 4, "SL": 4, "FL": 4, "OF": 4, "OL": 4,
        "FD": 8, "OD": 8, "SV": 8, "UV": 8, "OV": 8}


def fnv(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def little_endian(data, vr, is_little):
    unit = SWAP.get(vr, 0)
    if is_little or unit < 2:
        return data
    n = len(data) - len(data) % unit
    out = bytearray(data)
    for i in range(0, n, unit):
        out[i:i + unit] = data[i:i + unit][::-1]
    return bytes(out)


def values(elem):
    vr = elem.VR
    if vr in ("OB", "OD", "OF", "OL", "OV", "OW", "UN"):
        return None
    v = elem.value
    if v is None or v == "" or v == b"":
        return []
    items = list(v) if isinstance(v, (MultiValue, list, tuple)) else [v]
    if vr == "DS":
        return [repr(float(x)) if str(x).strip() != "" else None for x in items]
    if vr == "IS":
        return [int(x) if str(x).strip() != "" else None for x in items]
    if vr in STRING_VRS:
        return [str(x) for x in items]
    if vr in ("US", "SS", "UL", "SL", "SV", "UV", "AT"):
        return [int(x) for x in items]
    if vr in ("FL", "FD"):
        return [repr(float(x)) for x in items]   # as text: a JSON parser may round
    return None


def walk(ds, prefix, rows, is_little):
    for tag in sorted(ds._dict.keys()):
        raw = ds.get_item(tag)
        raw_value = raw.value if isinstance(raw, RawDataElement) else None
        raw_length = raw.length if isinstance(raw, RawDataElement) else None
        try:
            elem = ds[tag]
        except Exception as e:  # a value pydicom cannot convert
            rows.append({"p": prefix, "t": "%08X" % tag, "vr": raw.VR, "error": str(e)})
            continue
        if elem.VR == "SQ":
            rows.append({"p": prefix, "t": "%08X" % tag, "vr": "SQ", "undef": bool(elem.is_undefined_length),
                         "n": len(elem.value)})
            for i, item in enumerate(elem.value):
                p = prefix + "%08X[%d]." % (tag, i)
                rows.append({"p": p, "item_undef": bool(item.is_undefined_length_sequence_item)})
                walk(item, p, rows, is_little)
            continue
        if raw_value is None:
            raw_value = elem.value if isinstance(elem.value, bytes) else None
        row = {"p": prefix, "t": "%08X" % tag, "vr": elem.VR}
        if raw_length is not None:
            row["len"] = "u/l" if raw_length == 0xFFFFFFFF else raw_length
        if raw_value is not None:
            row["h"] = fnv(little_endian(raw_value, elem.VR, is_little))
        try:
            row["v"] = values(elem)
        except Exception as e:
            row["v_error"] = str(e)
        rows.append(row)


def read(path):
    try:
        return pydicom.dcmread(path), False
    except Exception as e:
        first = "%s: %s" % (type(e).__name__, e)
    try:
        return pydicom.dcmread(path, force=True), True
    except Exception as e:
        raise RuntimeError(first + " | with force=True: %s: %s" % (type(e).__name__, e))


def main(args):
    if args == ["--list"]:
        root = os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files")
        for d, _, files in sorted(os.walk(root)):
            for f in sorted(files):
                print(os.path.join(d, f))
        return 0
    if args[:1] == ["--json"]:
        for path in args[1:]:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model = pydicom.dcmread(path).to_json_dict(bulk_data_threshold=1 << 40)
                print(json.dumps({"file": path, "ok": True, "json": model}))
            except Exception as e:
                print(json.dumps({"file": path, "ok": False, "error": str(e)}))
        return 0
    for path in args:
        out = {"file": path}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                ds, forced = read(path)
                rows = []
                is_little = ds.original_encoding[1] if ds.original_encoding[1] is not None else True
                walk(ds, "", rows, is_little)
                out.update(ok=True, forced=forced, rows=rows)
            except Exception as e:
                out.update(ok=False, error=str(e))
        # Every warning pydicom gave while reading and converting (the file name removed).
        out["warnings"] = sorted({str(w.message).replace(path, "<file>") for w in caught})
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""List the attributes that need a de-identification decision, and check spec/deid/ against them.

Usage: scripts/deid-review-rows.py              check every file in spec/deid/ (same as `check`)
       scripts/deid-review-rows.py check        exit 1 if a row is missing, extra or invalid
       scripts/deid-review-rows.py list FILE    print the rows FILE must have, as TSV without the
                                                decision and reason columns (FILE is one of the
                                                names below, e.g. attributes-without-row.tsv)

The rows come from the dictionary (spec/dicom/data-dictionary.tsv merged with the `added` rows
of data-dictionary-delta-2026b.tsv) and PS3.15 Table E.1-1 (spec/dicom/confidentiality-profile.tsv),
so that no attribute is missed when either table grows. The decisions are people's: this script
never writes them, it only says which rows need one and whether each file has exactly those rows,
in the format of spec/deid/README.md. Standard library only.
"""
import csv
import os
import re
import signal
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(ROOT, "spec", "dicom")
DEID = os.path.join(ROOT, "spec", "deid")

# The VRs that can carry identifying text. A VR choice ("US or SS") counts if any choice is one.
TEXT_VRS = {"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT"}
# Table E.1-1's action columns, basic profile first.
ACTION_COLUMNS = [
    "basic_profile", "rtn_safe_priv", "rtn_uids", "rtn_dev_id", "rtn_inst_id", "rtn_pat_chars",
    "rtn_long_full_dates", "rtn_long_modif_dates", "clean_desc", "clean_struct_cont", "clean_graph",
]
REASON_MAX = 100


def read_tsv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def sort_key(tag):
    """Tags sort as in spec/dicom/: by value, with a repeating-group `x` read as 0."""
    return int(tag.replace("x", "0"), 16)


def dictionary():
    """tag -> row (tag, vr, keyword, retired) of the merged dictionary."""
    rows = {r["tag"]: r for r in read_tsv(os.path.join(SPEC, "data-dictionary.tsv"))}
    for r in read_tsv(os.path.join(SPEC, "data-dictionary-delta-2026b.tsv")):
        if r["change"] == "added":
            rows[r["tag"]] = r
    return rows


def profile():
    """The rows of Table E.1-1, without the PRIVATE row (odd groups are not dictionary tags)."""
    return [r for r in read_tsv(os.path.join(SPEC, "confidentiality-profile.tsv")) if r["tag"] != "PRIVATE"]


def tags_match(a, b):
    """True if two masked tags can name the same element: an `x` on either side matches any digit."""
    return len(a) == len(b) and all(x == y or x == "x" or y == "x" for x, y in zip(a, b))


def is_text(vr):
    return bool(set(vr.split(" or ")) & TEXT_VRS)


def actions(row):
    return [row[c] for c in ACTION_COLUMNS]


def expected_rows():
    """file name -> list of (tag, keyword, vr) that the file must hold, sorted by tag."""
    dic = dictionary()
    rows = profile()
    by_tag = {r["tag"]: r for r in rows}
    tags = sorted(dic, key=sort_key)

    without_row = []
    for tag in tags:
        d = dic[tag]
        if tag[:4] in ("0000", "0002", "FFFE") or not is_text(d["vr"]):
            continue
        if not any(tags_match(tag, p["tag"]) for p in rows):
            without_row.append((tag, d["keyword"], d["vr"]))

    text_with_row, sequences_under_d = [], []
    for tag in tags:
        p = by_tag.get(tag)
        if p is None:
            continue
        d = dic[tag]
        if is_text(d["vr"]) and any("C" in a or "K" in a for a in actions(p)):
            text_with_row.append((tag, d["keyword"], d["vr"]))
        if d["vr"] == "SQ" and any("D" in a.split("/") for a in actions(p)):
            sequences_under_d.append((tag, d["keyword"], d["vr"]))

    uids = [(tag, dic[tag]["keyword"], "UI") for tag in tags if dic[tag]["vr"] == "UI"]
    return {
        "attributes-without-row.tsv": without_row,
        "text-attributes-with-row.tsv": text_with_row,
        "sequences-under-d.tsv": sequences_under_d,
        "uid-attributes.tsv": uids,
    }


# file -> (header, decision column, allowed decisions, whether the file has a vr column)
TAG_FILES = {
    "attributes-without-row.tsv": (["tag", "keyword", "vr", "decision", "reason"], "decision",
                                   {"keep", "narrative", "remove"}),
    "text-attributes-with-row.tsv": (["tag", "keyword", "vr", "class", "reason"], "class",
                                     {"descriptor", "narrative"}),
    "sequences-under-d.tsv": (["tag", "keyword", "decision", "reason"], "decision",
                              {"identifying", "content"}),
    "uid-attributes.tsv": (["tag", "keyword", "kind", "reason"], "kind", {"instance", "class"}),
}
CODING_SCHEMES = "coding-scheme-uids.tsv"
CODING_SCHEMES_HEADER = ["uid", "designator", "name"]
UID_PATTERN = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$")


def read_lines(path, problems):
    """The file's lines split on tabs, after checking the conventions of spec/dicom/README.md."""
    name = os.path.basename(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        problems.append("%s: cannot read (%s)" % (name, e.strerror))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        problems.append("%s: not UTF-8" % name)
        return None
    if "\r" in text:
        problems.append("%s: has a carriage return (line ends must be \\n)" % name)
    if not text.endswith("\n"):
        problems.append("%s: does not end with a newline" % name)
    return [line.split("\t") for line in text[:-1].split("\n")] if text else []


def check_reason(name, n, reason, problems):
    if not reason.strip():
        problems.append("%s line %d: empty reason" % (name, n))
    elif len(reason) >= REASON_MAX:
        problems.append("%s line %d: reason has %d characters (limit %d)" % (name, n, len(reason), REASON_MAX - 1))
    elif reason != reason.strip():
        problems.append("%s line %d: reason has leading or trailing spaces" % (name, n))


def check_tag_file(name, expected, problems):
    header, decision_column, allowed = TAG_FILES[name]
    lines = read_lines(os.path.join(DEID, name), problems)
    if lines is None:
        return {}
    if not lines or lines[0] != header:
        problems.append("%s: header must be %s" % (name, "\\t".join(header)))
        return {}
    want = {tag: (keyword, vr) for tag, keyword, vr in expected}
    seen, order, counts = set(), [], {}
    for n, fields in enumerate(lines[1:], start=2):
        if len(fields) != len(header):
            problems.append("%s line %d: %d fields, want %d" % (name, n, len(fields), len(header)))
            continue
        row = dict(zip(header, fields))
        tag = row["tag"]
        if tag in seen:
            problems.append("%s line %d: %s appears twice" % (name, n, tag))
            continue
        seen.add(tag)
        order.append(tag)
        if tag not in want:
            problems.append("%s line %d: %s should not be here (extra row)" % (name, n, tag))
            continue
        keyword, vr = want[tag]
        if row["keyword"] != keyword:
            problems.append("%s line %d: %s keyword %r, the dictionary says %r" % (name, n, tag, row["keyword"], keyword))
        if "vr" in row and row["vr"] != vr:
            problems.append("%s line %d: %s VR %r, the dictionary says %r" % (name, n, tag, row["vr"], vr))
        decision = row[decision_column]
        if decision not in allowed:
            problems.append("%s line %d: %s %s %r is not one of %s" % (
                name, n, tag, decision_column, decision, ", ".join(sorted(allowed))))
        else:
            counts[decision] = counts.get(decision, 0) + 1
        check_reason(name, n, row["reason"], problems)
    for tag, keyword, _ in expected:
        if tag not in seen:
            problems.append("%s: missing row %s %s" % (name, tag, keyword))
    if order != sorted(order, key=sort_key):
        problems.append("%s: rows are not sorted by tag" % name)
    return counts


def check_coding_schemes(problems):
    name = CODING_SCHEMES
    lines = read_lines(os.path.join(DEID, name), problems)
    if lines is None:
        return 0
    if not lines or lines[0] != CODING_SCHEMES_HEADER:
        problems.append("%s: header must be %s" % (name, "\\t".join(CODING_SCHEMES_HEADER)))
        return 0
    seen, keys = set(), []
    for n, fields in enumerate(lines[1:], start=2):
        if len(fields) != 3:
            problems.append("%s line %d: %d fields, want 3" % (name, n, len(fields)))
            continue
        uid, designator, _ = fields
        if len(uid) > 64 or not UID_PATTERN.match(uid):
            problems.append("%s line %d: %r is not a valid UID" % (name, n, uid))
        if not designator or designator != designator.strip():
            problems.append("%s line %d: empty or padded designator" % (name, n))
        if (uid, designator) in seen:
            problems.append("%s line %d: %s %s appears twice" % (name, n, uid, designator))
        seen.add((uid, designator))
        keys.append((uid, designator))
    if keys != sorted(keys, key=lambda k: ([int(c) for c in k[0].split(".")] if UID_PATTERN.match(k[0]) else [], k[1])):
        problems.append("%s: rows are not sorted by UID (numerically), then designator" % name)
    if not keys:
        problems.append("%s: no rows" % name)
    return len(keys)


def check():
    problems = []
    expected = expected_rows()
    summary = []
    for name in TAG_FILES:
        counts = check_tag_file(name, expected[name], problems)
        summary.append("%s: %d rows expected; %s" % (
            name, len(expected[name]), ", ".join("%s %d" % kv for kv in sorted(counts.items())) or "none valid"))
    summary.append("%s: %d rows" % (CODING_SCHEMES, check_coding_schemes(problems)))
    for line in summary:
        print(line)
    for p in problems:
        print("error: " + p, file=sys.stderr)
    if problems:
        print("%d problem(s) in spec/deid/" % len(problems), file=sys.stderr)
        return 1
    print("spec/deid/ covers every row with a valid decision")
    return 0


def list_rows(name):
    expected = expected_rows()
    if name not in expected:
        print("list: FILE is one of %s" % ", ".join(expected), file=sys.stderr)
        return 2
    header = TAG_FILES[name][0][:-2]
    print("\t".join(header))
    for tag, keyword, vr in expected[name]:
        print("\t".join([tag, keyword, vr][:len(header)]))
    return 0


def main(argv):
    if len(argv) <= 1 or argv[1:] == ["check"]:
        return check()
    if len(argv) == 3 and argv[1] == "list":
        return list_rows(os.path.basename(argv[2]))
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `list ... | head` ends quietly
    sys.exit(main(sys.argv))

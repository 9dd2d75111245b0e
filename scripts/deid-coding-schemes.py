#!/usr/bin/env python3
"""Extract spec/deid/coding-scheme-uids.tsv from a machine-readable copy of PS3.16 Table 8-1.

Usage: scripts/deid-coding-schemes.py FSH [RST]  > spec/deid/coding-scheme-uids.tsv

FSH is input/fsh/CodeSystem-ControlledTerminologyDefinitions.fsh of the public repository
github.com/bvdh/dicom-terminology-in-fhir, which its dicom_tools/cid_valuesets.py generates from
Table 8-1 of the PS3.16 DocBook (see spec/deid/README.md for the commit and edition). Each coding
scheme is a concept `* #DESIGNATOR "DESIGNATOR" "NAME (UID=...)"` with the UID in a property
`* #DESIGNATOR ^property[0].valueString = "UID"`. Schemes without a UID are left out: only a UID
can stand in a Coding Scheme UID attribute.

RST, if given, is an older copy of the same table (source/part16/chapter_8.rst of
github.com/chsasank/dicom_standard, a reStructuredText rendering of the standard's chapter 8).
Every designator with a UID in both must have the same UID there, or the script stops; the
differences allowed are listed on stderr (schemes added since, a UID corrected since).
Standard library only; nothing is fetched.
"""
import re
import sys

CONCEPT = re.compile(r'^\* #(\S+) "([^"]*)" "(.*)"$')
PROPERTY = re.compile(r'^\* #(\S+) \^property\[0\]\.valueString\s*=\s*"?([^"]*)"?\s*$')
UID = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$")


def read_fsh(path):
    """designator -> (uid, name) in file order; name is Table 8-1's Coding Scheme Name."""
    names, uids, order = {}, {}, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            m = CONCEPT.match(line)
            if m:
                designator, _, display = m.groups()
                # The generator writes "NAME (UID=uid)", or " (UID=uid)" when the name is empty.
                names[designator] = re.sub(r"\s*\(UID=[^)]*\)$", "", display).strip()
                order.append(designator)
                continue
            m = PROPERTY.match(line)
            if m:
                uids[m.group(1)] = m.group(2).strip()
    return [(d, uids.get(d, ""), names[d]) for d in order]


def read_rst(path):
    """designator -> uid from the grid table 'Coding Schemes' of a chapter_8.rst rendering."""
    lines = open(path, encoding="utf-8").read().split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith(".. table:: Coding Schemes"))
    end = next(i for i, l in enumerate(lines) if i > start and l.startswith(".. table::"))
    table = [l for l in lines[start:end] if l.startswith("   +") or l.startswith("   |")]
    cuts = [i for i, c in enumerate(table[0]) if c == "+"]
    rows, cells = [], None
    for line in table:
        if line.startswith("   +"):
            if cells:
                rows.append(cells)
            cells = [[] for _ in cuts[:-1]]
        else:
            for k in range(len(cuts) - 1):
                cells[k].append(line[cuts[k] + 1:cuts[k + 1]].strip())
    result = {}
    for cells in rows[1:]:  # the first block is the heading
        designator = "".join(cells[0])
        # Wrapped UIDs are split across lines and carry zero-width spaces from the HTML.
        uid = "".join(cells[1]).replace("\u200b", "")
        result[designator] = uid
    return result


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    schemes = read_fsh(argv[1])
    rows = [(uid, d, name) for d, uid, name in schemes if uid]
    for uid, d, _ in rows:
        if not UID.match(uid):
            print("not a UID for %s: %r" % (d, uid), file=sys.stderr)
            return 1
    if len(argv) == 3:
        older = read_rst(argv[2])
        for uid, d, _ in rows:
            if d not in older:
                print("note: %s %s is not in the older table (added since)" % (d, uid), file=sys.stderr)
            elif older[d] and older[d] != uid:
                print("note: %s is %s in the older table, %s now" % (d, older[d], uid), file=sys.stderr)
        for d, uid in older.items():
            if uid and d not in {r[1] for r in rows}:
                print("older table has %s %s, the newer has no UID for it" % (d, uid), file=sys.stderr)
                return 1
    rows.sort(key=lambda r: ([int(c) for c in r[0].split(".")], r[1]))
    sys.stdout.write("uid\tdesignator\tname\n")
    for uid, d, name in rows:
        sys.stdout.write("%s\t%s\t%s\n" % (uid, d, name))
    print("%d coding schemes with a UID (%d without one left out)" % (len(rows), len(schemes) - len(rows)),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

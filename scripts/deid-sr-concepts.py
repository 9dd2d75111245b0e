#!/usr/bin/env python3
"""Writes spec/deid/sr-subject-concepts.tsv: the PS3.16 concepts with which a structured report
restates a patient attribute (TID 1007 Subject Context, Patient), and the attribute each one
restates. The codes and meanings are read from pydicom's generated copy of PS3.16
(`pydicom/sr/_concepts_dict.py`, read as a Python literal, not imported); which attribute each
restates is this project's mapping (the keyword pairs below). Run it with the venv's Python:

    .venv/bin/python scripts/deid-sr-concepts.py

and commit the TSV (scripts/generate reads it; it needs no pydicom).
"""
import ast
import os
import sys

import pydicom

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# pydicom concept keyword (scheme DCM) -> the Patient attribute it restates.
RESTATES = {
    "SubjectName": "PatientName",
    "SubjectID": "PatientID",
    "SubjectBirthDate": "PatientBirthDate",
    "SubjectSex": "PatientSex",
    "SubjectAge": "PatientAge",
}

path = os.path.join(os.path.dirname(pydicom.__file__), "sr", "_concepts_dict.py")
tree = ast.parse(open(path, encoding="utf-8").read())
# The file is `concepts = {}` then one `concepts["SCHEME"] = {...}` literal per scheme.
concepts = {}
for node in tree.body:
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript):
        target = node.targets[0]
        if getattr(target.value, "id", "") == "concepts":
            concepts[ast.literal_eval(target.slice)] = ast.literal_eval(node.value)
if "DCM" not in concepts:
    sys.exit("no concepts[\"DCM\"] literal in " + path)

rows = []
for keyword, attribute in RESTATES.items():
    entry = concepts["DCM"].get(keyword)
    if not entry or len(entry) != 1:
        sys.exit("pydicom has no single DCM concept %s" % keyword)
    (code, (meaning, _cids)), = entry.items()
    rows.append(("DCM", code, meaning, attribute))

out = os.path.join(ROOT, "spec", "deid", "sr-subject-concepts.tsv")
with open(out, "w", encoding="utf-8", newline="\n") as f:
    f.write("scheme\tcode_value\tcode_meaning\tattribute\n")
    for r in sorted(rows, key=lambda r: r[1]):
        f.write("\t".join(r) + "\n")
print("wrote %s (%d rows) from pydicom %s %s" % (out, len(rows), pydicom.__version__, path))

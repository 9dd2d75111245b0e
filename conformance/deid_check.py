#!/usr/bin/env python3
"""Checks `sendit deid` output against its input with tools that are not sendit's.

Usage: deid_check.py LOG PROBLEMS

LOG is what `sendit deid IN... OUT` printed ("IN -> OUT", "IN: HELD ...", "IN: FAILED ...").
For every input/output pair:
  - pydicom reads the output, every element (values decoded, sequences walked);
  - dciodvfy reports no error or warning on the output that it did not report on the input
    (the messages compared without the values they quote; deflated files are skipped:
    dicom3tools cannot read them);
  - (expected and not counted: dciodvfy's "Unrecognized defined term" for a Coding Scheme
    UID that sendit remapped because neither PS3.6 nor PS3.16 lists it);
  - no copy was refused by the PHI gate: the engine cleans whatever the gate looks for, so on
    realistic headers a gate refusal is a defect (a refusal names the attribute; it is listed);
  - none of the input's identifying values (sendit's own dummies such as ANONYMIZED aside;
    PatientName and its parts, PatientID,
    OtherPatientIDs, AccessionNumber, PatientBirthDate, InstitutionName, ReferringPhysicianName,
    OperatorsName, and every UID that is not a registered UID or a class/syntax UID) occurs in
    the output's bytes outside Pixel Data, ignoring case; values under 6 characters as words;
  - PatientIdentityRemoved is YES, DeidentificationMethodCodeSequence holds 113100;
  - every date moved by one jitter per patient (StudyDate); the outputs of one input study
    share one StudyInstanceUID, and of one FrameOfReferenceUID one FrameOfReferenceUID.
Prints a one-line summary; writes problems to PROBLEMS; exit 1 if any.
"""
import collections
import datetime
import re
import subprocess
import sys
import warnings

warnings.simplefilter("ignore")   # pydicom's complaints about the inputs' own defects

import pydicom
from pydicom.uid import UID_dictionary

PLACEHOLDERS = {"anonymized", "anonymous", "19000101", "19000101000000"}
IDENTIFYING = ["PatientName", "PatientID", "OtherPatientIDs", "AccessionNumber", "PatientBirthDate",
               "InstitutionName", "ReferringPhysicianName", "OperatorsName"]


def needles(ds):
    found = {}

    def add(value, name):
        v = str(value).strip().lower()
        numeric = re.fullmatch(r"[0-9. -]+", v) is not None
        # A short institution name names no one and is not looked for (the documented rule,
        # docs/deidentification.md: `BENCH MEDICAL SYSTEMS` keeps its first word).
        shortest = 6 if numeric or name == "InstitutionName" else 3
        # sendit's own dummies: an input anonymized before may hold them already.
        if len(v) >= shortest and v not in PLACEHOLDERS:
            found.setdefault(v, name)

    def walk(d):
        for elem in d:
            if elem.VR == "SQ":
                for item in elem.value:
                    walk(item)
                continue
            kw = elem.keyword or str(elem.tag)
            if kw in IDENTIFYING and elem.value not in (None, ""):
                values = elem.value if elem.VM > 1 else [elem.value]
                for v in values:
                    add(v, kw)
                    if elem.VR == "PN":
                        for part in re.split(r"[\^= ]", str(v)):
                            add(part, kw)
            elif elem.VR == "UI" and elem.value:
                if any(s in kw for s in ("ClassUID", "TransferSyntaxUID", "CodingSchemeUID", "MappingResourceUID")):
                    continue
                for v in (elem.value if elem.VM > 1 else [elem.value]):
                    if str(v) not in UID_dictionary:
                        add(v, kw)
    walk(ds)
    return found


def searchable(path):
    raw = open(path, "rb").read()
    ds = pydicom.dcmread(path)
    if "PixelData" in ds:
        pixels = ds.PixelData
        at = raw.rfind(pixels) if len(pixels) >= 16 else -1
        if at >= 0:
            raw = raw[:at] + b"\0" + raw[at + len(pixels):]
    return raw.lower()


# Coded values: CS, and the code attributes. A name part under 6 characters equal to a defined
# term there (CT, HEAD, TEST) is no leak (the documented coded-value rule).
CODE_KEYWORDS = {"CodeValue", "LongCodeValue", "URNCodeValue", "CodingSchemeDesignator", "CodingSchemeVersion",
                 "ContextIdentifier", "ContextGroupVersion", "MappingResource"}
NAME_KEYWORDS = {"PatientName", "ReferringPhysicianName", "OperatorsName"}


def blank_coded_values(path, data):
    """`data` (the lower-cased file) with the values of coded elements blanked, found by
    pydicom's reading of the output."""
    ds = pydicom.dcmread(path)
    out = bytearray(data)
    for elem in ds.iterall():
        if elem.VR == "CS" or elem.keyword in CODE_KEYWORDS:
            for v in (elem.value if elem.VM > 1 else [elem.value]):
                raw = str(v).encode("latin-1", "replace").lower()
                if raw:
                    out = out.replace(raw, b"\0" * len(raw))
    return bytes(out)


def hits(data, found, coded_blank=None):
    out = []
    for value, name in found.items():
        v = value.encode("utf-8", "replace")
        if len(value) < 6:
            hay = coded_blank if coded_blank is not None and name in NAME_KEYWORDS else data
            if re.search(rb"(?<![0-9a-z\x80-\xff])" + re.escape(v) + rb"(?![0-9a-z\x80-\xff])", hay):
                out.append(name)
        elif v in data:
            out.append(name)
    return out


def dciodvfy_errors(path):
    """dciodvfy's errors and warnings, without the values they quote."""
    r = subprocess.run(["dciodvfy", "-new", path], capture_output=True, text=True, errors="replace")
    errors = set()
    for line in (r.stdout + r.stderr).splitlines():
        if line.startswith("Error") or line.startswith("Warning"):
            # Keep the attribute path and module; drop the values quoted (they differ by design).
            errors.add(re.sub(r"=\s*<[^>]*>|\[[^\]]*\]|have \d+ items.*", "", line).strip())
    return errors


def days(da):
    return datetime.datetime.strptime(da[:8], "%Y%m%d").toordinal()


def main():
    log, problems_path = sys.argv[1], sys.argv[2]
    pairs, held, failed, refused, gate = [], [], [], [], []
    for line in open(log):
        line = line.rstrip("\n")
        if " -> " in line:
            pairs.append(tuple(line.split(" -> ", 1)))
        elif ": HELD" in line:
            held.append(line)
        elif ": FAILED: PHI gate" in line:
            gate.append(line)      # the engine left something the gate found: a defect
        elif any(why in line for why in ("lacks StudyInstanceUID", "is truncated", "occurs twice", "cannot de-identify: Pixel Data:")):
            refused.append(line)   # the file's own fault: nothing written, as it should
        elif ": FAILED" in line:
            failed.append(line)
    problems = []
    new_errors = 0
    jitters = collections.defaultdict(set)
    studies = collections.defaultdict(set)
    frames = collections.defaultdict(set)
    planted = 0
    for src, dst in pairs:
        try:
            ds_in = pydicom.dcmread(src)
            ds_out = pydicom.dcmread(dst)
            for elem in ds_out.iterall():
                _ = elem.value
        except Exception as e:
            problems.append(f"{dst}: pydicom cannot read it: {e}")
            continue
        found = needles(ds_in)
        planted += len(found)
        data = searchable(dst)
        for name in hits(data, found, blank_coded_values(dst, data)):
            problems.append(f"{dst}: the input's {name} occurs in the output ({src})")
        if ds_out.get("PatientIdentityRemoved") != "YES":
            problems.append(f"{dst}: PatientIdentityRemoved is {ds_out.get('PatientIdentityRemoved')!r}")
        codes = [i.CodeValue for i in ds_out.get("DeidentificationMethodCodeSequence", [])]
        if "113100" not in codes:
            problems.append(f"{dst}: no 113100 in DeidentificationMethodCodeSequence ({codes})")
        before, after = dciodvfy_errors(src), dciodvfy_errors(dst)
        if str(ds_out.file_meta.get("TransferSyntaxUID", "")) == "1.2.840.10008.1.2.1.99":
            before, after = set(), set()   # dicom3tools cannot read deflated data sets (nor the input)
        # A class UID that is neither registered nor a PS3.16 coding scheme is remapped (as the
        # profile's rule for class attributes says); dciodvfy knows some vendors' schemes
        # (DCMTK's) and calls the new value unrecognized. That warning alone is expected.
        after = {e for e in after if not (e.startswith("Warning") and "CodingSchemeUID" in e and "Unrecognized defined term" in e)}
        for e in sorted(after - before):
            new_errors += 1
            problems.append(f"{dst}: dciodvfy {e.split(' ')[0].lower()} not in the input: {e}")
        patient = str(ds_in.get("PatientID", "")) or str(ds_in.StudyInstanceUID)
        if ds_in.get("StudyDate") and ds_out.get("StudyDate"):
            try:
                shift = days(ds_out.StudyDate) - days(ds_in.StudyDate)
                jitters[patient].add(shift)
            except ValueError:
                pass
        studies[str(ds_in.StudyInstanceUID)].add(str(ds_out.StudyInstanceUID))
        if ds_in.get("FrameOfReferenceUID"):
            frames[str(ds_in.FrameOfReferenceUID)].add(str(ds_out.get("FrameOfReferenceUID", "")))
    for patient, js in jitters.items():
        if len(js) != 1:
            problems.append(f"patient {patient}: dates moved by {sorted(js)} days, not by one jitter")
    for study, outs in studies.items():
        if len(outs) != 1:
            problems.append(f"study {study}: {len(outs)} StudyInstanceUIDs in the output")
    for frame, outs in frames.items():
        if len(outs) != 1:
            problems.append(f"frame of reference {frame}: {len(outs)} in the output")
    total = len(pairs) + len(held) + len(failed) + len(refused) + len(gate)
    if total == 0 or len(pairs) < 0.8 * total:
        problems.append(f"only {len(pairs)} of {total} files were written")
    with open(problems_path, "w") as f:
        f.write("\n".join(problems + gate + failed) + ("\n" if problems or gate or failed else ""))
    print(f"{len(pairs)} of {total} de-identified ({len(held)} held, {len(gate)} PHI gate refusals, "
          f"{len(refused)} refused (missing UIDs, truncated, repeated tags, Pixel Data that cannot be rebuilt), {len(failed)} failed otherwise); "
          f"{planted} identifying values searched, {sum(1 for p in problems if 'occurs' in p)} found; "
          f"{new_errors} new dciodvfy errors or warnings; {len(studies)} studies, {len(jitters)} patients")
    # After the summary, on stderr: the caller reads the summary's line from stdout.
    for line in refused + gate:
        print("  refused: " + line, file=sys.stderr)
    return 1 if problems or failed or gate else 0


if __name__ == "__main__":
    sys.exit(main())

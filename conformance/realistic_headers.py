#!/usr/bin/env python3
"""Writes realistic headers where a value the profile removes is also a word of a value it keeps:
the collisions a new user meets first. Each is a copy of a generated CT image with a few
attributes changed. sendit must de-identify every one of them without a PHI gate refusal.

Usage: realistic_headers.py TEMPLATE.dcm OUTDIR
"""
import os
import sys

import pydicom

CASES = {
    # The issuer of the patient's ID is the first word of the manufacturer's name.
    "issuer-in-manufacturer": dict(IssuerOfPatientID="BENCH", Manufacturer="BENCH MEDICAL SYSTEMS",
                                   InstitutionName="BENCH HOSPITAL"),
    # A patient named like a body part, with the body part in the description.
    "patient-named-head": dict(PatientName="Head^Anna", StudyDescription="CT HEAD W/O CONTRAST",
                               BodyPartExamined="HEAD", SeriesDescription="HEAD 5mm"),
    "patient-named-hand": dict(PatientName="Hand^Otto", StudyDescription="XR HAND 3 VIEWS"),
    # Short name parts that are words of English descriptions.
    "short-name-parts": dict(PatientName="Li^An", StudyDescription="CT AN ABDOMEN STUDY", SeriesDescription="LI AXIAL"),
    # Two-character CJK name parts, in UTF-8, with the name in a description.
    "cjk-two-character-parts": dict(SpecificCharacterSet="ISO_IR 192", PatientName="山田^太郎=やまだ^たろう",
                                    StudyDescription="CT 胸部 山田", OperatorsName="佐藤^花子"),
    # An operator whose name is inside a word of the protocol.
    "operator-inside-a-word": dict(OperatorsName="Tom^Tech", ProtocolName="Tomography Routine"),
    # Dotted version strings and model numbers with long digit runs.
    "versions-and-models": dict(SoftwareVersions=["VA20A", "2.5.10234"], ManufacturerModelName="SOMATOM Force 10234",
                                DeviceSerialNumber="77421"),
    # A station name shorter than six characters that is also in the model name.
    "short-station": dict(StationName="CT01", ManufacturerModelName="CT01 Series"),
}


def main():
    template, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for n, (name, changes) in enumerate(sorted(CASES.items())):
        ds = pydicom.dcmread(template)
        for keyword, value in changes.items():
            setattr(ds, keyword, value)
        suffix = ".%d" % (900 + n)
        ds.SOPInstanceUID = ds.SOPInstanceUID + suffix
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.SeriesInstanceUID = ds.SeriesInstanceUID + suffix
        ds.StudyInstanceUID = ds.StudyInstanceUID + suffix
        ds.save_as(os.path.join(out, name + ".dcm"), enforce_file_format=True)
    print("%d realistic headers in %s" % (len(CASES), out))


if __name__ == "__main__":
    main()

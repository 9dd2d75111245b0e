"""Channels in the data set's structure: names in the wrong VR and in private elements,
sequences the profile keeps, attributes and dates without a row in PS3.15 Table E.1-1, and
UIDs that carry an identifier."""
import csv
import os

import pydicom.uid as U
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset

from build import (base, channel, code, el, insert_raw, item, raw_item, raw_seq, replace_value,
                   seq, sr, sr_item, to_bytes)
from channels_text import digits, iso

SPEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "spec", "dicom")


def mrn_uid(i, k=1):
    """A UID outside the registry that carries the MRN's digits as a component."""
    return f"1.2.826.0.1.3680043.9.7433.{digits(i.mrn)}.{k}"


# --- names in the wrong VR, private elements --------------------------------------------------------

@channel("wv-patient-name-as-lo", "wrong-vr", "PatientName written with VR LO (explicit VR)")
def wv_pn_lo(ctx):
    data = to_bytes(base(ctx))
    return replace_value(data, 0x00100010, el(0x00100010, "LO", ctx.idn.patient_name))


@channel("wv-patient-name-as-un", "wrong-vr", "PatientName written with VR UN (explicit VR)")
def wv_pn_un(ctx):
    data = to_bytes(base(ctx))
    return replace_value(data, 0x00100010, el(0x00100010, "UN", ctx.idn.patient_name))


@channel("wv-patient-name-as-ob", "wrong-vr", "PatientName written with VR OB (explicit VR)")
def wv_pn_ob(ctx):
    data = to_bytes(base(ctx))
    return replace_value(data, 0x00100010, el(0x00100010, "OB", ctx.idn.patient_name))


@channel("wv-referring-as-lo", "wrong-vr", "ReferringPhysicianName written with VR LO")
def wv_ref_lo(ctx):
    data = to_bytes(base(ctx))
    return replace_value(data, 0x00080090, el(0x00080090, "LO", ctx.idn.referring))


@channel("wv-birth-date-as-un", "wrong-vr", "PatientBirthDate written with VR UN")
def wv_dob_un(ctx):
    data = to_bytes(base(ctx))
    return replace_value(data, 0x00100030, el(0x00100030, "UN", ctx.idn.birth_date))


@channel("wv-name-in-cs", "wrong-vr", "BodyPartExamined (CS) holding the family name")
def wv_name_cs(ctx):
    ds = base(ctx)
    ds.BodyPartExamined = ctx.idn.family[:16]
    return to_bytes(ds)


@channel("wv-mrn-in-is", "wrong-vr", "AcquisitionNumber (IS) holding the MRN's digits")
def wv_mrn_is(ctx):
    ds = base(ctx)
    ds.AcquisitionNumber = digits(ctx.idn.mrn)
    return to_bytes(ds)


@channel("wv-private-lo", "wrong-vr", "a private LO (0009,1010, creator ACME 1.0) holding the name")
def wv_private_lo(ctx):
    ds = base(ctx)
    block = ds.private_block(0x0009, "ACME 1.0", create=True)
    block.add_new(0x10, "LO", ctx.idn.patient_name)
    return to_bytes(ds)


@channel("wv-private-sequence", "wrong-vr", "a private SQ (0009,1020) whose item holds PatientName and PatientID")
def wv_private_seq(ctx):
    ds = base(ctx)
    block = ds.private_block(0x0009, "ACME 1.0", create=True)
    block.add_new(0x20, "SQ", seq(item(PatientName=ctx.idn.patient_name, PatientID=ctx.idn.mrn)))
    return to_bytes(ds)


@channel("wv-private-creator-is-name", "wrong-vr", "a private creator string that is the patient's name")
def wv_private_creator(ctx):
    ds = base(ctx)
    block = ds.private_block(0x0009, ctx.idn.patient_name[:64], create=True)
    block.add_new(0x01, "LO", "x")
    return to_bytes(ds)


@channel("wv-private-in-public-item", "wrong-vr",
         "a private element inside an item of a kept public sequence (Anatomic Region Sequence)")
def wv_private_in_item(ctx):
    ds = base(ctx)
    region = code("51185008", "SCT", "Chest")
    block = region.private_block(0x0009, "ACME 1.0", create=True)
    block.add_new(0x10, "LO", ctx.idn.patient_name)
    ds.AnatomicRegionSequence = seq(region)
    return to_bytes(ds)


@channel("wv-private-un-implicit-seq", "wrong-vr",
         "Implicit VR: a private element of undefined length holding items with PatientName (VR known only from the items)")
def wv_private_un_seq(ctx):
    ds = base(ctx)
    block = ds.private_block(0x0009, "ACME 1.0", create=True)
    block.add_new(0x01, "LO", "x")
    data = to_bytes(ds, U.ImplicitVRLittleEndian)
    inner = el(0x00100010, "PN", ctx.idn.patient_name, explicit=False) + \
        el(0x00100020, "LO", ctx.idn.mrn, explicit=False)
    raw = raw_seq(0x00091030, [raw_item(inner, undefined=True)], undefined=True, explicit=False)
    return insert_raw(data, raw, 0x00091031)


@channel("wv-unknown-public", "wrong-vr", "a public tag the dictionary does not know, (0010,0099) LO, holding the name")
def wv_unknown_public(ctx):
    return insert_raw(to_bytes(base(ctx)), el(0x00100099, "LO", ctx.idn.patient_name), 0x0010009A)


# --- sequences the profile keeps or dummies ------------------------------------------------------------

def person_item(i):
    return item(PersonIdentificationCodeSequence=seq(code(i.employee, "SMH-HR", i.operator.replace("^", ", "))),
                PersonAddress=i.institution_address, PersonTelephoneNumbers=i.phone,
                InstitutionName=i.institution)


@channel("sq-operator-identification", "sequence",
         "Operator Identification Sequence (X/D) > Person Identification Code Sequence (D): employee number, name as code meaning")
def sq_operator_id(ctx):
    ds = base(ctx)
    ds.OperatorIdentificationSequence = seq(person_item(ctx.idn))
    return to_bytes(ds)


@channel("sq-person-identification-top", "sequence",
         "Person Identification Code Sequence (D) at the top level: employee number and operator's name")
def sq_person_top(ctx):
    ds = base(ctx)
    i = ctx.idn
    ds.PersonIdentificationCodeSequence = seq(code(i.employee, "SMH-HR", i.operator.replace("^", ", ")))
    return to_bytes(ds)


@channel("sq-referring-identification", "sequence",
         "Referring Physician Identification Sequence (X) with a person identification code")
def sq_referring_id(ctx):
    ds = base(ctx)
    ds.ReferringPhysicianIdentificationSequence = seq(person_item(ctx.idn))
    return to_bytes(ds)


@channel("sq-other-patient-ids", "sequence", "Other Patient IDs Sequence (X) with the MRN and another ID")
def sq_other_pids(ctx):
    ds = base(ctx)
    i = ctx.idn
    ds.OtherPatientIDsSequence = seq(item(PatientID=i.other_pid, IssuerOfPatientID="OLD HIS", TypeOfPatientID="TEXT"),
                                     item(PatientID=digits(i.mrn), IssuerOfPatientID=i.issuer, TypeOfPatientID="TEXT"))
    return to_bytes(ds)


@channel("sq-referenced-patient", "sequence", "Referenced Patient Sequence (X): an item with a UID carrying the MRN")
def sq_ref_patient(ctx):
    ds = base(ctx)
    ctx.plant("ReferencedSOPInstanceUID", "uid", mrn_uid(ctx.idn))
    ds.ReferencedPatientSequence = seq(item(ReferencedSOPClassUID="1.2.840.10008.3.1.2.1.1",
                                            ReferencedSOPInstanceUID=mrn_uid(ctx.idn)))
    return to_bytes(ds)


@channel("sq-request-attributes", "sequence",
         "Request Attributes Sequence (X; C with clean-structured-content): requested procedure ID, placer order number, reason with the MRN")
def sq_request(ctx):
    ds = base(ctx)
    i = ctx.idn
    ds.RequestAttributesSequence = seq(item(
        RequestedProcedureID=i.requested_procedure_id, AccessionNumber=i.accession,
        ScheduledProcedureStepID=i.order_number, PlacerOrderNumberImagingServiceRequest=i.order_number,
        ReasonForTheRequestedProcedure=f"follow-up, MRN {digits(i.mrn)}",
        RequestedProcedureDescription=f"CT chest {i.family}"))
    return to_bytes(ds)


@channel("sq-nested-three-deep", "sequence",
         "three levels down kept code sequences: PatientName, OtherPatientIDs, birth date and a code meaning with the name")
def sq_nested(ctx):
    ds = base(ctx)
    i = ctx.idn
    inner = code("T-D3000", "SRT", f"{i.family}, {i.given}")
    inner.PatientName = i.patient_name
    inner.OtherPatientIDs = i.other_pid
    inner.PatientBirthDate = i.birth_date
    mid = code("7771000", "SCT", "Left")
    mid.EquivalentCodeSequence = seq(inner)
    region = code("51185008", "SCT", "Chest")
    region.AnatomicRegionModifierSequence = seq(mid)
    ds.AnatomicRegionSequence = seq(region)
    return to_bytes(ds)


@channel("sq-nested-twelve-deep", "sequence", "twelve levels of kept code sequences; a code meaning with the name at the bottom")
def sq_deep(ctx):
    ds = base(ctx)
    node = code("T-D3000", "SRT", f"{ctx.idn.patient_name}")
    for _ in range(11):
        parent = code("7771000", "SCT", "Left")
        parent.EquivalentCodeSequence = seq(node)
        node = parent
    ds.AnatomicRegionSequence = seq(node)
    return to_bytes(ds)


@channel("sq-un-defined-length", "sequence",
         "Anatomic Region Sequence sent as UN of defined length (implicit VR items); a code meaning with MRN digits and the name")
def sq_un_defined(ctx):
    i = ctx.idn
    body = (el(0x00080100, "SH", "51185008", explicit=False) + el(0x00080102, "SH", "SCT", explicit=False)
            + el(0x00080104, "LO", f"Chest {i.family} {digits(i.mrn)}", explicit=False))
    raw = el(0x00082218, "UN", raw_item(body))
    return insert_raw(to_bytes(base(ctx)), raw, 0x00082219)


@channel("sq-un-explicit-items", "sequence",
         "Anatomic Region Sequence sent as UN (undefined length) whose items are, wrongly, explicit VR")
def sq_un_explicit(ctx):
    i = ctx.idn
    body = (el(0x00080100, "SH", "51185008") + el(0x00080102, "SH", "SCT")
            + el(0x00080104, "LO", f"Chest {i.family} {digits(i.mrn)}"))
    raw = raw_seq(0x00082218, [raw_item(body, undefined=True)], undefined=True, vr="UN")
    return insert_raw(to_bytes(base(ctx)), raw, 0x00082219)


@channel("sq-item-bytes-after-last", "sequence",
         "a defined-length Anatomic Region Sequence whose length covers, after its item, a Contact Display Name element")
def sq_item_gap(ctx):
    i = ctx.idn
    body = el(0x00080100, "SH", "51185008") + el(0x00080102, "SH", "SCT") + el(0x00080104, "LO", "Chest")
    hidden = el(0x0074100C, "LO", i.patient_name)
    raw = el(0x00082218, "SQ", raw_item(body) + hidden)
    return insert_raw(to_bytes(base(ctx)), raw, 0x00082219)


@channel("sq-verifying-observer", "sequence",
         "SR Verifying Observer Sequence (D): observer name, organization, identification code with the name")
def sq_verifying(ctx):
    i = ctx.idn
    ds = sr(ctx, [sr_item("TEXT", ("121071", "DCM", "Finding"), TextValue="No acute findings.")])
    ds.VerificationFlag = "VERIFIED"
    ds.VerifyingObserverSequence = seq(item(
        VerifyingObserverName=i.referring, VerifyingOrganization=i.institution,
        VerificationDateTime=i.study_date + "120000",
        VerifyingObserverIdentificationCodeSequence=seq(code(i.employee, "SMH-HR", i.referring.replace("^", ", ")))))
    return to_bytes(ds)


@channel("sq-issuer-qualifiers", "sequence",
         "Issuer of Patient ID Qualifiers Sequence: Universal Entity ID and identifier type code with the MRN")
def sq_issuer(ctx):
    ds = base(ctx)
    i = ctx.idn
    ds.IssuerOfPatientIDQualifiersSequence = seq(item(
        UniversalEntityID=f"urn:mrn:{digits(i.mrn)}", UniversalEntityIDType="URI",
        IdentifierTypeCode="MR", AssigningFacilitySequence=seq(item(LocalNamespaceEntityID=i.institution))))
    return to_bytes(ds)


@channel("sq-item-charset-utf8", "sequence",
         "top level ISO_IR 100; an item of Anatomic Region Sequence with its own Specific Character Set ISO_IR 192 and a UTF-8 name")
def sq_item_charset(ctx):
    ctx.set_identity(patient_name="Nakamura^Sakura=中村^さくら", family="Nakamura", given="Sakura")
    ds = base(ctx, charset="ISO_IR 100")
    ds.PatientName = "Nakamura^Sakura"
    region = Dataset()
    region.SpecificCharacterSet = "ISO_IR 192"
    region.CodeValue, region.CodingSchemeDesignator = "51185008", "SCT"
    region.add(DataElement(0x00080104, "LO", "中村さくら 胸部".encode("utf-8")))
    ds.AnatomicRegionSequence = seq(region)
    ds.OtherPatientNames = "中村^さくら".encode("utf-8").decode("latin-1")
    return to_bytes(ds)


# --- attributes without a row in Table E.1-1 --------------------------------------------------------

def no_row(cid, desc, tag, vr, value_fn, kind=None):
    def make(ctx):
        ds = base(ctx)
        v = value_fn(ctx.idn)
        if kind:
            ctx.plant(*kind(ctx.idn))
        ds.add(DataElement(tag, vr, v))
        return to_bytes(ds)
    channel(cid, "no-row", desc)(make)


NR = [
    ("nr-placer-order-retired", "Placer Order Number / Imaging Service Request (Retired) (0040,2006)", 0x00402006, "SH",
     lambda i: i.order_number),
    ("nr-filler-order-retired", "Filler Order Number / Imaging Service Request (Retired) (0040,2007)", 0x00402007, "SH",
     lambda i: i.order_number),
    ("nr-placer-order-procedure", "Placer Order Number / Procedure (0040,1006)", 0x00401006, "SH",
     lambda i: i.order_number),
    ("nr-filler-order-procedure", "Filler Order Number / Procedure (0040,1007)", 0x00401007, "SH",
     lambda i: i.accession),
    ("nr-contact-display-name", "Contact Display Name (0074,100C): the referring physician", 0x0074100C, "LO",
     lambda i: "Dr. " + " ".join(reversed(i.referring.split("^"))).title()),
    ("nr-contact-uri-tel", "Contact URI (0074,100A): tel: URI with the patient's telephone", 0x0074100A, "UR",
     lambda i: "tel:+1-" + "-".join([digits(i.phone)[1:4], digits(i.phone)[4:7], digits(i.phone)[7:]])),
    ("nr-hl7-instance-identifier", "HL7 Instance Identifier (0040,E001): the MRN in CX form", 0x0040E001, "ST",
     lambda i: f"{i.mrn}^^^{i.issuer.replace(' ', '_')}&1.2.3&ISO"),
    ("nr-owner-id", "Owner ID (2100,0160): the operator's employee number", 0x21000160, "SH", lambda i: i.employee),
    ("nr-device-id", "Device ID (0018,1003): an implant identifier with the MRN", 0x00181003, "LO", lambda i: f"ICD-{i.mrn}"),
    ("nr-secondary-reviewer-name", "Secondary Reviewer Name (0014,0104, PN)", 0x00140104, "PN", lambda i: i.referring),
    ("nr-evaluator-name", "Evaluator Name (0014,2006, PN)", 0x00142006, "PN", lambda i: i.operator),
    ("nr-document-author-trial", "Document Author (Trial) (0040,A067, PN)", 0x0040A067, "PN", lambda i: i.performing),
    ("nr-local-namespace-entity-id", "Local Namespace Entity ID (0040,0031, UT) at the top level: the MRN", 0x00400031, "UT",
     lambda i: f"{i.issuer}:{i.mrn}"),
    ("nr-universal-entity-id", "Universal Entity ID (0040,0032, UT) at the top level: urn with the MRN's digits", 0x00400032, "UT",
     lambda i: f"urn:mrn:{digits(i.mrn)}"),
    ("nr-text-value-name", "Text Value (0040,A160) at the top level: the patient's name", 0x0040A160, "UT",
     lambda i: f"Patient {i.family}, {i.given}"),
    ("nr-text-value-reformatted", "Text Value (0040,A160) at the top level: 'MRN 4410527' and birth date 04.11.1958", 0x0040A160, "UT",
     lambda i: f"MRN {digits(i.mrn)}, geb. {i.birth_date[6:]}.{i.birth_date[4:6]}.{i.birth_date[:4]}"),
    ("nr-document-title", "Document Title (0042,0010, ST): the name", 0x00420010, "ST",
     lambda i: f"Befund {i.family.title()}, {i.given.title()}"),
    ("nr-retrieve-url", "Retrieve URL (0008,1190, UR) with the PatientID in the query", 0x00081190, "UR",
     lambda i: f"https://pacs.example.org/wado?PatientID={i.mrn}&requestType=STUDY"),
    ("nr-filename-in-container", "Filename in Container (0008,040B, UR): name and birth date", 0x0008040B, "UR",
     lambda i: f"{i.family}_{i.given}_{i.birth_date}.dcm"),
    ("nr-comments-on-sps", "Comments on the Scheduled Procedure Step (0040,0400, LT): family name and phone", 0x00400400, "LT",
     lambda i: f"Pt {i.family.title()} claustrophobic, call {i.phone}"),
    ("nr-reason-for-cancellation", "Reason For Cancellation (0074,1238, LT): name", 0x00741238, "LT",
     lambda i: f"{i.given.title()} {i.family.title()} did not attend"),
    ("nr-window-explanation", "Window Center & Width Explanation (0028,1055): family name", 0x00281055, "LO",
     lambda i: f"W/L for {i.family}"),
    ("nr-long-code-value", "Long Code Value (0008,0119, UC) at the top level: the MRN", 0x00080119, "UC", lambda i: i.mrn),
    ("nr-urn-code-value", "URN Code Value (0008,0120, UR): urn with the MRN", 0x00080120, "UR",
     lambda i: f"urn:mrn:{digits(i.mrn)}"),
    ("nr-extended-code-meaning", "Extended Code Meaning (0008,0108, LT): the name", 0x00080108, "LT",
     lambda i: f"Imaging of {i.given.title()} {i.family.title()}"),
    ("nr-frame-label", "Frame Label (0020,9453): birth date as ISO 8601", 0x00209453, "LO",
     lambda i: f"DOB {iso(i.birth_date)}"),
    ("nr-image-id", "Image ID (0054,0400, SH): the MRN", 0x00540400, "SH", lambda i: i.mrn),
    ("nr-file-set-id", "Storage Media File-set ID (0088,0130, SH): family name", 0x00880130, "SH", lambda i: f"{i.family[:12]}_CD"),
    ("nr-alt-calendar-birth", "Patient's Birth Date in Alternative Calendar (0010,0033, LO)", 0x00100033, "LO",
     lambda i: iso(i.birth_date)),
    ("nr-breed-registration-number", "Breed Registration Number (0010,2295) at the top level: the MRN", 0x00102295, "LO",
     lambda i: i.mrn),
    ("nr-strain-stock-number", "Strain Stock Number (0010,0214): the other patient ID", 0x00100214, "LO", lambda i: i.other_pid),
    ("nr-itinerary-id", "Itinerary ID (4010,1051): the order number", 0x40101051, "LO", lambda i: i.order_number),
    ("nr-boarding-pass-id", "Boarding Pass ID (4010,101A): the study ID", 0x4010101A, "SH", lambda i: i.study_id),
    ("nr-rt-image-name", "RT Image Name (3002,0003): family name", 0x30020003, "LO", lambda i: f"{i.family} PORTAL"),
    ("nr-dose-comment", "Dose Comment (3004,0006): family and given name", 0x30040006, "LO",
     lambda i: f"{i.family}, {i.given} plan A"),
    ("nr-instruction-text", "Instruction Text (0018,9916, LO): telephone number", 0x00189916, "LO",
     lambda i: f"call {i.phone} before scan"),
    ("nr-lut-label", "LUT Label (0040,9210, SH): institution town", 0x00409210, "SH", lambda i: f"{i.town[:12]} LUT"),
]
for cid, desc, tag, vr, fn in NR:
    no_row(cid, desc, tag, vr, fn)


_NO_ROW = []


def no_row_attributes():
    if not _NO_ROW:
        _NO_ROW.extend(_no_row_attributes())
    return _NO_ROW


def _no_row_attributes():
    """Dictionary attributes (PS3.6, 2024d, and the 2026b delta) without a row in Table E.1-1
    (2026c), outside the File Meta and command groups: (tag, vr, keyword, retired)."""
    def rows(name):
        with open(os.path.join(SPEC, name), newline="") as f:
            return list(csv.DictReader(f, delimiter="\t"))
    dd = rows("data-dictionary.tsv") + rows("data-dictionary-delta-2026b.tsv")
    profile = [r["tag"] for r in rows("confidentiality-profile.tsv")]

    def covered(t):
        return any(all(a == b or a == "x" for a, b in zip(p, t)) for p in profile)
    out, seen = [], set()
    for r in dd:
        t = r["tag"]
        if t in seen or "x" in t or t[:4] in ("0000", "0002", "FFFE", "FFFA", "0004") or t[:2] == "7F":
            continue
        seen.add(t)
        if not covered(t):
            out.append((int(t, 16), r["vr"].split(" or ")[0], r["keyword"], r["retired"] == "Y"))
    return out


# attributes a sweep leaves alone: they decide how the rest is read or the image is drawn, or
# (the birth and death dates in another calendar) they have channels of their own and the gate
# treats them as identifying, which would refuse the whole sweep
NEVER = {0x00100033, 0x00100034, 0x00080005, 0x00080016, 0x00080060, 0x00080008, 0x00280002, 0x00280004, 0x00280006,
         0x00280100, 0x00280101, 0x00280102, 0x00280103, 0x00280010, 0x00280011, 0x00280008,
         0x00281052, 0x00281053, 0x00281054, 0x00280009}


def sweep_value(i, vr, k):
    name = f"{i.family}^{i.given}"
    return {"SH": i.mrn, "LO": f"{name} {i.mrn}", "ST": f"{i.patient_name} {i.mrn} {i.phone}",
            "LT": f"{i.patient_name} {i.mrn} {i.phone}", "UT": f"{i.patient_name} {i.mrn} {i.address}",
            "UC": f"{i.patient_name} {i.mrn}", "UR": f"https://x.example/p?id={i.mrn}",
            "PN": i.patient_name, "DA": i.birth_date, "DT": i.birth_date + "073000",
            "CS": i.family[:16], "UI": mrn_uid(i, k), "AE": i.family[:16],
            "TM": None}.get(vr)


def sweep_retyped(i, vr, k):
    """The same values retyped: the MRN's digits after a space, the birth date in ISO or
    European form, the telephone with dots."""
    d = digits(i.mrn)
    p = digits(i.phone)[1:]
    eu_dob = f"{i.birth_date[6:]}.{i.birth_date[4:6]}.{i.birth_date[:4]}"
    text = f"MRN {d}, born {eu_dob}, tel {p[:3]}.{p[3:6]}.{p[6:]}"
    return {"SH": f"MRN {d}", "LO": f"MRN {d} DOB {iso(i.birth_date)}", "ST": text, "LT": text,
            "UT": text, "UC": text, "UR": f"urn:x-mrn:{d}", "CS": f"MRN {d}"}.get(vr)


def sweep(vrs, cid, desc, value=sweep_value):
    def make(ctx):
        ds = base(ctx)
        k = 0
        for tag, vr, kw, retired in no_row_attributes():
            if vr not in vrs or tag in NEVER or tag in ds:
                continue
            k += 1
            v = value(ctx.idn, vr, k)
            if v is None:
                continue
            if vr == "UI":
                ctx.plant(f"{kw} (UID)", "uid", v)
            ds.add(DataElement(tag, vr, v))
        return to_bytes(ds)
    channel(cid, "no-row", desc)(make)


sweep({"SH"}, "nr-sweep-sh", "every SH attribute without a row (about 100), each holding the MRN")
sweep({"LO"}, "nr-sweep-lo", "every LO attribute without a row (about 240), each holding name and MRN")
sweep({"ST", "LT"}, "nr-sweep-st-lt", "every ST and LT attribute without a row, each holding name, MRN, telephone")
sweep({"UT", "UC", "UR"}, "nr-sweep-ut-uc-ur", "every UT, UC and UR attribute without a row, each holding name and MRN")
sweep({"PN"}, "nr-sweep-pn", "every PN attribute without a row, each holding the name")
sweep({"DA", "DT"}, "nr-sweep-da-dt", "every DA and DT attribute without a row, each holding the birth date")
sweep({"CS"}, "nr-sweep-cs", "every CS attribute without a row (about 800; not those that steer decoding), each holding the family name")
sweep({"UI"}, "nr-sweep-ui", "every UI attribute without a row, each holding a UID with the MRN's digits")
sweep({"SH"}, "nr-sweep-sh-retyped", "every SH attribute without a row, each holding 'MRN 4410527'", sweep_retyped)
sweep({"LO"}, "nr-sweep-lo-retyped", "every LO attribute without a row, each holding 'MRN 4410527 DOB 1958-11-04'", sweep_retyped)
sweep({"ST", "LT"}, "nr-sweep-st-lt-retyped", "every ST and LT attribute without a row: MRN digits, birth date 04.11.1958, phone with dots", sweep_retyped)
sweep({"UT", "UC", "UR"}, "nr-sweep-ut-uc-ur-retyped", "every UT, UC and UR attribute without a row: MRN digits, birth date, phone retyped", sweep_retyped)
sweep({"CS"}, "nr-sweep-cs-retyped", "every CS attribute without a row (not those that steer decoding), each holding 'MRN 4410527'", sweep_retyped)


# --- dates ---------------------------------------------------------------------------------------------

@channel("dt-study-update-datetime", "date", "Study Update DateTime (0008,041F, no row): the real study date and time")
def dt_update(ctx):
    ds = base(ctx)
    ds.StudyUpdateDateTime = ctx.idn.study_date + ctx.idn.study_time
    return to_bytes(ds)


@channel("dt-birth-in-dt-no-row", "date", "Expiration DateTime (0008,0416, no row): the birth date followed by a time")
def dt_birth_dt(ctx):
    ds = base(ctx)
    ds.ExpirationDateTime = ctx.idn.birth_date + "073000.000000"
    return to_bytes(ds)


@channel("dt-no-row-da-study-date", "date", "Secondary Review Date (0014,0102, no row): the real study date")
def dt_da_study(ctx):
    ds = base(ctx)
    ds.add(DataElement(0x00140102, "DA", ctx.idn.study_date))
    return to_bytes(ds)


@channel("dt-sr-subject-birth-date", "date", "SR DATE content item (121031, DCM, 'Subject Birth Date'): the birth date")
def dt_sr_birth(ctx):
    i = ctx.idn
    ds = sr(ctx, [sr_item("DATE", ("121031", "DCM", "Subject Birth Date"), "HAS OBS CONTEXT", Date=i.birth_date)])
    return to_bytes(ds)


@channel("dt-sr-date-study", "date", "SR DATE content item: the real study date")
def dt_sr_date(ctx):
    ds = sr(ctx, [sr_item("DATE", ("111060", "DCM", "Study Date"), Date=ctx.idn.study_date)])
    return to_bytes(ds)


@channel("dt-sr-datetime-birth", "date", "SR DATETIME content item: the birth date followed by a time")
def dt_sr_datetime(ctx):
    ds = sr(ctx, [sr_item("DATETIME", ("121031", "DCM", "Subject Birth Date"), "HAS OBS CONTEXT",
                          DateTime=ctx.idn.birth_date + "0730")])
    return to_bytes(ds)


@channel("dt-acr-nema-date-format", "date", "StudyDate, SeriesDate, ContentDate in the ACR-NEMA form 2024.03.15")
def dt_acr_nema(ctx):
    ds = base(ctx)
    d = ctx.idn.study_date
    for k in ("StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate"):
        setattr(ds, k, f"{d[:4]}.{d[4:6]}.{d[6:]}")
    return to_bytes(ds)


@channel("dt-birth-date-acr-nema", "date", "PatientBirthDate in the ACR-NEMA form 1958.11.04 (10 characters)")
def dt_birth_acr(ctx):
    ds = base(ctx)
    b = ctx.idn.birth_date
    ds.PatientBirthDate = f"{b[:4]}.{b[4:6]}.{b[6:]}"
    return to_bytes(ds)


@channel("dt-frame-acquisition-datetime", "date",
         "Enhanced MR: Per-frame Functional Groups > Frame Content Sequence > Frame Acquisition DateTime (D)")
def dt_frame(ctx):
    ds = base(ctx, U.EnhancedMRImageStorage, "MR")
    ds.NumberOfFrames = 1
    ds.PerFrameFunctionalGroupsSequence = seq(item(FrameContentSequence=seq(item(
        FrameAcquisitionDateTime=ctx.idn.study_date + ctx.idn.study_time,
        FrameReferenceDateTime=ctx.idn.study_date + ctx.idn.study_time, FrameAcquisitionNumber=1))))
    return to_bytes(ds)


@channel("dt-last-menstrual-date", "date", "Last Menstrual Date (0010,21D0): the birth date")
def dt_lmp(ctx):
    ds = base(ctx)
    ds.LastMenstrualDate = ctx.idn.birth_date
    return to_bytes(ds)


# --- UIDs ---------------------------------------------------------------------------------------------

def uid_channel(cid, desc, setter):
    def make(ctx):
        ds = base(ctx)
        u = mrn_uid(ctx.idn)
        ctx.plant("a UID carrying the MRN", "uid", u)
        r = setter(ds, u, ctx)
        return r if isinstance(r, bytes) else to_bytes(ds)
    channel(cid, "uid", desc)(make)


uid_channel("ui-related-general-sop-class", "Related General SOP Class UID (0008,001A, no row): a UID with the MRN",
            lambda ds, u, c: setattr(ds, "RelatedGeneralSOPClassUID", u))
uid_channel("ui-referenced-sop-class", "Referenced Image Sequence > Referenced SOP Class UID: a UID with the MRN",
            lambda ds, u, c: setattr(ds, "ReferencedImageSequence", seq(item(
                ReferencedSOPClassUID=u, ReferencedSOPInstanceUID=c.uid("ref")))))
uid_channel("ui-coding-scheme-uid", "Coding Scheme Identification Sequence > Coding Scheme UID: a UID with the MRN",
            lambda ds, u, c: setattr(ds, "CodingSchemeIdentificationSequence", seq(item(
                CodingSchemeDesignator="99SMH", CodingSchemeUID=u, CodingSchemeName="local codes"))))
uid_channel("ui-multiframe-source-sop-instance", "Multi-frame Source SOP Instance UID (0008,1167): a UID with the MRN",
            lambda ds, u, c: setattr(ds, "MultiFrameSourceSOPInstanceUID", u))
uid_channel("ui-concatenation-source", "SOP Instance UID of Concatenation Source (0020,0242): a UID with the MRN",
            lambda ds, u, c: setattr(ds, "SOPInstanceUIDOfConcatenationSource", u))
uid_channel("ui-context-uid", "Anatomic Region Sequence item > Context UID (0008,0117): a UID with the MRN",
            lambda ds, u, c: setattr(ds, "AnatomicRegionSequence", seq(item(
                CodeValue="51185008", CodingSchemeDesignator="SCT", CodeMeaning="Chest", ContextUID=u))))
uid_channel("ui-frame-of-reference-with-dob", "FrameOfReferenceUID (U) built from the MRN (control: remapped)",
            lambda ds, u, c: setattr(ds, "FrameOfReferenceUID", u))
uid_channel("ui-sop-instance-with-mrn", "SOPInstanceUID (U) built from the MRN (control: remapped)",
            lambda ds, u, c: setattr(ds, "SOPInstanceUID", u))
uid_channel("ui-media-storage-instance", "File Meta Media Storage SOP Instance UID with the MRN, unlike SOPInstanceUID",
            lambda ds, u, c: _meta_uid(ds, u))
uid_channel("ui-private-ui", "a private UI element (0009,1040) with the MRN",
            lambda ds, u, c: ds.private_block(0x0009, "ACME 1.0", create=True).add_new(0x40, "UI", u))
uid_channel("ui-uid-in-text", "ImageComments citing a UID that carries the MRN",
            lambda ds, u, c: setattr(ds, "ImageComments", f"compare with {u}"))
uid_channel("ui-name-in-uid", "Referenced SOP Instance UID (U) holding letters: the family name in a UID-like value",
            lambda ds, u, c: setattr(ds, "ReferencedImageSequence", seq(item(
                ReferencedSOPClassUID=U.CTImageStorage, ReferencedSOPInstanceUID=f"1.2.826.0.1.{c.idn.family}.1"))))
uid_channel("ui-private-sop-class", "SOP Class UID itself a non-registry UID with the MRN (a private class)",
            lambda ds, u, c: setattr(ds, "SOPClassUID", u))


def _meta_uid(ds, u):
    return to_bytes(ds, meta_extra={"MediaStorageSOPInstanceUID": u})

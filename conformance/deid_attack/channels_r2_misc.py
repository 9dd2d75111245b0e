"""Second-reader channels (r2-) of other kinds: names in the CJK encodings inside binary values
(vendors' private blobs are often Shift-JIS), numbers written in scientific notation, every
AE attribute without a row, a person name with only its ideographic group, a DICOMDIR's
records inside an image, an Encapsulated CDA, and a recipe (STUDY_DEID) that keeps dates."""
import pydicom.uid as U
from pydicom.dataelem import DataElement

from build import base, channel, code, item, seq, to_bytes
from channels_misc import SAFE, SAFE_RUNS
from channels_struct import sweep
from channels_text import digits

# The recipe the `recipe` run uses (conformance/deid-attack passes it with --recipe).
RECIPE = """FORMAT dicom
%header
# What a site that ports a pydicom/deid recipe may well write: dates it wants to keep
KEEP StudyDate
KEEP AcquisitionDateTime
KEEP SeriesDescription
KEEP 00091010
REPLACE StudyDescription var:item_timestamp
"""


def _japanese(ctx, charset="ISO_IR 192"):
    name = "Yamada^Tarou=山田^太郎=やまだ^たろう"
    ctx.set_identity(patient_name=name, family="Yamada", given="Tarou")
    return base(ctx, charset=charset)


@channel("r2-ob-shift-jis", "encoding",
         "PatientName Yamada^Tarou=山田^太郎=やまだ^たろう (UTF-8); Object Binary Identifier (OB, no row) holding "
         "'氏名:山田太郎' in Shift-JIS (how Japanese vendors write their blobs)")
def r2_ob_sjis(ctx):
    ds = _japanese(ctx)
    ds.add(DataElement(0x0040A074, "OB", bytes(range(32)) + "氏名:山田太郎".encode("shift_jis") + bytes(range(32, 64))))
    return to_bytes(ds)


@channel("r2-ob-gb18030", "encoding",
         "PatientName Wang^Xiaodong=王^小东 (UTF-8); Object Binary Identifier (OB, no row) holding '姓名:王小东' in GB18030")
def r2_ob_gb(ctx):
    name = "Wang^Xiaodong=王^小东"
    ctx.set_identity(patient_name=name, family="Wang", given="Xiaodong")
    ds = base(ctx, charset="ISO_IR 192")
    ds.add(DataElement(0x0040A074, "OB", bytes(range(32)) + "姓名:王小东".encode("gb18030") + bytes(range(32, 64))))
    return to_bytes(ds)


@channel("r2-sp-blob-shift-jis", "safe-private",
         "safe private OB (0019,1012, listed): a vendor blob with '山田太郎' in Shift-JIS; PatientName in ISO 2022 IR 87",
         runs=SAFE_RUNS)
def r2_sp_sjis(ctx):
    ds = _japanese(ctx, charset=["", "ISO 2022 IR 87"])
    block = ds.private_block(0x0019, SAFE, create=True)
    block.add_new(0x12, "OB", b"VNDR\x00\x01" + "山田太郎".encode("shift_jis") + bytes(16))
    return to_bytes(ds)


@channel("r2-ds-scientific-mrn", "wrong-vr",
         "Reconstruction Diameter and Slice Thickness (DS) holding the MRN's digits in scientific notation (4.410527E6)")
def r2_ds_sci(ctx):
    d = digits(ctx.idn.mrn)
    ds = base(ctx)
    ds.SliceThickness = f"{d[0]}.{d[1:]}E{len(d) - 1}"
    ds.ReconstructionDiameter = f"{d[0]}.{d[1:]}E+{len(d) - 1}"
    return to_bytes(ds)


sweep({"AE"}, "r2-sweep-ae", "every AE attribute without a row, each holding the family name")


@channel("r2-pn-ideographic-only", "unicode",
         "PatientName '=山田^太郎' (no alphabetic group, UTF-8); SeriesDescription and a code meaning '山田 様'")
def r2_pn_ideo(ctx):
    ctx.set_identity(patient_name="=山田^太郎", family="山田", given="太郎")
    ds = base(ctx, charset="ISO_IR 192")
    ds.SeriesDescription = "山田 様"
    ds.AnatomicRegionSequence = seq(code("51185008", "SCT", "山田 様"))
    return to_bytes(ds)


@channel("r2-dicomdir-records-in-image", "sequence",
         "a Directory Record Sequence (0004,1220) inside an image: PATIENT, STUDY and IMAGE records with the name, "
         "MRN, birth date, study date and a Referenced File ID made of them")
def r2_dicomdir(ctx):
    i = ctx.idn
    ds = base(ctx)
    patient = item(DirectoryRecordType="PATIENT", PatientName=i.patient_name, PatientID=i.mrn,
                   PatientBirthDate=i.birth_date)
    study = item(DirectoryRecordType="STUDY", StudyDate=i.study_date, StudyTime="093015",
                 StudyDescription=f"CT {i.family}", AccessionNumber=i.accession, StudyID=i.study_id,
                 StudyInstanceUID=ctx.uid("study"))
    image = item(DirectoryRecordType="IMAGE", ReferencedFileID=[digits(i.mrn)[:8], i.family[:8], "IM0001"],
                 ReferencedSOPClassUIDInFile=U.CTImageStorage, ReferencedSOPInstanceUIDInFile=ctx.uid("sop"),
                 ReferencedTransferSyntaxUIDInFile=U.ExplicitVRLittleEndian, InstanceNumber=1)
    for r in (patient, study, image):
        r.OffsetOfTheNextDirectoryRecord = 0
        r.RecordInUseFlag = 0xFFFF
        r.OffsetOfReferencedLowerLevelDirectoryEntity = 0
    ds.DirectoryRecordSequence = seq(patient, study, image)
    ds.FileSetID = i.family[:16]
    return to_bytes(ds)


@channel("r2-encapsulated-cda", "misc",
         "Encapsulated CDA: the HL7 CDA XML names the patient (recordTarget), with MRN and birth date (held as a document)")
def r2_cda(ctx):
    i = ctx.idn
    ds = base(ctx, U.EncapsulatedCDAStorage, "DOC", pixels=False)
    for k in ("ImageType", "ImagePositionPatient", "ImageOrientationPatient", "FrameOfReferenceUID",
              "PositionReferenceIndicator"):
        delattr(ds, k)
    cda = (f'<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"><recordTarget><patientRole>'
           f'<id extension="{i.mrn}" root="1.2.3"/><patient><name><given>{i.given}</given><family>{i.family}</family>'
           f'</name><birthTime value="{i.birth_date}"/></patient></patientRole></recordTarget></ClinicalDocument>')
    ds.MIMETypeOfEncapsulatedDocument = "text/XML"
    ds.DocumentTitle = "Discharge summary"
    ds.HL7InstanceIdentifier = f"{i.mrn}^^^HOSP"
    ds.add(DataElement(0x00420011, "OB", cda.encode()))
    return to_bytes(ds)


@channel("r2-recipe-keeps-dates", "date",
         "the recipe run (KEEP StudyDate, KEEP AcquisitionDateTime): the original dates come back unmoved, while "
         "LongitudinalTemporalInformationModified says MODIFIED and every other date is moved (the jitter shows)",
         runs=("recipe",))
def r2_recipe_dates(ctx):
    ds = base(ctx)
    ds.AcquisitionDateTime = f"{ctx.idn.study_date}093512"
    return to_bytes(ds)


@channel("r2-binary-number-mrn", "wrong-vr",
         "the MRN's digits as binary numbers: Simple Frame List (UL, no row) [1, 4410527] and Table Position (FD, no row) 4410527.0")
def r2_binary_number(ctx):
    n = int(digits(ctx.idn.mrn))
    ds = base(ctx)
    ds.add(DataElement(0x00081161, "UL", [1, n]))
    ds.add(DataElement(0x00189327, "FD", float(n)))
    return to_bytes(ds)


@channel("r2-gzip-past-inflate-cap", "encoding",
         "Object Binary Identifier (OB, no row): a gzip stream (34 KiB) of 33 MiB of spaces, then the name and MRN: "
         "past the 32 MiB that sendit inflates to look")
def r2_gzip_cap(ctx):
    import gzip
    i = ctx.idn
    body = b" " * (33 << 20) + f"PatientName={i.patient_name} PatientID={i.mrn}\n".encode()
    ds = base(ctx)
    ds.add(DataElement(0x0040A074, "OB", gzip.compress(body, compresslevel=9, mtime=0)))
    return to_bytes(ds)


@channel("r2-recipe-keeps-private", "misc",
         "the recipe run (KEEP 00091010): a private LO of creator 'ACME 1.0' holding a protocol name and the family name; "
         "kept without retain-safe-private (cleaned), and without its Private Creator?",
         runs=("recipe",))
def r2_recipe_private(ctx):
    ds = base(ctx)
    block = ds.private_block(0x0009, "ACME 1.0", create=True)
    block.add_new(0x10, "LO", f"HEAD ROUTINE {ctx.idn.family}")
    return to_bytes(ds)

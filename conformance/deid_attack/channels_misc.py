"""Channels in graphics, safe private attributes, the parser's blind spots, the preamble and
File Meta, and the rest (file names, long values, SR content, documents)."""
import gzip
import struct
import zlib

import numpy as np
import pydicom.uid as U
from pydicom.dataelem import DataElement

from build import (base, channel, code, el, image_pixels, insert_raw, item, raw_item, replace_value,
                   seq, sr, sr_item, to_bytes, top_elements)
from channels_struct import mrn_uid
from channels_text import digits, eu

SAFE = "ACME SAFE 1.0"
SAFE_RUNS = ("default", "none", "held", "safe-private")


def leak(i):
    return f"{i.patient_name} {i.mrn} DOB {i.birth_date}"


# --- graphics -----------------------------------------------------------------------------------

def overlay(ds, group=0x6000, data=None, desc=None, label=None):
    ds.add_new((group, 0x0010), "US", 64)
    ds.add_new((group, 0x0011), "US", 64)
    ds.add_new((group, 0x0040), "CS", "G")
    ds.add_new((group, 0x0050), "SS", [1, 1])
    ds.add_new((group, 0x0100), "US", 1)
    ds.add_new((group, 0x0102), "US", 0)
    if desc is not None:
        ds.add_new((group, 0x0022), "LO", desc)
    if label is not None:
        ds.add_new((group, 0x1500), "LO", label)
    if data is not None:
        ds.add_new((group, 0x3000), "OW", data)


@channel("gr-overlay-no-data", "graphics", "an overlay group without Overlay Data: Overlay Description the name, Overlay Label the MRN")
def gr_overlay_no_data(ctx):
    ds = base(ctx)
    overlay(ds, desc=f"annotations {ctx.idn.family} {ctx.idn.given}", label=ctx.idn.mrn)
    return to_bytes(ds)


@channel("gr-overlay-data-text", "graphics", "Overlay Data (X/C) whose bitmap bytes are the name as text")
def gr_overlay_data(ctx):
    ds = base(ctx)
    overlay(ds, data=leak(ctx.idn).encode().ljust(512, b" "))
    return to_bytes(ds)


@channel("gr-overlay-in-pixel-bit", "graphics",
         "an overlay in bit 12 of the samples (Overlay Bits Allocated 16, Bit Position 12, no Overlay Data): the name's bits, one a sample")
def gr_overlay_bit(ctx):
    ds = base(ctx)
    arr = image_pixels(seed=ctx.idn.index).ravel().copy()
    bits = np.unpackbits(np.frombuffer(leak(ctx.idn).encode(), np.uint8))
    arr[:len(bits)] = (arr[:len(bits)] & 0x0FFF) | (bits.astype(np.uint16) << 12)
    ds.PixelData = arr.astype("<u2").tobytes()
    ds.add_new((0x6000, 0x0010), "US", 64)
    ds.add_new((0x6000, 0x0011), "US", 64)
    ds.add_new((0x6000, 0x0040), "CS", "G")
    ds.add_new((0x6000, 0x0050), "SS", [1, 1])
    ds.add_new((0x6000, 0x0100), "US", 16)
    ds.add_new((0x6000, 0x0102), "US", 12)
    return to_bytes(ds)


def gsps(ctx):
    ds = base(ctx, U.GrayscaleSoftcopyPresentationStateStorage, "PR", pixels=False)
    for k in ("ImageType", "ImagePositionPatient", "ImageOrientationPatient", "FrameOfReferenceUID",
              "PositionReferenceIndicator"):
        delattr(ds, k)
    ds.ContentLabel = "ANNOTATIONS"
    ds.ContentDescription = "reading annotations"
    ds.PresentationCreationDate = ctx.idn.study_date
    ds.PresentationCreationTime = "101500"
    ds.ContentCreatorName = ctx.idn.performing
    ds.ReferencedSeriesSequence = seq(item(SeriesInstanceUID=ctx.uid("ref-series"), ReferencedImageSequence=seq(
        item(ReferencedSOPClassUID=U.CTImageStorage, ReferencedSOPInstanceUID=ctx.uid("ref-image")))))
    ds.GraphicLayerSequence = seq(item(GraphicLayer="LAYER1", GraphicLayerOrder=1))
    ds.PresentationLUTShape = "IDENTITY"
    return ds


def text_object(text):
    return item(UnformattedTextValue=text, BoundingBoxAnnotationUnits="PIXEL",
                BoundingBoxTopLeftHandCorner=[2, 2], BoundingBoxBottomRightHandCorner=[60, 10],
                BoundingBoxTextHorizontalJustification="LEFT")


@channel("gr-gsps-text-object-name", "graphics", "GSPS Graphic Annotation > Text Object: the patient's name and MRN")
def gr_gsps_name(ctx):
    ds = gsps(ctx)
    i = ctx.idn
    ds.GraphicAnnotationSequence = seq(item(GraphicLayer="LAYER1", TextObjectSequence=seq(
        text_object(f"{i.family}, {i.given} {i.mrn}"))))
    return to_bytes(ds)


@channel("gr-gsps-text-object-reformatted", "graphics",
         "GSPS Text Object: the MRN's digits with a space and the birth date as 04.11.1958")
def gr_gsps_reformatted(ctx):
    ds = gsps(ctx)
    i = ctx.idn
    ds.GraphicAnnotationSequence = seq(item(GraphicLayer="LAYER1", TextObjectSequence=seq(
        text_object(f"MRN {digits(i.mrn)} * {eu(i.birth_date)}"))))
    return to_bytes(ds)


@channel("gr-gsps-layer-description", "graphics", "GSPS Graphic Layer Description (no row): the name")
def gr_gsps_layer(ctx):
    ds = gsps(ctx)
    ds.GraphicLayerSequence[0].GraphicLayerDescription = f"measurements of {ctx.idn.family}"
    return to_bytes(ds)


@channel("gr-gsps-content-description", "graphics", "GSPS Content Description (0070,0081, no row): the name")
def gr_gsps_content(ctx):
    ds = gsps(ctx)
    ds.ContentDescription = f"Annotations for {ctx.idn.given} {ctx.idn.family}"
    return to_bytes(ds)


@channel("gr-gsps-content-label", "graphics", "GSPS Content Label (0070,0080, CS): the family name")
def gr_gsps_label(ctx):
    ds = gsps(ctx)
    ds.ContentLabel = ctx.idn.family[:16]
    return to_bytes(ds)


@channel("gr-gsps-graphic-group-label", "graphics", "GSPS Graphic Group Sequence > Graphic Group Label (no row): MRN")
def gr_gsps_group(ctx):
    ds = gsps(ctx)
    ds.GraphicGroupSequence = seq(item(GraphicGroupID=1, GraphicGroupLabel=f"{ctx.idn.mrn} measurements",
                                       GraphicGroupDescription=f"for {ctx.idn.family}"))
    return to_bytes(ds)


@channel("gr-curve", "graphics", "a curve (group 5000): Curve Description the name, Curve Data ASCII with the MRN")
def gr_curve(ctx):
    ds = base(ctx)
    ds.add_new((0x5000, 0x0005), "US", 1)
    ds.add_new((0x5000, 0x0010), "US", 4)
    ds.add_new((0x5000, 0x0020), "CS", "TAC")
    ds.add_new((0x5000, 0x0022), "LO", f"curve of {ctx.idn.family}")
    ds.add_new((0x5000, 0x0103), "US", 0)
    ds.add_new((0x5000, 0x2500), "LO", ctx.idn.mrn)
    ds.add_new((0x5000, 0x3000), "OB", leak(ctx.idn).encode().ljust(64, b" "))
    return to_bytes(ds)


@channel("gr-waveform-annotation", "graphics", "12-lead ECG: Waveform Annotation Sequence > Unformatted Text Value with the name")
def gr_waveform(ctx):
    ds = base(ctx, U.TwelveLeadECGWaveformStorage, "ECG", pixels=False)
    for k in ("ImageType", "ImagePositionPatient", "ImageOrientationPatient", "FrameOfReferenceUID",
              "PositionReferenceIndicator"):
        delattr(ds, k)
    samples = (np.sin(np.arange(500) / 20) * 500).astype("<i2")
    ch = item(WaveformChannelNumber=1, ChannelLabel="I", ChannelStatus="OK",
              ChannelSourceSequence=seq(code("5.6.3-9-1", "SCPECG", "Lead I")),
              ChannelSensitivity=1, ChannelSensitivityUnitsSequence=seq(code("uV", "UCUM", "microvolt")),
              ChannelSensitivityCorrectionFactor=1, ChannelBaseline=0, ChannelSampleSkew=0, WaveformBitsStored=16)
    wf = item(MultiplexGroupTimeOffset=0, WaveformOriginality="ORIGINAL", NumberOfWaveformChannels=1,
              NumberOfWaveformSamples=500, SamplingFrequency=500, ChannelDefinitionSequence=seq(ch),
              WaveformBitsAllocated=16, WaveformSampleInterpretation="SS")
    wf.add(DataElement(0x54001010, "OW", samples.tobytes()))
    ds.WaveformSequence = seq(wf)
    ds.WaveformAnnotationSequence = seq(item(UnformattedTextValue=f"{ctx.idn.family}, {ctx.idn.given}: sinus rhythm",
                                             ReferencedWaveformChannels=[1, 1]))
    return to_bytes(ds)


@channel("gr-seg-segment-label", "graphics", "Segmentation: Segment Label and Segment Description (no row) with the name")
def gr_seg(ctx):
    ds = base(ctx, U.SegmentationStorage, "SEG", pixels=False)
    ds.SegmentationType = "BINARY"
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows = ds.Columns = 64
    ds.BitsAllocated = ds.BitsStored = 1
    ds.HighBit, ds.PixelRepresentation, ds.NumberOfFrames = 0, 0, 1
    ds.SegmentSequence = seq(item(SegmentNumber=1, SegmentLabel=f"lesion {ctx.idn.family}",
                                  SegmentDescription=f"drawn for {ctx.idn.given} {ctx.idn.family}",
                                  SegmentAlgorithmType="MANUAL",
                                  SegmentedPropertyCategoryCodeSequence=seq(code("49755003", "SCT", "Morphologically Altered Structure")),
                                  SegmentedPropertyTypeCodeSequence=seq(code("4147007", "SCT", "Mass"))))
    ds.PixelData = np.packbits(image_pixels(seed=1).ravel() > 2000, bitorder="little").tobytes()
    return to_bytes(ds)


@channel("gr-rtstruct-roi-name", "graphics", "RT Structure Set: Structure Set Label (D) and ROI Name (Z) with the family name")
def gr_rtstruct(ctx):
    ds = base(ctx, U.RTStructureSetStorage, "RTSTRUCT", pixels=False)
    ds.StructureSetLabel = f"{ctx.idn.family[:10]} PLAN"
    ds.StructureSetDate, ds.StructureSetTime = ctx.idn.study_date, "110000"
    ds.StructureSetROISequence = seq(item(ROINumber=1, ReferencedFrameOfReferenceUID=ds.FrameOfReferenceUID,
                                          ROIName=f"GTV {ctx.idn.family}", ROIGenerationAlgorithm="MANUAL"))
    return to_bytes(ds)


# --- safe private attributes ----------------------------------------------------------------------------

SAFE_PRIVATE = f"{SAFE},0019,10;{SAFE},0019,11;{SAFE},0019,12;{SAFE},0019,13;{SAFE},0019,14;{SAFE},0019,15;{SAFE},0019,17"


def safe(cid, desc, elem, vr, value_fn, implicit=False):
    def make(ctx):
        ds = base(ctx)
        block = ds.private_block(0x0019, SAFE, create=True)
        block.add_new(elem, vr, value_fn(ctx.idn))
        return to_bytes(ds, U.ImplicitVRLittleEndian if implicit else U.ExplicitVRLittleEndian)
    channel(cid, "safe-private", desc, runs=SAFE_RUNS)(make)


def csa_like(i):
    """A vendor header in the shape of Siemens' CSA2 ('SV10', name-VR-count items)."""
    out = b"SV10\x04\x03\x02\x01" + struct.pack("<II", 1, 77)
    name = b"PatientsName".ljust(64, b"\x00")
    val = i.patient_name.encode() + b"\x00"
    val += bytes(-len(val) % 4)
    out += name + struct.pack("<i", 1) + b"PN\x00\x00" + struct.pack("<iii", 0, 1, 77)
    out += struct.pack("<iiii", len(val), len(val), 77, len(val)) + val
    return out


safe("sp-text-name", "safe private LO (0019,1010, listed): the name", 0x10, "LO", lambda i: i.patient_name)
safe("sp-text-reformatted", "safe private LT (0019,1011, listed): 'MRN 4410527', birth date 04.11.1958", 0x11, "LT",
     lambda i: f"MRN {digits(i.mrn)} geb. {eu(i.birth_date)}")
safe("sp-blob-latin1", "safe private OB (0019,1012, listed): binary vendor blob with the Latin-1 name inside", 0x12, "OB",
     lambda i: bytes(range(64)) + i.patient_name.encode("latin-1") + bytes(range(64, 128)))
safe("sp-blob-utf16", "safe private OB (0019,1013, listed): the name in UTF-16LE", 0x13, "OB",
     lambda i: b"\xff\xfe" + f"{i.family} {i.given} {i.mrn}".encode("utf-16-le"))
safe("sp-blob-gzip", "safe private OB (0019,1014, listed): a gzip'd protocol block (as GE writes) naming the patient", 0x14, "OB",
     lambda i: gzip.compress(f"PatientName = \"{i.patient_name}\"\nPatientID = \"{i.mrn}\"\n".encode(), mtime=0))
safe("sp-blob-csa", "safe private OB (0019,1015, listed): a CSA-style header with a PatientsName item", 0x15, "OB", csa_like)
safe("sp-unlisted", "private LO (0019,1016) of the safe creator but not listed: the name", 0x16, "LO", lambda i: i.patient_name)
safe("sp-text-implicit", "Implicit VR: safe private LO (0019,1010) with the name (its VR unknown to a reader)", 0x10, "LO",
     lambda i: i.patient_name, implicit=True)


@channel("sp-sequence", "safe-private", "safe private SQ (0019,1017, listed) with PatientName and PatientID in its item", runs=SAFE_RUNS)
def sp_sequence(ctx):
    ds = base(ctx)
    block = ds.private_block(0x0019, SAFE, create=True)
    block.add_new(0x17, "SQ", seq(item(PatientName=ctx.idn.patient_name, PatientID=ctx.idn.mrn)))
    return to_bytes(ds)


# --- parser disagreements ------------------------------------------------------------------------------

def header_start(data, tag):
    for e in top_elements(data):
        if e.tag == tag:
            return data.rfind(struct.pack("<HH", tag >> 16, tag & 0xFFFF), 0, e.start), e.end
    raise KeyError(hex(tag))


@channel("pa-duplicate-tag", "parser", "PatientName twice: a dummy first, the real name in a second (0010,0010) after it")
def pa_duplicate(ctx):
    data = to_bytes(base(ctx))
    s, e = header_start(data, 0x00100010)
    real = data[s:e]
    return data[:s] + el(0x00100010, "PN", "ANONYMOUS") + real + data[e:]


@channel("pa-duplicate-no-row", "parser", "Contact Display Name (no row) twice: a harmless value, then the name")
def pa_duplicate_nr(ctx):
    data = to_bytes(base(ctx))
    raw = el(0x0074100C, "LO", "front desk") + el(0x0074100C, "LO", ctx.idn.patient_name)
    return insert_raw(data, raw, 0x0074100D)


@channel("pa-out-of-order", "parser", "Patient's Address (X) placed after Study Instance UID, out of tag order")
def pa_out_of_order(ctx):
    ds = base(ctx)
    del ds.PatientAddress
    raw = el(0x00101040, "LO", ctx.idn.address)
    return insert_raw(to_bytes(ds), raw, 0x0020000E)


@channel("pa-after-pixel-data", "parser", "PatientAddress and a Contact Display Name after Pixel Data (out of order, at the end)")
def pa_after_pixel(ctx):
    ds = base(ctx)
    del ds.PatientAddress
    return to_bytes(ds) + el(0x00101040, "LO", ctx.idn.address) + el(0x0074100C, "LO", ctx.idn.patient_name)


@channel("pa-nul-in-value", "parser", "ImageComments: a harmless text, a NUL, then the name and MRN")
def pa_nul(ctx):
    ds = base(ctx)
    raw = el(0x00204000, "LT", b"CT chest\x00" + leak(ctx.idn).encode())
    return insert_raw(to_bytes(ds), raw, 0x00204001)


@channel("pa-nul-in-code-meaning", "parser", "a code meaning (no row): 'Chest', a NUL, then the name")
def pa_nul_cm(ctx):
    ds = base(ctx)
    c = code("51185008", "SCT", "Chest")
    c.add(DataElement(0x00080104, "LO", b"Chest\x00" + ctx.idn.patient_name.encode()))
    ds.AnatomicRegionSequence = seq(c)
    return to_bytes(ds)


@channel("pa-bytes-after-dataset", "parser", "bytes after the last element: the name and MRN as plain text")
def pa_trailing(ctx):
    return to_bytes(base(ctx)) + leak(ctx.idn).encode()


@channel("pa-trailing-padding", "parser", "Data Set Trailing Padding (FFFC,FFFC) holding the name")
def pa_padding(ctx):
    return to_bytes(base(ctx)) + el(0xFFFCFFFC, "OB", leak(ctx.idn).encode())


@channel("pa-odd-length", "parser", "Contact Display Name (no row) with an odd length, no padding, holding the name")
def pa_odd(ctx):
    v = (ctx.idn.patient_name + "X")[:len(ctx.idn.patient_name) | 1]
    raw = el(0x0074100C, "LO", v, length=len(v))
    return insert_raw(to_bytes(base(ctx)), raw, 0x0074100D)


@channel("pa-implicit-element-in-explicit", "parser",
         "explicit VR file; Comments on the Scheduled Procedure Step (no row) encoded as implicit VR (no VR field)")
def pa_implicit_in_explicit(ctx):
    raw = el(0x00400400, "LT", leak(ctx.idn), explicit=False)
    return insert_raw(to_bytes(base(ctx)), raw, 0x00400401)


@channel("pa-meta-says-implicit", "parser", "File Meta says Implicit VR LE; the data set is explicit VR")
def pa_meta_implicit(ctx):
    ds = base(ctx)
    ds.add(DataElement(0x0074100C, "LO", ctx.idn.patient_name))
    data = to_bytes(ds)
    return data.replace(b"1.2.840.10008.1.2.1\x00", b"1.2.840.10008.1.2\x00\x00\x00", 1)


@channel("pa-meta-says-explicit", "parser", "File Meta says Explicit VR LE; the data set is implicit VR")
def pa_meta_explicit(ctx):
    ds = base(ctx)
    ds.add(DataElement(0x0074100C, "LO", ctx.idn.patient_name))
    data = to_bytes(ds, U.ImplicitVRLittleEndian)
    return data.replace(b"1.2.840.10008.1.2\x00", b"1.2.840.10008.1.2.1", 1)


@channel("pa-deflated", "parser", "Deflated Explicit VR LE: Contact Display Name (no row) with the name, StudyDescription with the MRN's digits")
def pa_deflated(ctx):
    ds = base(ctx)
    ds.add(DataElement(0x0074100C, "LO", ctx.idn.patient_name))
    ds.StudyDescription = f"CT {digits(ctx.idn.mrn)}"
    return to_bytes(ds, U.DeflatedExplicitVRLittleEndian)


@channel("pa-big-endian", "parser",
         "Explicit VR Big Endian: Contact Display Name (no row) with the name; Red Palette LUT Data (OW) holding the name's bytes")
def pa_big_endian(ctx):
    ds = base(ctx)
    ds.add(DataElement(0x0074100C, "LO", ctx.idn.patient_name))
    text = ctx.idn.patient_name.encode()
    text += b" " * (len(text) % 2)
    ds.add(DataElement(0x00281201, "OW", text))
    return to_bytes(ds, U.ExplicitVRBigEndian)


@channel("pa-charset-says-latin1-is-utf8", "parser",
         "Specific Character Set ISO_IR 100, PatientName 'Großkopf' in Latin-1, ImageComments 'Großkopf' in UTF-8 bytes")
def pa_charset_lie(ctx):
    ctx.set_identity(patient_name="Großkopf^Hannelore^Maria", family="Großkopf", given="Hannelore")
    ds = base(ctx, charset="ISO_IR 100")
    raw = el(0x00204000, "LT", "Frau Großkopf".encode("utf-8"))
    return insert_raw(to_bytes(ds), raw, 0x00204001)


@channel("pa-charset-says-utf8-is-latin1", "parser",
         "Specific Character Set ISO_IR 192; ImageComments in Latin-1 bytes (invalid UTF-8) with the name 'Jäckelmüller'")
def pa_charset_lie2(ctx):
    ctx.set_identity(patient_name="Jäckelmüller^Gudrun", family="Jäckelmüller", given="Gudrun")
    ds = base(ctx, charset="ISO_IR 192")
    raw = el(0x00204000, "LT", "Frau Jäckelmüller".encode("latin-1"))
    return insert_raw(to_bytes(ds), raw, 0x00204001)


@channel("pa-charset-missing-utf8", "parser",
         "no Specific Character Set; PatientName and a code meaning in UTF-8 bytes ('Kühnböck')")
def pa_charset_missing(ctx):
    ctx.set_identity(patient_name="Kühnböck^Ägidius", family="Kühnböck", given="Ägidius")
    ds = base(ctx)
    ds.PatientName = "KUEHNBOECK^AEGIDIUS"
    data = to_bytes(ds)
    data = replace_value(data, 0x00100010, el(0x00100010, "PN", "Kühnböck^Ägidius".encode("utf-8")))
    raw = el(0x00082218, "SQ", raw_item(el(0x00080100, "SH", "51185008") + el(0x00080102, "SH", "SCT")
                                        + el(0x00080104, "LO", "Thorax Kühnböck".encode("utf-8"))))
    return insert_raw(data, raw, 0x00082219)


@channel("pa-charset-unknown-term", "parser", "Specific Character Set 'ISO_IR 999' (unknown); Contact Display Name with the name")
def pa_charset_unknown(ctx):
    ds = base(ctx)
    ds.add(DataElement(0x0074100C, "LO", ctx.idn.patient_name))
    data = to_bytes(ds)
    return insert_raw(data, el(0x00080005, "CS", "ISO_IR 999"), 0x00080006)


@channel("pa-meta-group-length-short", "parser",
         "File Meta group length 18 bytes short: Source AE Title (the family name) falls outside the meta group by count")
def pa_meta_short(ctx):
    ds = base(ctx)
    data = to_bytes(ds, meta_extra={"SourceApplicationEntityTitle": ctx.idn.family[:16]})
    i = data.index(b"\x02\x00\x00\x00UL")
    (n,) = struct.unpack_from("<I", data, i + 8)
    return data[:i + 8] + struct.pack("<I", n - 18) + data[i + 12:]


@channel("pa-group-0002-in-dataset", "parser", "a (0002,0016) Source AE Title element inside the data set, holding the family name")
def pa_0002_in_ds(ctx):
    data = to_bytes(base(ctx))
    return insert_raw(data, el(0x00020016, "AE", ctx.idn.family[:16]), 0x00080005)


@channel("pa-command-group-in-dataset", "parser",
         "command group elements in the data set: Move Originator AE Title (0000,1030) the family name, Affected SOP Instance UID with the MRN")
def pa_command_group(ctx):
    data = to_bytes(base(ctx))
    ctx.plant("AffectedSOPInstanceUID", "uid", mrn_uid(ctx.idn))
    raw = el(0x00001000, "UI", mrn_uid(ctx.idn)) + el(0x00001030, "AE", ctx.idn.family[:16])
    s = data.index(b"\x08\x00\x05\x00") if b"\x08\x00\x05\x00" in data else data.index(b"\x08\x00\x08\x00")
    return data[:s] + raw + data[s:]


@channel("pa-no-file-meta", "parser", "no preamble, no File Meta: a bare implicit VR data set (ACR-NEMA style) with a Contact Display Name")
def pa_no_meta(ctx):
    ds = base(ctx)
    ds.add(DataElement(0x0074100C, "LO", ctx.idn.patient_name))
    data = to_bytes(ds, U.ImplicitVRLittleEndian)
    first = [e for e in top_elements(data) if not e.path.startswith("(0002,")][0]
    s = data.rfind(struct.pack("<HH", first.tag >> 16, first.tag & 0xFFFF), 0, first.start)
    return data[s:]


# --- preamble and File Meta -----------------------------------------------------------------------------

@channel("pr-tiff-preamble", "preamble", "a dual-format preamble: a TIFF header whose ImageDescription is the name and MRN")
def pr_tiff(ctx):
    text = leak(ctx.idn).encode()[:90] + b"\x00"
    ifd = struct.pack("<H", 1) + struct.pack("<HHII", 0x010E, 2, len(text), 26) + struct.pack("<I", 0)
    pre = (b"II*\x00" + struct.pack("<I", 8) + ifd + text).ljust(128, b"\x00")[:128]
    return to_bytes(base(ctx), preamble=pre)


@channel("pr-meta-private-information", "preamble",
         "File Meta Private Information Creator UID (with the MRN) and Private Information (OB, the name)")
def pr_meta_private(ctx):
    ctx.plant("PrivateInformationCreatorUID", "uid", mrn_uid(ctx.idn))
    return to_bytes(base(ctx), meta_extra={"PrivateInformationCreatorUID": mrn_uid(ctx.idn),
                                           "PrivateInformation": leak(ctx.idn).encode()})


@channel("pr-meta-ae-titles", "preamble", "File Meta Source, Sending and Receiving AE Titles: family name, MRN, station")
def pr_meta_ae(ctx):
    i = ctx.idn
    return to_bytes(base(ctx), meta_extra={"SourceApplicationEntityTitle": i.family[:16],
                                           "SendingApplicationEntityTitle": i.mrn,
                                           "ReceivingApplicationEntityTitle": i.station})


@channel("pr-meta-implementation-version", "preamble", "File Meta Implementation Version Name: the family name")
def pr_meta_impl(ctx):
    return to_bytes(base(ctx), meta_extra={"ImplementationVersionName": ctx.idn.family[:16]})


@channel("pr-meta-unknown-element", "preamble", "an unknown File Meta element (0002,0050) LO holding the name")
def pr_meta_unknown(ctx):
    data = to_bytes(base(ctx), meta_extra={"SourceApplicationEntityTitle": "MODALITY"})
    raw = el(0x00020050, "LO", ctx.idn.patient_name)
    i = data.index(b"\x02\x00\x00\x00UL")
    (n,) = struct.unpack_from("<I", data, i + 8)
    data = data[:i + 8] + struct.pack("<I", n + len(raw)) + data[i + 12:]
    end = i + 12 + n
    return data[:end] + raw + data[end:]


# --- the rest ---------------------------------------------------------------------------------------------

@channel("mi-file-and-folder-name", "misc", "the input's folder is MRN_FAMILY and its file FAMILY_GIVEN_BIRTHDATE.dcm")
def mi_filename(ctx):
    i = ctx.idn
    ctx.path = f"misc/{i.mrn}_{i.family}/{i.family}_{i.given}_{i.birth_date}.dcm"
    return to_bytes(base(ctx))


@channel("mi-long-text-beyond-64k", "misc", "Protocol Planning Information (UT, no row) of 80 KiB: the name at its end")
def mi_long_ut(ctx):
    ds = base(ctx)
    ds.add(DataElement(0x0018990F, "UT", "x" * 81920 + " " + leak(ctx.idn)))
    return to_bytes(ds)


@channel("mi-long-history-beyond-64k", "misc", "AdditionalPatientHistory (LT) of 70 KiB: 'MRN 4410527' at its end")
def mi_long_lt(ctx):
    ds = base(ctx)
    ds.AdditionalPatientHistory = "no prior history. " * 4000 + f"MRN {digits(ctx.idn.mrn)}"
    return to_bytes(ds)


@channel("mi-sr-pname-observer", "misc", "SR PNAME item 'Person Observer Name' with the referring physician; TEXT item with the organization")
def mi_sr_pname(ctx):
    i = ctx.idn
    ds = sr(ctx, [sr_item("PNAME", ("121008", "DCM", "Person Observer Name"), "HAS OBS CONTEXT", PersonName=i.referring),
                  sr_item("TEXT", ("121009", "DCM", "Person Observer's Organization Name"), "HAS OBS CONTEXT",
                          TextValue=i.institution)])
    return to_bytes(ds)


@channel("mi-sr-subject-id", "misc", "SR TEXT item 'Subject ID' (121030) with the MRN; 'Subject Name' (121029) PNAME")
def mi_sr_subject(ctx):
    i = ctx.idn
    ds = sr(ctx, [sr_item("TEXT", ("121030", "DCM", "Subject ID"), "HAS OBS CONTEXT", TextValue=i.mrn),
                  sr_item("PNAME", ("121029", "DCM", "Subject Name"), "HAS OBS CONTEXT", PersonName=i.patient_name)])
    return to_bytes(ds)


@channel("mi-sr-text-reformatted", "misc", "SR TEXT item: birth date 04.11.1958, 'MRN 4410527', phone 650.555.0142")
def mi_sr_text(ctx):
    i = ctx.idn
    p = digits(i.phone)[1:]
    ds = sr(ctx, [sr_item("TEXT", ("121071", "DCM", "Finding"),
                          TextValue=f"Pt geb. {eu(i.birth_date)}, MRN {digits(i.mrn)}, Rueckruf {p[:3]}.{p[3:6]}.{p[6:]}")])
    return to_bytes(ds)


@channel("mi-sr-text-name", "misc", "SR TEXT item: the patient's name (kept text the gate should check)")
def mi_sr_text_name(ctx):
    i = ctx.idn
    ds = sr(ctx, [sr_item("TEXT", ("121071", "DCM", "Finding"), TextValue=f"{i.given.title()} {i.family.title()} has no acute findings")])
    return to_bytes(ds)


@channel("mi-sr-uidref", "misc", "SR UIDREF item with a UID carrying the MRN")
def mi_sr_uidref(ctx):
    ctx.plant("UID", "uid", mrn_uid(ctx.idn))
    ds = sr(ctx, [sr_item("UIDREF", ("121012", "DCM", "Device Observer UID"), "HAS OBS CONTEXT", UID=mrn_uid(ctx.idn))])
    return to_bytes(ds)


@channel("mi-sr-code-meaning", "misc", "SR CODE item whose Concept Code Sequence code meaning is the patient's name")
def mi_sr_code(ctx):
    i = ctx.idn
    ds = sr(ctx, [sr_item("CODE", ("121071", "DCM", "Finding"),
                          ConceptCodeSequence=seq(code("99X1", "99LOCAL", f"{i.family}, {i.given}")))])
    return to_bytes(ds)


@channel("mi-kos-text", "misc", "Key Object Selection: a TEXT item 'Key Object Description' with MRN digits and family name")
def mi_kos(ctx):
    i = ctx.idn
    ds = sr(ctx, [sr_item("TEXT", ("113012", "DCM", "Key Object Description"),
                          TextValue=f"for {i.family}: {digits(i.mrn)}")], sop_class=U.KeyObjectSelectionDocumentStorage)
    ds.Modality = "KO"
    ds.ConceptNameCodeSequence = seq(code("113000", "DCM", "Of Interest"))
    return to_bytes(ds)


@channel("mi-encapsulated-obj", "misc", "Encapsulated OBJ (mesh): Encapsulated Document (D) whose comments name the patient")
def mi_obj(ctx):
    ds = base(ctx, U.EncapsulatedOBJStorage, "M3D", pixels=False)
    obj = f"# scan of {leak(ctx.idn)}\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n".encode()
    ds.MIMETypeOfEncapsulatedDocument = "model/obj"
    ds.add(DataElement(0x00420011, "OB", obj))
    return to_bytes(ds)


@channel("mi-encapsulated-pdf", "misc", "Encapsulated PDF whose text names the patient (the burned-in rules hold documents)")
def mi_pdf(ctx):
    ds = base(ctx, U.EncapsulatedPDFStorage, "DOC", pixels=False)
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n% " + leak(ctx.idn).encode() + b"\n%%EOF\n"
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    ds.add(DataElement(0x00420011, "OB", pdf))
    return to_bytes(ds)


@channel("mi-us-held", "misc", "an ultrasound image with the name in ImageComments (the burned-in rules hold ultrasound)")
def mi_us(ctx):
    ds = base(ctx, U.UltrasoundImageStorage, "US")
    ds.ImageComments = ctx.idn.patient_name
    return to_bytes(ds)


@channel("mi-patient-comments-name", "misc", "PatientComments (X; C with clean-descriptors): the family name")
def mi_patient_comments(ctx):
    ds = base(ctx)
    ds.PatientComments = f"{ctx.idn.family} prefers morning appointments"
    return to_bytes(ds)


@channel("mi-email-telecom", "misc", "Patient's Telecom Information (X) with the e-mail; ImageComments the e-mail's local part")
def mi_email(ctx):
    ds = base(ctx)
    ds.PatientTelecomInformation = f"mailto:{ctx.idn.email}"
    ds.ImageComments = f"results to {ctx.idn.email.split('@')[0]}"
    return to_bytes(ds)


@channel("mi-zip-in-no-row-ob", "misc", "Record Key (0008,041B, OB, no row): a ZIP archive whose member is named after the patient")
def mi_zip(ctx):
    name = f"{ctx.idn.family}_{ctx.idn.mrn}.txt".encode()
    body = leak(ctx.idn).encode()
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = comp.compress(body) + comp.flush()
    hdr = b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", 20, 0, 8, 0, 0, zlib.crc32(body), len(data), len(body), len(name), 0)
    ds = base(ctx)
    ds.add(DataElement(0x0008041B, "OB", hdr + name + data))
    return to_bytes(ds)

"""Second-reader channels (r2-) in the data set's structure: times and date-times kept as
they are, character sets that lie or that the C library cannot decode, sequences nested past
the reader's limit through UN, values the gate re-reads on its own (a nested Pixel Data), and
images the burned-in rules should hold but let go.

A burned-in channel stands for text drawn into the pixels with the name's bytes in the
samples (what the scanner can see; glyphs it cannot read): written in the default run, it is a
leak the rules let through. Those channels run without --include-held (a release sends held
images on purpose)."""
import struct

import numpy as np
from pydicom.dataelem import DataElement

from build import base, channel, code, el, insert_raw, raw_item, replace_value, seq, set_native, to_bytes
from channels_text import digits

NOT_RELEASED = ("default", "none")


# --- times and date-times: kept as they are -----------------------------------------------------------

@channel("r2-tm-fraction-mrn", "date",
         "AcquisitionTime (TM, C) and Secondary Review Time (TM, no row) '093512.4410527': the MRN's digits as the fraction")
def r2_tm_fraction(ctx):
    d = digits(ctx.idn.mrn)
    ds = base(ctx)
    ds.AcquisitionTime = f"093512.{d}"
    ds.add(DataElement(0x00140103, "TM", f"101500.{d}"))
    return to_bytes(ds)


@channel("r2-dt-fraction-birth-date", "date",
         "Expiration DateTime (DT, no row) '20240315093015.19581104': the birth date as the fraction of a second")
def r2_dt_fraction(ctx):
    ds = base(ctx)
    ds.add(DataElement(0x00080416, "DT", f"{ctx.idn.study_date}093015.{ctx.idn.birth_date}"))
    return to_bytes(ds)


@channel("r2-dt-offset-mrn", "date",
         "Study Update DateTime (DT, no row) with the MRN's digits after a '-' where the UTC offset goes")
def r2_dt_offset(ctx):
    ds = base(ctx)
    ds.add(DataElement(0x0008041F, "DT", f"{ctx.idn.study_date}093015-{digits(ctx.idn.mrn)}"))
    return to_bytes(ds)


@channel("r2-tm-mrn-digits", "date", "AcquisitionTime (TM) holding the MRN's digits alone (a time the engine keeps unread)")
def r2_tm_digits(ctx):
    ds = base(ctx)
    ds.AcquisitionTime = digits(ctx.idn.mrn)
    return to_bytes(ds)


# --- character sets ------------------------------------------------------------------------------------

@channel("r2-charset-utf8-latin1-name", "encoding",
         "Specific Character Set ISO_IR 192, PatientName 'Müller^Jürgen' in Latin-1 bytes (invalid UTF-8); "
         "SeriesDescription and a code meaning 'MUELLER J' (ASCII)")
def r2_charset_utf8_latin1(ctx):
    ctx.set_identity(patient_name="Müller^Jürgen", family="Müller", given="Jürgen")
    ds = base(ctx, charset="ISO_IR 192")
    ds.PatientName = "X"
    ds.SeriesDescription = "MUELLER J AXIAL"
    ds.AnatomicRegionSequence = seq(code("51185008", "SCT", "Chest MULLER"))
    data = to_bytes(ds)
    return replace_value(data, 0x00100010, el(0x00100010, "PN", "Müller^Jürgen".encode("latin-1")))


@channel("r2-charset-ir13-katakana-name", "encoding",
         "Specific Character Set ISO 2022 IR 13\\ISO 2022 IR 87 (the usual Japanese one): PatientName "
         "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎 (half-width katakana, then kanji); SeriesDescription the reading in full-width katakana 'ヤマダ'")
def r2_charset_ir13(ctx):
    name = "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎"
    ctx.set_identity(patient_name=name, family="ﾔﾏﾀﾞ", given="ﾀﾛｳ")
    ds = base(ctx, charset=["ISO 2022 IR 13", "ISO 2022 IR 87"])
    ds.SeriesDescription = "ヤマダ タロウ"
    ds.AnatomicRegionSequence = seq(code("51185008", "SCT", "ヤマダ"))
    return to_bytes(ds)


@channel("r2-charset-ir13-katakana-text", "encoding",
         "Specific Character Set ISO_IR 13: PatientName 'ｺﾊﾞﾔｼ^ｲﾁﾛｳ' (half-width katakana), SeriesDescription "
         "'ｺﾊﾞﾔｼ CT' likewise; an item whose character set is ISO_IR 192 with the code meaning 'コバヤシ' "
         "(the same reading in full-width katakana: NFKC makes them one)")
def r2_charset_ir13_text(ctx):
    name = "ｺﾊﾞﾔｼ^ｲﾁﾛｳ"
    ctx.set_identity(patient_name=name, family="ｺﾊﾞﾔｼ", given="ｲﾁﾛｳ")
    ds = base(ctx, charset="ISO_IR 13")
    ds.SeriesDescription = "X"
    region = code("51185008", "SCT", "コバヤシ")
    region.SpecificCharacterSet = "ISO_IR 192"
    ds.AnatomicRegionSequence = seq(region)
    data = to_bytes(ds)
    data = replace_value(data, 0x00100010, el(0x00100010, "PN", name.encode("shift_jis")))
    return replace_value(data, 0x0008103E, el(0x0008103E, "LO", "ｺﾊﾞﾔｼ CT".encode("shift_jis")))


@channel("r2-iso2022-unknown-escape", "encoding",
         "Specific Character Set \\ISO 2022 IR 87; SeriesDescription 'GROSS<ESC ( @>KOPF': an escape to ISO 646 (IRV) "
         "inside the family name, which the decoder does not know")
def r2_iso2022_escape(ctx):
    f = ctx.idn.family
    ds = base(ctx, charset=["", "ISO 2022 IR 87"])
    ds.SeriesDescription = "X"
    data = to_bytes(ds)
    value = f[:5].encode() + b"\x1b(@" + f[5:].encode() + b" CT"
    return replace_value(data, 0x0008103E, el(0x0008103E, "LO", value))


# --- sequences nested deep -------------------------------------------------------------------------------

def nested_explicit(levels, innermost):
    """Anatomic Region Sequence nested `levels` deep (explicit VR, undefined lengths), with
    `innermost` (element bytes) in the deepest item."""
    head = struct.pack("<HH", 0x0008, 0x2218) + b"SQ\x00\x00" + b"\xff\xff\xff\xff"
    tail = struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
    body = innermost
    for _ in range(levels):
        body = head + raw_item(el(0x00080100, "SH", "51185008") + el(0x00080102, "SH", "SCT")
                               + el(0x00080104, "LO", "Chest") + body, undefined=True) + tail
    return body


def nested_implicit(levels, innermost):
    """The same in implicit VR with defined lengths (what a UN value holds)."""
    body = innermost
    for _ in range(levels):
        items = raw_item(el(0x00080100, "SH", "51185008", explicit=False) + el(0x00080104, "LO", "Chest", explicit=False) + body)
        body = struct.pack("<HHI", 0x0008, 0x2218, len(items)) + items
    return body


@channel("r2-un-sequence-past-depth-limit", "sequence",
         "60 levels of Anatomic Region Sequence, then one sent as UN of defined length holding 60 more levels (implicit VR), "
         "a code meaning with the name at the bottom: 120 levels where the reader accepts 64")
def r2_un_deep(ctx):
    i = ctx.idn
    bottom = el(0x00080104, "LO", f"{i.family} {i.given} {i.mrn}", explicit=False)
    inner = nested_implicit(59, bottom)   # 59 sequences inside the UN value's own items
    un = el(0x00082218, "UN", raw_item(el(0x00080104, "LO", "Chest", explicit=False) + inner))
    return insert_raw(to_bytes(base(ctx)), nested_explicit(60, un), 0x00082219)


@channel("r2-sequence-nesting-200", "sequence", "Anatomic Region Sequence nested 200 levels (explicit VR): refused, not a crash")
def r2_deep_200(ctx):
    bottom = el(0x00080104, "LO", ctx.idn.family)
    return insert_raw(to_bytes(base(ctx)), nested_explicit(200, bottom), 0x00082219)


# --- values the gate reads again -------------------------------------------------------------------

@channel("r2-nested-pixel-data-huge", "pixel",
         "an item of Anatomic Region Sequence with Rows, Columns, Samples per Pixel 65535, Bits Allocated 64, "
         "Number of Frames 1000 and a small Pixel Data: kept as binary values; the gate measures it")
def r2_nested_pixels(ctx):
    ds = base(ctx)
    it = code("51185008", "SCT", "Chest")
    it.Rows = it.Columns = 65535
    it.SamplesPerPixel = 65535
    it.BitsAllocated = 64
    it.BitsStored = 64
    it.HighBit = 63
    it.PixelRepresentation = 0
    it.NumberOfFrames = 1000
    it.add(DataElement(0x7FE00010, "OB", bytes(16)))
    ds.AnatomicRegionSequence = seq(it)
    return to_bytes(ds)


@channel("r2-nested-pixel-data-text", "pixel",
         "an item of Anatomic Region Sequence holding Rows 4, Columns 4, 8 bits and a Pixel Data whose 16 samples are the name")
def r2_nested_pixels_text(ctx):
    ds = base(ctx)
    it = code("51185008", "SCT", "Chest")
    it.Rows = it.Columns = 4
    it.SamplesPerPixel = 1
    it.PhotometricInterpretation = "MONOCHROME2"
    it.BitsAllocated = it.BitsStored = 8
    it.HighBit = 7
    it.PixelRepresentation = 0
    it.add(DataElement(0x7FE00010, "OB", ctx.idn.family.encode().ljust(16)[:16]))
    ds.AnatomicRegionSequence = seq(it)
    return to_bytes(ds)


# --- images the burned-in rules should hold ----------------------------------------------------------

def burned_in_ct(ctx):
    """A CT whose samples hold the name's bytes (16 of 16 bits stored: nothing is cleared)."""
    ds = base(ctx, pixels=False)
    arr = np.full((64, 64), 0x0400, np.uint16).ravel()
    text = f"{ctx.idn.family} {ctx.idn.given} {ctx.idn.mrn} ".encode() * 4
    words = np.frombuffer(text[: len(text) // 2 * 2], "<u2")
    arr[: len(words)] = words
    set_native(ds, arr.reshape(64, 64), bits_stored=16)
    return ds


def bi_channel(cid, desc, edit):
    def make(ctx):
        ds = burned_in_ct(ctx)
        return edit(ctx, ds)
    channel(cid, "misc", desc, runs=NOT_RELEASED)(make)


bi_channel("r2-bi-control-secondary", "control: a CT with ImageType DERIVED\\SECONDARY (held) whose samples hold the name",
           lambda ctx, ds: (setattr(ds, "ImageType", ["DERIVED", "SECONDARY"]), to_bytes(ds))[1])
bi_channel("r2-bi-control-annotation-yes", "control: a CT with BurnedInAnnotation 'yes' in lower case (held) whose samples hold the name",
           lambda ctx, ds: (setattr(ds, "BurnedInAnnotation", "yes"), to_bytes(ds))[1])


bi_channel("r2-bi-recognizable-visual-features", "a CT whose Recognizable Visual Features (0028,0302) is YES (its own "
           "header says the pixels show the face); no rule reads it; the samples hold the name",
           lambda ctx, ds: (setattr(ds, "RecognizableVisualFeatures", "YES"), to_bytes(ds))[1])


def _imagetype_un(ctx, ds):
    data = to_bytes(ds)
    return replace_value(data, 0x00080008, el(0x00080008, "UN", b"DERIVED\\SECONDARY "))


bi_channel("r2-bi-imagetype-as-un", "a CT with ImageType DERIVED\\SECONDARY sent as UN (explicit VR): the rules read one value "
           "'DERIVED\\SECONDARY', which is not SECONDARY; the samples hold the name", _imagetype_un)


def _imagetype_nul(ctx, ds):
    data = to_bytes(ds)
    return replace_value(data, 0x00080008, el(0x00080008, "CS", b"DERIVED\\\x00SECONDARY"))


bi_channel("r2-bi-imagetype-leading-nul", "a CT with ImageType 'DERIVED\\<NUL>SECONDARY': the rules compare '\\0SECONDARY', "
           "the normaliser then makes it ' SECONDARY'; the samples hold the name", _imagetype_nul)


def _annotation_ob(ctx, ds):
    ds.BurnedInAnnotation = "YES"
    data = to_bytes(ds)
    return replace_value(data, 0x00280301, el(0x00280301, "OB", b"YES "))


bi_channel("r2-bi-annotation-as-ob", "a CT with BurnedInAnnotation YES sent with VR OB: the rules read no string; the samples hold the name",
           _annotation_ob)


def _modality_padding(ctx, ds):
    ds.ImageType = ["DERIVED", "SECONDARY"]
    data = to_bytes(ds)
    return replace_value(data, 0x00080008, el(0x00080008, "CS", b"DERIVED\\SECONDARY\\\x00"))


bi_channel("r2-bi-imagetype-trailing-empty", "a CT with ImageType 'DERIVED\\SECONDARY\\<NUL>' (a third, empty value): still held?",
           _modality_padding)

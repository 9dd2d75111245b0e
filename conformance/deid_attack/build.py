"""Building blocks for the attack corpus: a plausible instance per identity, raw elements for
what pydicom will not write, real JPEG / JPEG 2000 encoders, and the channel registry."""
import dataclasses
import hashlib
import io
import os
import struct
import subprocess
import tempfile

import numpy as np
import pydicom
import pydicom.uid as U
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence

import dicomwalk
from identities import Identity

ROOT = "2.25."
IMPLEMENTATION_UID = "2.25.305828488182831875890203105390285383139"


# --- the registry --------------------------------------------------------------------------------

@dataclasses.dataclass
class Channel:
    id: str
    cls: str
    description: str
    make: object
    runs: tuple
    limit: str = ""     # a leak here is a limit docs/deidentification-matching.md §6 names


CHANNELS = []


def channel(cid, cls, description, runs=("default", "none", "held"), limit=""):
    """`limit`: the documented limit (docs/deidentification-matching.md §6) this channel
    shows; its leak is reported as LIMIT, listed but not failing the run."""
    def deco(fn):
        CHANNELS.append(Channel(cid, cls, description, fn, tuple(runs), limit))
        return fn
    return deco


class Ctx:
    """What a channel function gets: its identity, UIDs of its own, and a way to declare what
    it planted beyond the identity and which forms it expects a leak to take."""

    def __init__(self, cid, idn: Identity, tmp):
        self.cid, self.idn, self.tmp = cid, idn, tmp
        self.extra_planted = []     # (attr, kind, value)
        self.derived = []           # (attr, value, form, kind, word)
        self.path = None            # a relative path other than <class>/<id>.dcm
        self.uids = {}

    def uid(self, what):
        if what not in self.uids:
            h = hashlib.sha256(f"{self.cid}/{what}".encode()).digest()
            self.uids[what] = ROOT + str(int.from_bytes(h[:16], "big"))
        return self.uids[what]

    def plant(self, attr, kind, value):
        self.extra_planted.append((attr, kind, value))

    def derive(self, attr, value, form, kind="text", word=False):
        self.derived.append((attr, value, form, kind, word))

    def set_identity(self, **changes):
        self.idn = dataclasses.replace(self.idn, **changes)


# --- a plausible instance -----------------------------------------------------------------------------

def image_pixels(rows=64, cols=64, seed=0, bits=12):
    """A deterministic phantom: a disc on a gradient, values within `bits` bits."""
    y, x = np.mgrid[0:rows, 0:cols]
    r = np.hypot(y - rows / 2, x - cols / 2)
    top = (1 << bits) - 1
    img = (x * top // (2 * cols)) + np.where(r < rows / 3, top // 2, 0) + (seed * 37 % 97)
    return np.clip(img, 0, top).astype(np.uint16)


def base(ctx, sop_class=U.CTImageStorage, modality="CT", charset=None, pixels=True):
    """An instance of sop_class with the identity in its identifying attributes."""
    i = ctx.idn
    ds = Dataset()
    if charset:
        ds.SpecificCharacterSet = charset
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = ctx.uid("sop")
    ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = ds.ContentDate = i.study_date
    ds.StudyTime = i.study_time
    ds.SeriesTime = ds.AcquisitionTime = ds.ContentTime = "093512"
    ds.AccessionNumber = i.accession
    ds.Modality = modality
    ds.Manufacturer = "ACME Medical Systems"
    ds.InstitutionName = i.institution
    ds.InstitutionAddress = i.institution_address
    ds.ReferringPhysicianName = i.referring
    ds.StationName = i.station
    ds.StudyDescription = "CT CHEST WITH CONTRAST"
    ds.SeriesDescription = "AXIAL 5MM"
    ds.InstitutionalDepartmentName = i.department
    ds.PerformingPhysicianName = i.performing
    ds.OperatorsName = i.operator
    ds.ManufacturerModelName = "Scanomat 3000"
    ds.PatientName = i.patient_name
    ds.PatientID = i.mrn
    ds.IssuerOfPatientID = i.issuer
    ds.PatientBirthDate = i.birth_date
    ds.PatientSex = i.sex
    ds.OtherPatientIDs = i.other_pid
    ds.PatientAge = "065Y"
    ds.PatientAddress = i.address
    ds.PatientTelephoneNumbers = i.phone
    ds.DeviceSerialNumber = i.serial
    ds.SoftwareVersions = "VA10"
    ds.ProtocolName = "CHEST ROUTINE"
    ds.StudyInstanceUID = ctx.uid("study")
    ds.SeriesInstanceUID = ctx.uid("series")
    ds.StudyID = i.study_id
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.ImagePositionPatient = [-125, -125, 0]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.FrameOfReferenceUID = ctx.uid("frame")
    ds.PositionReferenceIndicator = ""
    if pixels:
        set_native(ds, image_pixels(seed=ctx.idn.index))
    return ds


def set_native(ds, arr, bits_stored=12, signed=False):
    ds.SamplesPerPixel = 1 if arr.ndim == 2 else arr.shape[-1]
    ds.PhotometricInterpretation = "MONOCHROME2" if ds.SamplesPerPixel == 1 else "RGB"
    ds.Rows, ds.Columns = arr.shape[:2]
    ds.BitsAllocated = arr.dtype.itemsize * 8
    ds.BitsStored = bits_stored if ds.BitsAllocated == 16 else 8
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if signed else 0
    if ds.SamplesPerPixel > 1:
        ds.PlanarConfiguration = 0
    if ds.Modality in ("CT",) and ds.SamplesPerPixel == 1:
        ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
        ds.WindowCenter, ds.WindowWidth = 40, 400
    ds.PixelData = arr.astype(arr.dtype.newbyteorder("<")).tobytes()


def seq(*items):
    return Sequence(list(items))


def item(**kw):
    d = Dataset()
    for k, v in kw.items():
        setattr(d, k, v)
    return d


def code(value, scheme, meaning):
    return item(CodeValue=value, CodingSchemeDesignator=scheme, CodeMeaning=meaning)


def to_bytes(ds, ts=U.ExplicitVRLittleEndian, preamble=None, meta_extra=None):
    """Part 10 bytes of ds in transfer syntax ts."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ts
    meta.ImplementationClassUID = IMPLEMENTATION_UID
    meta.ImplementationVersionName = "DEID_ATTACK_1"
    for k, v in (meta_extra or {}).items():
        setattr(meta, k, v) if isinstance(k, str) else meta.add_new(k[0], k[1], v)
    ds.file_meta = meta
    if preamble is not None:
        ds.preamble = preamble
    buf = io.BytesIO()
    little = ts != U.ExplicitVRBigEndian
    implicit = ts == U.ImplicitVRLittleEndian
    if ts == U.ExplicitVRBigEndian:
        ds.PixelData = _swap16(ds.PixelData) if "PixelData" in ds and ds.BitsAllocated == 16 else ds.get("PixelData")
        if ds.get("PixelData") is None:
            del ds.PixelData
    pydicom.dcmwrite(buf, ds, enforce_file_format=True,
                     little_endian=little, implicit_vr=implicit)
    return buf.getvalue()


def _swap16(b):
    a = np.frombuffer(b, dtype="<u2")
    return a.astype(">u2").tobytes()


# --- raw elements ------------------------------------------------------------------------------------

LONG = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"}


def el(tag, vr, value, explicit=True, little=True, length=None):
    """One element's bytes. value: bytes or str (latin-1 unless bytes); padded to even length
    unless length is given (then written as is: odd or lying lengths)."""
    if isinstance(value, str):
        value = value.encode("latin-1")
    if length is None and len(value) % 2:
        value += b"\x00" if vr in ("UI", "OB", "UN") else b" "
    n = len(value) if length is None else length
    e = "<" if little else ">"
    head = struct.pack(e + "HH", tag >> 16, tag & 0xFFFF)
    if not explicit:
        return head + struct.pack(e + "I", n) + value
    if vr in LONG:
        return head + vr.encode() + b"\x00\x00" + struct.pack(e + "I", n) + value
    return head + vr.encode() + struct.pack(e + "H", n) + value


def raw_item(body, undefined=False):
    if undefined:
        return struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF) + body + struct.pack("<HHI", 0xFFFE, 0xE00D, 0)
    return struct.pack("<HHI", 0xFFFE, 0xE000, len(body)) + body


def raw_seq(tag, items, undefined=True, vr="SQ", explicit=True):
    body = b"".join(items)
    if undefined:
        end = struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
        return el(tag, vr, b"", explicit, length=0xFFFFFFFF) + body + end
    return el(tag, vr, body, explicit)


def top_elements(data):
    w = dicomwalk.walk(data)
    return [e for e in w.elements if "." not in e.path and e.buf == 0]


def insert_raw(data, raw, before_tag=None):
    """Inserts raw element bytes into Part 10 bytes at the top level, before the first element
    whose tag is >= before_tag (at the end when None). Element headers are 8 or 12 bytes back
    from the value; the walk gives value offsets, so the header start is found from the tag."""
    if before_tag is None:
        return data + raw
    for e in top_elements(data):
        if e.tag >= before_tag and not e.path.startswith("(0002,"):
            start = data.rfind(struct.pack("<HH", e.tag >> 16, e.tag & 0xFFFF), 0, e.start)
            return data[:start] + raw + data[start:]
    return data + raw


def replace_value(data, tag, new_raw_element):
    """Replaces the whole top-level element `tag` with new bytes."""
    for e in top_elements(data):
        if e.tag == tag:
            start = data.rfind(struct.pack("<HH", tag >> 16, tag & 0xFFFF), 0, e.start)
            return data[:start] + new_raw_element + data[e.end:]
    raise KeyError(hex(tag))


# --- encoders ----------------------------------------------------------------------------------------

def _run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, **kw)


def pnm(arr):
    kind = "P5" if arr.ndim == 2 else "P6"
    return f"{kind}\n{arr.shape[1]} {arr.shape[0]}\n255\n".encode() + arr.astype(np.uint8).tobytes()


def cjpeg(arr8, *args):
    """libjpeg-turbo's cjpeg on an 8-bit gray or RGB array; returns the JPEG stream."""
    return _run(["cjpeg", *args], input=pnm(arr8)).stdout


def opj_compress(arr, suffix=".j2k", *args):
    """OpenJPEG's opj_compress on a gray array (8 or 16 bit); returns the codestream or JP2."""
    with tempfile.TemporaryDirectory() as t:
        src = os.path.join(t, "in.pgm")
        dst = os.path.join(t, "out" + suffix)
        maxval = 255 if arr.dtype == np.uint8 else 4095
        hdr = f"P5\n{arr.shape[1]} {arr.shape[0]}\n{maxval}\n".encode()
        body = arr.astype(np.uint8).tobytes() if maxval == 255 else arr.astype(">u2").tobytes()
        with open(src, "wb") as f:
            f.write(hdr + body)
        _run(["opj_compress", "-i", src, "-o", dst, *args])
        with open(dst, "rb") as f:
            return f.read()


def gray8(ctx, rows=64, cols=64):
    return (image_pixels(rows, cols, ctx.idn.index) >> 4).astype(np.uint8)


def jpeg_markers(stream):
    """[(offset, marker)] of the marker segments outside entropy-coded data."""
    out, pos = [], 2
    while pos + 4 <= len(stream):
        m = stream[pos + 1]
        out.append((pos, m))
        if m == 0xD9:
            break
        length = struct.unpack_from(">H", stream, pos + 2)[0]
        pos += 2 + length
        if m == 0xDA:
            while pos + 1 < len(stream) and not (stream[pos] == 0xFF and stream[pos + 1] >= 0xC0
                                                  and not 0xD0 <= stream[pos + 1] <= 0xD7):
                pos += 1
    return out


def segment(marker, payload):
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def encapsulate(frames_fragments, bot=None):
    """Pixel Data of undefined length: a BOT (bytes or None: offsets of each frame's first
    fragment) and the fragments; frames_fragments: [[fragment bytes]...]."""
    items = []
    offsets, pos = [], 0
    for frags in frames_fragments:
        offsets.append(pos)
        for f in frags:
            if len(f) % 2:
                f += b"\x00"
            items.append(f)
            pos += 8 + len(f)
    if bot is None:
        bot = b"".join(struct.pack("<I", o) for o in offsets) if len(frames_fragments) > 1 else b""
    body = raw_item(bot) + b"".join(raw_item(f) for f in items)
    return body + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)


def with_encapsulated(ds, ts, pixel_value_bytes):
    """Part 10 bytes of ds (its PixelData removed) with raw encapsulated Pixel Data appended."""
    if "PixelData" in ds:
        del ds.PixelData
    data = to_bytes(ds, ts)
    head = struct.pack("<HH", 0x7FE0, 0x0010) + b"OB\x00\x00" + struct.pack("<I", 0xFFFFFFFF)
    return data + head + pixel_value_bytes


# --- structured reports --------------------------------------------------------------------------

def sr(ctx, items, sop_class=U.ComprehensiveSRStorage, charset=None):
    """An SR document: a CONTAINER root with `items` (Datasets from sr_item) as content."""
    ds = base(ctx, sop_class, "SR", charset=charset, pixels=False)
    for k in ("ImageType", "ImagePositionPatient", "ImageOrientationPatient", "FrameOfReferenceUID",
              "PositionReferenceIndicator", "AcquisitionDate", "AcquisitionTime"):
        if k in ds:
            delattr(ds, k)
    ds.StudyDescription = "CHEST CT REPORT"
    ds.SeriesDescription = "REPORT"
    ds.ValueType = "CONTAINER"
    ds.ConceptNameCodeSequence = seq(code("18748-4", "LN", "Diagnostic Imaging Report"))
    ds.ContinuityOfContent = "SEPARATE"
    ds.CompletionFlag, ds.VerificationFlag = "COMPLETE", "UNVERIFIED"
    ds.ContentTemplateSequence = seq(item(MappingResource="DCMR", TemplateIdentifier="2000"))
    ds.ContentSequence = seq(*items)
    ds.InstanceNumber = 1
    return ds


def sr_item(value_type, concept, relationship="CONTAINS", **values):
    """concept: (value, scheme, meaning)."""
    d = item(RelationshipType=relationship, ValueType=value_type,
             ConceptNameCodeSequence=seq(code(*concept)))
    for k, v in values.items():
        setattr(d, k, v)
    return d

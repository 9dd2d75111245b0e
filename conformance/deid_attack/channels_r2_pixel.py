"""Second-reader channels (r2-) in Pixel Data containers: the marker segments the rebuilders
keep because decoding needs them (quantization tables, JPEG-LS mapping tables, JPEG 2000
packet-length markers) carry bytes of the sender's choosing; with the name in them in an
encoding other than UTF-8, only a byte search that tries other encodings finds it. And
containers that lie: encapsulated Pixel Data in a native transfer syntax, an odd-length
fragment, offset tables that do not add up, overlapping RLE segments."""
import os
import struct
import subprocess
import tempfile

import pydicom
import pydicom.uid as U
from pydicom.encaps import generate_frames

from build import base, channel, el, encapsulate, insert_raw, jpeg_markers, raw_item, segment, to_bytes, with_encapsulated
from channels_pixel import jpeg8, j2k, leak, mr16, rle8, xa8


def _replace_segment(stream, marker, new_segment, nth=0):
    """stream with its nth `marker` segment replaced by new_segment (marker through content)."""
    off = [o for o, m in jpeg_markers(stream) if m == marker][nth]
    length = struct.unpack_from(">H", stream, off + 2)[0]
    return stream[:off] + new_segment + stream[off + 2 + length:]


def _name_latin1(ctx):
    name = "Großkopf^Hannelore^Maria"
    ctx.set_identity(patient_name=name, family="Großkopf", given="Hannelore")
    return "Frau Großkopf 1".encode("latin-1")     # no ASCII word of the name: Latin-1 only


@channel("r2-px-jpeg-dqt-latin1", "pixel",
         "JPEG baseline (XA): the quantization table the scan uses holds 'Frau Großkopf 1' in Latin-1 as its first "
         "15 values (a table decoding needs: kept)")
def r2_px_dqt_latin1(ctx):
    text = _name_latin1(ctx)
    s = jpeg8(ctx)
    off = [o for o, m in jpeg_markers(s) if m == 0xDB][0]
    values = bytearray(s[off + 5:off + 5 + 64])
    values[:len(text)] = text
    s = s[:off + 5] + bytes(values) + s[off + 5 + 64:]
    ds = xa8(ctx)
    ds.SpecificCharacterSet = "ISO_IR 100"
    return with_encapsulated(ds, U.JPEGBaseline8Bit, encapsulate([[s]]))


@channel("r2-px-jpeg-dqt16-utf16", "pixel",
         "JPEG baseline (XA): a 16-bit quantization table (Pq 1) whose 64 values are the name and MRN in UTF-16BE")
def r2_px_dqt16(ctx):
    s = jpeg8(ctx)
    text = f"{ctx.idn.family} {ctx.idn.given} {ctx.idn.mrn} ".encode("utf-16-be")
    text = (text + b"\x00\x01" * 64)[:128]
    off = [o for o, m in jpeg_markers(s) if m == 0xDB][0]
    length = struct.unpack_from(">H", s, off + 2)[0]
    # The first table of the segment (id 0, the one the scan uses) becomes the 16-bit one.
    body = bytes([0x10]) + text + s[off + 4 + 65:off + 2 + length]
    s = s[:off] + segment(0xDB, body) + s[off + 2 + length:]
    return with_encapsulated(xa8(ctx), U.JPEGBaseline8Bit, encapsulate([[s]]))


def jpeg_ls(ctx):
    with tempfile.TemporaryDirectory() as t:
        src, dst = os.path.join(t, "in.dcm"), os.path.join(t, "out.dcm")
        with open(src, "wb") as f:
            f.write(to_bytes(base(ctx)))
        subprocess.run(["dcmcjpls", "+un", src, dst], check=True, capture_output=True)
        out = pydicom.dcmread(dst)
    return out, next(generate_frames(out.PixelData, number_of_frames=1))


@channel("r2-px-jpegls-mapping-utf16", "pixel",
         "JPEG-LS (CT): an LSE mapping table (ID 2) that the scan selects, its entries the name and MRN in UTF-16LE")
def r2_px_lse(ctx):
    out, frame = jpeg_ls(ctx)
    text = f"{ctx.idn.family} {ctx.idn.given} {ctx.idn.mrn}".encode("utf-16-le")
    lse = segment(0xF8, bytes([2, 1, 2]) + text)
    sof = [o for o, m in jpeg_markers(frame) if m == 0xF7][0]
    at = sof + 2 + struct.unpack_from(">H", frame, sof + 2)[0]
    frame = frame[:at] + lse + frame[at:]
    sos = [o for o, m in jpeg_markers(frame) if m == 0xDA][0]
    frame = bytearray(frame)
    frame[sos + 6] = 1          # the component's mapping table selector (Tm): table 1
    return with_encapsulated(out, U.JPEGLSLossless, encapsulate([[bytes(frame)]]))


@channel("r2-px-j2k-plm-utf16", "pixel",
         "JPEG 2000 (MR): a PLM marker segment in the main header whose packet lengths are the name and MRN in UTF-16LE")
def r2_px_plm(ctx):
    s = j2k(ctx)
    sot = s.index(b"\xff\x90")
    text = f"{ctx.idn.family} {ctx.idn.given} {ctx.idn.mrn}".encode("utf-16-le")
    body = bytes([0]) + text
    plm = b"\xff\x57" + struct.pack(">H", len(body) + 2) + body
    s = s[:sot] + plm + s[sot:]
    return with_encapsulated(mr16(ctx), U.JPEG2000Lossless, encapsulate([[s]]))


@channel("r2-px-j2k-ppt-latin1", "pixel",
         "JPEG 2000 (MR): a PPT marker segment in the tile-part header (Psot adjusted) holding 'Frau Großkopf 1' in Latin-1")
def r2_px_ppt(ctx):
    text = _name_latin1(ctx)
    s = j2k(ctx)
    sot = s.index(b"\xff\x90")
    psot = struct.unpack_from(">I", s, sot + 6)[0]
    body = bytes([0]) + text
    ppt = b"\xff\x61" + struct.pack(">H", len(body) + 2) + body
    s = s[:sot + 6] + struct.pack(">I", psot + len(ppt) if psot else 0) + s[sot + 10:sot + 12] + ppt + s[sot + 12:]
    ds = mr16(ctx)
    ds.SpecificCharacterSet = "ISO_IR 100"
    return with_encapsulated(ds, U.JPEG2000Lossless, encapsulate([[s]]))


# --- containers that lie ---------------------------------------------------------------------------

@channel("r2-px-encapsulated-in-native", "pixel",
         "CT in Explicit VR Little Endian whose Pixel Data is encapsulated anyway (undefined length, a JPEG fragment with a COM naming the patient)")
def r2_px_encaps_native(ctx):
    s = jpeg8(ctx)
    off = [o for o, m in jpeg_markers(s) if m == 0xDB][0]
    s = s[:off] + segment(0xFE, leak(ctx.idn).encode()) + s[off:]
    ds = base(ctx, pixels=False)
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows = ds.Columns = 64
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit, ds.PixelRepresentation = 7, 0
    return with_encapsulated(ds, U.ExplicitVRLittleEndian, encapsulate([[s]]))


@channel("r2-px-odd-fragment", "pixel", "JPEG baseline (XA) in a fragment of odd length (not padded, as PS3.5 A.4 requires)")
def r2_px_odd_fragment(ctx):
    s = jpeg8(ctx)
    if len(s) % 2 == 0:
        s = s[:-2] + b"\xff\xff\xd9"           # a fill byte before EOI makes it odd
    data = with_encapsulated(xa8(ctx), U.JPEGBaseline8Bit, b"")
    items = struct.pack("<HHI", 0xFFFE, 0xE000, 0) + struct.pack("<HHI", 0xFFFE, 0xE000, len(s)) + s
    return data + items + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)


@channel("r2-px-eot-lies", "pixel",
         "2-frame JPEG XA: the Extended Offset Table gives both frames offset 0 and lengths that overrun; "
         "a third fragment, outside both frames, holds the name")
def r2_px_eot_lies(ctx):
    s = jpeg8(ctx)
    ds = xa8(ctx, 2)
    n = len(s) + len(s) % 2
    ds.ExtendedOffsetTable = struct.pack("<QQ", 0, 0)
    ds.ExtendedOffsetTableLengths = struct.pack("<QQ", n * 3, n * 3)
    return with_encapsulated(ds, U.JPEGBaseline8Bit, encapsulate([[s], [s], [leak(ctx.idn).encode()]], bot=b""))


@channel("r2-px-rle-gap-before-segment", "pixel",
         "RLE (XA, 8-bit): the one segment's offset is 64 + 40, and the 40 bytes between the header and the segment hold the name")
def r2_px_rle_gap(ctx):
    ds, frag = rle8(ctx)
    gap = leak(ctx.idn).encode().ljust(40, b" ")[:40]
    hdr = bytearray(frag[:64])
    struct.pack_into("<I", hdr, 4, 64 + len(gap))
    return with_encapsulated(ds, U.RLELossless, encapsulate([[bytes(hdr) + gap + frag[64:]]]))


@channel("r2-px-nested-encapsulated", "pixel",
         "JPEG baseline XA whose Anatomic Region Sequence item holds its own encapsulated Pixel Data (8-bit, 64x64): "
         "a JPEG with a COM naming the patient in UTF-16LE (no rebuilder sees a nested Pixel Data)")
def r2_px_nested_encaps(ctx):
    s = jpeg8(ctx)
    text = f"{ctx.idn.family} {ctx.idn.given} {ctx.idn.mrn}".encode("utf-16-le")
    off = [o for o, m in jpeg_markers(s) if m == 0xDB][0]
    nested = s[:off] + segment(0xFE, text) + s[off:]
    if len(nested) % 2:
        nested += b"\x00"
    pixel = (struct.pack("<HH", 0x7FE0, 0x0010) + b"OB\x00\x00" + b"\xff\xff\xff\xff"
             + raw_item(b"") + raw_item(nested) + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0))
    body = (el(0x00080100, "SH", "51185008") + el(0x00080102, "SH", "SCT") + el(0x00080104, "LO", "Chest")
            + el(0x00280002, "US", struct.pack("<H", 1)) + el(0x00280004, "CS", "MONOCHROME2")
            + el(0x00280010, "US", struct.pack("<H", 64)) + el(0x00280011, "US", struct.pack("<H", 64))
            + el(0x00280100, "US", struct.pack("<H", 8)) + el(0x00280101, "US", struct.pack("<H", 8))
            + el(0x00280102, "US", struct.pack("<H", 7)) + el(0x00280103, "US", struct.pack("<H", 0)) + pixel)
    sq = (struct.pack("<HH", 0x0008, 0x2218) + b"SQ\x00\x00" + b"\xff\xff\xff\xff" + raw_item(body, undefined=True)
          + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0))
    data = with_encapsulated(xa8(ctx), U.JPEGBaseline8Bit, encapsulate([[s]]))
    return insert_raw(data, sq, 0x00082219)

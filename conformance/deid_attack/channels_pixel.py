"""Channels in Pixel Data containers: text a viewer never shows, in places a header search
may not reach. Each stream comes from a real encoder (cjpeg, wrjpgcom, opj_compress, dcmcjpls,
dcmcrle) and is then edited where the standard leaves room."""
import os
import struct
import subprocess
import tempfile

import numpy as np
import pydicom
import pydicom.uid as U
from pydicom.dataelem import DataElement
from pydicom.encaps import generate_frames

from build import (base, channel, cjpeg, encapsulate, gray8, image_pixels, item, jpeg_markers,
                   opj_compress, segment, seq, set_native, to_bytes, with_encapsulated)


def leak(i):
    return f"{i.patient_name} {i.mrn} DOB {i.birth_date}"


def xa8(ctx, frames=1):
    """An 8-bit XA instance (multi-frame JPEG is XA's everyday form); no Pixel Data yet."""
    ds = base(ctx, U.XRayAngiographicImageStorage, "XA", pixels=False)
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows = ds.Columns = 64
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit, ds.PixelRepresentation = 7, 0
    ds.NumberOfFrames = frames
    if frames > 1:
        ds.FrameIncrementPointer = 0x00181063
        ds.FrameTime = 66.7
    return ds


def jpeg8(ctx):
    return cjpeg(gray8(ctx), "-quality", "90")


def insert_before(stream, marker, seg, nth=0):
    """Inserts seg before the nth marker segment of type marker."""
    hits = [off for off, m in jpeg_markers(stream) if m == marker]
    off = hits[nth]
    return stream[:off] + seg + stream[off:]


@channel("px-jpeg-com-after-scan", "pixel",
         "JPEG baseline, 3 non-interleaved scans (cjpeg -scans); a COM segment between scan 1 and scan 2")
def px_jpeg_com_after_scan(ctx):
    rgb = np.stack([gray8(ctx), np.full((64, 64), 128, np.uint8), gray8(ctx)[::-1]], -1)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("0;\n1;\n2;\n")
    try:
        s = cjpeg(rgb, "-scans", f.name, "-sample", "2x1")
    finally:
        os.unlink(f.name)
    s = insert_before(s, 0xDA, segment(0xFE, leak(ctx.idn).encode()), nth=1)
    ds = base(ctx, U.OphthalmicPhotography8BitImageStorage, "OP", pixels=False)
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "YBR_FULL_422", 0
    ds.Rows = ds.Columns = 64
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit, ds.PixelRepresentation = 7, 0
    ds.LossyImageCompression = "01"
    return with_encapsulated(ds, U.JPEGBaseline8Bit, encapsulate([[s]]))


@channel("px-jpeg-com-second-fragment", "pixel",
         "JPEG baseline frame split in two fragments after SOF0; the second begins with a COM segment")
def px_jpeg_com_second_fragment(ctx):
    s = jpeg8(ctx)
    cut = [off for off, m in jpeg_markers(s) if m == 0xC4][0]          # after SOF0, before DHT
    s = s[:cut] + segment(0xFE, leak(ctx.idn).encode()) + s[cut:]
    first = s[:cut] + b"\xff" * (cut % 2)                             # a fill byte, not a NUL
    return with_encapsulated(xa8(ctx), U.JPEGBaseline8Bit, encapsulate([[first, s[cut:]]]))


@channel("px-jpeg-app-beyond-64k", "pixel",
         "JPEG header with two full APP15 segments (2 x 65533 bytes) before an APP15 holding the name, beyond 64 KiB")
def px_jpeg_app_beyond_64k(ctx):
    s = jpeg8(ctx)
    filler = bytes(range(256)) * 255 + bytes(253)                      # 65533 bytes
    text = b"ACME-NOTES\x00" + leak(ctx.idn).encode()
    segs = segment(0xEF, filler) + segment(0xEF, filler) + segment(0xEF, text)
    s = insert_before(s, 0xDB, segs)
    return with_encapsulated(xa8(ctx), U.JPEGBaseline8Bit, encapsulate([[s]]))


@channel("px-jpeg-after-eoi", "pixel", "text after the JPEG EOI marker, in the same fragment")
def px_jpeg_after_eoi(ctx):
    s = jpeg8(ctx) + leak(ctx.idn).encode()
    return with_encapsulated(xa8(ctx), U.JPEGBaseline8Bit, encapsulate([[s]]))


@channel("px-extra-fragment", "pixel",
         "an extra fragment outside the frame the Extended Offset Table declares, holding the name as text")
def px_extra_fragment(ctx):
    s = jpeg8(ctx)
    ds = xa8(ctx)
    ds.ExtendedOffsetTable = struct.pack("<Q", 0)
    ds.ExtendedOffsetTableLengths = struct.pack("<Q", len(s) + len(s) % 2)
    return with_encapsulated(ds, U.JPEGBaseline8Bit,
                             encapsulate([[s], [leak(ctx.idn).encode()]], bot=b""))


@channel("px-extra-fragment-no-eot", "pixel",
         "a second fragment after a complete single-frame JPEG (BOT empty), holding the name as text")
def px_extra_fragment_no_eot(ctx):
    s = jpeg8(ctx)
    return with_encapsulated(xa8(ctx), U.JPEGBaseline8Bit,
                             encapsulate([[s, leak(ctx.idn).encode()]], bot=b""))


@channel("px-bot-text", "pixel", "a Basic Offset Table of 2 frames followed by 60 bytes of text")
def px_bot_text(ctx):
    s = jpeg8(ctx)
    n = len(s) + len(s) % 2
    text = leak(ctx.idn).encode().ljust(60, b" ")[:60]
    bot = struct.pack("<II", 0, n + 8) + text
    return with_encapsulated(xa8(ctx, 2), U.JPEGBaseline8Bit, encapsulate([[s], [s]], bot=bot))


@channel("px-jpeg-com-second-frame", "pixel",
         "2-frame XA, JPEG baseline; only the second frame's header has a COM segment with the name")
def px_jpeg_com_second_frame(ctx):
    s = jpeg8(ctx)
    s2 = insert_before(s, 0xDB, segment(0xFE, leak(ctx.idn).encode()))
    return with_encapsulated(xa8(ctx, 2), U.JPEGBaseline8Bit, encapsulate([[s], [s2]]))


@channel("px-jpeg-com-header", "pixel", "a COM segment in the JPEG header (wrjpgcom's place)")
def px_jpeg_com_header(ctx):
    s = subprocess.run(["wrjpgcom", "-comment", leak(ctx.idn)], input=jpeg8(ctx),
                       capture_output=True, check=True).stdout
    return with_encapsulated(xa8(ctx), U.JPEGBaseline8Bit, encapsulate([[s]]))


@channel("px-jpeg-exif-artist", "pixel", "an Exif APP1 segment whose Artist (IFD0 tag 0x013B) is the patient's name")
def px_jpeg_exif_artist(ctx):
    name = ctx.idn.patient_name.replace("^", " ").encode() + b"\x00"
    ifd = struct.pack("<H", 1) + struct.pack("<HHII", 0x013B, 2, len(name), 26) + struct.pack("<I", 0)
    tiff = b"II*\x00" + struct.pack("<I", 8) + ifd + name
    s = insert_before(jpeg8(ctx), 0xDB, segment(0xE1, b"Exif\x00\x00" + tiff))
    return with_encapsulated(xa8(ctx), U.JPEGBaseline8Bit, encapsulate([[s]]))


def j2k(ctx, *args, suffix=".j2k"):
    return opj_compress(image_pixels(64, 64, ctx.idn.index), suffix, *args)


def mr16(ctx):
    ds = base(ctx, U.MRImageStorage, "MR", pixels=False)
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows = ds.Columns = 64
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.ScanningSequence, ds.SequenceVariant, ds.ScanOptions = "SE", "NONE", ""
    ds.MRAcquisitionType, ds.EchoTime, ds.RepetitionTime = "2D", 15, 500
    return ds


@channel("px-j2k-com-tile-part", "pixel",
         "JPEG 2000 codestream (opj_compress) with a COM marker in the first tile-part header (Psot adjusted)")
def px_j2k_com_tile_part(ctx):
    s = j2k(ctx)
    sot = s.index(b"\xff\x90")
    lsot = struct.unpack_from(">H", s, sot + 2)[0]
    text = leak(ctx.idn).encode()
    com = b"\xff\x64" + struct.pack(">HH", len(text) + 4, 1) + text
    psot = struct.unpack_from(">I", s, sot + 6)[0]
    s = s[:sot + 6] + struct.pack(">I", psot + len(com) if psot else 0) + s[sot + 10:]
    at = sot + 2 + lsot
    s = s[:at] + com + s[at:]
    return with_encapsulated(mr16(ctx), U.JPEG2000Lossless, encapsulate([[s]]))


@channel("px-j2k-com-main", "pixel", "JPEG 2000 main header COM written by opj_compress -C")
def px_j2k_com_main(ctx):
    s = j2k(ctx, "-C", leak(ctx.idn))
    return with_encapsulated(mr16(ctx), U.JPEG2000Lossless, encapsulate([[s]]))


@channel("px-j2k-after-eoc", "pixel", "text after the JPEG 2000 EOC marker in the fragment")
def px_j2k_after_eoc(ctx):
    s = j2k(ctx) + leak(ctx.idn).encode()
    return with_encapsulated(mr16(ctx), U.JPEG2000Lossless, encapsulate([[s]]))


@channel("px-jp2-xml-box", "pixel",
         "a JP2 file (opj_compress .jp2) as the fragment, with an 'xml ' box naming the patient before the codestream")
def px_jp2_xml_box(ctx):
    s = j2k(ctx, suffix=".jp2")
    i = ctx.idn
    xml = (f'<?xml version="1.0"?><patient><name>{i.patient_name}</name><id>{i.mrn}</id>'
           f"<birth>{i.birth_date}</birth></patient>").encode()
    box = struct.pack(">I", len(xml) + 8) + b"xml " + xml
    at = s.index(b"jp2c") - 4
    s = s[:at] + box + s[at:]
    return with_encapsulated(mr16(ctx), U.JPEG2000Lossless, encapsulate([[s]]))


@channel("px-native-tail", "pixel", "native Pixel Data longer than Rows x Columns x 2 bytes; text in the tail")
def px_native_tail(ctx):
    ds = base(ctx)
    ds.PixelData = ds.PixelData + b"\x00\x00" + leak(ctx.idn).encode().ljust(64, b" ")
    return to_bytes(ds)


def in_high_bits(arr16, text, above, stored_bits=16):
    """Puts text's bits, most significant first, into the `above` top bits of each sample."""
    bits = np.unpackbits(np.frombuffer(text, np.uint8))
    flat = arr16.ravel().copy()
    n = len(bits) // above
    chunks = bits[:n * above].reshape(n, above)
    vals = np.zeros(n, np.uint16)
    for k in range(above):
        vals = vals << 1 | chunks[:, k]
    flat[:n] = (flat[:n] & ((1 << (16 - above)) - 1)) | (vals << (16 - above))
    return flat.reshape(arr16.shape)


@channel("px-bits-above-stored", "pixel",
         "Bits Stored 12 of 16: the name's bytes in the top 4 bits of the samples, 2 samples a byte")
def px_bits_above_stored(ctx):
    ds = base(ctx)
    arr = image_pixels(seed=ctx.idn.index)
    ds.PixelData = in_high_bits(arr, leak(ctx.idn).encode(), 4).astype("<u2").tobytes()
    return to_bytes(ds)


@channel("px-bits-above-stored-8", "pixel",
         "Bits Stored 8 of 16: the name's bytes are the high byte of each sample")
def px_bits_above_stored_8(ctx):
    ds = base(ctx)
    arr = (image_pixels(seed=ctx.idn.index) >> 4).astype(np.uint16)
    arr = in_high_bits(arr, leak(ctx.idn).encode(), 8)
    set_native(ds, arr, bits_stored=8)
    ds.WindowCenter, ds.WindowWidth = 128, 256
    return to_bytes(ds)


@channel("px-bits-below-stored", "pixel",
         "High Bit 15, Bits Stored 12: the name's bytes in the 4 bits below the stored ones")
def px_bits_below_stored(ctx):
    ds = base(ctx)
    arr = image_pixels(seed=ctx.idn.index) << 4
    bits = np.unpackbits(np.frombuffer(leak(ctx.idn).encode(), np.uint8))
    flat = arr.ravel()
    n = len(bits) // 4
    nib = bits[:n * 4].reshape(n, 4) @ np.array([8, 4, 2, 1])
    flat[:n] = (flat[:n] & 0xFFF0) | nib
    ds.PixelData = flat.astype("<u2").tobytes()
    ds.BitsStored, ds.HighBit = 12, 15
    return to_bytes(ds)


def rle8(ctx):
    """dcmtk's dcmcrle on an 8-bit XA frame; returns (ds, fragment)."""
    ds = xa8(ctx)
    ds.PixelData = gray8(ctx).tobytes()
    with tempfile.TemporaryDirectory() as t:
        src, dst = os.path.join(t, "in.dcm"), os.path.join(t, "out.dcm")
        with open(src, "wb") as f:
            f.write(to_bytes(ds))
        subprocess.run(["dcmcrle", "+un", src, dst], check=True, capture_output=True)
        out = pydicom.dcmread(dst)
    frag = next(generate_frames(out.PixelData, number_of_frames=1))
    return out, frag


@channel("px-rle-extra-segment", "pixel",
         "RLE: the header claims 2 segments for 1-sample 8-bit data; the second is a literal run of the name")
def px_rle_extra_segment(ctx):
    ds, frag = rle8(ctx)
    text = leak(ctx.idn).encode()[:128]
    seg2 = bytes([len(text) - 1]) + text
    hdr = bytearray(frag[:64])
    struct.pack_into("<II", hdr, 0, 2, 64)
    struct.pack_into("<I", hdr, 8, len(frag))
    return with_encapsulated(ds, U.RLELossless, encapsulate([[bytes(hdr) + frag[64:] + seg2]]))


@channel("px-rle-header-text", "pixel", "RLE: the 14 unused segment offsets of the header hold the name as text")
def px_rle_header_text(ctx):
    ds, frag = rle8(ctx)
    text = leak(ctx.idn).encode().ljust(56, b" ")[:56]
    return with_encapsulated(ds, U.RLELossless, encapsulate([[frag[:8] + text + frag[64:]]]))


@channel("px-jpeg-ls-com", "pixel", "JPEG-LS (dcmcjpls) with a COM segment after SOF55")
def px_jpeg_ls_com(ctx):
    with tempfile.TemporaryDirectory() as t:
        src, dst = os.path.join(t, "in.dcm"), os.path.join(t, "out.dcm")
        ds = base(ctx)
        with open(src, "wb") as f:
            f.write(to_bytes(ds))
        subprocess.run(["dcmcjpls", "+un", src, dst], check=True, capture_output=True)
        out = pydicom.dcmread(dst)
    frame = next(generate_frames(out.PixelData, number_of_frames=1))
    sof = [off for off, m in jpeg_markers(frame) if m == 0xF7][0]
    seglen = struct.unpack_from(">H", frame, sof + 2)[0]
    at = sof + 2 + seglen
    frame = frame[:at] + segment(0xFE, leak(ctx.idn).encode()) + frame[at:]
    return with_encapsulated(out, U.JPEGLSLossless, encapsulate([[frame]]))


@channel("px-icon-pixel-text", "pixel",
         "Icon Image Sequence: an 8-bit 64x64 icon whose last rows are the name's bytes")
def px_icon_pixel_text(ctx):
    ds = base(ctx)
    icon = item(SamplesPerPixel=1, PhotometricInterpretation="MONOCHROME2", Rows=64, Columns=64,
                BitsAllocated=8, BitsStored=8, HighBit=7, PixelRepresentation=0)
    px = bytearray(gray8(ctx).tobytes())
    text = leak(ctx.idn).encode()
    px[-len(text):] = text
    icon.PixelData = bytes(px)
    ds.IconImageSequence = seq(icon)
    return to_bytes(ds)


@channel("px-icc-profile", "pixel",
         "ICC Profile (0028,2000) of an RGB photograph: 'desc' in ASCII and 'cprt' mluc in UTF-16BE name the patient")
def px_icc_profile(ctx):
    ds = base(ctx, U.OphthalmicPhotography8BitImageStorage, "OP", pixels=False)
    rgb = np.stack([gray8(ctx)] * 3, -1)
    set_native(ds, rgb)
    ds.ICCProfile = icc_profile(leak(ctx.idn), ctx.idn.patient_name.replace("^", " "))
    return to_bytes(ds)


def icc_profile(ascii_text, utf16_text):
    desc = b"desc" + bytes(4) + struct.pack(">I", len(ascii_text) + 1) + ascii_text.encode() + b"\x00"
    desc += bytes(-len(desc) % 4)
    u = utf16_text.encode("utf-16-be")
    mluc = b"mluc" + bytes(4) + struct.pack(">II", 1, 12) + b"enUS" + struct.pack(">II", len(u), 28) + u
    mluc += bytes(-len(mluc) % 4)
    table_off = 128 + 4 + 2 * 12
    tags = [(b"desc", table_off, len(desc)), (b"cprt", table_off + len(desc), len(mluc))]
    body = desc + mluc
    size = table_off + len(body)
    header = struct.pack(">I", size) + b"ACME" + struct.pack(">I", 0x04300000) + b"mntrRGB XYZ "
    header += bytes(12) + b"acspAPPL" + bytes(128 - 48)
    table = struct.pack(">I", len(tags)) + b"".join(t + struct.pack(">II", o, n) for t, o, n in tags)
    return header + table + body


@channel("px-waveform-data-text", "pixel",
         "12-lead ECG: Waveform Data (5400,1010, no row) whose samples of one channel are the name's bytes")
def px_waveform_text(ctx):
    ds = base(ctx, U.TwelveLeadECGWaveformStorage, "ECG", pixels=False)
    for k in ("ImageType", "ImagePositionPatient", "ImageOrientationPatient", "FrameOfReferenceUID",
              "PositionReferenceIndicator"):
        delattr(ds, k)
    samples = bytearray((np.sin(np.arange(500) / 20) * 500).astype("<i2").tobytes())
    text = leak(ctx.idn).encode()
    samples[200:200 + len(text)] = text
    ch = item(WaveformChannelNumber=1, ChannelLabel="I", ChannelStatus="OK",
              ChannelSourceSequence=seq(item(CodeValue="5.6.3-9-1", CodingSchemeDesignator="SCPECG", CodeMeaning="Lead I")),
              ChannelSensitivity=1, ChannelBaseline=0, ChannelSampleSkew=0, WaveformBitsStored=16)
    wf = item(MultiplexGroupTimeOffset=0, WaveformOriginality="ORIGINAL", NumberOfWaveformChannels=1,
              NumberOfWaveformSamples=500, SamplingFrequency=500, ChannelDefinitionSequence=seq(ch),
              WaveformBitsAllocated=16, WaveformSampleInterpretation="SS")
    wf.add(DataElement(0x54001010, "OW", bytes(samples)))
    ds.WaveformSequence = seq(wf)
    return to_bytes(ds)

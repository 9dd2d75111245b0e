"""Splits Pixel Data into what a person could read and what is image samples.

"full" parts are searched for every needle: marker segments of JPEG, JPEG-LS and JPEG 2000
streams (COM, APPn, tile-part headers), JP2 boxes other than the codestream, the Basic Offset
Table, RLE headers, anything after an end-of-image marker, native bytes beyond the image.
"samples" parts (entropy-coded data, native samples, decoded RLE segments, the bits of each
sample above High Bit or below the lowest stored bit) hold arbitrary bytes, so only needles of
at least MIN_SAMPLE_BYTES bytes are searched there: a given 8-byte string occurs by chance in
random bytes about once in 2^64 positions.
"""
import struct

import numpy as np

MIN_SAMPLE_BYTES = 8


def _u16be(b, p):
    return struct.unpack_from(">H", b, p)[0]


def jpeg_parts(s, label):
    """JPEG (ISO 10918) and JPEG-LS (ISO 14495) share the marker syntax. Yields
    (kind, bytes, where)."""
    pos, image = 0, 0
    n = len(s)
    while pos < n:
        if s[pos:pos + 2] != b"\xff\xd8":
            rest = s[pos:]
            if rest.strip(b"\x00"):
                yield "full", rest, f"{label}: bytes after the end of image {image}"
            return
        image += 1
        pos += 2
        while pos + 1 < n:
            if s[pos] != 0xFF:
                # not a marker where one must be: the rest is unreadable as JPEG
                yield "full", s[pos:], f"{label} image {image}: bytes where a marker should be"
                return
            m = s[pos + 1]
            if m == 0xFF:
                pos += 1
                continue
            if m == 0xD9:
                pos += 2
                break
            if 0xD0 <= m <= 0xD7 or m == 0x01:
                pos += 2
                continue
            if pos + 4 > n:
                yield "full", s[pos:], f"{label} image {image}: truncated marker"
                return
            length = _u16be(s, pos + 2)
            seg = s[pos:pos + 2 + length]
            yield "full", seg, f"{label} image {image} marker FF{m:02X} at {pos}"
            pos += 2 + length
            if m == 0xDA:                                       # entropy-coded data follows
                start = pos
                while pos + 1 < n:
                    if s[pos] == 0xFF and s[pos + 1] >= 0xC0 and not 0xD0 <= s[pos + 1] <= 0xD7:
                        break
                    pos += 1
                else:
                    pos = n
                yield "samples", s[start:pos], f"{label} image {image} scan data at {start}"


def j2k_parts(s, label):
    """A JPEG 2000 codestream (ISO 15444-1): main header, tile-part headers, tile data."""
    n = len(s)
    if s[:2] != b"\xff\x4f":
        yield "samples", s, f"{label}: not a JPEG 2000 codestream"
        return
    pos = 2
    while pos + 4 <= n:
        m = _u16be(s, pos)
        if m == 0xFFD9:                                          # EOC
            pos += 2
            rest = s[pos:]
            if rest.strip(b"\x00"):
                yield "full", rest, f"{label}: bytes after EOC"
            return
        if m == 0xFF90:                                          # SOT: a tile-part
            lsot = _u16be(s, pos + 2)
            psot = struct.unpack_from(">I", s, pos + 6)[0] if pos + 10 <= n else 0
            tp_end = pos + psot if psot else n
            yield "full", s[pos:pos + 2 + lsot], f"{label} SOT at {pos}"
            p = pos + 2 + lsot
            while p + 2 <= tp_end and _u16be(s, p) != 0xFF93:  # tile-part header until SOD
                if p + 4 > n:
                    break
                length = _u16be(s, p + 2)
                yield "full", s[p:p + 2 + length], f"{label} tile-part header marker {_u16be(s, p):04X} at {p}"
                p += 2 + length
            p += 2                                               # SOD
            yield "samples", s[p:tp_end], f"{label} tile data at {p}"
            pos = tp_end
            continue
        if m >> 8 != 0xFF:
            yield "full", s[pos:], f"{label}: bytes where a marker should be at {pos}"
            return
        length = _u16be(s, pos + 2)
        yield "full", s[pos:pos + 2 + length], f"{label} main header marker {m:04X} at {pos}"
        pos += 2 + length
    if pos < n:
        yield "full", s[pos:], f"{label}: bytes after the codestream"


def jp2_parts(s, label):
    """A JP2 file (ISO 15444-1 Annex I): every box but the codestream is read as it is."""
    pos, n = 0, len(s)
    while pos + 8 <= n:
        length, btype = struct.unpack_from(">I4s", s, pos)
        hdr = 8
        if length == 1 and pos + 16 <= n:
            length = struct.unpack_from(">Q", s, pos + 8)[0]
            hdr = 16
        elif length == 0:
            length = n - pos
        if length < hdr:
            break
        body = s[pos + hdr:pos + length]
        name = btype.decode("latin-1")
        if btype == b"jp2c":
            yield from j2k_parts(body, f"{label} box jp2c")
        else:
            yield "full", s[pos:pos + length], f"{label} box {name!r} at {pos}"
        pos += length
    if pos < n:
        yield "full", s[pos:], f"{label}: bytes after the last box"


def packbits(seg):
    out = bytearray()
    i, n = 0, len(seg)
    while i < n:
        h = seg[i]
        i += 1
        if h < 128:
            out += seg[i:i + h + 1]
            i += h + 1
        elif h > 128:
            if i < n:
                out += bytes([seg[i]]) * (257 - h)
            i += 1
    return bytes(out)


def rle_parts(s, label):
    """DICOM RLE (PS3.5 Annex G): a 64-byte header of segment offsets, then the segments."""
    if len(s) < 64:
        yield "full", s, f"{label}: RLE fragment shorter than its header"
        return
    count = struct.unpack_from("<I", s, 0)[0]
    offsets = list(struct.unpack_from("<15I", s, 4))
    yield "full", s[:64], f"{label} RLE header"
    used = sorted(o for o in offsets[:min(count, 15)] if 64 <= o <= len(s))
    if not used or used[0] > 64:
        yield "full", s[64:used[0] if used else len(s)], f"{label}: bytes between the RLE header and the first segment"
    for k, o in enumerate(used):
        end = used[k + 1] if k + 1 < len(used) else len(s)
        yield "samples", s[o:end], f"{label} RLE segment {k + 1}"
        yield "samples", packbits(s[o:end]), f"{label} RLE segment {k + 1} decoded"


def encapsulated_parts(fragments, ts, label="(7FE0,0010)"):
    """fragments: the item values, the Basic Offset Table first."""
    if not fragments:
        return
    bot = fragments[0]
    if bot:
        yield "full", bot, f"{label} Basic Offset Table"
    frames = fragments[1:]
    if ts == "1.2.840.10008.1.2.5":
        for i, f in enumerate(frames):
            yield from rle_parts(f, f"{label} fragment {i + 1}")
        return
    stream = b"".join(frames)
    if stream[:2] == b"\xff\xd8":
        yield from jpeg_parts(stream, f"{label} JPEG")
    elif stream[:2] == b"\xff\x4f":
        # one codestream per frame; a frame may span fragments: split at each SOC+SIZ
        starts, i = [], stream.find(b"\xff\x4f\xff\x51")
        while i >= 0:
            starts.append(i)
            i = stream.find(b"\xff\x4f\xff\x51", i + 4)
        for k, st in enumerate(starts):
            end = starts[k + 1] if k + 1 < len(starts) else len(stream)
            yield from j2k_parts(stream[st:end], f"{label} JPEG 2000 frame {k + 1}")
    elif stream[4:8] == b"jP  " or stream[4:8] == b"ftyp" or stream[4:8] == b"jp2c":
        yield from jp2_parts(stream, f"{label} JP2")
    else:
        yield "samples", stream, f"{label} fragments (unknown coding)"


def native_parts(value, rows, cols, spp, bits_allocated, bits_stored, high_bit, frames,
                 label="(7FE0,0010)"):
    expected = rows * cols * spp * frames * bits_allocated // 8
    if bits_allocated == 1:
        expected = (rows * cols * spp * frames + 7) // 8
    samples = value[:expected]
    yield "samples", samples, f"{label} samples"
    tail = value[expected:]
    if tail.strip(b"\x00"):
        yield "full", tail, f"{label}: {len(tail)} bytes beyond Rows x Columns x Samples x Bits x Frames"
    if bits_allocated in (16, 32) and bits_stored < bits_allocated:
        yield "samples", unused_bits(samples, bits_allocated, bits_stored, high_bit), \
            f"{label}: bits outside Bits Stored"


def unused_bits(samples, bits_allocated, bits_stored, high_bit):
    """The bits of each little endian sample above High Bit and below its lowest stored bit,
    most significant first, packed into bytes."""
    low = high_bit + 1 - bits_stored
    size = bits_allocated // 8
    values = np.frombuffer(samples[:len(samples) // size * size], dtype=f"<u{size}")
    shifts = list(range(bits_allocated - 1, high_bit, -1)) + list(range(low - 1, -1, -1))
    if not shifts or not len(values):
        return b""
    bits = (values[:, None] >> np.array(shifts, dtype=values.dtype)[None, :]) & 1
    return np.packbits(bits.astype(np.uint8).ravel()).tobytes()

"""A tolerant walk over the bytes of a DICOM file: every element with its byte range.

Written for the scanner, apart from pydicom's reader, so that a file pydicom rejects (or reads
differently) is still walked as far as its bytes allow. It knows Part 10 (with or without
preamble), explicit and implicit VR little endian, explicit VR big endian, the deflated
transfer syntax (walked on the inflated bytes), sequences of defined and undefined length,
UN values that hold items, encapsulated Pixel Data, and Specific Character Set at every level.
Where the bytes stop making sense it records the rest as an unparsed region and stops that
level; it never raises.
"""
import dataclasses
import struct
import zlib

from pydicom.datadict import dictionary_VR

LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR",
            b"UT", b"UV"}
ALL_VRS = LONG_VRS | {b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FD", b"FL", b"IS",
                      b"LO", b"LT", b"PN", b"SH", b"SL", b"SS", b"ST", b"TM", b"UI", b"UL",
                      b"US"}
TEXT_VRS = {"SH", "LO", "ST", "LT", "UT", "UC", "PN"}
EXPLICIT_LE = "1.2.840.10008.1.2.1"
IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_BE = "1.2.840.10008.1.2.2"
DEFLATED = ("1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.8.1")
UNDEFINED = 0xFFFFFFFF
ITEM, ITEM_END, SEQ_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
PIXEL_DATA = 0x7FE00010


@dataclasses.dataclass
class Element:
    buf: int            # which buffer: 0 the file, 1 the inflated data set
    path: str           # "(0040,A730)[0].(0040,A160)"
    tag: int
    vr: str
    start: int          # value offset in the buffer
    end: int
    charset: tuple      # Specific Character Set terms in effect
    little: bool
    fragments: list = None   # encapsulated Pixel Data: [(start, end)] of each item (BOT first)


@dataclasses.dataclass
class Walk:
    buffers: list               # [file bytes] or [file bytes, inflated data set]
    elements: list
    unparsed: list              # [(buf, start, end, why)]
    transfer_syntax: str = ""
    preamble: tuple = None      # (start, end) of the 128-byte preamble if any

    def text(self, e):
        return self.buffers[e.buf][e.start:e.end]


def tag_str(tag):
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


def _dict_vr(tag):
    try:
        vr = dictionary_VR(tag)
    except KeyError:
        return "UN"
    return vr.split(" or ")[0] if vr else "UN"


def _is_private(tag):
    return (tag >> 16) % 2 == 1


class _Walker:
    def __init__(self, walk):
        self.w = walk

    def dataset(self, buf, pos, end, explicit, little, charset, prefix, stop_at_item_end=False):
        """Walks elements from pos to end; returns the position after the last one (after an
        item delimiter when stop_at_item_end)."""
        data = self.w.buffers[buf]
        charset = tuple(charset)
        while pos + 8 <= end:
            e = "<" if little else ">"
            group, elem = struct.unpack_from(e + "HH", data, pos)
            tag = group << 16 | elem
            if tag == ITEM_END and stop_at_item_end:
                return pos + 8
            if tag in (ITEM, ITEM_END, SEQ_END):
                self.w.unparsed.append((buf, pos, end, f"delimiter {tag_str(tag)} in a data set"))
                return end
            hdr = pos + 4
            vr_bytes = data[hdr:hdr + 2]
            el_explicit = explicit and vr_bytes in ALL_VRS
            if explicit and not el_explicit and vr_bytes[:1].isalpha() and vr_bytes[1:].isalpha():
                el_explicit = True          # an unknown VR: read it as a long one
            if el_explicit:
                vr = vr_bytes.decode("ascii")
                if vr_bytes in LONG_VRS or vr_bytes not in ALL_VRS:
                    if hdr + 8 > end:
                        break
                    length = struct.unpack_from(e + "I", data, hdr + 4)[0]
                    vstart = hdr + 8
                else:
                    length = struct.unpack_from(e + "H", data, hdr + 2)[0]
                    vstart = hdr + 4
            else:
                length = struct.unpack_from(e + "I", data, hdr)[0]
                vstart = hdr + 4
                vr = "UN" if _is_private(tag) else _dict_vr(tag)
            path = f"{prefix}{tag_str(tag)}"
            if tag == PIXEL_DATA and length == UNDEFINED:
                pos = self.encapsulated(buf, vstart, end, little, path, charset, vr)
                continue
            if length == UNDEFINED:
                # a sequence (SQ, or UN/private of undefined length: implicit VR LE items)
                inner_explicit = explicit and vr != "UN"
                inner_little = little if vr != "UN" else True
                self.w.elements.append(Element(buf, path, tag, "SQ", vstart, vstart, charset, little))
                pos = self.items(buf, vstart, end, inner_explicit, inner_little, charset, path,
                                 undefined=True)
                continue
            vend = vstart + length
            if vend > end:
                self.w.unparsed.append((buf, pos, end, f"{path} length {length} beyond the end"))
                self.w.elements.append(Element(buf, path, tag, vr, vstart, end, charset, little))
                return end
            if vr == "SQ" or (vr in ("UN", "OB") and length >= 8 and
                              struct.unpack_from("<I", data, vstart)[0] == ITEM):
                self.w.elements.append(Element(buf, path, tag, vr, vstart, vend, charset, little))
                as_items_explicit = explicit if vr == "SQ" else False
                as_items_little = little if vr == "SQ" else True
                self.items(buf, vstart, vend, as_items_explicit, as_items_little, charset, path,
                           undefined=False)
            else:
                self.w.elements.append(Element(buf, path, tag, vr, vstart, vend, charset, little))
                if tag == 0x00080005:
                    raw = data[vstart:vend].decode("latin-1")
                    charset = tuple(t.strip(" \x00") for t in raw.split("\\"))
            pos = vend
        if pos < end:
            self.w.unparsed.append((buf, pos, end, "trailing bytes shorter than an element"))
        return end if not stop_at_item_end else pos

    def items(self, buf, pos, end, explicit, little, charset, path, undefined):
        data = self.w.buffers[buf]
        e = "<" if little else ">"
        n = 0
        while pos + 8 <= end:
            group, elem, length = struct.unpack_from(e + "HHI", data, pos)
            tag = group << 16 | elem
            if tag == SEQ_END:
                return pos + 8
            if tag != ITEM:
                if undefined:
                    self.w.unparsed.append((buf, pos, end, f"{path}: {tag_str(tag)} where an item should be"))
                    return end
                self.w.unparsed.append((buf, pos, end, f"{path}: bytes after the last item"))
                return end
            istart = pos + 8
            prefix = f"{path}[{n}]."
            if length == UNDEFINED:
                pos = self.dataset(buf, istart, end, explicit, little, charset, prefix,
                                   stop_at_item_end=True)
            else:
                iend = min(istart + length, end)
                self.dataset(buf, istart, iend, explicit, little, charset, prefix)
                pos = iend
            n += 1
        return end

    def encapsulated(self, buf, pos, end, little, path, charset, vr):
        data = self.w.buffers[buf]
        frags = []
        start = pos
        while pos + 8 <= end:
            group, elem, length = struct.unpack_from("<HHI", data, pos)
            tag = group << 16 | elem
            if tag == SEQ_END:
                pos += 8
                break
            if tag != ITEM or length == UNDEFINED:
                self.w.unparsed.append((buf, pos, end, f"{path}: not a fragment item"))
                pos = end
                break
            frags.append((pos + 8, min(pos + 8 + length, end)))
            pos = pos + 8 + length
        self.w.elements.append(Element(buf, path, PIXEL_DATA, vr, start, min(pos, end), charset,
                                       little, fragments=frags))
        return pos


def walk(data):
    w = Walk([data], [], [])
    pos = 0
    if len(data) >= 132 and data[128:132] == b"DICM":
        w.preamble = (0, 128)
        pos = 132
    elif data[:4] == b"DICM":
        pos = 4
    walker = _Walker(w)
    # File Meta: explicit VR little endian, group 0002 only
    meta_end = pos
    p = pos
    while p + 8 <= len(data) and struct.unpack_from("<H", data, p)[0] == 0x0002:
        meta_end = walker.dataset(0, p, _next_element_end(data, p), True, True, (), "")
        p = meta_end
    meta_end = p
    for el in w.elements:
        if el.tag == 0x00020010:
            w.transfer_syntax = data[el.start:el.end].decode("latin-1").strip(" \x00")
    ts = w.transfer_syntax
    if ts in DEFLATED:
        try:
            inflated = zlib.decompressobj(-zlib.MAX_WBITS).decompress(data[meta_end:])
        except zlib.error:
            try:
                inflated = zlib.decompress(data[meta_end:])
            except zlib.error:
                w.unparsed.append((0, meta_end, len(data), "deflated data set that does not inflate"))
                return w
        w.buffers.append(inflated)
        walker.dataset(1, 0, len(inflated), True, True, (), "")
        return w
    explicit = ts != IMPLICIT_LE
    little = ts != EXPLICIT_BE
    if not ts:
        explicit = len(data) > meta_end + 6 and data[meta_end + 4:meta_end + 6] in ALL_VRS
    walker.dataset(0, meta_end, len(data), explicit, little, (), "")
    return w


def _next_element_end(data, p):
    """End of the one explicit VR LE element at p (File Meta is walked element by element, so
    that the data set after it may use another syntax)."""
    vr = data[p + 4:p + 6]
    if vr in LONG_VRS:
        return min(len(data), p + 12 + struct.unpack_from("<I", data, p + 8)[0])
    return min(len(data), p + 8 + struct.unpack_from("<H", data, p + 6)[0])

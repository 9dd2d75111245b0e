"""Part 10 files as bytes: the File Meta elements and the data set's bytes, without pydicom."""
import struct

LONG_VRS = {b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"UC", b"UR", b"OD", b"OL", b"OV",
            b"SV", b"UV"}


def split_part10(raw: bytes):
    """(File Meta elements {tag: value bytes}, data set bytes) of a Part 10 file: preamble,
    DICM, then group 0002 in Explicit VR Little Endian. Raises ValueError otherwise."""
    if len(raw) < 132 or raw[128:132] != b"DICM":
        raise ValueError("no DICM prefix")
    pos, meta = 132, {}
    while pos + 8 <= len(raw):
        group, elem = struct.unpack_from("<HH", raw, pos)
        if group != 0x0002:
            break
        if raw[pos + 4:pos + 6] in LONG_VRS:
            length, start = struct.unpack_from("<I", raw, pos + 8)[0], pos + 12
        else:
            length, start = struct.unpack_from("<H", raw, pos + 6)[0], pos + 8
        if length == 0xFFFFFFFF or start + length > len(raw):
            raise ValueError("bad File Meta element length")
        meta[(group << 16) | elem] = raw[start:start + length]
        pos = start + length
    return meta, raw[pos:]


def meta_uid(meta, tag):
    v = meta.get(tag)
    return v.rstrip(b"\x00 ").decode("ascii", "replace") if v is not None else None


def dataset_bytes(path):
    """(Transfer Syntax UID from the File Meta, data set bytes) of a Part 10 file."""
    with open(path, "rb") as f:
        meta, ds = split_part10(f.read())
    return meta_uid(meta, 0x00020010), ds


def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))

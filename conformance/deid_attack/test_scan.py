#!/usr/bin/env python3
"""The scanner's own test: crafted outputs with each form of leak must be reported, and clean
outputs (with near misses: a name part inside a longer word, the MRN's digits inside a long
UID or in image samples, moved dates) must not.

Run: .venv/bin/python conformance/deid_attack/test_scan.py   (conformance/deid-attack runs it)
"""
import base64
import dataclasses
import gzip
import os
import struct
import sys
import tempfile
import unittest
import warnings
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
warnings.simplefilter("ignore")

import numpy as np  # noqa: E402
import pydicom.uid as U  # noqa: E402
from pydicom import config  # noqa: E402
from pydicom.dataelem import DataElement  # noqa: E402
from pydicom.dataset import Dataset  # noqa: E402

config.settings.writing_validation_mode = config.IGNORE

import build  # noqa: E402
import scan  # noqa: E402
from identities import identity  # noqa: E402
from search import Searcher  # noqa: E402

ID0 = identity(0)            # GROSSKOPF^HANNELORE^MARIA, MRN4410527, 19581104, +1 (650) 555-0142 ...


def deidentified(idn=ID0, charset=None):
    """What a good de-identifier might write for idn: new codes, moved dates, 2.25 UIDs whose
    digits happen to hold the MRN's digits in the middle, and words that contain short
    name parts."""
    ds = Dataset()
    if charset:
        ds.SpecificCharacterSet = charset
    ds.SOPClassUID = U.CTImageStorage
    mrn_digits = "".join(c for c in idn.mrn if c.isdigit())
    ds.SOPInstanceUID = "2.25.1234" + mrn_digits + "98765432101234567890123"
    ds.StudyInstanceUID = "2.25.31415926535897932384626433832795028841"
    ds.SeriesInstanceUID = "2.25.27182818284590452353602874713526624977"
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20240226"      # moved 18 days
    ds.StudyTime = "093015"
    ds.Modality = "CT"
    ds.Manufacturer = "ACME Medical Systems"
    ds.StudyDescription = "CT CHEST WITH CONTRAST"
    ds.SeriesDescription = "AXIAL 5MM"
    ds.ImageComments = "Tomography of an anterior mass; Memorial Day protocol; 65055 mGy"
    ds.PatientName = "P394410527801C"      # the MRN's digits inside a longer run: not a hit
    ds.PatientID = "P394410527801C"
    ds.AccessionNumber = "S0F1E2D3C4B5A"
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = "Basic Application Confidentiality Profile"
    ds.PatientSex = idn.sex
    ds.PatientAge = "065Y"
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows = ds.Columns = 16
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    px = bytearray(np.arange(256, dtype="<u2").tobytes())
    px[100:107] = mrn_digits.encode()       # 7 bytes in the samples: below the 8-byte floor
    ds.PixelData = bytes(px)
    return ds


def write(data, name="out.dcm", folder=None):
    d = tempfile.mkdtemp(prefix="scantest-")
    if folder:
        d = os.path.join(d, folder)
        os.makedirs(d)
    p = os.path.join(d, name)
    with open(p, "wb") as f:
        f.write(data)
    return p


def hits_in(data, idn=ID0, name="out.dcm", folder=None):
    path = write(data, name, folder)
    rel = os.path.join(folder, name) if folder else name
    hits, _ = scan.scan_file(path, Searcher(idn.needles()), rel)
    return hits


def b(ds, ts=U.ExplicitVRLittleEndian, **kw):
    return build.to_bytes(ds, ts, **kw)


class CleanOutputs(unittest.TestCase):
    def test_clean_output_has_no_hits(self):
        hits = hits_in(b(deidentified()))
        self.assertEqual(hits, [], hits)

    def test_clean_output_deflated_big_endian_implicit(self):
        for ts in (U.DeflatedExplicitVRLittleEndian, U.ImplicitVRLittleEndian, U.ExplicitVRBigEndian):
            with self.subTest(ts=ts):
                self.assertEqual(hits_in(b(deidentified(), ts)), [])

    def test_date_digits_inside_numbers(self):
        ds = deidentified()
        ds.ImageComments = "dose 2.25.1119581104556 and 511.04.19585 and 32024031577"
        ds.StudyInstanceUID = "2.25.11042403151958110440150315240411581104"
        self.assertEqual(hits_in(b(ds)), [])

    def test_short_name_parts_only_as_words(self):
        xu = dataclasses.replace(ID0, patient_name="Xu^An", family="Xu", given="An")
        ds = deidentified(xu)
        ds.ImageComments = "Anterior axial scan; xuanwu lesion; TAXUAN"
        self.assertEqual(hits_in(b(ds), xu), [])

    def test_clean_encapsulated_jpeg(self):
        ds = deidentified()
        del ds.PixelData
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
        s = build.cjpeg((np.arange(256).reshape(16, 16)).astype(np.uint8))
        data = build.with_encapsulated(ds, U.JPEGBaseline8Bit, build.encapsulate([[s]]))
        self.assertEqual(hits_in(data), [])


class Leaks(unittest.TestCase):
    def assertLeak(self, data, attr, idn=ID0, **kw):
        hits = hits_in(data, idn, **kw)
        self.assertTrue(any(h.needle.attr == attr for h in hits),
                        f"no hit of {attr}; hits: {hits[:5]}")
        return hits

    # --- bytes in encodings ---

    def test_ascii_any_case(self):
        for v in ("GROSSKOPF", "grosskopf", "Grosskopf"):
            ds = deidentified()
            ds.add(DataElement(0x00091010, "LO", v))
            self.assertLeak(b(ds), "PatientName")

    def test_latin1_in_ob(self):
        m = dataclasses.replace(ID0, patient_name="Müller^Jürgen", family="Müller", given="Jürgen")
        ds = deidentified(m)
        ds.add(DataElement(0x00091010, "OB", b"\x00\x01" + "Jürgen".encode("latin-1") + b"\x02"))
        self.assertLeak(b(ds), "PatientName", m)

    def test_utf8_in_un(self):
        m = dataclasses.replace(ID0, patient_name="Lüdenscheidt^Wilhelmina", family="Lüdenscheidt")
        ds = deidentified(m)
        ds.add(DataElement(0x00091010, "UN", "Lüdenscheidt".encode("utf-8")))
        self.assertLeak(b(ds), "PatientName", m)

    def test_utf16_both_orders(self):
        for enc in ("utf-16-le", "utf-16-be"):
            ds = deidentified()
            ds.add(DataElement(0x00091010, "OB", b"\x00" + "Hannelore".encode(enc)))
            self.assertLeak(b(ds), "PatientName")

    def test_cjk_encodings(self):
        cases = [("Yamada^Tarou=山田^太郎=やまだ^たろう", "iso2022_jp", "やまだたろう"),
                 ("Yamada^Tarou=山田^太郎", "shift_jis", "山田太郎"),
                 ("Hong^Gildong=洪^吉洞=홍^길동", "euc_kr", "홍길동"),
                 ("Wang^Xiaodong=王^小东", "gb18030", "王小东")]
        for name, enc, text in cases:
            with self.subTest(enc=enc):
                idn = dataclasses.replace(ID0, patient_name=name, family=name.split("^")[0])
                ds = deidentified(idn)
                ds.add(DataElement(0x00091010, "OB", b"\x01\x02" + text.encode(enc) + b"\x03"))
                self.assertLeak(b(ds), "PatientName", idn)

    def test_declared_iso2022_in_text(self):
        idn = dataclasses.replace(ID0, patient_name="Yamada^Tarou=山田^太郎=やまだ^たろう", family="Yamada")
        ds = deidentified(idn, charset=["", "ISO 2022 IR 87"])
        ds.ImageComments = "山田太郎"
        self.assertLeak(b(ds), "PatientName", idn)

    def test_sixteen_bit_words_swapped(self):
        ds = deidentified()
        t = b"GROSSKOPF "
        ds.add(DataElement(0x00281201, "OW", b"".join(t[i + 1:i + 2] + t[i:i + 1] for i in range(0, 10, 2))))
        self.assertLeak(b(ds), "PatientName")

    # --- normalised text ---

    def test_unicode_forms(self):
        m = dataclasses.replace(ID0, patient_name="Müller^Jürgen", family="Müller", given="Jürgen")
        g = dataclasses.replace(ID0, patient_name="Großkopf^Hannelore", family="Großkopf")
        cases = [(ID0, "ＧＲＯＳＳＫＯＰＦ"), (ID0, "GROSS\u00adKOPF"), (ID0, "GROS\u200bSKOPF"),
                 (ID0, "GRОSSKОPF"), (ID0, "G R O S S K O P F"), (ID0, "Hanne\u2060lore"),
                 (g, "GROSSKOPF"), (ID0, "Großkopf"), (m, "MUELLER"), (m, "Muller"),
                 (m, "Mu\u0308ller"), (g, "Gro&szlig;kopf"), (ID0, "GROSSKOPF%5EHANNELORE")]
        for idn, text in cases:
            with self.subTest(text=text):
                ds = deidentified(idn, charset="ISO_IR 192")
                ds.ImageComments = text
                self.assertLeak(b(ds), "PatientName", idn)

    def test_mojibake(self):
        g = dataclasses.replace(ID0, patient_name="Großkopf^Hannelore", family="Großkopf")
        ds = deidentified(g, charset="ISO_IR 192")
        ds.add(DataElement(0x00204000, "LT", "Großkopf".encode("utf-8").decode("latin-1").encode("utf-8")))
        self.assertLeak(b(ds), "PatientName", g)

    def test_katakana_for_hiragana_reading(self):
        idn = dataclasses.replace(ID0, patient_name="Kobayashi^Ichirou=小林^一郎=こばやし^いちろう", family="Kobayashi")
        ds = deidentified(idn, charset="ISO_IR 192")
        ds.ImageComments = "ｺﾊﾞﾔｼ"
        self.assertLeak(b(ds), "PatientName", idn)

    def test_half_width_katakana_read_as_latin1(self):
        idn = dataclasses.replace(ID0, patient_name="Kobayashi^Ichirou=小林^一郎=こばやし^いちろう", family="Kobayashi")
        ds = deidentified(idn, charset="ISO_IR 192")
        ds.SeriesDescription = "ｺﾊﾞﾔｼ".encode("shift_jis").decode("latin-1")   # 'ºÊÞÔ¼'
        self.assertLeak(b(ds), "PatientName", idn)

    def test_mrn_as_a_binary_number(self):
        ds = deidentified()
        ds.add(DataElement(0x00081161, "UL", [1, int("".join(c for c in ID0.mrn if c.isdigit()))]))
        self.assertLeak(b(ds), "PatientID")

    def test_mrn_as_a_float_array(self):
        n = float(int("".join(c for c in ID0.mrn if c.isdigit())))
        ds = deidentified()
        ds.add(DataElement(0x00640009, "OF", struct.pack("<ff", 1.0, n)))
        self.assertLeak(b(ds), "PatientID")
        ds = deidentified()
        ds.add(DataElement(0x00720073, "OD", struct.pack("<d", n)))
        self.assertLeak(b(ds), "PatientID")

    def test_short_parts_as_words(self):
        xu = dataclasses.replace(ID0, patient_name="Xu^An", family="Xu", given="An")
        ds = deidentified(xu)
        ds.ImageComments = "pt XU AN"
        self.assertLeak(b(ds), "PatientName", xu)

    # --- digits and dates ---

    def test_digit_forms(self):
        cases = [("PatientID", "4410527"), ("PatientID", "MRN 4410527"), ("PatientID", "441-0527"),
                 ("PatientID", "mrn4410527"), ("PatientTelephoneNumbers", "650.555.0142"),
                 ("PatientTelephoneNumbers", "16505550142"), ("PatientTelephoneNumbers", "(650) 555 0142"),
                 ("AccessionNumber", "7730019"), ("PatientID", "1.2.826.0.1.4410527.1")]
        for attr, text in cases:
            with self.subTest(text=text):
                ds = deidentified()
                ds.ImageComments = f"see {text}"
                self.assertLeak(b(ds), attr)

    def test_date_forms(self):
        for text in ("1958-11-04", "11/04/1958", "04.11.1958", "04-NOV-1958", "November 4, 1958",
                     "4 Nov 1958", "19581104", "19581104083000", "04111958"):
            with self.subTest(text=text):
                ds = deidentified()
                ds.ImageComments = f"x {text} y"
                self.assertLeak(b(ds), "PatientBirthDate")

    def test_birth_date_in_dt(self):
        ds = deidentified()
        ds.add(DataElement(0x00080416, "DT", "19581104073000"))
        self.assertLeak(b(ds), "PatientBirthDate")

    def test_original_uid(self):
        ds = deidentified()
        u = "2.25.99887766554433221100998877665544332211"
        ds.ReferencedImageSequence = build.seq(build.item(ReferencedSOPClassUID=U.CTImageStorage,
                                                          ReferencedSOPInstanceUID=u))
        hits = hits_in(b(ds), ID0)
        self.assertEqual(hits, [])
        searcher = Searcher(ID0.needles() | scan.forms.forms_of("StudyInstanceUID", "uid", u))
        hits, _ = scan.scan_file(write(b(ds)), searcher)
        self.assertTrue(any(h.needle.attr == "StudyInstanceUID" for h in hits), hits)

    # --- containers ---

    def test_native_samples_long_needle(self):
        ds = deidentified()
        px = bytearray(ds.PixelData)
        px[200:210] = b"MRN4410527"
        ds.PixelData = bytes(px)
        self.assertLeak(b(ds), "PatientID")

    def test_native_tail(self):
        ds = deidentified()
        ds.PixelData = ds.PixelData + b"DOB 04.11.1958 "
        self.assertLeak(b(ds), "PatientBirthDate")

    def test_bits_above_stored(self):
        ds = deidentified()
        arr = np.frombuffer(ds.PixelData, "<u2").copy()
        bits = np.unpackbits(np.frombuffer(b"HANNELORE", np.uint8))
        n = len(bits) // 4
        nib = bits[:n * 4].reshape(n, 4) @ np.array([8, 4, 2, 1])
        arr[:n] = (arr[:n] & 0x0FFF) | (nib.astype(np.uint16) << 12)
        ds.PixelData = arr.astype("<u2").tobytes()
        self.assertLeak(b(ds), "PatientName")

    def jpeg_ds(self):
        ds = deidentified()
        del ds.PixelData
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
        return ds, build.cjpeg((np.arange(256).reshape(16, 16)).astype(np.uint8))

    def test_jpeg_com_short_word(self):
        ds, s = self.jpeg_ds()
        s = s[:2] + build.segment(0xFE, b"Maria") + s[2:]
        self.assertLeak(build.with_encapsulated(ds, U.JPEGBaseline8Bit, build.encapsulate([[s]])), "PatientName")

    def test_jpeg_after_eoi_and_bot(self):
        ds, s = self.jpeg_ds()
        data = build.with_encapsulated(ds, U.JPEGBaseline8Bit, build.encapsulate([[s + b"ACC7730019"]]))
        self.assertLeak(data, "AccessionNumber")
        data = build.with_encapsulated(ds, U.JPEGBaseline8Bit,
                                       build.encapsulate([[s]], bot=struct.pack("<I", 0) + b"Evergreen "))
        self.assertLeak(data, "PatientAddress street")

    def test_rle_segment(self):
        ds = deidentified()
        del ds.PixelData
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
        text = b"GROSSKOPF^HANNELORE"
        seg = bytes([len(text) - 1]) + text
        hdr = struct.pack("<II", 1, 64) + bytes(56)
        data = build.with_encapsulated(ds, U.RLELossless, build.encapsulate([[hdr + seg]]))
        self.assertLeak(data, "PatientName")

    def test_deflated_output(self):
        ds = deidentified()
        ds.ImageComments = "Hannelore"
        self.assertLeak(b(ds, U.DeflatedExplicitVRLittleEndian), "PatientName")

    def test_embedded_containers(self):
        zipped = zlib.compress(b"name=GROSSKOPF")
        for raw, vr in ((gzip.compress(b"<n>GROSSKOPF</n>", mtime=0), "OB"), (zipped, "OB"),
                        (b"blob:" + base64.b64encode(b"GROSSKOPF^HANNELORE"), "UT")):
            with self.subTest(raw=raw[:8]):
                ds = deidentified()
                ds.add(DataElement(0x00091010, vr, raw))
                self.assertLeak(b(ds), "PatientName")

    def test_preamble_and_trailing_bytes(self):
        ds = deidentified()
        self.assertLeak(b(ds, preamble=b"II*\x00Grosskopf".ljust(128, b"\x00")), "PatientName")
        self.assertLeak(b(deidentified()) + b"Evergreen Terrace", "PatientAddress street")

    def test_file_and_folder_names(self):
        self.assertLeak(b(deidentified()), "PatientName", name="GROSSKOPF.dcm")
        self.assertLeak(b(deidentified()), "PatientID", folder="MRN4410527")

    def test_item_character_set(self):
        idn = dataclasses.replace(ID0, patient_name="Hong^Gildong=洪^吉洞=홍^길동", family="Hong")
        ds = deidentified(idn, charset="ISO_IR 100")
        it = Dataset()
        it.SpecificCharacterSet = ["", "ISO 2022 IR 149"]
        it.CodeValue, it.CodingSchemeDesignator = "1", "99X"
        it.add(DataElement(0x00080104, "LO", b"\x1b$)C" + "홍길동".encode("euc_kr")))
        ds.AnatomicRegionSequence = build.seq(it)
        self.assertLeak(b(ds), "PatientName", idn)


class Plumbing(unittest.TestCase):
    def test_parse_log(self):
        log = ("/c/a.dcm -> /o/2.25.1/2.25.2.dcm\n/c/b.dcm: HELD by burned-in rule ultrasound\n"
               "/c/c.dcm: FAILED: PHI gate: the original PatientName occurs in the output\n"
               "3 written, 1 held, 1 failed\n")
        r = scan.parse_log(log)
        self.assertEqual(r[os.path.realpath("/c/a.dcm")], [("written", "/o/2.25.1/2.25.2.dcm")])
        self.assertEqual(r[os.path.realpath("/c/b.dcm")][0][0], "held")
        self.assertEqual(r[os.path.realpath("/c/c.dcm")][0], ("failed", "PHI gate: the original PatientName occurs in the output"))
        self.assertEqual(len(r), 3)

    def test_unaccounted_output_against_every_identity(self):
        entries = [{"planted": [{"attr": a, "kind": k, "value": v} for a, k, v in identity(i).planted()]}
                   for i in range(60)]
        searcher = Searcher(scan.coarse_needles(entries), encodings=scan.COARSE_ENCODINGS, text=False)
        self.assertGreater(len(searcher.byte_patterns), 3000)      # the prefix lookup is used
        clean, _ = scan.scan_unaccounted(write(b(deidentified())), searcher)
        self.assertEqual(clean, [])
        ds = deidentified()
        ds.add(DataElement(0x00091010, "LO", identity(37).mrn))
        hits, _ = scan.scan_unaccounted(write(b(ds)), searcher)
        self.assertTrue(any(h.needle.value == identity(37).mrn for h in hits), hits)


if __name__ == "__main__":
    unittest.main(verbosity=1)

"""Third-reader channels (r3-): the rules §5 of docs/deidentification-matching.md added last
(folding, character references, dates as three tokens, the letter view, canonical TM/DT), and
values beside them: names whose parts are short once punctuation splits them, dates in
numeral systems and orders the token reader does not know, CJK names of 2-3 characters in
binary values, identifiers in bases and encodings, burned-in rules with values padded or cased
otherwise, encapsulated frames beyond the offset table, and private blocks nested in items.

Forms the scanner's forms.py does not list are declared with ctx.derive, so a leak is found.
"""
import base64
import struct

import numpy as np
import pydicom.uid as U
from pydicom.dataelem import DataElement

import channels_r2_misc
from build import (base, channel, code, el, encapsulate, item, jpeg_markers, raw_item, replace_value, segment,
                   seq, to_bytes, with_encapsulated)
from channels_misc import SAFE, SAFE_RUNS
from channels_pixel import insert_before, jpeg8, leak, xa8
from channels_r2_struct import NOT_RELEASED, burned_in_ct
from channels_r2_text import MONTHS, kept, small_day
from channels_text import digits


def named(ctx, name, text, charset="ISO_IR 192", **more):
    """PatientName `name`; `text` in SeriesDescription and a code meaning (both kept)."""
    comps = name.split("=")[0].split("^") + [""]
    ctx.set_identity(patient_name=name, family=comps[0], given=comps[1])
    return kept(ctx, text, charset=charset, **more)


# --- names whose parts punctuation makes short ------------------------------------------------------

@channel("r3-name-apostrophe-dropped", "text",
         "PatientName \"O'BRIEN^SEAMUS\"; SeriesDescription and a code meaning 'CT OBRIEN' (the apostrophe dropped: "
         "the name's words 'O' and 'BRIEN' are short, matched only as words)")
def r3_apostrophe(ctx):
    return named(ctx, "O'BRIEN^SEAMUS", "CT OBRIEN", charset=None)


@channel("r3-name-space-in-family-joined", "text",
         "PatientName 'VAN DAM^PIETER'; SeriesDescription and a code meaning 'PT VANDAM' (the family name's "
         "two short words written together)")
def r3_van_dam(ctx):
    return named(ctx, "VAN DAM^PIETER", "PT VANDAM", charset=None)


@channel("r3-name-hyphen-short-parts-joined", "text",
         "PatientName 'LEE-CHAN^YU'; SeriesDescription and a code meaning 'CT LEECHAN' (a double-barrelled name "
         "of two short parts written without its hyphen)")
def r3_lee_chan(ctx):
    return named(ctx, "LEE-CHAN^YU", "CT LEECHAN", charset=None)


@channel("r3-name-catalan-middle-dot", "unicode",
         "PatientName 'Col·lell^Núria' (Latin-1, the Catalan punt volat U+00B7); SeriesDescription and a code "
         "meaning 'COLLELL' (the middle dot dropped, as ASCII systems write it)")
def r3_catalan(ctx):
    return named(ctx, "Col·lell^Núria", "RM COLLELL", charset="ISO_IR 100")


@channel("r3-name-catalan-l-dot-ligature", "unicode",
         "PatientName 'Col·lell^Núria' (UTF-8, U+00B7); SeriesDescription and a code meaning 'COĿLELL' with "
         "U+013F (L with middle dot: NFKC makes it 'L·')")
def r3_catalan_lig(ctx):
    return named(ctx, "Col·lell^Núria", "RM COĿLELL")


# --- folding -------------------------------------------------------------------------------------------

@channel("r3-fold-stroke-as-overlay", "unicode",
         "PatientName 'Wałęsa^Łucja' (UTF-8); SeriesDescription and a code meaning 'Wal\\u0337esa' and "
         "'Bjo\\u0338rn'-style: the stroke written as a combining overlay (U+0337) after a plain l")
def r3_overlay(ctx):
    return named(ctx, "Wałęsa^Łucja", "PT Wal\u0337e\u0328sa")


@channel("r3-fold-cyrillic-yo-ye", "unicode",
         "PatientName 'Соловьёв^Андрей' (ISO_IR 144); SeriesDescription and a code meaning 'СОЛОВЬЕВ АНДРЕИ' "
         "(ё written е, й written и, as Russian typists do)")
def r3_cyr(ctx):
    return named(ctx, "Соловьёв^Андрей", "СОЛОВЬЕВ АНДРЕИ", charset="ISO_IR 144")


@channel("r3-fold-vietnamese-marks-swapped", "unicode",
         "PatientName 'Nguyễn^Thị Ánh' (UTF-8 NFC); SeriesDescription and a code meaning 'NGUYỄN' decomposed "
         "with the tilde and circumflex in the other order (e + U+0303 + U+0302)")
def r3_viet(ctx):
    return named(ctx, "Nguyễn^Thị Ánh", "BN Nguye\u0303\u0302n Thi")


@channel("r3-fold-capital-sharp-s", "unicode",
         "PatientName 'Großkopf^Hannelore' (UTF-8); SeriesDescription and a code meaning 'GROẞKOPF' (capital ẞ U+1E9E)")
def r3_cap_sharp(ctx):
    return named(ctx, "Großkopf^Hannelore", "FRAU GROẞKOPF")


@channel("r3-fold-long-s", "unicode",
         "PatientName 'Großkopf^Hannelore' (UTF-8); SeriesDescription and a code meaning 'Groſskopf' (long s U+017F)")
def r3_long_s(ctx):
    return named(ctx, "Großkopf^Hannelore", "Frau Groſskopf")


@channel("r3-fold-ae-ligature-split", "unicode",
         "PatientName 'Ærøskøbing^Søren' (Latin-1); SeriesDescription and a code meaning 'AEROESKOEBING' (æ as ae, ø as oe)")
def r3_ae(ctx):
    return named(ctx, "Ærøskøbing^Søren", "AEROESKOEBING", charset="ISO_IR 100")


@channel("r3-fold-aa-for-a-ring-next-to-oe", "unicode",
         "PatientName 'Bjørnstrøm^Åse' (Latin-1); SeriesDescription and a code meaning 'BJOERNSTROEM' (both ø written oe)")
def r3_oe(ctx):
    return named(ctx, "Bjørnstrøm^Åse", "BJOERNSTROEM", charset="ISO_IR 100")


@channel("r3-fold-greek-final-sigma-accents", "unicode",
         "PatientName 'Παπαδόπουλος^Ελευθερία' (UTF-8); SeriesDescription and a code meaning 'παπαδοπουλοσ' "
         "(lower case, no accents, medial sigma at the end)")
def r3_sigma(ctx):
    return named(ctx, "Παπαδόπουλος^Ελευθερία", "ασθενής παπαδοπουλοσ")


@channel("r3-fold-halfwidth-katakana-voiced", "unicode",
         "PatientName 'Yamada^Tarou=山田^太郎=やまだ^たろう' (UTF-8); SeriesDescription and a code meaning the reading in "
         "half-width katakana with a separate voiced mark 'ﾔﾏﾀﾞﾀﾛｳ'")
def r3_hw(ctx):
    return named(ctx, "Yamada^Tarou=山田^太郎=やまだ^たろう", "ﾔﾏﾀﾞﾀﾛｳ")


@channel("r3-fold-katakana-long-vowel", "unicode",
         "PatientName 'Satou^Yuuko=佐藤^優子=さとう^ゆうこ' (UTF-8); SeriesDescription and a code meaning 'サトー ユーコ' "
         "(the reading with the katakana long-vowel mark ー for う)",
         limit="§6: the katakana long-vowel mark is not read as the vowel it lengthens")
def r3_choon(ctx):
    ctx.derive("PatientName", "Satou^Yuuko=佐藤^優子=さとう^ゆうこ", "サトー")
    ctx.derive("PatientName", "Satou^Yuuko=佐藤^優子=さとう^ゆうこ", "ユーコ")
    return named(ctx, "Satou^Yuuko=佐藤^優子=さとう^ゆうこ", "サトー ユーコ")


# --- character references --------------------------------------------------------------------------

def ref_channel(cid, desc, name, text, charset="ISO_IR 192"):
    channel(cid, "unicode", "SeriesDescription and a code meaning: " + desc)(
        lambda ctx: named(ctx, name, text, charset=charset))


ref_channel("r3-ref-hex-upper-x-leading-zeros", "'GRO&#X00DF;KOPF' (uppercase X, leading zeros); PatientName 'Großkopf^Hannelore'",
            "Großkopf^Hannelore", "GRO&#X00DF;KOPF")
ref_channel("r3-ref-decimal-leading-zeros", "'Gro&#00223;kopf' (decimal with leading zeros); PatientName 'Großkopf^Hannelore'",
            "Großkopf^Hannelore", "Gro&#00223;kopf")
ref_channel("r3-ref-no-semicolon", "'Gro&#223kopf' (no semicolon: browsers decode it); PatientName 'Großkopf^Hannelore'",
            "Großkopf^Hannelore", "Gro&#223kopf")
ref_channel("r3-ref-named-no-semicolon", "'Gro&szligkopf' (named reference without semicolon, decoded by HTML); "
            "PatientName 'Großkopf^Hannelore'", "Großkopf^Hannelore", "Gro&szligkopf")
ref_channel("r3-ref-ascii-letter", "'GROSS&#75;OPF' (the K as a decimal reference); PatientName 'GROSSKOPF^HANNELORE'",
            "GROSSKOPF^HANNELORE", "GROSS&#75;OPF", charset=None)
ref_channel("r3-ref-ascii-hex-letters", "'&#x47;&#x52;&#x4F;&#x53;&#x53;&#x4B;&#x4F;&#x50;&#x46;' (every letter a hex "
            "reference); PatientName 'GROSSKOPF^HANNELORE'", "GROSSKOPF^HANNELORE",
            "&#x47;&#x52;&#x4F;&#x53;&#x53;&#x4B;&#x4F;&#x50;&#x46;", charset=None)
ref_channel("r3-ref-html5-czech-name", "'Dvo&rcaron;&aacute;kov&aacute;' (HTML5 names beyond Latin-1: &rcaron;); "
            "PatientName 'Dvořáková^Zdeňka' (UTF-8)", "Dvořáková^Zdeňka", "Dvo&rcaron;&aacute;kov&aacute;")
ref_channel("r3-ref-html5-polish-name", "'Wa&lstrok;&eogon;sa' (HTML5 &lstrok; &eogon;); PatientName 'Wałęsa^Łucja' (UTF-8)",
            "Wałęsa^Łucja", "Wa&lstrok;&eogon;sa")
ref_channel("r3-ref-hex-cjk", "'&#x5C71;&#x7530;&#x592A;&#x90CE;' (山田太郎 as references); PatientName "
            "'Yamada^Tarou=山田^太郎' (UTF-8)", "Yamada^Tarou=山田^太郎", "&#x5C71;&#x7530;&#x592A;&#x90CE;")


@channel("r3-ref-in-patient-name", "unicode",
         "PatientName 'GRO&szlig;KOPF^HANNELORE' (an HL7 gateway that escaped the name); SeriesDescription and a code "
         "meaning 'GROSSKOPF' (the name as written elsewhere)")
def r3_ref_in_pn(ctx):
    ctx.derive("PatientName", "GRO&szlig;KOPF^HANNELORE", "GROSSKOPF")
    return named(ctx, "GRO&szlig;KOPF^HANNELORE", "CT GROSSKOPF", charset=None)


# --- dates -------------------------------------------------------------------------------------------

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
SPANISH = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"]
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def dob(cid, desc, fmt, charset=None):
    def make(ctx):
        y, m, d = small_day(ctx)
        written = fmt(y, m, d)
        ctx.derive("PatientBirthDate", ctx.idn.birth_date, written)
        return kept(ctx, f"CT HEAD {written}", charset=charset)
    channel(cid, "text", "SeriesDescription and a code meaning: " + desc)(make)


dob("r3-dob-underscores", "'DOB_1958_11_04' (underscores: a description made from a file name)",
    lambda y, m, d: f"DOB_{y}_{m:02d}_{d:02d}")
dob("r3-dob-underscores-dmy", "'04_11_1958'", lambda y, m, d: f"{d:02d}_{m:02d}_{y}")
dob("r3-dob-pipes", "'4|11|1958' (pipe-separated)", lambda y, m, d: f"{d}|{m}|{y}")
dob("r3-dob-roman-month-slash", "'4/XI/1958' (Roman-numeral month, as written in Poland, Italy, Hungary)",
    lambda y, m, d: f"{d}/{ROMAN[m - 1]}/{y}")
dob("r3-dob-roman-month-dot", "'4.XI.1958' (Roman-numeral month with dots)", lambda y, m, d: f"ur. {d}.{ROMAN[m - 1]}.{y}")
dob("r3-dob-spanish-de", "'4 de noviembre de 1958' (Spanish, a language the token reader knows, written as Spanish is: "
    "with 'de')", lambda y, m, d: f"nacido el {d} de {SPANISH[m - 1]} de {y}")
dob("r3-dob-cjk-nen-gatsu", "'1958年11月4日' (the Chinese/Japanese numeric date, UTF-8)",
    lambda y, m, d: f"{y}年{m}月{d}日", charset="ISO_IR 192")
dob("r3-dob-korean", "'1958년 11월 4일' (the Korean numeric date, UTF-8)",
    lambda y, m, d: f"{y}년 {m}월 {d}일", charset="ISO_IR 192")
dob("r3-dob-arabic-indic-digits", "'٠٤/١١/١٩٥٨' (the date in Arabic-Indic digits, UTF-8)",
    lambda y, m, d: f"{d:02d}/{m:02d}/{y}".translate(ARABIC_INDIC), charset="ISO_IR 192")
dob("r3-dob-fullwidth-digits", "'１９５８／１１／０４' (full-width digits and slashes, UTF-8)",
    lambda y, m, d: "".join(chr(ord(c) + 0xFEE0) for c in f"{y}/{m:02d}/{d:02d}"), charset="ISO_IR 192")
dob("r3-dob-month-abbrev-dot-two-digit-year", "'4-Nov.-58' (month abbreviation with a dot, 2-digit year)",
    lambda y, m, d: f"DOB {d}-{MONTHS[m - 1][:3]}.-{y[2:]}")
dob("r3-dob-spaced-separators", "'04 . 11 . 1958' (a separator with spaces around it: 3 characters)",
    lambda y, m, d: f"{d:02d} . {m:02d} . {y}")
dob("r3-dob-weekday-comma", "'Tuesday, 4 November 1958' (weekday before it)",
    lambda y, m, d: f"DOB Tue, {d} {MONTHS[m - 1]} {y}")
dob("r3-dob-two-digit-year-first-slash", "'58/11/04' (YY/MM/DD, as in Japan)",
    lambda y, m, d: f"born {y[2:]}/{m:02d}/{d:02d}")


@channel("r3-dob-uid-component-in-text", "text",
         "SeriesDescription and a code meaning: 'REF 1.2.826.0.1.19581104.1' (a site UID built with the birth date as "
         "a component, quoted in text: a date after a '.' is skipped)")
def r3_dob_uid_text(ctx):
    return kept(ctx, f"REF 1.2.826.0.1.{ctx.idn.birth_date}.1")


# --- the letter view ----------------------------------------------------------------------------------

CUTS = "§6: a name cut at arbitrary places (pairs, triples, halves) is not read whole"


def letters(cid, desc, fmt, limit=""):
    def make(ctx):
        return kept(ctx, "SER " + fmt(ctx.idn.family))
    channel(cid, "text", "SeriesDescription and a code meaning: the family name " + desc, limit=limit)(make)


letters("r3-letters-two-spaces", "letter by letter with two spaces between ('G  R  O  S  S...')", lambda f: "  ".join(f))
letters("r3-letters-dot-space", "as initials 'G. R. O. S. S. K. O. P. F.' (dot and space)", lambda f: " ".join(c + "." for c in f))
letters("r3-letters-middle-dot", "with middle dots 'G·R·O·S·S·K·O·P·F' (Latin-1)", lambda f: "·".join(f))
letters("r3-letters-slash", "with slashes 'G/R/O/S/S/K/O/P/F'", lambda f: "/".join(f))
letters("r3-letters-comma", "with commas 'G,R,O,S,S,K,O,P,F'", lambda f: ",".join(f))
letters("r3-letters-alternating-case", "in alternating case 'GrOsSkOpF'",
        lambda f: "".join(c.lower() if k % 2 else c for k, c in enumerate(f)))
letters("r3-letters-pairs", "in pairs 'GR OS SK OP F'", lambda f: " ".join(f[k:k + 2] for k in range(0, len(f), 2)), limit=CUTS)
letters("r3-letters-triples", "in groups of three 'GRO SSK OPF'", lambda f: " ".join(f[k:k + 3] for k in range(0, len(f), 3)), limit=CUTS)
letters("r3-letters-reversed-halves", "cut in two around a slash 'GROSS/KOPF' (a word joiner between halves)",
        lambda f: f"{f[:4]}/{f[4:]}", limit=CUTS)
letters("r3-letters-plus", "cut at '+' 'GROSS+KOPF' (URL-encoded space)", lambda f: f"{f[:4]}+{f[4:]}", limit=CUTS)
letters("r3-letters-percent20", "cut at '%20' 'GRO%20SSKOPF' (URL-encoded space)", lambda f: f"{f[:3]}%20{f[3:]}", limit=CUTS)


@channel("r3-url-encoded-utf8-name", "unicode",
         "PatientName 'Großkopf^Hannelore' (UTF-8); SeriesDescription and a code meaning 'pt=Gro%C3%9Fkopf' (a query "
         "string without a scheme: the name URL-encoded as UTF-8)")
def r3_url(ctx):
    return named(ctx, "Großkopf^Hannelore", "pt=Gro%C3%9Fkopf")


@channel("r3-split-two-values-with-space", "text",
         "SeriesDescription (LO, multi-valued) 'AXIAL\\GROS \\ SKOPF': the family name cut over two values with a space "
         "at each cut; and a code meaning 'Chest'")
def r3_split_space(ctx):
    f = ctx.idn.family
    ds = base(ctx)
    ds.SeriesDescription = ["AXIAL", f[:4] + " ", " " + f[4:]]
    return to_bytes(ds)


@channel("r3-split-three-values-short", "text",
         "SeriesDescription (LO, multi-valued) 'AX\\GRO\\SSK\\OPF': the family name cut into three values of 3 letters")
def r3_split_three(ctx):
    f = ctx.idn.family
    ds = base(ctx)
    ds.SeriesDescription = ["AX"] + [f[k:k + 3] for k in range(0, len(f), 3)]
    return to_bytes(ds)


@channel("r3-split-mrn-over-values", "text",
         "SeriesDescription (LO, multi-valued) 'CT\\441\\0527': the MRN's digits cut over two values of 3 and 4 digits")
def r3_split_mrn(ctx):
    d = digits(ctx.idn.mrn)
    ds = base(ctx)
    ds.SeriesDescription = ["CT", d[:3], d[3:]]
    return to_bytes(ds)


# --- identifiers -------------------------------------------------------------------------------------

@channel("r3-mrn-letter-o-for-zero", "text",
         "SeriesDescription and a code meaning: the MRN with every 0 typed as the letter O ('MRN441O527')")
def r3_mrn_o(ctx):
    written = ctx.idn.mrn.replace("0", "O")
    if written == ctx.idn.mrn:
        written = ctx.idn.mrn.replace("1", "l")
    ctx.derive("PatientID", ctx.idn.mrn, written)
    return kept(ctx, f"CT {written}")


@channel("r3-mrn-base64-in-text", "encoding",
         "SeriesDescription and a code meaning: 'K=' followed by base64 of 'PatientName=FAMILY^GIVEN;PatientID=MRN'")
def r3_b64_text(ctx):
    i = ctx.idn
    b = base64.b64encode(f"PatientName={i.patient_name};PatientID={i.mrn}".encode()).decode()
    return kept(ctx, f"K={b}"[:64], meaning=False)


@channel("r3-mrn-base64-in-ob", "encoding",
         "Object Binary Identifier (OB, no row): base64 text of 'PatientName=FAMILY^GIVEN^MIDDLE PatientID=MRN'")
def r3_b64_ob(ctx):
    i = ctx.idn
    ds = base(ctx)
    ds.add(DataElement(0x0040A074, "OB", base64.b64encode(f"PatientName={i.patient_name} PatientID={i.mrn}".encode())))
    return to_bytes(ds)


@channel("r3-mrn-fullwidth-digits", "text",
         "SeriesDescription and a code meaning: the MRN's digits in full-width digits ('ＭＲＮ４４１０５２７')")
def r3_mrn_fw(ctx):
    return kept(ctx, "".join(chr(ord(c) + 0xFEE0) for c in ctx.idn.mrn))


@channel("r3-mrn-arabic-indic-digits", "text",
         "SeriesDescription and a code meaning: the MRN's digits in Arabic-Indic digits (UTF-8)")
def r3_mrn_ai(ctx):
    w = digits(ctx.idn.mrn).translate(ARABIC_INDIC)
    ctx.derive("PatientID", ctx.idn.mrn, w)
    return kept(ctx, f"MRN {w}", charset="ISO_IR 192")


@channel("r3-numbers-ds-is-variants", "wrong-vr",
         "the MRN's digits as numbers in kept IS/DS: SliceThickness ' +4410527.000', ReconstructionDiameter "
         "'4410527.0E0', SpacingBetweenSlices '0004410527', Series Number (IS) '+004410527'")
def r3_ds_variants(ctx):
    d = digits(ctx.idn.mrn)
    ds = base(ctx)
    ds.SliceThickness = f" +{d}.000"
    ds.ReconstructionDiameter = f"{d}.0E0"
    ds.SpacingBetweenSlices = f"000{d}"
    ds.SeriesNumber = f"+00{d}"
    return to_bytes(ds)


@channel("r3-number-of-float-mrn", "wrong-vr",
         "the MRN's digits as a float32 in an OF value (Float Pixel Data is sample data; here Vector Grid Data "
         "(0064,0009, OF, no row) [1.0, 4410527.0]) and as an OD (Selector OD Value (0072,0073)) [4410527.0]")
def r3_of(ctx):
    n = float(int(digits(ctx.idn.mrn)))
    ds = base(ctx)
    ds.add(DataElement(0x00640009, "OF", struct.pack("<ff", 1.0, n)))
    ds.add(DataElement(0x00720073, "OD", struct.pack("<d", n)))
    return to_bytes(ds)


@channel("r3-number-accession-sv-uv", "wrong-vr",
         "the accession number's digits as an SV (Selector SV Value (0072,0082)) and a UV (Selector UV Value (0072,0083))")
def r3_sv(ctx):
    n = int(digits(ctx.idn.accession))
    ds = base(ctx)
    ds.add(DataElement(0x00720082, "SV", [n]))
    ds.add(DataElement(0x00720083, "UV", [n]))
    return to_bytes(ds)


# --- East Asian names in binary values ---------------------------------------------------------------

@channel("r3-bin-utf16be-two-hanzi", "encoding",
         "PatientName 'Zhang^Wei=张^伟' (UTF-8); Object Binary Identifier (OB, no row) holding '张伟' in UTF-16BE "
         "(2 characters, 4 bytes: short for the UTF-16 search)")
def r3_u16_two(ctx):
    ctx.set_identity(patient_name="Zhang^Wei=张^伟", family="Zhang", given="Wei")
    ds = base(ctx, charset="ISO_IR 192")
    ds.add(DataElement(0x0040A074, "OB", bytes(range(1, 17)) + "患者张伟".encode("utf-16-be") + bytes(range(17, 33))))
    return to_bytes(ds)


@channel("r3-bin-utf16le-hangul-three", "encoding",
         "PatientName 'Kim^Minseo=金^旼序=김^민서' (UTF-8); Object Binary Identifier (OB, no row) holding '김민서' in UTF-16LE")
def r3_u16_hangul(ctx):
    ctx.set_identity(patient_name="Kim^Minseo=金^旼序=김^민서", family="Kim", given="Minseo")
    ds = base(ctx, charset="ISO_IR 192")
    ds.add(DataElement(0x0040A074, "OB", bytes(range(1, 17)) + "김민서".encode("utf-16-le") + bytes(range(17, 33))))
    return to_bytes(ds)


@channel("r3-bin-euckr-in-un", "encoding",
         "PatientName 'Kim^Minseo=金^旼序=김^민서' (UTF-8); Object Binary Identifier sent as UN holding '환자 김민서' in EUC-KR")
def r3_euckr_un(ctx):
    ctx.set_identity(patient_name="Kim^Minseo=金^旼序=김^민서", family="Kim", given="Minseo")
    ds = base(ctx, charset="ISO_IR 192")
    ds.add(DataElement(0x0040A074, "UN", b"\x01\x02" + "환자 김민서".encode("euc-kr") + b"\x00\x00"))
    return to_bytes(ds)


@channel("r3-bin-big5-safe-private", "safe-private",
         "PatientName 'Chen^Meiling=陳^美玲' (UTF-8); safe private OB (0019,1012, listed) holding '陳美玲' in Big5",
         runs=SAFE_RUNS)
def r3_big5(ctx):
    ctx.set_identity(patient_name="Chen^Meiling=陳^美玲", family="Chen", given="Meiling")
    ds = base(ctx, charset="ISO_IR 192")
    block = ds.private_block(0x0019, SAFE, create=True)
    block.add_new(0x12, "OB", b"VNDR\x00\x01" + "陳美玲".encode("big5") + bytes(16))
    return to_bytes(ds)


@channel("r3-bin-utf16be-cjk-name-no-bom", "encoding",
         "PatientName 'Yamada^Tarou=山田^太郎' (UTF-8); Object Binary Identifier (OB, no row) with '山田 太郎' in UTF-16BE, odd offset")
def r3_u16_odd(ctx):
    ctx.set_identity(patient_name="Yamada^Tarou=山田^太郎", family="Yamada", given="Tarou")
    ds = base(ctx, charset="ISO_IR 192")
    ds.add(DataElement(0x0040A074, "OB", b"\x07" + "山田 太郎".encode("utf-16-be") + b"\x00"))
    return to_bytes(ds)


# --- TM and DT ----------------------------------------------------------------------------------------

@channel("r3-tm-colons-fraction-mrn", "date",
         "AcquisitionTime (TM) in the ACR-NEMA form '09:35:12.4410527' (colons) with the MRN's digits as the fraction")
def r3_tm_colons(ctx):
    ds = base(ctx)
    ds.AcquisitionTime = f"09:35:12.{digits(ctx.idn.mrn)}"
    return to_bytes(ds)


@channel("r3-dt-fraction-mrn-with-offset", "date",
         "Expiration DateTime (DT, no row) '20240315093015.4410527+0100': the MRN's digits as fraction, then an offset")
def r3_dt_frac_off(ctx):
    ds = base(ctx)
    ds.add(DataElement(0x00080416, "DT", f"{ctx.idn.study_date}093015.{digits(ctx.idn.mrn)}+0100"))
    return to_bytes(ds)


@channel("r3-dt-short-fraction-mrn", "date",
         "AcquisitionDateTime (DT) '202403150930.4410527': minutes precision then a '.' and the MRN's digits")
def r3_dt_short(ctx):
    ds = base(ctx)
    ds.AcquisitionDateTime = f"{ctx.idn.study_date}0930.{digits(ctx.idn.mrn)}"
    return to_bytes(ds)


@channel("r3-tm-fraction-leading-space", "date",
         "AcquisitionTime (TM) '093512. 4410527' and ContentTime ' 093512.4410527' (spaces around the fraction)")
def r3_tm_space(ctx):
    d = digits(ctx.idn.mrn)
    ds = base(ctx)
    ds.AcquisitionTime = f"093512. {d}"
    ds.ContentTime = f" 093512.{d}"
    return to_bytes(ds)


@channel("r3-dt-birth-date-kept-as-dt", "date",
         "a DT holding the birth date with a time '19581104083000' in Acquisition DateTime (DT)")
def r3_dt_birth(ctx):
    ds = base(ctx)
    ds.AcquisitionDateTime = f"{ctx.idn.birth_date}083000"
    return to_bytes(ds)


@channel("r3-tm-range-mrn", "date",
         "Study Time (TM) as a range '093015-4410527' (a TM range whose end is the MRN's digits)")
def r3_tm_range(ctx):
    ds = base(ctx)
    ds.StudyTime = f"093015-{digits(ctx.idn.mrn)}"
    return to_bytes(ds)


@channel("r3-da-multi-birth", "date",
         "ContentDate (DA) with two values 'STUDY\\BIRTH': the study date then the birth date")
def r3_da_multi(ctx):
    ds = base(ctx)
    ds.ContentDate = [ctx.idn.study_date, ctx.idn.birth_date]
    return to_bytes(ds)


# --- burned-in rules disguised ------------------------------------------------------------------------

def bi(cid, desc, edit):
    def make(ctx):
        return edit(ctx, burned_in_ct(ctx))
    channel(cid, "misc", desc + "; the samples hold the name", runs=NOT_RELEASED)(make)


def _raw(tag, vr, value):
    def edit(ctx, ds):
        if tag == 0x00280301:
            ds.BurnedInAnnotation = "NO"
        return replace_value(to_bytes(ds), tag, el(tag, vr, value))
    return edit


bi("r3-bi-imagetype-lowercase", "a CT with ImageType 'derived\\secondary' (lower case)",
   _raw(0x00080008, "CS", b"derived\\secondary "))
bi("r3-bi-imagetype-trailing-backslash", "a CT with ImageType 'DERIVED\\SECONDARY\\' (a trailing empty value)",
   _raw(0x00080008, "CS", b"DERIVED\\SECONDARY\\ "))
bi("r3-bi-imagetype-leading-space", "a CT with ImageType 'DERIVED\\ SECONDARY' (a leading space in the value)",
   _raw(0x00080008, "CS", b"DERIVED\\ SECONDARY"))
bi("r3-bi-imagetype-tab", "a CT with ImageType 'DERIVED\\SECONDARY\\t' (a tab as padding)",
   _raw(0x00080008, "CS", b"DERIVED\\SECONDARY\t"))
bi("r3-bi-annotation-y", "a CT with BurnedInAnnotation 'Y'", _raw(0x00280301, "CS", b"Y "))
bi("r3-bi-annotation-yes-nul", "a CT with BurnedInAnnotation 'yes<NUL>'", _raw(0x00280301, "CS", b"yes\x00"))
bi("r3-bi-annotation-leading-space", "a CT with BurnedInAnnotation ' YES'", _raw(0x00280301, "CS", b" YES"))
bi("r3-bi-annotation-two-values", "a CT with BurnedInAnnotation 'NO\\YES' (two values, the second YES)",
   _raw(0x00280301, "CS", b"NO\\YES "))


def _sc(value):
    def edit(ctx, ds):
        ds.SOPClassUID = U.SecondaryCaptureImageStorage
        ds.Modality = "OT"
        data = to_bytes(ds)
        return replace_value(data, 0x00080016, el(0x00080016, "UI", value, length=len(value)))
    return edit


bi("r3-bi-sc-uid-trailing-space", "a Secondary Capture whose SOP Class UID ends in a space (not NUL)",
   _sc(U.SecondaryCaptureImageStorage.encode() + b" "))
bi("r3-bi-sc-uid-two-nuls", "a Secondary Capture whose SOP Class UID is padded with two NULs (lying length)",
   _sc(U.SecondaryCaptureImageStorage.encode() + b"\x00\x00\x00"))


def _modality_un(ctx, ds):
    ds.Modality = "OT"
    return replace_value(to_bytes(ds), 0x00080060, el(0x00080060, "UN", b"OT"))


bi("r3-bi-modality-ot-as-un", "a CT-class image with Modality OT sent as UN", _modality_un)


def _modality_lower(ctx, ds):
    return replace_value(to_bytes(ds), 0x00080060, el(0x00080060, "CS", b"ot"))


bi("r3-bi-modality-ot-lowercase", "a CT-class image with Modality 'ot' (lower case)", _modality_lower)


def _conversion(ctx, ds):
    ds.ConversionType = "WSD"
    return to_bytes(ds)


bi("r3-bi-conversion-type", "a CT with Conversion Type WSD (a workstation capture: a screen shot)", _conversion)


def _implicit_imagetype(ctx, ds):
    ds.ImageType = ["DERIVED", "SECONDARY"]
    return to_bytes(ds, U.ImplicitVRLittleEndian)


bi("r3-bi-control-implicit", "control: ImageType DERIVED\\SECONDARY in Implicit VR Little Endian", _implicit_imagetype)


def _big_endian_annotation(ctx, ds):
    ds.BurnedInAnnotation = "YES"
    return to_bytes(ds, U.ExplicitVRBigEndian)


bi("r3-bi-annotation-big-endian", "a CT with BurnedInAnnotation YES in Explicit VR Big Endian", _big_endian_annotation)


# --- encapsulated frames ----------------------------------------------------------------------------

@channel("r3-px-app-frame-two-only", "pixel",
         "3-frame XA, JPEG baseline; only frame 2 has an APP13 segment (Photoshop IPTC-like) with the name")
def r3_app_f2(ctx):
    s = jpeg8(ctx)
    s2 = insert_before(s, 0xDB, segment(0xED, b"Photoshop 3.0\x00" + leak(ctx.idn).encode()))
    return with_encapsulated(xa8(ctx, 3), U.JPEGBaseline8Bit, encapsulate([[s], [s2], [s]]))


@channel("r3-px-fragment-beyond-bot", "pixel",
         "2-frame XA, JPEG baseline, BOT of 2 frames; a third frame (complete JPEG with a COM naming the patient) "
         "after the BOT's last frame")
def r3_beyond_bot(ctx):
    s = jpeg8(ctx)
    s3 = insert_before(s, 0xDB, segment(0xFE, leak(ctx.idn).encode()))
    n = len(s) + len(s) % 2
    bot = struct.pack("<II", 0, n + 8)
    return with_encapsulated(xa8(ctx, 2), U.JPEGBaseline8Bit, encapsulate([[s], [s], [s3]], bot=bot))


@channel("r3-px-jpeg-com-after-sos", "pixel",
         "JPEG baseline: a COM segment with the name placed inside the entropy-coded data as a marker before EOI "
         "(after the scan, before FFD9)")
def r3_com_before_eoi(ctx):
    s = jpeg8(ctx)
    assert s[-2:] == b"\xff\xd9"
    s = s[:-2] + segment(0xFE, leak(ctx.idn).encode()) + s[-2:]
    return with_encapsulated(xa8(ctx), U.JPEGBaseline8Bit, encapsulate([[s]]))


@channel("r3-px-jpeg-restart-then-com", "pixel",
         "JPEG baseline with restart intervals (cjpeg -restart 1): a COM segment after scan data, where a reader "
         "that stops at the first RSTn sees entropy data")
def r3_rst_com(ctx):
    from build import cjpeg, gray8
    s = cjpeg(gray8(ctx), "-quality", "90", "-restart", "1")
    s = s[:-2] + segment(0xFE, leak(ctx.idn).encode()) + s[-2:]
    return with_encapsulated(xa8(ctx), U.JPEGBaseline8Bit, encapsulate([[s]]))


@channel("r3-px-jpeg-app-fill-bytes", "pixel",
         "JPEG baseline: an APP1 segment with the name preceded by fill bytes FF FF FF (legal marker padding)")
def r3_fill(ctx):
    s = jpeg8(ctx)
    s = insert_before(s, 0xDB, b"\xff\xff\xff" + segment(0xE1, b"ACME\x00" + leak(ctx.idn).encode()))
    return with_encapsulated(xa8(ctx), U.JPEGBaseline8Bit, encapsulate([[s]]))


# --- private blocks in items under retain-safe-private ---------------------------------------------

@channel("r3-sp-nested-item-safe-creator", "safe-private",
         "an item of Anatomic Region Sequence holding a private block of the safe creator (0019,1010 LO, listed at "
         "top level) with the patient's name", runs=SAFE_RUNS)
def r3_sp_nested(ctx):
    ds = base(ctx)
    it = code("51185008", "SCT", "Chest")
    block = it.private_block(0x0019, SAFE, create=True)
    block.add_new(0x10, "LO", ctx.idn.patient_name)
    ds.AnatomicRegionSequence = seq(it)
    return to_bytes(ds)


@channel("r3-sp-creator-padded", "safe-private",
         "a private block whose creator is the safe one with a trailing space inside the value ('ACME SAFE 1.0 ' "
         "written with length+1, padded again): 0019,1016 (not listed) LO with the name", runs=SAFE_RUNS)
def r3_sp_pad(ctx):
    ds = base(ctx)
    block = ds.private_block(0x0019, SAFE + " ", create=True)
    block.add_new(0x16, "LO", ctx.idn.patient_name)
    return to_bytes(ds)


@channel("r3-sp-sequence-in-safe-element", "safe-private",
         "safe private (0019,1017, listed) written as a sequence whose item holds PatientName and PatientID",
         runs=SAFE_RUNS)
def r3_sp_seq(ctx):
    ds = base(ctx)
    block = ds.private_block(0x0019, SAFE, create=True)
    block.add_new(0x17, "SQ", seq(item(PatientName=ctx.idn.patient_name, PatientID=ctx.idn.mrn)))
    return to_bytes(ds)


@channel("r3-sp-safe-element-two-creators", "safe-private",
         "two private creators in group 0019: 'OTHER' at 0010 and the safe one at 0011; the name at (0019,1110) "
         "(the safe creator's element 10, listed as 0019,10)", runs=SAFE_RUNS)
def r3_sp_two(ctx):
    ds = base(ctx)
    ds.private_block(0x0019, "OTHER VENDOR", create=True).add_new(0x20, "LO", "x")
    block = ds.private_block(0x0019, SAFE, create=True)
    block.add_new(0x10, "LO", f"HEAD {ctx.idn.family} {ctx.idn.mrn}")
    return to_bytes(ds)


# --- recipes --------------------------------------------------------------------------------------------

channels_r2_misc.RECIPE += """# r3: sequences kept; attributes added from sendit's variables (an unknown var: is refused whole)
KEEP RequestAttributesSequence
KEEP ReferencedPatientSequence
ADD ClinicalTrialSubjectID var:entity_id
ADD ClinicalTrialSeriesID var:item_id
"""


@channel("r3-recipe-keep-sequence", "misc",
         "the recipe run (KEEP RequestAttributesSequence): the item holds the accession, requested procedure ID, "
         "a description naming the patient and a Scheduled Procedure Step ID equal to the MRN", runs=("recipe",))
def r3_recipe_seq(ctx):
    i = ctx.idn
    ds = base(ctx)
    ds.RequestAttributesSequence = seq(item(
        AccessionNumber=i.accession, RequestedProcedureID=i.requested_procedure_id,
        RequestedProcedureDescription=f"CT HEAD {i.family}", ScheduledProcedureStepID=i.mrn,
        ScheduledProcedureStepDescription=f"pt {i.given} {i.family}"))
    return to_bytes(ds)


@channel("r3-recipe-keep-referenced-patient", "misc",
         "the recipe run (KEEP ReferencedPatientSequence): an item with a Referenced SOP Instance UID (the original "
         "study UID, a needle)", runs=("recipe",))
def r3_recipe_refpat(ctx):
    ds = base(ctx)
    ds.ReferencedPatientSequence = seq(item(ReferencedSOPClassUID="1.2.840.10008.3.1.2.1.1",
                                            ReferencedSOPInstanceUID=ctx.uid("study")))
    return to_bytes(ds)


@channel("r3-recipe-add-variables", "misc",
         "the recipe run (ADD ClinicalTrialSubjectID var:entity_id, ADD ClinicalTrialSeriesID var:item_id): "
         "do the variables carry the original PatientID or SOP Instance UID?", runs=("recipe",))
def r3_recipe_add(ctx):
    return to_bytes(base(ctx))

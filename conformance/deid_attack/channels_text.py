"""Channels in kept text: identifying values retyped (other separators, other date formats,
parts of names and addresses), in other scripts and Unicode forms, in other encodings."""
import base64
import gzip

from pydicom.dataelem import DataElement

from build import base, channel, code, el, insert_raw, item, replace_value, seq, to_bytes
from forms import date_forms


def digits(s):
    return "".join(c for c in s if c.isdigit())


def iso(da):
    return f"{da[:4]}-{da[4:6]}-{da[6:]}"


def us(da):
    return f"{da[4:6]}/{da[6:]}/{da[:4]}"


def eu(da):
    return f"{da[6:]}.{da[4:6]}.{da[:4]}"


MON = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


def dmon(da):
    return f"{da[6:]}-{MON[int(da[4:6]) - 1]}-{da[:4]}"


def phone_digits(p):
    return digits(p)[1:]


def text_channel(cid, desc, attr, make_value, cls="text", **base_kw):
    """A channel that writes make_value(identity) into attr of a plain CT instance."""
    def make(ctx):
        ds = base(ctx, **base_kw)
        setattr(ds, attr, make_value(ctx.idn))
        return to_bytes(ds)
    channel(cid, cls, desc)(make)


# --- reformatted values in kept text --------------------------------------------------------------

T = [
    ("tx-mrn-digits-study-description", "StudyDescription: the MRN's digits alone", "StudyDescription",
     lambda i: f"CT CHEST FOLLOW-UP {digits(i.mrn)}"),
    ("tx-mrn-space-series-description", "SeriesDescription: 'MRN 4410527' (a space inside the ID)",
     "SeriesDescription", lambda i: f"AXIAL MRN {digits(i.mrn)}"),
    ("tx-mrn-hyphen-image-comments", "ImageComments: the MRN's digits as 441-0527", "ImageComments",
     lambda i: f"Pt no. {digits(i.mrn)[:3]}-{digits(i.mrn)[3:]}"),
    ("tx-mrn-lowercase-protocol-name", "ProtocolName: the MRN in lower case", "ProtocolName",
     lambda i: f"chest {i.mrn.lower()}"),
    ("tx-dob-iso-image-comments", "ImageComments: birth date as 1958-11-04", "ImageComments",
     lambda i: f"DOB {iso(i.birth_date)}"),
    ("tx-dob-us-protocol-name", "ProtocolName: birth date as 11/04/1958", "ProtocolName",
     lambda i: f"CHEST {us(i.birth_date)}"),
    ("tx-dob-eu-additional-history", "AdditionalPatientHistory: birth date as 04.11.1958",
     "AdditionalPatientHistory", lambda i: f"geb. {eu(i.birth_date)}, Raucherin"),
    ("tx-dob-month-series-description", "SeriesDescription: birth date as 04-NOV-1958",
     "SeriesDescription", lambda i: f"BORN {dmon(i.birth_date)}"),
    ("tx-dob-long-study-description", "StudyDescription: birth date as 'November 4, 1958'",
     "StudyDescription", lambda i: sorted(t for t in date_forms(i.birth_date)[0] if "," in t and len(t.split()[0]) > 3)[0].title()),
    ("tx-dob-digits-image-comments", "ImageComments: birth date as DDMMYYYY digits", "ImageComments",
     lambda i: f"ref {i.birth_date[6:]}{i.birth_date[4:6]}{i.birth_date[:4]}"),
    ("tx-phone-digits-image-comments", "ImageComments: telephone number as digits only", "ImageComments",
     lambda i: f"call {phone_digits(i.phone)}"),
    ("tx-phone-dots-study-description", "StudyDescription: telephone number as 650.555.0142",
     "StudyDescription", lambda i: "CALLBACK " + ".".join([phone_digits(i.phone)[:3], phone_digits(i.phone)[3:6], phone_digits(i.phone)[6:]])),
    ("tx-phone-spaces-additional-history", "AdditionalPatientHistory: telephone as 650 555 0142",
     "AdditionalPatientHistory", lambda i: "Tel " + " ".join([phone_digits(i.phone)[:3], phone_digits(i.phone)[3:6], phone_digits(i.phone)[6:]])),
    ("tx-street-word-series-description", "SeriesDescription: the street word of the address",
     "SeriesDescription", lambda i: f"{i.street_word.upper()} CLINIC"),
    ("tx-house-street-image-comments", "ImageComments: house number and street ('742 Evergreen')",
     "ImageComments", lambda i: f"lives at {i.address.split()[0]} {i.street_word}"),
    ("tx-institution-word-study-description", "StudyDescription: the institution's town word",
     "StudyDescription", lambda i: f"{i.town} TRAUMA PROTOCOL"),
    ("tx-study-date-iso-study-description", "StudyDescription: the real study date as ISO 8601",
     "StudyDescription", lambda i: f"CT {iso(i.study_date)}"),
    ("tx-study-date-eu-image-comments", "ImageComments: the real study date as 15.03.2024",
     "ImageComments", lambda i: f"Untersuchung vom {eu(i.study_date)}"),
    ("tx-accession-digits-pps-description", "PerformedProcedureStepDescription: accession digits",
     "PerformedProcedureStepDescription", lambda i: f"ORDER {digits(i.accession)}"),
    ("tx-family-name-study-description", "StudyDescription: the family name itself",
     "StudyDescription", lambda i: f"CT {i.family} CHEST"),
    ("tx-given-name-image-comments", "ImageComments: the given name alone", "ImageComments",
     lambda i: f"{i.given.title()} tolerated contrast well"),
    ("tx-name-reversed-image-comments", "ImageComments: 'Given Family' in mixed case", "ImageComments",
     lambda i: f"{i.given.title()} {i.family.title()}"),
    ("tx-referring-in-study-description", "StudyDescription: the referring physician's family name",
     "StudyDescription", lambda i: f"REF DR {i.referring.split('^')[0]}"),
    ("tx-operator-in-image-comments", "ImageComments: the operator's family name", "ImageComments",
     lambda i: f"tech: {i.operator.split('^')[0].title()}"),
    ("tx-other-pid-digits-image-comments", "ImageComments: the other patient ID's digits",
     "ImageComments", lambda i: f"old chart {digits(i.other_pid)}"),
    ("tx-station-series-description", "SeriesDescription: the station name", "SeriesDescription",
     lambda i: f"RECON {i.station}"),
    ("tx-serial-image-comments", "ImageComments: the device serial number", "ImageComments",
     lambda i: f"QA device {i.serial}"),
    ("tx-study-id-series-description", "SeriesDescription: the study ID", "SeriesDescription",
     lambda i: f"STUDY {i.study_id}"),
    ("tx-accession-protocol-name", "ProtocolName: the accession number itself", "ProtocolName",
     lambda i: f"PROT {i.accession}"),
    ("tx-birth-year-age-comments", "PatientComments: birth date as 19581104 in free text",
     "PatientComments", lambda i: f"born {i.birth_date}"),
    ("tx-derivation-description-mrn", "DerivationDescription: 'MRN 4410527'", "DerivationDescription",
     lambda i: f"MPR from MRN {digits(i.mrn)}"),
    ("tx-acquisition-comments-phone", "AcquisitionComments: telephone number as 650/555-0142",
     "AcquisitionComments", lambda i: f"ward {phone_digits(i.phone)[:3]}/{phone_digits(i.phone)[3:6]}-{phone_digits(i.phone)[6:]}"),
    ("tx-admitting-diagnoses-dob", "AdmittingDiagnosesDescription: birth date as 04/11/1958 (DD/MM)",
     "AdmittingDiagnosesDescription", lambda i: f"fall, *{i.birth_date[6:]}/{i.birth_date[4:6]}/{i.birth_date[:4]}"),
    ("tx-visit-comments-address", "VisitComments: house number and street with the street type",
     "VisitComments", lambda i: f"transport from {i.address.split(',')[0]}"),
]
for cid, desc, attr, fn in T:
    text_channel(cid, desc, attr, fn)


@channel("tx-code-meaning-dob", "text",
         "a code meaning (no row in Table E.1-1) in Anatomic Region Sequence: birth date as 04-NOV-1958")
def tx_code_meaning_dob(ctx):
    ds = base(ctx)
    ds.AnatomicRegionSequence = seq(code("51185008", "SCT", f"Chest (born {dmon(ctx.idn.birth_date)})"))
    return to_bytes(ds)


@channel("tx-code-meaning-nested-mrn", "text",
         "a code meaning two sequences deep: Anatomic Region > Modifier, 'MRN 4410527'")
def tx_code_meaning_nested_mrn(ctx):
    ds = base(ctx)
    region = code("51185008", "SCT", "Chest")
    region.AnatomicRegionModifierSequence = seq(code("7771000", "SCT", f"Left, MRN {digits(ctx.idn.mrn)}"))
    ds.AnatomicRegionSequence = seq(region)
    return to_bytes(ds)


@channel("tx-code-meaning-name", "text", "a code meaning holding the patient's family and given name")
def tx_code_meaning_name(ctx):
    ds = base(ctx)
    ds.AnatomicRegionSequence = seq(code("51185008", "SCT", f"{ctx.idn.family} {ctx.idn.given}"))
    return to_bytes(ds)


# --- Unicode and name variants --------------------------------------------------------------------

def named(ctx, name, charset, **text):
    """A CT instance with PatientName `name` in `charset` and text attributes."""
    ctx.set_identity(patient_name=name, family=name.split("=")[0].split("^")[0],
                     given=(name.split("=")[0].split("^") + [""])[1])
    ds = base(ctx, charset=charset)
    for k, v in text.items():
        setattr(ds, k, v)
    return to_bytes(ds)


@channel("un-soft-hyphen", "unicode", "ImageComments: the family name with a soft hyphen (Latin-1 0xAD) inside")
def un_soft_hyphen(ctx):
    f = ctx.idn.family
    return named(ctx, ctx.idn.patient_name, "ISO_IR 100", ImageComments=f"{f[:5]}\u00ad{f[5:]} HANNELORE")


@channel("un-zero-width-space", "unicode", "SeriesDescription (UTF-8): U+200B inside the family name")
def un_zero_width(ctx):
    f = ctx.idn.family
    return named(ctx, ctx.idn.patient_name, "ISO_IR 192", SeriesDescription=f"{f[:4]}\u200b{f[4:]}")


@channel("un-zero-width-joiner-given", "unicode", "ImageComments (UTF-8): U+200D and U+2060 inside the given name")
def un_zwj(ctx):
    g = ctx.idn.given
    return named(ctx, ctx.idn.patient_name, "ISO_IR 192", ImageComments=f"{g[:3]}\u200d{g[3:6]}\u2060{g[6:]}")


@channel("un-fullwidth-latin", "unicode", "StudyDescription (UTF-8): the family name in full-width Latin letters")
def un_fullwidth(ctx):
    fw = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in ctx.idn.family)
    return named(ctx, ctx.idn.patient_name, "ISO_IR 192", StudyDescription=f"CT {fw}")


@channel("un-eszett-name-ascii-text", "unicode", "PatientName 'Großkopf' (Latin-1); ImageComments 'GROSSKOPF'")
def un_eszett_name(ctx):
    ctx.derive("PatientName", "Großkopf^Hannelore^Maria", "GROSSKOPF")
    return named(ctx, "Großkopf^Hannelore^Maria", "ISO_IR 100", ImageComments="GROSSKOPF Hannelore")


@channel("un-ascii-name-eszett-text", "unicode", "PatientName 'GROSSKOPF'; ImageComments 'Großkopf' (Latin-1)")
def un_eszett_text(ctx):
    return named(ctx, "GROSSKOPF^HANNELORE^MARIA", "ISO_IR 100", ImageComments="Frau Großkopf")


@channel("un-umlaut-expanded", "unicode", "PatientName 'Müller^Jürgen' (Latin-1); ImageComments 'MUELLER JUERGEN'")
def un_umlaut_expanded(ctx):
    ctx.derive("PatientName", "Müller^Jürgen", "MUELLER")
    ctx.derive("PatientName", "Müller^Jürgen", "JUERGEN")
    return named(ctx, "Müller^Jürgen", "ISO_IR 100", ImageComments="MUELLER JUERGEN")


@channel("un-umlaut-stripped", "unicode", "PatientName 'Schrödinger^Björnstjerne' (Latin-1); SeriesDescription 'SCHRODINGER'")
def un_umlaut_stripped(ctx):
    return named(ctx, "Schrödinger^Björnstjerne", "ISO_IR 100", SeriesDescription="SCHRODINGER BJORNSTJERNE")


@channel("un-decomposed", "unicode", "PatientName 'Lüdenscheidt' (NFC, UTF-8); ImageComments the NFD form (u + U+0308)")
def un_decomposed(ctx):
    return named(ctx, "Lüdenscheidt^Wilhelmina", "ISO_IR 192", ImageComments="Frau Lu\u0308denscheidt")


@channel("un-accents-dropped", "unicode", "PatientName 'Lefèvre^Françoise' (Latin-1); ImageComments 'LEFEVRE FRANCOISE'")
def un_accents(ctx):
    return named(ctx, "Lefèvre^Françoise", "ISO_IR 100", ImageComments="LEFEVRE FRANCOISE")


@channel("un-short-parts", "unicode", "PatientName 'Xu^An'; ImageComments 'XU AN' (parts of 2 letters)")
def un_short_parts(ctx):
    return named(ctx, "Xu^An", None, ImageComments="pt XU AN, NPO")


@channel("un-japanese-kana-iso2022", "unicode",
         "PatientName Yamada^Tarou=山田^太郎=やまだ^たろう in ISO 2022 IR 87; ImageComments the reading 'やまだたろう' without separators")
def un_japanese_kana(ctx):
    ctx.derive("PatientName", "Yamada^Tarou=山田^太郎=やまだ^たろう", "やまだたろう")
    return named(ctx, "Yamada^Tarou=山田^太郎=やまだ^たろう", ["", "ISO 2022 IR 87"],
                 ImageComments="やまだたろう")


@channel("un-japanese-utf8", "unicode", "PatientName Sakamoto^Hanako=坂本^花子 in UTF-8; StudyDescription '坂本花子様'")
def un_japanese_utf8(ctx):
    return named(ctx, "Sakamoto^Hanako=坂本^花子=さかもと^はなこ", "ISO_IR 192", StudyDescription="坂本花子様 CT")


@channel("un-japanese-katakana-halfwidth", "unicode",
         "PatientName with the reading in hiragana (ISO 2022 IR 87); SeriesDescription the reading in half-width katakana (ISO_IR 13)")
def un_japanese_katakana(ctx):
    ctx.derive("PatientName", "Kobayashi^Ichirou=小林^一郎=こばやし^いちろう", "ｺﾊﾞﾔｼ")
    return named(ctx, "Kobayashi^Ichirou=小林^一郎=こばやし^いちろう", ["ISO 2022 IR 13", "ISO 2022 IR 87"],
                 SeriesDescription="ｺﾊﾞﾔｼ ｲﾁﾛｳ")


@channel("un-chinese-gb18030", "unicode", "PatientName Wang^Xiaodong=王^小东 in GB18030; StudyDescription '王小东'")
def un_chinese_gb18030(ctx):
    return named(ctx, "Wang^Xiaodong=王^小东", "GB18030", StudyDescription="王小东 胸部CT")


@channel("un-chinese-gb2312", "unicode", "PatientName Zhang^Wei=张^伟 in ISO 2022 IR 58; ImageComments '张伟'")
def un_chinese_gb2312(ctx):
    return named(ctx, "Zhang^Wei=张^伟", ["", "ISO 2022 IR 58"], ImageComments="患者张伟")


@channel("un-chinese-utf8", "unicode", "PatientName Li^Na=李^娜 in UTF-8; SeriesDescription '李娜' with a full-width space")
def un_chinese_utf8(ctx):
    return named(ctx, "Li^Na=李^娜", "ISO_IR 192", SeriesDescription="李\u3000娜 增强")


@channel("un-korean-iso2022", "unicode", "PatientName Hong^Gildong=洪^吉洞=홍^길동 in ISO 2022 IR 149; StudyDescription '홍길동'")
def un_korean_iso2022(ctx):
    return named(ctx, "Hong^Gildong=洪^吉洞=홍^길동", ["", "ISO 2022 IR 149"], StudyDescription="홍길동 CT")


@channel("un-korean-utf8", "unicode", "PatientName Kim^Minseo=金^旼序=김^민서 in UTF-8; ImageComments '김민서'")
def un_korean_utf8(ctx):
    return named(ctx, "Kim^Minseo=金^旼序=김^민서", "ISO_IR 192", ImageComments="김민서님")


@channel("un-cyrillic-upper", "unicode", "PatientName Иванова^Пелагея (ISO_IR 144); ImageComments 'ИВАНОВА' and the transliteration 'IVANOVA'")
def un_cyrillic(ctx):
    ctx.derive("PatientName", "Иванова^Пелагея", "IVANOVA")
    ctx.derive("PatientName", "Иванова^Пелагея", "PELAGEYA")
    return named(ctx, "Иванова^Пелагея", "ISO_IR 144", ImageComments="ИВАНОВА П. / IVANOVA PELAGEYA")


@channel("un-greek-upper", "unicode", "PatientName Παπαδόπουλος^Ελευθερία (ISO_IR 126); ImageComments upper case without accents")
def un_greek(ctx):
    return named(ctx, "Παπαδόπουλος^Ελευθερία", "ISO_IR 126", ImageComments="ΠΑΠΑΔΟΠΟΥΛΟΣ ΕΛΕΥΘΕΡΙΑ")


@channel("un-homoglyph", "unicode", "SeriesDescription (UTF-8): the family name with a Cyrillic О and С")
def un_homoglyph(ctx):
    f = ctx.idn.family.replace("O", "О", 1).replace("S", "С", 1)
    return named(ctx, ctx.idn.patient_name, "ISO_IR 192", SeriesDescription=f)


@channel("un-spaced-letters", "unicode", "ImageComments: the family name letter by letter with spaces")
def un_spaced(ctx):
    return named(ctx, ctx.idn.patient_name, None, ImageComments=" ".join(ctx.idn.family))


@channel("un-html-entity", "unicode", "ImageComments: 'Gro&szlig;kopf' (an HTML entity for ß)")
def un_html(ctx):
    return named(ctx, "Großkopf^Hannelore^Maria", "ISO_IR 100", ImageComments="see Gro&szlig;kopf chart")


@channel("un-url-escaped", "unicode", "StudyDescription: the name %-escaped (GROSSKOPF%5EHANNELORE)")
def un_url(ctx):
    return named(ctx, ctx.idn.patient_name, None,
                 StudyDescription=ctx.idn.patient_name.replace("^", "%5E")[:64])


# --- encodings ------------------------------------------------------------------------------------

def raw_into(ctx, ds, raw, before):
    return insert_raw(to_bytes(ds), raw, before)


@channel("en-un-utf8-image-comments", "encoding",
         "ImageComments sent with VR UN holding UTF-8 '山田太郎' (PatientName in UTF-8 too)")
def en_un_utf8(ctx):
    ctx.set_identity(patient_name="Yamada^Tarou=山田^太郎", family="Yamada", given="Tarou")
    ds = base(ctx, charset="ISO_IR 192")
    return raw_into(ctx, ds, el(0x00204000, "UN", "山田太郎 follow-up".encode("utf-8")), 0x00204001)


@channel("en-un-patient-name-iso2022", "encoding",
         "PatientName itself sent as UN, its value in ISO 2022 IR 87 (Japanese)")
def en_un_pn(ctx):
    ctx.set_identity(patient_name="Yamamoto^Keiko=山本^恵子", family="Yamamoto", given="Keiko")
    ds = base(ctx, charset=["", "ISO 2022 IR 87"])
    data = to_bytes(ds)
    val = b"Yamamoto^Keiko=" + "山本".encode("iso2022_jp") + b"^" + "恵子".encode("iso2022_jp")
    return replace_value(data, 0x00100010, el(0x00100010, "UN", val))


@channel("en-un-korean-no-row-lt", "encoding",
         "Comments on the Scheduled Procedure Step (LT, no row) sent as UN with a UTF-8 Korean name")
def en_un_korean(ctx):
    ctx.set_identity(patient_name="Park^Jiwoo=朴^智友=박^지우", family="Park", given="Jiwoo")
    ds = base(ctx, charset="ISO_IR 192")
    return raw_into(ctx, ds, el(0x00400400, "UN", "박지우 환자 조영제 알레르기".encode("utf-8")), 0x00400401)


@channel("en-lut-data-latin1", "encoding",
         "Modality LUT Sequence: LUT Data (OW) holding the Latin-1 name 'Großkopf, Hannelore'")
def en_lut_latin1(ctx):
    ctx.set_identity(patient_name="Großkopf^Hannelore", family="Großkopf", given="Hannelore")
    ds = base(ctx, charset="ISO_IR 100")
    del ds.RescaleIntercept, ds.RescaleSlope
    text = "Großkopf, Hannelore ".encode("latin-1") * 4
    lut = item(LUTDescriptor=[len(text) // 2, 0, 16], ModalityLUTType="HU", LUTExplanation="HU map")
    lut.add(DataElement(0x00283006, "OW", text))
    ds.ModalityLUTSequence = seq(lut)
    return to_bytes(ds)


@channel("en-text-as-ob", "encoding", "ImageComments sent with VR OB, holding the Latin-1 name 'Wößner, Örtrud'")
def en_text_as_ob(ctx):
    ctx.set_identity(patient_name="Wößner^Örtrud", family="Wößner", given="Örtrud")
    ds = base(ctx, charset="ISO_IR 100")
    return raw_into(ctx, ds, el(0x00204000, "OB", "Wößner, Örtrud".encode("latin-1")), 0x00204001)


@channel("en-utf16-in-lt", "encoding", "AdditionalPatientHistory bytes in UTF-16LE (declared ISO_IR 192)")
def en_utf16_lt(ctx):
    ds = base(ctx, charset="ISO_IR 192")
    i = ctx.idn
    text = f"{i.family} {i.given} {i.mrn}".encode("utf-16-le")
    return raw_into(ctx, ds, el(0x001021B0, "LT", text), 0x001021B1)


@channel("en-utf16-in-ob", "encoding", "Object Binary Identifier (OB, retired, no row) holding the name in UTF-16LE")
def en_utf16_ob(ctx):
    ds = base(ctx)
    i = ctx.idn
    ds.add(DataElement(0x0040A074, "OB", f"{i.patient_name}|{i.mrn}".encode("utf-16-le")))
    return to_bytes(ds)


@channel("en-gzip-in-ob", "encoding", "Object Directory Binary Identifier (OB, no row) holding gzip'd XML with the name")
def en_gzip_ob(ctx):
    ds = base(ctx)
    i = ctx.idn
    xml = f"<p><n>{i.patient_name}</n><id>{i.mrn}</id><dob>{i.birth_date}</dob></p>".encode()
    ds.add(DataElement(0x0040A089, "OB", gzip.compress(xml, mtime=0)))
    return to_bytes(ds)


@channel("en-base64-in-ut", "encoding", "Protocol Planning Information (UT, no row) holding base64 of the name and MRN")
def en_base64(ctx):
    ds = base(ctx)
    i = ctx.idn
    b = base64.b64encode(f"{i.patient_name}|{i.mrn}|{i.birth_date}".encode()).decode()
    ds.add(DataElement(0x0018990F, "UT", f"plan-blob:{b}"))
    return to_bytes(ds)


@channel("en-utf8-mojibake", "encoding",
         "ImageComments holding 'Großkopf' encoded twice in UTF-8 ('GroÃŸkopf' as a Latin-1 reader sees it)")
def en_mojibake(ctx):
    ctx.set_identity(patient_name="Großkopf^Hannelore^Maria", family="Großkopf", given="Hannelore")
    ds = base(ctx, charset="ISO_IR 192")
    twice = "Großkopf Hannelore".encode("utf-8").decode("latin-1").encode("utf-8")
    return raw_into(ctx, ds, el(0x00204000, "LT", twice), 0x00204001)

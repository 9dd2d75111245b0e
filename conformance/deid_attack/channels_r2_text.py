"""Second-reader channels (r2-) in kept text: forms of the birth date, the identifiers and the
name that the first corpus did not write, and the first corpus's Unicode channels moved into
attributes the default options keep (most of those planted in ImageComments, which is narrative
and removed whole by default, so they never reached the cleaner).

Every value here goes where it is kept: SeriesDescription or StudyDescription (kept, cleaned,
under clean-descriptors: the default run) and a Code Meaning of Anatomic Region Sequence (no
row in Table E.1-1, kept and cleaned in every run).

Forms the scanner's forms.py does not list are declared with ctx.derive, so a leak is found.
"""

from build import base, channel, code, seq, to_bytes
from channels_text import digits

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
GERMAN = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
          "Oktober", "November", "Dezember"]


def kept(ctx, text, charset=None, series=True, meaning=True, **more):
    """A CT instance with `text` in SeriesDescription and in a code meaning (both kept)."""
    ds = base(ctx, charset=charset)
    if series:
        ds.SeriesDescription = text
    if meaning:
        ds.AnatomicRegionSequence = seq(code("51185008", "SCT", text))
    for k, v in more.items():
        setattr(ds, k, v)
    return to_bytes(ds)


def small_day(ctx):
    """The identity with a birth date whose day is 1 to 9 (written without a zero, it is one
    digit), so unpadded forms differ from padded ones."""
    b = ctx.idn.birth_date
    day = int(b[6:]) % 9 + 1
    ctx.set_identity(birth_date=f"{b[:6]}{day:02d}")
    b = ctx.idn.birth_date
    return b[:4], int(b[4:6]), day


def ordinal(n):
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def dob_channel(cid, desc, fmt):
    """fmt(year, month, day) -> the birth date as written; declared as a form of it."""
    def make(ctx):
        y, m, d = small_day(ctx)
        written = fmt(y, m, d)
        ctx.derive("PatientBirthDate", ctx.idn.birth_date, written)
        return kept(ctx, f"CT HEAD {written}")
    channel(cid, "text", desc)(make)


# --- the birth date in forms neither side knows -------------------------------------------------

dob_channel("r2-dob-after-dot-unpadded", "SeriesDescription and a code meaning: 'geb.4.11.1958' "
            "(German 'born', no space: a date right after a '.' is skipped; unpadded, it is no phone either)",
            lambda y, m, d: f"geb.{d}.{m}.{y}")
dob_channel("r2-dob-ordinal-day-month", "SeriesDescription and a code meaning: '4th November 1958' (British ordinal)",
            lambda y, m, d: f"DOB {ordinal(d)} {MONTHS[m - 1]} {y}")
dob_channel("r2-dob-month-ordinal-day", "SeriesDescription and a code meaning: 'November 4th, 1958' (US ordinal)",
            lambda y, m, d: f"born {MONTHS[m - 1]} {ordinal(d)}, {y}")
dob_channel("r2-dob-day-dot-month-name", "SeriesDescription and a code meaning: '4. November 1958' (German order, English month)",
            lambda y, m, d: f"* {d}. {MONTHS[m - 1]} {y}")
dob_channel("r2-dob-german-month-name", "SeriesDescription and a code meaning: '4. Mai 1958' with the German month name",
            lambda y, m, d: f"geb. {d}. {GERMAN[m - 1]} {y}")
dob_channel("r2-dob-year-month-name-day", "SeriesDescription and a code meaning: '1958-Nov-04' (year, month name, day)",
            lambda y, m, d: f"DOB {y}-{MONTHS[m - 1][:3]}-{d:02d}")
dob_channel("r2-dob-slash-month-name", "SeriesDescription and a code meaning: '04/Nov/1958'",
            lambda y, m, d: f"DOB {d:02d}/{MONTHS[m - 1][:3]}/{y}")
dob_channel("r2-dob-dot-month-name", "SeriesDescription and a code meaning: '04.Nov.1958'",
            lambda y, m, d: f"DOB {d:02d}.{MONTHS[m - 1][:3]}.{y}")
dob_channel("r2-dob-two-digit-year-first", "SeriesDescription and a code meaning: '58-11-04' (YY-MM-DD, as in Sweden)",
            lambda y, m, d: f"f. {y[2:]}-{m:02d}-{d:02d}")
dob_channel("r2-dob-spaces", "SeriesDescription and a code meaning: '04 11 58' (day, month, 2-digit year, spaces)",
            lambda y, m, d: f"DOB {d:02d} {m:02d} {y[2:]}")


# --- identifiers retyped ----------------------------------------------------------------------------

@channel("r2-mrn-thousands-commas", "text", "SeriesDescription and a code meaning: the MRN's digits as a number with commas (4,410,527)")
def r2_mrn_commas(ctx):
    d = digits(ctx.idn.mrn)
    written = f"{int(d):,}"
    ctx.derive("PatientID", ctx.idn.mrn, written)
    return kept(ctx, f"CT CHEST PT {written}")


@channel("r2-mrn-underscore-groups", "text", "SeriesDescription and a code meaning: the MRN as MRN_441_0527")
def r2_mrn_underscore(ctx):
    d = digits(ctx.idn.mrn)
    return kept(ctx, f"CT_MRN_{d[:3]}_{d[3:]}")


@channel("r2-mrn-after-version-dot", "text", "SeriesDescription and a code meaning: the MRN's digits after '1.' (as a version or UID component: 'Pt 1.4410527')")
def r2_mrn_version(ctx):
    return kept(ctx, f"PROTO 1.{digits(ctx.idn.mrn)}")


@channel("r2-pid-odd-split-underscore", "text",
         "PatientID 'MRN_44_10527' (underscores); the digits 4410527 in a coded value (CS ScanOptions) and a Code Value")
def r2_pid_underscore(ctx):
    d = digits(ctx.idn.mrn)
    ctx.set_identity(mrn=f"MRN_{d[:2]}_{d[2:]}")
    ds = base(ctx)
    ds.ScanOptions = ["HELICAL", d]
    ds.AnatomicRegionSequence = seq(code(d, "99LOCAL", "Chest"))
    return to_bytes(ds)


@channel("r2-pid-odd-split-dashes", "text",
         "PatientID 'MRN-44-10527'; the digits 4410527 in a coded value (CS ScanOptions) and a Code Value")
def r2_pid_dashes(ctx):
    d = digits(ctx.idn.mrn)
    ctx.set_identity(mrn=f"MRN-{d[:2]}-{d[2:]}")
    ds = base(ctx)
    ds.ScanOptions = ["HELICAL", d]
    ds.AnatomicRegionSequence = seq(code(d, "99LOCAL", "Chest"))
    return to_bytes(ds)


@channel("r2-pid-five-digits", "text",
         "PatientID of 5 digits only ('44105'): in SeriesDescription after 'MRN', in a code meaning, and as a Code Value")
def r2_pid_five(ctx):
    d = digits(ctx.idn.mrn)[2:]
    ctx.set_identity(mrn=d)
    ds = base(ctx)
    ds.SeriesDescription = f"AXIAL MRN {d[:2]} {d[2:]}"
    ds.AnatomicRegionSequence = seq(code(d, "99LOCAL", f"Chest {d[:2]}-{d[2:]}"))
    return to_bytes(ds)


@channel("r2-phone-in-code-value", "text", "a Code Value (no patterns in coded values) holding the telephone number's last 7 digits")
def r2_phone_code(ctx):
    p = digits(ctx.idn.phone)
    ds = base(ctx)
    ds.AnatomicRegionSequence = seq(code(p[-7:], "99LOCAL", "Chest"))
    return to_bytes(ds)


@channel("r2-email-in-code-meaning", "text", "a code meaning holding the e-mail address written with ' at ' and ' dot '")
def r2_email_at(ctx):
    local, domain = ctx.idn.email.split("@")
    written = f"{local} at {domain.replace('.', ' dot ')}"
    ctx.derive("email", ctx.idn.email, written)
    return kept(ctx, f"results to {written}")


# --- the name, split or disguised -------------------------------------------------------------------

@channel("r2-name-split-across-values", "text",
         "SeriesDescription 'AXIAL\\GROSS\\KOPF': the family name cut in two values of a multi-valued string (a reader shows the backslash)")
def r2_name_split_values(ctx):
    f = ctx.idn.family
    ds = base(ctx)
    ds.SeriesDescription = ["AXIAL", f[:4], f[4:]]
    ds.AnatomicRegionSequence = seq(code("51185008", "SCT", ["Chest", f[:4], f[4:]]))
    return to_bytes(ds)


@channel("r2-name-dotted-letters", "text", "SeriesDescription and a code meaning: the family name as G.R.O.S.S.K.O.P.F")
def r2_name_dotted(ctx):
    return kept(ctx, ".".join(ctx.idn.family))


@channel("r2-name-spaced-letters-kept", "text", "SeriesDescription and a code meaning: the family name letter by letter with spaces (un-spaced-letters, kept)")
def r2_name_spaced(ctx):
    return kept(ctx, "PT " + " ".join(ctx.idn.family))


@channel("r2-pn-given-in-prefix-component", "text",
         "PatientName 'FAMILY^^^GIVEN' (the given name shifted into the prefix component by a bad mapping); "
         "SeriesDescription and a code meaning with the given name")
def r2_pn_shifted(ctx):
    i = ctx.idn
    ctx.set_identity(patient_name=f"{i.family}^^^{i.given}")
    ctx.derive("PatientName", ctx.idn.patient_name, i.given)
    return kept(ctx, f"CT {i.given.title()}")


@channel("r2-name-initials-and-family-hyphen", "text", "SeriesDescription and a code meaning: 'H.-GROSS-KOPF' (family name hyphenated at a syllable)")
def r2_name_hyphenated(ctx):
    f = ctx.idn.family
    return kept(ctx, f"{ctx.idn.given[0]}.-{f[:5]}-{f[5:]}")


# --- the first corpus's Unicode channels, in kept attributes --------------------------------------

def named_kept(ctx, name, charset, text):
    fam = name.split("=")[0].split("^")[0]
    ctx.set_identity(patient_name=name, family=fam, given=(name.split("=")[0].split("^") + [""])[1])
    return kept(ctx, text, charset=charset)


U = [
    ("r2-kept-soft-hyphen", "the family name with a soft hyphen (Latin-1 0xAD) inside", None, "ISO_IR 100",
     lambda i: f"{i.family[:5]}\u00ad{i.family[5:]}"),
    ("r2-kept-zero-width-joiner", "U+200D and U+2060 inside the given name (UTF-8)", None, "ISO_IR 192",
     lambda i: f"{i.given[:3]}\u200d{i.given[3:6]}\u2060{i.given[6:]}"),
    ("r2-kept-umlaut-expanded", "PatientName 'Müller^Jürgen' (Latin-1); the text 'MUELLER JUERGEN'", "Müller^Jürgen", "ISO_IR 100",
     lambda i: "MUELLER JUERGEN"),
    ("r2-kept-decomposed", "PatientName 'Lüdenscheidt' (UTF-8 NFC); the text in NFD", "Lüdenscheidt^Wilhelmina", "ISO_IR 192",
     lambda i: "Frau Lu\u0308denscheidt"),
    ("r2-kept-accents-dropped", "PatientName 'Lefèvre^Françoise' (Latin-1); the text 'LEFEVRE FRANCOISE'", "Lefèvre^Françoise",
     "ISO_IR 100", lambda i: "LEFEVRE FRANCOISE"),
    ("r2-kept-short-parts", "PatientName 'Xu^An'; the text 'XU AN'", "Xu^An", None, lambda i: "pt XU AN"),
    ("r2-kept-kana-reading", "PatientName Yamada^Tarou=山田^太郎=やまだ^たろう (ISO 2022 IR 87); the reading 'やまだたろう'",
     "Yamada^Tarou=山田^太郎=やまだ^たろう", ["", "ISO 2022 IR 87"], lambda i: "やまだたろう"),
    ("r2-kept-kana-reading-katakana", "PatientName Yamada^Tarou=山田^太郎=やまだ^たろう (UTF-8); the reading in katakana 'ヤマダタロウ'",
     "Yamada^Tarou=山田^太郎=やまだ^たろう", "ISO_IR 192", lambda i: "ヤマダ タロウ"),
    ("r2-kept-gb2312", "PatientName Zhang^Wei=张^伟 (ISO 2022 IR 58); the text '张伟'", "Zhang^Wei=张^伟",
     ["", "ISO 2022 IR 58"], lambda i: "患者张伟"),
    ("r2-kept-korean-utf8", "PatientName Kim^Minseo=金^旼序=김^민서 (UTF-8); the text '김민서님'", "Kim^Minseo=金^旼序=김^민서",
     "ISO_IR 192", lambda i: "김민서님"),
    ("r2-kept-cyrillic", "PatientName Иванова^Пелагея (ISO_IR 144); the text 'ИВАНОВА П.'", "Иванова^Пелагея", "ISO_IR 144",
     lambda i: "ИВАНОВА П."),
    ("r2-kept-greek-upper", "PatientName Παπαδόπουλος^Ελευθερία (ISO_IR 126); the text in capitals without accents",
     "Παπαδόπουλος^Ελευθερία", "ISO_IR 126", lambda i: "ΠΑΠΑΔΟΠΟΥΛΟΣ"),
    ("r2-kept-html-entity", "PatientName 'Großkopf' (Latin-1); the text 'Gro&szlig;kopf'", "Großkopf^Hannelore^Maria", "ISO_IR 100",
     lambda i: "Gro&szlig;kopf"),
    ("r2-fold-polish-l-stroke", "PatientName 'Wałęsa^Łucja' (ISO_IR 101); the text 'WALESA LUCJA' (ł has no decomposition)",
     "Wałęsa^Łucja", "ISO_IR 101", lambda i: "WALESA LUCJA"),
    ("r2-fold-danish-o-stroke", "PatientName 'Søndergaard^Bjørn' (Latin-1); the text 'SONDERGAARD BJORN' (ø has no decomposition)",
     "Søndergaard^Bjørn", "ISO_IR 100", lambda i: "SONDERGAARD BJORN"),
    ("r2-fold-danish-o-stroke-expanded", "PatientName 'Søndergaard^Bjørn' (Latin-1); the text 'SOENDERGAARD' (ø written oe)",
     "Søndergaard^Bjørn", "ISO_IR 100", lambda i: "SOENDERGAARD"),
    ("r2-fold-turkish-dotless-i", "PatientName 'YILMAZ^AYŞE' (ISO_IR 148, capitals as DICOM names are written); the text 'Yılmaz' (dotless ı)",
     "YILMAZ^AYŞE", "ISO_IR 148", lambda i: "Hasta Yılmaz"),
    ("r2-fold-vietnamese-d-stroke", "PatientName 'Đặng^Đức' (UTF-8); the text 'DANG DUC' (đ has no decomposition)",
     "Đặng^Đức", "ISO_IR 192", lambda i: "BN DANG DUC"),
    ("r2-fold-icelandic-thorn", "PatientName 'Þórsdóttir^Guðrún' (Latin-1); the text 'THORSDOTTIR GUDRUN'",
     "Þórsdóttir^Guðrún", "ISO_IR 100", lambda i: "THORSDOTTIR GUDRUN"),
    ("r2-kept-mojibake", "PatientName 'Großkopf' (Latin-1); the text its UTF-8 read as Latin-1 ('GroÃŸkopf')",
     "Großkopf^Hannelore^Maria", "ISO_IR 100", lambda i: "Großkopf".encode("utf-8").decode("latin-1")),
]


def _unicode_kept(cid, desc, name, charset, fn):
    def make(ctx):
        n = name or ctx.idn.patient_name
        if name is None:
            ctx.set_identity(patient_name=n)
            return kept(ctx, fn(ctx.idn), charset=charset)
        ctx.set_identity(patient_name=n, family=n.split("=")[0].split("^")[0],
                         given=(n.split("=")[0].split("^") + [""])[1])
        return kept(ctx, fn(ctx.idn), charset=charset)
    channel(cid, "unicode", "SeriesDescription and a code meaning: " + desc)(make)


for _cid, _desc, _name, _charset, _fn in U:
    _unicode_kept(_cid, _desc, _name, _charset, _fn)

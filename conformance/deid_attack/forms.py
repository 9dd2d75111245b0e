"""The forms a planted value can take when it leaks, and the normalisation that finds them.

Shared by make_corpus.py (which lists the forms in manifest.json) and scan.py (which searches
for them). Written from the standard's value representations and from how people retype
identifiers, not from sendit's code.

A Needle is one form of one planted value:
  kind "text"   matched in normalised text (NFKC, casefold, default-ignorables removed,
                diacritics stripped or expanded); `word` means not inside a longer word
  kind "digits" matched against digit runs with separators removed (see digit_runs)
  kind "uid"    matched exactly (bytes), not next to another UID character
"""
import calendar
import dataclasses
import html
import re
import unicodedata
import urllib.parse

MIN_PART = 2          # name parts shorter than this are not searched
WORD_BELOW = 6        # Latin needles shorter than this count only as whole words
MIN_DIGITS = 6        # digit-only forms need this many digits


@dataclasses.dataclass(frozen=True)
class Needle:
    attr: str       # the identifying attribute the planted value was in (PatientName...)
    value: str      # the planted clear value
    form: str       # what is searched
    kind: str       # "text", "digits" or "uid"
    word: bool = False

    def describe(self):
        return f"{self.attr} {self.value!r} as {self.form!r} ({self.kind})"


# --- normalisation -------------------------------------------------------------------------

def _ignorable(cp):
    """Unicode Default_Ignorable_Code_Point (DerivedCoreProperties), the ranges that matter."""
    return (cp in (0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFEFF, 0xFFA0)
            or 0x180B <= cp <= 0x180F or 0x200B <= cp <= 0x200F or 0x202A <= cp <= 0x202E
            or 0x2060 <= cp <= 0x206F or 0xFE00 <= cp <= 0xFE0F or 0xFFF0 <= cp <= 0xFFF8
            or 0x1BCA0 <= cp <= 0x1BCA3 or 0x1D173 <= cp <= 0x1D17A or 0xE0000 <= cp <= 0xE0FFF)


_IGNORABLE_RE = re.compile("[" + "".join(
    re.escape(chr(c)) for c in list(range(0x00A0, 0x3165)) + list(range(0xFE00, 0x10000))
    if _ignorable(c)) + "\U0001BCA0-\U0001BCA3\U0001D173-\U0001D17A\U000E0000-\U000E0FFF]")

# Letters that look like Latin ones (Cyrillic and Greek capitals and small letters), folded
# only in the "squeezed" variant so that GRОSSKOPF with a Cyrillic О is still found.
_CONFUSABLE = str.maketrans({
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ζ": "z", "η": "n", "μ": "m"})

_EXPAND = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "å": "aa", "æ": "ae", "ø": "oe",
                         "œ": "oe", "ß": "ss", "þ": "th", "ð": "d", "đ": "d", "ł": "l",
                         "ı": "i"})
_STRIP = str.maketrans({"æ": "ae", "ø": "o", "œ": "oe", "ß": "ss", "þ": "th", "ð": "d",
                        "đ": "d", "ł": "l", "ı": "i"})


_COMBINING = re.compile("[" + "".join(
    re.escape(chr(c)) for c in range(0x0300, 0x10000) if unicodedata.combining(chr(c))) + "]")


def _marks_off(s):
    return _COMBINING.sub("", unicodedata.normalize("NFD", s))


_KATAKANA = str.maketrans({c: c - 0x60 for c in range(0x30A1, 0x30F7)})


def base(s):
    """NFKC, default-ignorables removed, casefolded, katakana as hiragana (a reading may be
    written in either), PN delimiters and white space as one space."""
    s = _IGNORABLE_RE.sub("", s)
    s = unicodedata.normalize("NFKC", s)
    s = _IGNORABLE_RE.sub("", s).casefold().translate(_KATAKANA)
    s = re.sub(r"[\^=\s]+", " ", s)
    return s


def variants(s, squeeze=True):
    """The normalised forms of a text: as is, diacritics stripped, umlauts expanded (ü → ue),
    and (squeeze) every non-alphanumeric character removed after confusables are folded."""
    if s.isascii():                     # the common case, and the same result
        b = re.sub(r"[\^=\s]+", " ", s.lower())
        out = {"base": b, "stripped": b, "expanded": b}
        if squeeze:
            out["squeezed"] = re.sub(r"[\W_]+", "", b)
        return out
    b = base(s)
    out = {"base": b,
           "stripped": _marks_off(b.translate(_STRIP)),
           "expanded": _marks_off(b.translate(_EXPAND))}
    if squeeze:
        out["squeezed"] = re.sub(r"[\W_]+", "", out["stripped"].translate(_CONFUSABLE))
    return out


def unescaped(s):
    """Text as a person or a browser would read it: HTML entities and %-escapes decoded."""
    t = html.unescape(s)
    if "%" in t:
        t = urllib.parse.unquote(t, errors="replace")
    return t


# --- digit runs --------------------------------------------------------------------------------

_RUN_RE = re.compile(r"\d+(?:[ \-/().]{1,2}\d+)*")


def digit_runs(text):
    """Digit runs as a person reads them: groups joined across one or two separators
    (space, -, /, (, ), .), and also each "."-separated part alone (a UID component).
    Yields (joined digits, start offset)."""
    for m in _RUN_RE.finditer(unicodedata.normalize("NFKC", text)):
        run = m.group(0)
        yield re.sub(r"\D", "", run), m.start()
        if "." in run:
            pos = m.start()
            for part in run.split("."):
                digits = re.sub(r"\D", "", part)
                if digits:
                    yield digits, pos
                pos += len(part) + 1


LONG_RUN = 24


def digits_match(needle_digits, run):
    """A digit form is found when a run is it, begins with it (a DT: birth date then time) or
    ends with it (a number after a country code or a prefix). Not in the middle of a run, and
    not at either end of a run longer than LONG_RUN digits: the 39-digit part of a 2.25 UID is
    random, and a given 7-digit number begins or ends one with probability 2e-7 and occurs
    inside one with probability 3e-6; over a corpus's thousands of UIDs and needles that
    would be a false leak in some runs."""
    if run == needle_digits:
        return True
    if len(run) > LONG_RUN:
        return False
    return run.startswith(needle_digits) or run.endswith(needle_digits)


# --- forms of planted values ---------------------------------------------------------------------

def _is_cjk(s):
    return any(unicodedata.east_asian_width(c) in ("W", "F") for c in s)


def _text_needle(attr, value, form):
    v = base(form).strip()
    if not v:
        return None
    if not _is_cjk(v) and len(v) < MIN_PART:
        return None
    if _is_cjk(v) and len(v.replace(" ", "")) < 2:
        return None
    word = not _is_cjk(v) and len(v) < WORD_BELOW
    return Needle(attr, value, form, "text", word)


def name_forms(attr, value):
    """A PN value: whole, each group, each component of 2 characters or more, and the family
    and given names in both orders, with and without a comma."""
    forms = {value}
    for group in value.split("="):
        comps = [c.strip() for c in group.split("^")]
        if not any(comps):
            continue
        forms.add(group)
        for c in comps:
            for word in [c] + c.replace("-", " ").split():
                if len(word) >= MIN_PART:
                    forms.add(word)
        fam, giv = (comps + ["", ""])[:2]
        if fam and giv:
            forms |= {f"{giv} {fam}", f"{fam} {giv}", f"{fam}, {giv}", f"{fam},{giv}",
                      f"{giv}{fam}" if _is_cjk(fam) else f"{giv} {fam}",
                      f"{fam}{giv}" if _is_cjk(fam) else f"{fam} {giv}"}
    return forms


MONTHS = [m.lower() for m in calendar.month_name[1:]]


def date_forms(da):
    """Text forms of a DA value (YYYYMMDD) people write, and its digit-only forms."""
    y, m, d = da[:4], da[4:6], da[6:8]
    mi = int(m)
    mon, month = MONTHS[mi - 1][:3], MONTHS[mi - 1]
    di = str(int(d))
    text = {f"{y}-{m}-{d}", f"{y}/{m}/{d}", f"{y}.{m}.{d}", f"{m}/{d}/{y}", f"{d}/{m}/{y}",
            f"{d}.{m}.{y}", f"{d}-{m}-{y}", f"{m}-{d}-{y}", f"{d}-{mon}-{y}", f"{d} {mon} {y}",
            f"{di}-{mon}-{y}", f"{di} {mon} {y}", f"{mon} {d} {y}", f"{mon} {di}, {y}",
            f"{month} {di}, {y}", f"{di} {month} {y}", f"{di}. {month} {y}", f"{d}{mon}{y}",
            f"{y}-{mon}-{d}", f"{d}.{m}.{y[2:]}", f"{m}/{d}/{y[2:]}"}
    digits = {da, f"{m}{d}{y}", f"{d}{m}{y}"}
    return text, digits


def forms_of(attr, kind, value):
    """Needles for one planted value. kind: name, id, date, phone, address, email, text,
    word, uid."""
    out = set()
    add = out.add
    if kind == "name":
        for f in name_forms(attr, value):
            n = _text_needle(attr, value, f)
            if n:
                add(n)
    elif kind == "date":
        text, digits = date_forms(value)
        for f in text:
            add(Needle(attr, value, f, "text", False))
        for f in digits:
            add(Needle(attr, value, f, "digits"))
    elif kind in ("id", "phone"):
        n = _text_needle(attr, value, value)
        if n:
            add(n)
        d = re.sub(r"\D", "", value)
        if len(d) >= MIN_DIGITS:
            add(Needle(attr, value, d, "digits"))
            if kind == "phone" and d.startswith("1") and len(d) == 11:
                add(Needle(attr, value, d[1:], "digits"))
        letters = re.sub(r"[^A-Za-z]", "", value)
        if letters and d and len(d) >= MIN_DIGITS:
            add(Needle(attr, value, f"{letters} {d}", "text", False))
            add(Needle(attr, value, f"{letters}-{d}", "text", False))
    elif kind == "address":
        n = _text_needle(attr, value, value)
        if n:
            add(n)
        first = value.split(",")[0]
        n = _text_needle(attr, value, first)
        if n:
            add(n)
    elif kind == "email":
        add(Needle(attr, value, value, "text", False))
        add(Needle(attr, value, value.split("@")[0], "text", len(value.split("@")[0]) < 6))
    elif kind == "uid":
        add(Needle(attr, value, value, "uid"))
    else:                                   # text, word: the value as given
        n = _text_needle(attr, value, value)
        if n:
            add(n)
    return out


def needle_from_json(d):
    return Needle(d["attr"], d["value"], d["form"], d["kind"], bool(d.get("word")))


def needle_to_json(n):
    return dataclasses.asdict(n)

"""Finds needles (forms.Needle) in bytes and in decoded text.

Bytes: every text and UID needle is encoded in every plausible character encoding and
searched ASCII-case-insensitively (both sides lowered byte by byte, which keeps multi-byte
encodings consistent). Text: decoded values are normalised by forms.variants and searched
for the needles normalised the same way; digit needles are compared with digit runs.
"""
import bisect
import re

import forms
from pixelparse import MIN_SAMPLE_BYTES

ENCODINGS = ["latin-1", "utf-8", "cp1252", "utf-16-le", "utf-16-be", "utf-32-le",
             "shift_jis", "euc_jp", "iso2022_jp", "euc_kr", "iso2022_kr", "gb18030", "big5"]
UNIT = {"utf-16-le": 2, "utf-16-be": 2, "utf-32-le": 4}
CJK_DECODINGS = ["shift_jis", "euc_jp", "iso2022_jp", "euc_kr", "gb18030", "big5"]
SEP = "\n\x00\n"


class Hit:
    def __init__(self, needle, where, how):
        self.needle, self.where, self.how = needle, where, how

    def __repr__(self):
        return f"{self.needle.describe()} at {self.where} [{self.how}]"


def _word_char_byte(b):
    return 48 <= b <= 57 or 97 <= b <= 122 or 65 <= b <= 90 or b >= 0x80


class Searcher:
    def __init__(self, needles, encodings=ENCODINGS, text=True):
        """text=False: bytes and digit runs only (the coarse search of an output no log line
        names, against every identity at once)."""
        self.needles = sorted(set(needles), key=lambda n: (n.attr, n.form))
        self.encodings = encodings
        self._byte_patterns()
        self.text_index, self.text_regex = {}, {}
        if text:
            self._text_patterns()
        self.digits = {}
        for n in self.needles:
            if n.kind == "digits":
                self.digits.setdefault(n.form, []).append(n)

    # --- bytes ---------------------------------------------------------------------------------

    def _byte_patterns(self):
        """(lowered bytes, needle, encoding): every encoding's bytes of every case variant."""
        pats = {}
        for n in self.needles:
            if n.kind == "digits":
                continue
            cases = {n.form, n.form.upper(), n.form.lower(), n.form.title()}
            if n.kind == "text" and "^" in n.form:
                cases |= {c.replace("^", " ") for c in cases}
            for enc in self.encodings:
                for c in cases:
                    try:
                        b = c.encode(enc)
                    except (UnicodeEncodeError, LookupError):
                        continue
                    if enc in UNIT and b[:UNIT[enc]] in (b"\xff\xfe", b"\xfe\xff"):
                        b = b[UNIT[enc]:]
                    if len(b) < 2:
                        continue
                    pats.setdefault((b.lower(), n), enc)
        self.byte_patterns = [(b, n, enc) for (b, n), enc in pats.items()]
        # many patterns (every identity at once): look each position's first 4 bytes up
        # instead of one bytes.find per pattern
        self.by_prefix = None
        if len(self.byte_patterns) > 3000 and all(len(b) >= 4 for b, _, _ in self.byte_patterns):
            self.by_prefix = {}
            for b, n, enc in self.byte_patterns:
                self.by_prefix.setdefault(b[:4], []).append((b, n, enc))

    def search_bytes(self, data, where_of, samples=False):
        """Raw search. where_of(offset) names the place. In samples only patterns of at least
        MIN_SAMPLE_BYTES bytes count."""
        hits = []
        low = data.lower()
        if self.by_prefix is not None:
            found = set()
            get = self.by_prefix.get
            for i in range(len(low) - 3):
                cands = get(low[i:i + 4])
                if cands:
                    for pat, n, enc in cands:
                        if (pat, n) in found or samples and len(pat) < MIN_SAMPLE_BYTES:
                            continue
                        if low.startswith(pat, i) and self._bounded(low, i, len(pat), n, enc):
                            found.add((pat, n))
                            hits.append(Hit(n, where_of(i), f"bytes in {enc}"))
            return hits
        for pat, n, enc in self.byte_patterns:
            if samples and len(pat) < MIN_SAMPLE_BYTES:
                continue
            i = low.find(pat)
            while i >= 0:
                if self._bounded(low, i, len(pat), n, enc):
                    hits.append(Hit(n, where_of(i), f"bytes in {enc}"))
                    break
                i = low.find(pat, i + 1)
        return hits

    @staticmethod
    def _bounded(data, i, length, n, enc):
        unit = UNIT.get(enc, 1)
        if n.kind == "uid":
            before = data[i - 1] if i > 0 else 32
            after = data[i + length] if i + length < len(data) else 32
            return not (48 <= before <= 57 or before == 46) and not (48 <= after <= 57 or after == 46)
        if not n.word:
            return True
        if unit > 1 or enc not in ("latin-1", "utf-8", "cp1252"):
            return False      # whole words in other encodings: the decoded-text search
        before = data[i - 1] if i > 0 else 32
        after = data[i + length] if i + length < len(data) else 32
        return not _word_char_byte(before) and not _word_char_byte(after)

    # --- text ----------------------------------------------------------------------------------

    def _text_patterns(self):
        # variant -> {normalised form: [needles]}
        for n in self.needles:
            if n.kind not in ("text", "uid"):
                continue
            for name, v in forms.variants(n.form).items():
                v = v.strip()
                # squeezed: only forms with 6 letters or more (digits squeezed together occur by
                # chance in any long number, such as a 2.25 UID)
                if name == "squeezed" and (n.word or n.kind == "uid"
                                           or sum(c.isalpha() for c in v) < forms.WORD_BELOW):
                    continue
                if len(v) < 2:
                    continue
                self.text_index.setdefault(name, {}).setdefault((v, n.word or n.kind == "uid"), []).append(n)
        # text pieces: every form; binary pieces (OB values, whole files decoded as text):
        # forms of 4 characters or more, and squeezed forms of 8 or more, so that chance
        # letters in random bytes do not count
        self.text_regex = {}
        for binary in (False, True):
            for name, table in self.text_index.items():
                least = (8 if name == "squeezed" else 4) if binary else 2
                plain = sorted({v for v, w in table if not w and len(v) >= least}, key=len, reverse=True)
                word = sorted({v for v, w in table if w and len(v) >= least}, key=len, reverse=True)
                parts = []
                if plain:
                    parts.append("(?P<p>" + "|".join(map(_loose, plain)) + ")")
                if word:
                    parts.append(r"(?<![\w.])(?P<w>" + "|".join(map(_loose, word)) + r")(?![\w])")
                if parts:
                    self.text_regex[(binary, name)] = re.compile("|".join(parts))

    def search_texts(self, pieces, binary=False):
        """pieces: [(text, where)]. Every variant of every piece, and digit runs. binary: the
        text was decoded from bytes that need not be text (see _text_patterns)."""
        hits = []
        if not pieces:
            return hits
        pieces = list(pieces) + [(k, w + " (JIS X 0201 read as Latin-1)") for k, w in
                                 ((_jisx0201_from_latin1(t), w) for t, w in pieces) if k]
        texts = [forms.unescaped(t) if ("&" in t or "%" in t) else t for t, _ in pieces]
        wheres = [w for _, w in pieces]
        normed = [forms.variants(t) for t in texts]
        for (b, name), rx in self.text_regex.items():
            if b != binary:
                continue
            joined, starts = _join([v[name] for v in normed])
            for m in rx.finditer(joined):
                key = (m.group("p"), False) if m.groupdict().get("p") else (m.group("w"), True)
                k = bisect.bisect_right(starts, m.start()) - 1
                for n in self._lookup(name, key):
                    hits.append(Hit(n, wheres[k], f"text ({name})"))
        if self.digits:
            for t, where in zip(texts, wheres):
                for run, _ in forms.digit_runs(t):
                    if len(run) < forms.MIN_DIGITS:
                        continue
                    for d, ns in self.digits.items():
                        if forms.digits_match(d, run):
                            hits.extend(Hit(n, where, f"digit run {run[:40]}") for n in ns)
        return hits

    def _lookup(self, variant, key):
        table = self.text_index[variant]
        if key in table:
            return table[key]
        # _loose let white space vary: compare with runs of white space collapsed
        v, w = key
        vv = re.sub(r"\s+", " ", v)
        return [n for (f, fw), ns in table.items() if fw == w and re.sub(r"\s+", " ", f) == vv
                for n in ns]


def _jisx0201_from_latin1(t):
    """Half-width katakana (JIS X 0201, ISO_IR 13: bytes A1-DF) that a reader decoded as
    Latin-1 and wrote again: the text with those characters read back as katakana, or None.
    (A decoder without a JIS X 0201 table falls back to Latin-1; the reading is not lost, only
    disguised.)"""
    if not any("\u00a1" <= c <= "\u00df" for c in t):
        return None
    return "".join(chr(0xFF61 + ord(c) - 0xA1) if "\u00a1" <= c <= "\u00df" else c for c in t)


def _loose(v):
    """A normalised form as a regex: its spaces match any run of white space, and a form that
    begins or ends with a digit may not continue a longer number (11.05.24 is not found in
    511.05.245)."""
    rx = r"\s+".join(re.escape(p) for p in v.split(" "))
    if v[:1].isdigit():
        rx = r"(?<![\d.])" + rx
    if v[-1:].isdigit():
        rx = rx + r"(?![\d]|\.\d)"
    return rx


def _join(texts):
    starts, pos = [], 0
    for t in texts:
        starts.append(pos)
        pos += len(t) + len(SEP)
    return SEP.join(texts), starts

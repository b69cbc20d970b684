"""Find CPR numbers and personnummer in free text, however they are written.

One detector for every free text the product takes in: the importer masks what it finds (each
mask a warning), the conference writer refuses it, `ips-nb redact` masks what is already stored,
and `problems.mask` hides it in messages. A clinician's note is not a form field: the number comes
typed with dots, slashes or an en dash, pasted with a no-break space or a zero-width space from a
web page, or in full-width digits from a phone keyboard. So the text is normalised first and the
digits are read through the separators, while the phone numbers, dates, amounts and addresses
that notes really hold are told apart by their shape and by the date a number must begin with.

How a text is read:

1. Normalised one character at a time (Unicode NFKC, so full-width and superscript digits become
   digits; any decimal digit of another script too), keeping a map back to the original offsets
   so a span found can be cut out of the text as it was typed. Format characters (zero-width
   space, joiner and non-joiner U+200B..U+200D, word joiner U+2060, byte-order mark U+FEFF, soft
   hyphen U+00AD and the rest of Unicode's Cf) and combining marks are dropped.
2. Digits separated only by up to five separator characters (any Unicode space, tab or line
   break, dot, slash, backslash, underscore, '+', any dash: hyphen, en and em dash, minus sign...)
   are one *run* of *groups*.
3. In a run, a stretch of whole groups with 10 or 12 digits is a number when it begins with a
   real date and its separators fall where a person writing the number puts them: between day,
   month and year, and between the date and the 4-digit serial (which is never split):
   - DDMMYY + 4 and DDMMYYYY + 4 (Danish CPR; DDMMYYYY is how a Dane writes the date out);
   - YYMMDD + 4 and YYYYMMDD + 4 (Swedish personnummer; the day + 60 of a samordningsnummer too).
   A date part written with separators ("01 01 90 1234") needs a separator before the serial too,
   so "08-12345678" (a Stockholm telephone) is not read as 08.12.34 + 5678. When the stretch is
   only part of its run, it must be written compactly ("010190-1234") and stand apart from the
   rest of the run by a space: "01.06.21-30.06.21", a period, holds the stretch 01.06.21 + 3006,
   which is not a number.
4. A 6-digit DDMMYY date standing alone, followed within three words (and 40 characters, on the
   same line) by a 4-digit number standing alone, is a CPR number written in two parts
   ("fødselsdato 010190 løbenr 1234", "født 01.01.90, nr. 1234"). This reading is weaker, so three
   things that notes hold are not taken for a serial: a year (1900-2099: a serial is one 2 % of
   the time), a clock time after "kl." and an amount ("1200 kr", "15 %").

No check digit is required. Danish CPR numbers issued since 2007 need not pass modulus 11, so
requiring it would let real numbers through. For Swedish numbers the Luhn digit would be possible
but is not required either: a personnummer typed with one wrong digit still identifies its owner
(the importer's identity column checks Luhn; free text is not a register), the harmless corpus in
tests/unit/test_idscan.py stays unflagged without it, and a false positive costs a masked word
or a refused save while a false negative is a number stored in clear. What is flagged although
harmless: a 10-digit account or order number that begins with a valid date, a Swedish mobile
number typed without spaces (0701234567 reads as 07.01.23 + 4567), a date followed by a
4-digit clock time without "kl." ("01.06.21 1400").

The markers the importer and `ips-nb redact` put where a number was are stored data, not page
labels: they are written into the database once, in the site's language, and every page, export
and notebook later shows the stored text as it is. So they live here in the data layer (which
never reads the pages' gettext catalogues) rather than in the catalogues.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

MARKERS: dict[str, str] = {
    "da": "[CPR fjernet]",
    "sv": "[personnummer borttaget]",
    "en": "[ID number removed]",
}
"""What stands where a number was, by the site's language ('en' for any other)."""

_MAX_SEPARATOR = 5  # separator characters between two groups of one run ("010190 -  1234")
_SPLIT_GAP = 40  # characters between the date and the serial of a number written in two parts
_SPLIT_WORDS = 3
_DASHES = {"\u2212", "\u2043", "\u2e3a", "\u2e3b"}  # minus sign, hyphen bullet, 2- and 3-em dash
_OTHER_SEPARATORS = set("./\\_+\u2044\u2215\u00b7")  # fraction and division slash, middle dot
_WORD = re.compile(r"[^\W\d_]+")
_CLOCK = {"kl", "klokken", "klockan"}
_UNIT = re.compile(r"\s*(?:kr\b|kr\.|kroner|kronor|dkk|sek|nok|eur|€|%|,-)", re.IGNORECASE)


def marker_for(language: str | None) -> str:
    """The marker for a site's language ('da', 'sv', 'da_DK', 'sv-SE'...); English otherwise."""
    return MARKERS.get((language or "en")[:2].lower(), MARKERS["en"])


@dataclass(frozen=True)
class _Normalised:
    text: str  # digits as ASCII, separators kept, dropped characters gone
    origin: Sequence[int]  # origin[i]: the offset in the original text of text[i]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Normalised [start, end) as an original [start, end)."""
        return self.origin[start], self.origin[end - 1] + 1


def _is_separator(ch: str) -> bool:
    return (ch.isspace() or ch in _OTHER_SEPARATORS or ch in _DASHES
            or unicodedata.category(ch) == "Pd")


@functools.lru_cache(maxsize=4096)
def _normal_char(ch: str) -> str:
    """One non-ASCII character as the detector reads it: NFKC, any decimal digit as ASCII,
    format characters and combining marks gone ('' for them)."""
    out = []
    for c in unicodedata.normalize("NFKC", ch):
        if unicodedata.category(c) in ("Cf", "Mn", "Me"):
            continue
        digit = unicodedata.decimal(c, None)
        out.append(str(digit) if digit is not None else c)
    return "".join(out)


def _normalise(text: str) -> _Normalised:
    if text.isascii():
        return _Normalised(text, range(len(text)))
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        piece = ch if ch.isascii() else _normal_char(ch)
        out.append(piece)
        origin.extend([i] * len(piece))
    return _Normalised("".join(out), origin)


def _too_few_digits(text: str) -> bool:
    """Fewer than 10 digits, as the detector reads them: no number can be in the text. Most
    notes are that, and this costs a fraction of reading them."""
    ascii_digits = sum(map(text.count, "0123456789"))
    if ascii_digits >= 10:
        return False
    if text.isascii():
        return True
    more = sum(1 for ch in text if not ch.isascii() and any(c.isdigit() for c in _normal_char(ch)))
    return ascii_digits + more < 10


@dataclass(frozen=True)
class _Group:
    start: int
    end: int
    digits: str


def _runs(norm: str) -> list[list[tuple[_Group, str]]]:
    """Runs of digit groups, each group with the separator text before it ('' for the first)."""
    runs: list[list[tuple[_Group, str]]] = []
    for m in re.finditer(r"[0-9]+", norm):
        group = _Group(m.start(), m.end(), m.group())
        if runs:
            last = runs[-1][-1][0]
            between = norm[last.end:m.start()]
            if len(between) <= _MAX_SEPARATOR and all(_is_separator(c) for c in between):
                runs[-1].append((group, between))
                continue
        runs.append([(group, "")])
    return runs


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _short_year(yy: str) -> int:
    """A two-digit year as one in 2000-2099, so 29 February is valid exactly in leap years
    (whichever century the number belongs to, 00 included: 2000 was a leap year)."""
    return 2000 + int(yy)


def _se_day(dd: str) -> int:
    """The day of a Swedish number: a samordningsnummer adds 60 to it."""
    return int(dd) - 60 if int(dd) > 60 else int(dd)


# (length of the date part, allowed separator offsets, does the date part hold a real date?)
_LAYOUTS: dict[int, list[tuple[int, frozenset[int], object]]] = {
    10: [
        (6, frozenset({2, 4, 6}),  # DDMMYY (DK)
         lambda d: _real_date(_short_year(d[4:6]), int(d[2:4]), int(d[0:2]))),
        (6, frozenset({2, 4, 6}),  # YYMMDD (SE), day + 60 for a samordningsnummer
         lambda d: _real_date(_short_year(d[0:2]), int(d[2:4]), _se_day(d[4:6]))),
    ],
    12: [
        (8, frozenset({2, 4, 8}),  # DDMMYYYY (DK, the date written out)
         lambda d: 1800 <= int(d[4:8]) <= 2099 and _real_date(int(d[4:8]), int(d[2:4]), int(d[0:2]))),
        (8, frozenset({4, 6, 8}),  # YYYYMMDD (SE)
         lambda d: 1800 <= int(d[0:4]) <= 2099
         and _real_date(int(d[0:4]), int(d[4:6]), _se_day(d[6:8]))),
    ],
}


def _offsets(groups: list[_Group]) -> set[int]:
    """Where, counted in digits, the separators between the groups fall."""
    offsets, at = set(), 0
    for g in groups[:-1]:
        at += len(g.digits)
        offsets.add(at)
    return offsets


def _is_number(groups: list[_Group], compact_only: bool) -> bool:
    digits = "".join(g.digits for g in groups)
    offsets = _offsets(groups)
    for date_len, allowed, real in _LAYOUTS.get(len(digits), []):
        if compact_only and not offsets <= {date_len}:
            continue
        if offsets <= allowed and (not offsets or date_len in offsets) and real(digits):  # type: ignore[operator]
            return True
    return False


def _whole(run: list[tuple[_Group, str]]) -> list[_Group]:
    return [g for g, _ in run]


def _in_runs(runs: list[list[tuple[_Group, str]]]) -> list[tuple[int, int]]:
    """Numbers written as one run (rule 3), as normalised spans."""
    found: list[tuple[int, int]] = []
    for run in runs:
        for i in range(len(run)):
            total = 0
            for j in range(i, len(run)):
                total += len(run[j][0].digits)
                if total > 12:
                    break
                if total not in _LAYOUTS:
                    continue
                whole = i == 0 and j == len(run) - 1
                apart = ((i == 0 or run[i][1].isspace())
                         and (j == len(run) - 1 or run[j + 1][1].isspace()))
                if (whole or apart) and _is_number(_whole(run[i:j + 1]), compact_only=not whole):
                    found.append((run[i][0].start, run[j][0].end))
    return found


def _split(norm: str, runs: list[list[tuple[_Group, str]]]) -> list[tuple[int, int]]:
    """Numbers written as a date and, a few words on, a serial (rule 4), as normalised spans."""
    found: list[tuple[int, int]] = []
    for run, following in zip(runs, runs[1:]):
        groups, serial = _whole(run), following[0][0]
        digits = "".join(g.digits for g in groups)
        if (len(digits) != 6 or len(following) != 1 or len(serial.digits) != 4
                or not _offsets(groups) <= {2, 4}
                or not _real_date(_short_year(digits[4:6]), int(digits[2:4]), int(digits[0:2]))):
            continue
        gap = norm[groups[-1].end:serial.start]
        words = [w.casefold() for w in _WORD.findall(gap)]
        if (len(gap) > _SPLIT_GAP or "\n" in gap or len(words) > _SPLIT_WORDS
                or 1900 <= int(serial.digits) <= 2099
                or (words and words[-1] in _CLOCK) or _UNIT.match(norm, serial.end)):
            continue
        found.append((groups[0].start, serial.end))
    return found


def find(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) in the ORIGINAL text of every CPR number or personnummer in it, in
    order, overlapping finds merged."""
    if _too_few_digits(text):
        return []
    norm = _normalise(text)
    runs = _runs(norm.text)
    spans = sorted(_in_runs(runs) + _split(norm.text, runs))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return [norm.span(start, end) for start, end in merged]


def contains_identity(text: str) -> bool:
    """Whether the text holds a CPR number or personnummer in any form `find` knows."""
    return bool(find(text))


def redact(text: str, marker: str) -> tuple[str, int]:
    """The text with each number found replaced by `marker`, and how many were replaced.

    Redacting a redacted text changes nothing: a marker holds no digit and its brackets end a
    run, so no new number forms across it."""
    spans = find(text)
    if not spans:
        return text, 0
    parts, at = [], 0
    for start, end in spans:
        parts += [text[at:start], marker]
        at = end
    parts.append(text[at:])
    return "".join(parts), len(spans)

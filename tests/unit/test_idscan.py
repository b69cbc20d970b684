"""The identity detector: every corpus form caught where it stands, no harmless note flagged,
and any real date + 4 digits caught however it is separated (a property)."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from idcorpus import DANGEROUS, HARMLESS

from ips_nb.data import idscan
from ips_nb.data.problems import mask, problem


def _digits(text: str) -> int:
    """How many digits a text holds, counting full-width and superscript ones."""
    return sum(1 for c in text if any(unicodedata.digit(n, None) is not None
                                      for n in unicodedata.normalize("NFKC", c)))


def test_the_corpus_is_32_forms_and_30_harmless_texts():
    assert len(DANGEROUS) == 32 and len({t for _, t in DANGEROUS}) == 32
    assert len(HARMLESS) == 30 and len(set(HARMLESS)) == 30


@pytest.mark.parametrize("name, text", DANGEROUS, ids=[n for n, _ in DANGEROUS])
def test_every_form_is_found_with_its_span_in_the_original_text(name, text):
    spans = idscan.find(text)
    assert len(spans) == 1, spans
    start, end = spans[0]
    # the span holds the whole number as typed: its 10 or 12 digits, the serial (1234 in every
    # form) included, and outside it no part of the number is left
    assert _digits(text[start:end]) in (10, 12)
    rest = unicodedata.normalize("NFKC", text[:start] + "#" + text[end:])
    assert "1234" not in rest and "12\u206034" not in rest
    assert idscan.contains_identity(text)


@pytest.mark.parametrize("text", HARMLESS)
def test_no_harmless_text_is_flagged(text):
    assert idscan.find(text) == []
    assert not idscan.contains_identity(text)
    assert idscan.redact(text, "[X]") == (text, 0)


def test_redact_replaces_each_number_keeps_the_rest_and_counts():
    text = "Ring til 010190-1234 i morgen; fødselsdato 010190 løbenr 1234. Tlf. 2942 5543."
    assert idscan.redact(text, idscan.marker_for("da")) == (
        "Ring til [CPR fjernet] i morgen; fødselsdato [CPR fjernet]. Tlf. 2942 5543.", 2)


def test_redact_keeps_characters_around_a_normalised_number():
    # the span maps back through dropped and widened characters to the text as typed
    text = "a \uff10\uff11\uff10\uff11\uff19\uff10\u200b\uff11\uff12\uff13\uff14 b"
    assert idscan.redact(text, "#") == ("a # b", 1)


@pytest.mark.parametrize("name, text", DANGEROUS, ids=[n for n, _ in DANGEROUS])
def test_redacting_twice_changes_nothing_more(name, text):
    once, n = idscan.redact(f"Note: {text} slut", idscan.marker_for("sv"))
    assert n == 1 and "[personnummer borttaget]" in once
    assert idscan.redact(once, idscan.marker_for("sv")) == (once, 0)


def test_markers_by_language_and_the_fallback():
    assert idscan.MARKERS == {"da": "[CPR fjernet]", "sv": "[personnummer borttaget]",
                              "en": "[ID number removed]"}
    assert idscan.marker_for("da") == "[CPR fjernet]"
    assert idscan.marker_for("sv_SE") == "[personnummer borttaget]"
    assert idscan.marker_for("de") == idscan.marker_for("") == "[ID number removed]"
    assert not any(c.isdigit() for c in "".join(idscan.MARKERS.values()))


def test_dates_need_to_be_real():
    # each number is read as DDMMYY (DK) and as YYMMDD (SE, day + 60 allowed): both must fail
    assert idscan.find("321390-1234") == []  # month 13 either way
    assert idscan.find("310432-1234") == []  # no 31 April; no day 32 of April 2031
    assert idscan.find("290233-1234") == []  # 29 February 2033 / 1933; no day 33
    assert idscan.find("290232-1234") != []  # 29 February 2032 is a day
    assert idscan.find("320190-1234") != []  # no 32 January, but 30 January 2032 + 60: SE
    assert idscan.find("18991301-1234") == []  # month 13


def test_longer_numbers_are_not_read_into():
    # a 14-digit number holds a valid date + 4, but no one writes a CPR number inside one
    assert idscan.find("57900010101901234") == []
    assert idscan.find("id 0101901234567") == []


@pytest.mark.parametrize("name, text", DANGEROUS, ids=[n for n, _ in DANGEROUS])
def test_messages_never_show_a_form(name, text):
    said = str(problem("notes.csv", 2, "description", f"Ring {text}", f"about {text}"))
    shown = unicodedata.normalize("NFKC", said).translate({0x200B: None, 0xAD: None, 0x2060: None})
    assert "1234" not in shown and "12\\u206034" not in shown, said


def test_mask_still_hides_what_only_looks_like_a_number():
    # messages mask too much rather than too little: an impossible date is masked all the same
    assert mask("row 2: 320190-1234") == "row 2: 320190-****"


# --- property: any real date + 4 digits, separated as people do, is caught ---------------------

SEPARATORS = [" ", "-", ".", "/", "_", "+", "\u00a0", "\t", "\u2013", "\u2014", "\u2212", " - ",
              "\u202f", "\u2011", " / "]
INVISIBLE = ["", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
WIDE = {str(d): chr(0xFF10 + d) for d in range(10)}
SUPER = dict(zip("0123456789", "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"))
SAFE_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøå ,;:!?()", max_size=15)


@st.composite
def written_number(draw) -> str:
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2029, 12, 31)))
    layout = draw(st.sampled_from(["ddmmyy", "yymmdd", "yyyymmdd", "se_coord"]))
    if layout == "ddmmyy":
        parts = [f"{born:%d}", f"{born:%m}", f"{born:%y}"]
    elif layout == "yymmdd":
        parts = [f"{born:%y}", f"{born:%m}", f"{born:%d}"]
    elif layout == "se_coord":
        parts = [f"{born:%y}", f"{born:%m}", f"{born.day + 60:02d}"]
    else:
        parts = [f"{born:%Y}", f"{born:%m}", f"{born:%d}"]
    serial = f"{draw(st.integers(0, 9999)):04d}"
    spaced = draw(st.booleans())  # the date's parts separated, or written together
    glue = [draw(st.sampled_from(SEPARATORS)) if spaced else "" for _ in range(2)]
    before_serial = draw(st.sampled_from(SEPARATORS + [""])) if not spaced else \
        draw(st.sampled_from(SEPARATORS))
    text = parts[0] + glue[0] + parts[1] + glue[1] + parts[2] + before_serial + serial
    style = draw(st.sampled_from(["ascii", "wide", "super"]))
    if style != "ascii":
        table = WIDE if style == "wide" else SUPER
        text = "".join(table.get(c, c) for c in text)
    out = []
    for c in text:  # invisible characters anywhere inside
        out.append(c)
        out.append(draw(st.sampled_from(INVISIBLE)))
    return "".join(out[:-1])


@settings(max_examples=400, deadline=None)
@given(number=written_number(), before=SAFE_WORDS, after=SAFE_WORDS)
def test_any_real_date_and_four_digits_is_caught_however_written(number, before, after):
    text = f"{before} {number} {after}"
    redacted, n = idscan.redact(text, "[X]")
    assert n == 1, (text, idscan.find(text))
    assert not re.search(r"\d", redacted)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_fewer_than_ten_digits_is_never_a_number(text):
    if _digits(text) < 10:
        assert idscan.find(text) == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_find_never_raises_and_spans_are_ordered_inside_the_text(text):
    spans = idscan.find(text)
    assert all(0 <= s < e <= len(text) for s, e in spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_a_day_every_year_for_a_century_is_caught_in_the_common_forms():
    day = date(1930, 1, 1)
    while day < date(2030, 1, 1):
        for text in (f"{day:%d%m%y}-1234", f"{day:%y%m%d}-1234", f"{day:%Y%m%d}1234",
                     f"{day:%d.%m.%y} 1234"):
            assert idscan.contains_identity(text), text
        day += timedelta(days=37)

"""One cell of a SOURCE as the exchange format types it: dates, numbers, enums, booleans.

The validator (data.validate) parses every cell through `parse_cell`; a cell it cannot read
raises ValueError with the plain sentence the import reports beside file, row and column.
"""
from __future__ import annotations

import math
import re
from datetime import date

from ips_nb.data.schema import BOOL_ALIASES, Column

DATE_FORMATS = "YYYY-MM-DD, DD-MM-YYYY or DD.MM.YYYY"

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", re.ASCII)
_DMY = re.compile(r"(\d{1,2})([-.])(\d{1,2})\2(\d{4})", re.ASCII)


def parse_date(text: str) -> date:
    if m := _ISO.fullmatch(text):
        y, mo, d = (int(g) for g in m.groups())
    elif m := _DMY.fullmatch(text):
        d, _, mo, y = m.groups()
        y, mo, d = int(y), int(mo), int(d)
    else:
        raise ValueError(f"not a date: write it as {DATE_FORMATS}")
    try:
        value = date(y, mo, d)
    except ValueError:
        raise ValueError("not a real date: there is no such day") from None
    if not 1900 <= value.year <= 2100:
        raise ValueError("the year must be between 1900 and 2100")
    return value


def _number(text: str) -> float:
    t = text.replace(" ", "").replace("\u202f", "")
    if not t.isascii():
        raise ValueError
    if "," in t and "." not in t:
        t = t.replace(",", ".")  # a decimal comma, as Danish and Swedish write it
    value = float(t)
    if not math.isfinite(value):
        raise ValueError
    return value


_ALIASES: dict[int, dict[str, str]] = {}


def _enum(col: Column, text: str) -> str:
    low = text.strip().lower()
    aliases = _ALIASES.get(id(col))
    if aliases is None:
        aliases = _ALIASES[id(col)] = {k.lower(): v for k, v in col.aliases.items()}
    for candidate in (low, re.sub(r"[\s-]+", "_", low)):
        if candidate in col.choices:
            return candidate
        if candidate in aliases:
            return aliases[candidate]
    also = sorted(set(aliases) - set(col.choices))
    return _fail(f"not one of: {', '.join(col.choices)}"
                 + (f" (also accepted: {', '.join(also)})" if also else ""))


def _fail(message: str):
    raise ValueError(message)


def parse_cell(col: Column, text: str) -> object:
    """A non-empty cell's value for its column, or ValueError with a plain message."""
    kind = col.kind
    if kind == "date":
        return parse_date(text)
    if kind == "enum":
        return _enum(col, text)
    if kind == "bool":
        if text.lower() in BOOL_ALIASES:
            return BOOL_ALIASES[text.lower()]
        return _fail("not true or false (also accepted: yes/no, ja/nej, 1/0)")
    if kind in ("int", "float"):
        try:
            number = _number(text)
        except ValueError:
            return _fail("not a whole number" if kind == "int" else "not a number")
        if kind == "int" and not number.is_integer():
            return _fail("not a whole number")
        if (col.low is not None and number < col.low) or (col.high is not None and number > col.high):
            return _fail(f"must be between {col.low:g} and {col.high:g}")
        return int(number) if kind == "int" else number
    return text  # str and cpr: cpr is checked later, once the site's country is known

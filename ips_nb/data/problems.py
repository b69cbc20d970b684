"""What is wrong with an input, as a person can act on it: file, row, column, value, message.

Below both the readers and the validator (each reports problems; neither imports the other's
work for it). Identity numbers are masked in everything a Problem carries: every form the
identity detector (`idscan`) knows, and on top of it anything shaped like one whatever its date.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ips_nb.data import idscan

# Any 6 or 8 digits + 4, real date or not: a message masks too much, never too little.
_IDENTITY = re.compile(r"(?<!\d)(\d{6}|\d{8})[-+ ]?\d{4}(?!\d)")


@dataclass(frozen=True)
class Problem:
    """One thing wrong (level 'error') or worth a look (level 'warning') in a SOURCE."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    level: str = "error"

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        if self.value not in (None, ""):
            where.append(f"value {self.value!r}")
        return f"{self.level}: {', '.join(where)}: {self.message}"


def mask(text: str) -> str:
    """Hide the serial part of anything that looks like a CPR number or personnummer: what the
    detector finds, however written, becomes its date digits and '-****' ('010190-****')."""
    parts, at = [], 0
    for start, end in idscan.find(text):
        digits = [str(d) for c in unicodedata.normalize("NFKC", text[start:end])
                  if (d := unicodedata.decimal(c, None)) is not None]
        parts += [text[at:start], "".join(digits[:-4]), "-****"]
        at = end
    parts.append(text[at:])
    return _IDENTITY.sub(lambda m: m.group(1) + "-****", "".join(parts))


def mask_identity(value: str) -> str:
    """A CPR cell as it may be shown: its date part at most, never the whole number."""
    masked = mask(value)
    if masked != value:
        return masked
    return value[:6] + "-****" if len(value) >= 10 else "*" * len(value)


def excerpt(text: str, limit: int = 80) -> str:
    """At most `limit` characters of an input, saying how long it was: a message never echoes a
    whole input (a 2 GB value must not become a 2 GB error line)."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def problem(file: str, row: int | None, column: str | None, value: str | None, message: str,
            level: str = "error") -> Problem:
    """A Problem with identity numbers masked in its value and message."""
    return Problem(mask(str(file)), row, None if column is None else mask(column),
                   None if value is None else excerpt(mask(str(value))), mask(message), level)

"""Labels and number/date formatting in the site's language (da/sv/en)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal

from ips_nb.pages.catalogue import FIDELITY_ITEMS, LABELS

LANGS = ("da", "sv", "en")
LOCALES = {"da": "da_DK", "sv": "sv_SE", "en": "en_GB"}


@dataclass
class Labels:
    """A site's view of the catalogue: its language plus its own overrides."""

    lang: str = "en"
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise ValueError(f"language must be one of {LANGS}, got {self.lang!r}")

    def __call__(self, key: str, **fmt: object) -> str:
        own = self.overrides.get(key, {}).get(self.lang)
        if own is None:
            if key not in LABELS:
                raise KeyError(f"no catalogue entry {key!r}")
            own = LABELS[key][LANGS.index(self.lang)]
        return own.format(**fmt) if fmt else own

    def enum(self, prefix: str, value: str | None) -> str:
        """A coded value (phase, reason, kind) in words; unknown codes stay as they are."""
        key = f"{prefix}_{value}"
        return self(key) if key in LABELS or key in self.overrides else str(value or "")

    def fidelity_item(self, item: int) -> str:
        own = self.overrides.get(f"fidelity_item_{item}", {}).get(self.lang)
        return own or FIDELITY_ITEMS[item][LANGS.index(self.lang)]

    @property
    def locale(self) -> str:
        return LOCALES[self.lang]

    def percent(self, rate: float | None, digits: int = 1) -> str:
        """12,5 % in da/sv, 12.5 % in en; '–' when there is no rate."""
        if rate is None:
            return self("not_available")
        return format_decimal(rate * 100, format=f"#,##0.{'0' * digits}", locale=self.locale) + "\u00a0%"

    def number(self, value: float | None, digits: int = 0) -> str:
        if value is None:
            return self("not_available")
        fmt = "#,##0" + (f".{'0' * digits}" if digits else "")
        return format_decimal(value, format=fmt, locale=self.locale)

    def date(self, day: date | str | None) -> str:
        """Day-month-year as both countries write it (23.11.2026 / 2026-11-23 in sv)."""
        if day is None:
            return self("not_available")
        if isinstance(day, str):
            day = date.fromisoformat(day[:10])
        return format_date(day, format="medium", locale=self.locale)

    def month_name(self, year: int, month: int) -> str:
        return format_date(date(year, month, 1), format="LLLL y", locale=self.locale)

    def week(self, week: int) -> str:
        return self("week_n", n=week)

"""Labels and number/date formatting in the site's language (da/sv/en).

Every text a person reads comes from the gettext catalogues in `ips_nb/pages/locale/<lang>/
LC_MESSAGES/ips_nb.po`: the msgid is the label's key (`"left_out_without_consent"`), the msgstr
its text, with `{name}` placeholders filled by `str.format`. A label whose text carries a count
has a singular and a plural form (`msgid_plural` = the key + ".plural", `msgstr[0]`/`msgstr[1]`),
chosen by ngettext with the catalogue's Plural-Forms (`nplurals=2; plural=(n != 1);` for da, sv
and en), so a count is never glued to a fixed plural.

The .po files are read with Babel and compiled in memory (no .mo step: an editable install, a
fresh clone and a wheel all work as they are), once per language per process: a batch worker
renders many pages from one compiled catalogue.

How to ask for a label:

* `L("key", **fmt)`: an uncounted label. Asking for a counted one this way raises TypeError, so a
  count cannot slip into a fixed plural.
* `L.count("key", n, **fmt)`: a counted label; `n` chooses the form. The text is formatted with
  `n` (written in the language's digits, `1.234`/`1 234`/`1,234`) and `fmt`; `fmt` may hold its own
  `n` when the form follows another number, e.g. `L.count("per_week_anchor_met", m, n=k, m=m)`
  gives "2 af 3 konsulenter …" (the form follows the 3). Asking for an uncounted label this way
  raises TypeError.
* An unknown key raises KeyError either way.

A site's overrides (params `labels: {key: {da: text}}`) take the place of the catalogue's text in
that language. For a counted label, `key` alone gives one text for every count; `key.one` and
`key.other` give the singular (n = 1) and the plural (every other n) separately, and win over
`key`, e.g. `labels: {reason_overdue_actions.one: {da: "{n} opgave over frist"},
reason_overdue_actions.other: {da: "{n} opgaver over frist"}}`. A form not overridden comes from
the catalogue. An override may name a key the catalogue does not have (uncounted or counted).
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from ips_nb.resources import locale_dir

LANGS = ("da", "sv", "en")
LOCALES = {"da": "da_DK", "sv": "sv_SE", "en": "en_GB"}
LOCALE_DIR = locale_dir()  # ips_nb/pages/locale/, wherever the package is
DOMAIN = "ips_nb"
PLURAL_SUFFIX = ".plural"  # msgid_plural of a counted label: its key + this
FORMS = ("one", "other")   # the override suffixes, in the order of the catalogues' plural forms


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@dataclass(frozen=True)
class Catalogue:
    """One language's compiled catalogue: the translations and which keys it has, counted or not."""

    lang: str
    translations: Translations
    plain: frozenset[str]
    counted: frozenset[str]

    def __contains__(self, key: str) -> bool:
        return key in self.plain or key in self.counted

    def text(self, key: str) -> str:
        return self.translations.gettext(key)

    def form(self, n: int) -> str:
        """'one' or 'other': the form the catalogue's Plural-Forms gives for n."""
        return FORMS[self.translations.plural(n)]

    def ntext(self, key: str, n: int) -> str:
        return self.translations.ngettext(key, key + PLURAL_SUFFIX, n)


@cache
def catalogue(lang: str) -> Catalogue:
    """The language's .po file, read and compiled in memory once per process."""
    if lang not in LANGS:
        raise ValueError(f"language must be one of {LANGS}, got {lang!r}")
    with po_path(lang).open("rb") as fh:
        po = read_po(fh, locale=lang, domain=DOMAIN, abort_invalid=True)
    if po.num_plurals != len(FORMS):
        raise ValueError(f"{po_path(lang)}: the labels expect {len(FORMS)} plural forms, "
                         f"the catalogue has {po.num_plurals}")
    buffer = BytesIO()
    write_mo(buffer, po)  # fuzzy entries are left out, as msgfmt does
    buffer.seek(0)
    translations = Translations(buffer, domain=DOMAIN)
    plain, counted = set(), set()
    for message in po:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple):
            if all(message.string):
                counted.add(message.id[0])
        elif message.string:
            plain.add(message.id)
    return Catalogue(lang, translations, frozenset(plain), frozenset(counted))


def _formatted(own: str, catalogue_text: str, values: dict) -> str:
    """A site's own text with its values; the catalogue's if the site's names a value the page
    does not give (a typo such as {antal} for {n}), so a page never breaks over a label."""
    try:
        return own.format(**values)
    except (KeyError, IndexError, ValueError):
        return catalogue_text.format(**values)


@dataclass
class Labels:
    """A site's view of the catalogues: its language plus its own overrides (module docstring)."""

    lang: str = "en"
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise ValueError(f"language must be one of {LANGS}, got {self.lang!r}")

    @property
    def catalogue(self) -> Catalogue:
        return catalogue(self.lang)

    def _own(self, key: str) -> str | None:
        return self.overrides.get(key, {}).get(self.lang)

    def __contains__(self, key: str) -> bool:
        """Whether the label exists in this language (in the catalogue or as an override)."""
        return key in self.catalogue or self._own(key) is not None

    def __call__(self, key: str, **fmt: object) -> str:
        """An uncounted label, formatted with fmt."""
        cat = self.catalogue
        if key in cat.counted:
            raise TypeError(f"{key!r} is a counted label: use labels.count({key!r}, n, ...)")
        own = self._own(key)
        if own is None:
            if key not in cat.plain:
                raise KeyError(f"no catalogue entry {key!r}")
            own = cat.text(key)
        elif fmt and key in cat.plain:
            return _formatted(own, cat.text(key), fmt)
        return own.format(**fmt) if fmt else own

    def count(self, key: str, n: int, /, **fmt: object) -> str:
        """A counted label in the form n asks for (singular for 1, plural for 0, 2, …)."""
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            if not (isinstance(n, numbers.Real) and float(n).is_integer()):
                raise TypeError(f"a count is a whole number, got {n!r} for {key!r}")
        n = int(n)
        cat = self.catalogue
        if key in cat.plain:
            raise TypeError(f"{key!r} is not a counted label: use labels({key!r}, ...)")
        form = cat.form(n)
        own = self._own(f"{key}.{form}")
        if own is None:
            own = self._own(key)
        values = {"n": self.number(n), **fmt}
        if own is None:
            if key not in cat.counted:
                raise KeyError(f"no catalogue entry {key!r}")
            return cat.ntext(key, n).format(**values)
        return _formatted(own, cat.ntext(key, n), values) if key in cat.counted else own.format(**values)

    def enum(self, prefix: str, value: str | None) -> str:
        """A coded value (phase, reason, kind) in words; unknown codes stay as they are."""
        key = f"{prefix}_{value}"
        return self(key) if key in self else str(value or "")

    def fidelity_item(self, item: int) -> str:
        """An IPS-25 item's name (catalogue key, and override key, `fidelity_item_<n>`)."""
        key = f"fidelity_item_{item}"
        own = self._own(key)
        if own:
            return own
        if key not in self.catalogue.plain:
            raise KeyError(f"no IPS-25 item {item!r}")
        return self.catalogue.text(key)

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

"""The validator's checks of identity numbers: CPR/personnummer and the hashes an export carries.

A mixin of data.validate's checker (which holds the rows, the sites' countries, what the
database holds and `add` for a problem): each number valid for its site's country, one person
once in a SOURCE, a hash made with this import's key, and the birth year and (Danish) gender
the number tells.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from ips_nb.data import identity
from ips_nb.data.checked import Existing, Row
from ips_nb.data.schema import HASH_COLUMN, HASH_KEY_COLUMN

_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX12 = re.compile(r"[0-9a-f]{12}")


def canonical_identity(text: str, country: str) -> str:
    """One spelling per person, so '010190-1234' and '0101901234' are the same person (and hash)."""
    digits = identity.normalise(text).replace("+", "")
    # both countries: the ten digits YYMMDDNNNN / DDMMYYSSSS (a Swedish century is dropped)
    return digits[-10:] if country == "SE" else digits


class IdentityChecks:
    """The candidates' identity numbers and hashes, checked (see the module)."""

    rows: dict[str, list[Row]]
    country: dict[str, str | None]
    existing: Existing
    add: Callable[..., None]
    sites: Callable[[], set[str]]

    def identities(self) -> None:
        seen: dict[str, Row] = {}
        hashes: dict[str, Row] = {}
        foreign_keys: dict[str, list[Row]] = {}  # cpr_key of another key → rows carrying it
        for row in self.rows.get("candidates", []):
            v = row.values
            text = v.get("cpr")
            if text:
                country = self.country.get(row.site)
                if country is None:
                    v["cpr"] = None  # no usable parameters: reported at the site already
                    continue
                try:
                    if not text.isascii():
                        raise ValueError("an identity number holds only the digits 0-9 and a hyphen")
                    born = identity.check(text, country)
                except ValueError as exc:
                    self.add("candidates", row.number, "cpr", text,
                             f"{exc} (site {row.site} is in {country})")
                    v["cpr"] = None
                    continue
                v["cpr"] = canonical_identity(text, country)
                self.derive(row, born, country)
                same = seen.get(v["cpr"])
                if same:
                    self.add("candidates", row.number, "cpr", text,
                             f"the same person as candidate {same.values.get('candidate_id')} "
                             f"in row {same.number}")
                else:
                    seen[v["cpr"]] = row
                if self.existing.key:
                    hashes.setdefault(identity.cpr_hash(v["cpr"], self.existing.key), row)
            elif v.get("cpr_hash"):
                if not _HEX64.fullmatch(v["cpr_hash"]):
                    self.add("candidates", row.number, "cpr_hash", v["cpr_hash"],
                             "not a CPR hash as ips-nb export writes it (64 hexadecimal digits)")
                    v["cpr_hash"] = None
                    continue
                made_with = v.get(HASH_KEY_COLUMN)
                if made_with and (not _HEX12.fullmatch(made_with) or self.existing.key is None
                                  or made_with != identity.short_fingerprint(self.existing.key)):
                    foreign_keys.setdefault(made_with, []).append(row)
                    continue
                same = hashes.get(v["cpr_hash"])
                if same:
                    self.add("candidates", row.number, "cpr_hash", None,
                             f"the same person as candidate {same.values.get('candidate_id')} "
                             f"in row {same.number}")
                else:
                    hashes[v["cpr_hash"]] = row
        for made_with, rows in foreign_keys.items():
            ours = (f"this import's is {identity.short_fingerprint(self.existing.key)}"
                    if self.existing.key else "this import has no key yet and would make a new one")
            more = f"; so were {len(rows) - 1} more rows" if len(rows) > 1 else ""
            self.add("candidates", rows[0].number, HASH_KEY_COLUMN, made_with,
                     f"the cpr_hash was made with another key ({ours}){more}: import the export "
                     f"with the key that made it (its key file, or {identity.KEY_ENV})")
        unkeyed = [r for r in hashes.values() if not r.values.get("cpr") and
                   not r.values.get(HASH_KEY_COLUMN)]
        if unkeyed:
            self.add("candidates", unkeyed[0].number, HASH_COLUMN, None,
                     f"{len(unkeyed)} cpr_hash value(s) come without {HASH_KEY_COLUMN} (an export "
                     "of an earlier version): they are taken as made with this import's key",
                     level="warning")
        importing = self.sites()
        for digest, row in hashes.items():
            other = self.existing.hashes.get(digest)
            if other and other[0] not in importing:
                self.add("candidates", row.number, "cpr", None,
                         f"the same person is candidate {other[1]} of site {other[0]} in the "
                         "database", level="warning")

    def derive(self, row: Row, born: date, country: str) -> None:
        v = row.values
        referred = v.get("referral_date")
        if isinstance(referred, date) and born > referred:
            self.add("candidates", row.number, "cpr", v["cpr"],
                     f"the birth date in the number ({born.isoformat()}) is after the referral")
        if v.get("birth_year") is None:
            v["birth_year"] = born.year
        elif v.get("birth_year") != born.year:
            self.add("candidates", row.number, "birth_year", v["birth_year"],
                     f"the identity number says {born.year}", level="warning")
        if country == "DK" and v.get("gender") is None:
            v["gender"] = identity.dk_gender(v["cpr"])

"""What a check of a SOURCE reads (`Existing`: the database's side) and gives (`Checked`).

Shared by the validator (data.validate), its identity checks (data.identity_checks) and the
importer (data.importer).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ips_nb.data.problems import Problem

if TYPE_CHECKING:
    import pandas as pd


# --- what the database already holds ------------------------------------------------------------

@dataclass
class Existing:
    """What the database holds that a SOURCE must respect (empty for a new database)."""

    owners: dict[str, dict[str, str]] = field(default_factory=dict)  # table → id → site
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # table → site → rows
    hashes: dict[str, tuple[str, str]] = field(default_factory=dict)  # cpr_hash → (site, id)
    key: bytes | None = None  # the hashing key, when one exists already
    fingerprint: str | None = None  # of the key behind the stored hashes (None: not recorded)
    present: bool = False  # the database holds our tables already


@dataclass
class Row:
    """One row of a SOURCE's table being checked: its number as the spreadsheet shows it."""

    number: int
    values: dict[str, object]
    site: str | None = None


@dataclass
class Checked:
    """The outcome: every problem, and (when there are no errors) the frames to write."""

    problems: list[Problem]
    frames: dict[str, pd.DataFrame]
    sites: list[str]
    rows: dict[str, int]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

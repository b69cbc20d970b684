"""What a batch run is made of: its jobs (a kind of report × a site × a period, maybe a team),
its configuration, and how each job ended (JobStatus, Result).

Plain data: every other batch module passes these around, and a worker receives them pickled.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from ips_nb import resources
from ips_nb.settings import settings

WORKBOOKS = resources.workbooks_dir()  # workbooks/ in a checkout, ips_nb/workbooks/ installed
KINDS = {"supervision": "month", "agenda": "week", "overview": "month"}
OVERVIEW = "overview"  # the roll-up's pseudo-site: no params file, its own folder reports/overview/


class JobStatus(StrEnum):
    """How a job ended. The values are the run record's (reports/runs/*.json) and the runs page's."""

    OK = "ok"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


INTERRUPTED = JobStatus.INTERRUPTED


@dataclass(frozen=True)
class Job:
    """One notebook to run: a kind of report for one site and one period (and maybe one team)."""

    kind: str
    site: str
    period: str
    team: str | None = None

    @property
    def stem(self) -> str:
        return self.period + (f"-{slug(self.team)}" if self.team else "")

    def label(self) -> str:
        who = "" if self.kind == OVERVIEW else f"{self.site} "
        return f"{who}{self.kind} {self.period}" + (f" ({self.team})" if self.team else "")


@dataclass
class RunConfig:
    db_url: str
    params_dir: str
    out_dir: str
    timeout: float | None = 600  # seconds per notebook, not per cell
    verbose: bool = False
    workbooks_dir: str | None = None  # tests point this at their own workbooks
    pdf: bool = False  # agendas: also print <stem>.pdf beside the HTML (ips_nb.pages.pdf)
    lang: str = "en"  # the regional overview's language (it belongs to no one site)


@dataclass
class Result:
    job: Job
    status: JobStatus
    seconds: float
    reason: str = ""
    outputs: list[str] = field(default_factory=list)
    signum: int | None = None  # interrupted: the signal that stopped the run



_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u", "é": "e"})


def slug(text: str) -> str:
    """A file-name-safe team name: 'Team Öster' -> 'team-oster' (not 'team-ster')."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower().translate(_FOLD)).strip("-") or "team"


def workbooks_dir(cfg: RunConfig) -> Path:
    return Path(cfg.workbooks_dir or settings().workbooks or WORKBOOKS)



def report_dir(job: Job, cfg: RunConfig) -> Path:
    out_root = Path(cfg.out_dir)
    return out_root / OVERVIEW if job.kind == OVERVIEW else out_root / job.site / job.kind

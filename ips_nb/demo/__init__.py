"""Demo data: four fictitious IPS sites (two Danish, two Swedish), anchored on a given day.

Why it exists: `ips-nb demo`, the workbooks and the end-to-end tests need data that look like a
real programme's (every phase, outcome and discharge reason, and the problems an agenda must
raise), and that fill the latest complete month and each site's next conference on or after the
day (this week's, unless its weekday is past: then next week's) whatever day it is.
Everything is drawn from generators seeded with `seed` and the site, never from the clock, so
one seed and one day always give the same frames.

Site names, languages, countries, conference days and teams come from `params/<site>.yaml`
(the one place they are written). The demo's wording (people's names, goals in their own words,
employers, actions, why placements ended) is content: ips_nb/demo/texts.yaml, per language.
How big and busy each site is and the candidates' courses are `plans`, the tables written from
them `tables`; this module assembles them. Each candidate's course is decided first (a `Plan`);
every table is then written from the plans, so the tables agree with each other and the phase follows the dates:
the phase history (`phases`) is every change of `phase_on` from referral to today, and its
last row is the candidate's `phase`.

The people are invented. Swedish numbers use the birth numbers 980-999 and Danish ones fail the
old modulus-11 check, so they are unlikely to belong to anyone real.
"""
from __future__ import annotations

import random
from datetime import date
from importlib import resources
from pathlib import Path

import pandas as pd

from ips_nb.data import connection, store
from ips_nb.data.params import SiteParams, load_params
from ips_nb.data.schema import TABLES
from ips_nb.demo.plans import DEMO_SITES, SHAPES, Ctx, Plan, make_plans
from ips_nb.demo.tables import (
    action_rows,
    answers_rng,
    assign_staff,
    candidate_rows,
    conference_rows,
    contact_rows,
    fidelity_rows,
    followup_rows,
    goal_rows,
    job_development,
    make_staff,
    phase_rows,
    placement_rows,
    supervision_rows,
    survey_rows,
    team_sizes,
)
from ips_nb.resources import demo_params, demo_params_dir

# the demo sites' parameter files and access.yaml, shipped in the package (ips_nb.resources)
PARAMS_DIR = demo_params_dir()


def _texts() -> dict[str, dict]:
    """The demo's wording per language (texts.yaml beside this module: content, edited there)."""
    import yaml

    source = resources.files("ips_nb.demo") / "texts.yaml"
    texts = yaml.safe_load(source.read_text(encoding="utf-8"))
    texts["en"] = texts["da"]  # an English-language site in the demo would still be Danish data
    return texts


# Wording a person reads, per language: names, goals in the candidate's own words with the
# employers or schools that fit them, actions with their usual owner and when they fit
# (while searching, in follow-along support, with an education goal, any time), why
# placements ended.
TEXT: dict[str, dict] = _texts()


# --------------------------------------------------------------------------- assembly

def _site_rows(ctx: Ctx, used: set[str]) -> dict[str, list[dict]]:
    """Every table's rows for one site."""
    consultants, clinicians = make_staff(ctx)
    plans = make_plans(ctx)
    assign_staff(ctx, plans, consultants, clinicians)
    contacts, linked = contact_rows(ctx, plans)
    site = ctx.site.site
    return {
        "consultants": [{"consultant_id": k.id, "site": site, "name": k.name, "fte": k.fte,
                         "start_date": k.start} for k in consultants],
        "clinicians": [{"clinician_id": c.id, "site": site, "name": c.name, "team": c.teams[0]}
                       for c in clinicians],
        "candidates": candidate_rows(ctx, plans, used),
        "phases": phase_rows(ctx, plans),
        "goals": goal_rows(ctx, plans),
        "actions": action_rows(ctx, plans),
        "contacts": contacts,
        "employer_contacts": sorted(linked + job_development(ctx, consultants),
                                    key=lambda r: (r["consultant_id"], r["date"])),
        "placements": placement_rows(ctx, plans),
        "fidelity": fidelity_rows(ctx),
        "supervision": supervision_rows(ctx, len(consultants)),
        "conferences": conference_rows(ctx, plans),
        **_answer_rows(ctx, plans),
    }


def _answer_rows(ctx: Ctx, plans: list[Plan]) -> dict[str, list[dict]]:
    rng = answers_rng(ctx)
    return {"followups": followup_rows(ctx, plans, rng), "surveys": survey_rows(ctx, plans, rng)}


def _names(params: list[SiteParams], seed: int) -> dict[str, dict]:
    """Staff names per site: each language's pool shuffled once and dealt out without repeats."""
    out, dealt = {}, {}
    for p in params:
        lang = p.language
        if lang not in dealt:
            pools = {k: list(TEXT[lang][k]) for k in ("consultants", "clinicians", "supervisors")}
            shuffler = random.Random(f"{seed}:{lang}:names")
            for pool in pools.values():
                shuffler.shuffle(pool)
            dealt[lang] = pools
        pools = dealt[lang]
        ftes = SHAPES[p.site].ftes
        clinicians = sum(team_sizes(SHAPES[p.site], max(1, len(p.teams))))
        out[p.site] = {"consultants": pools["consultants"][:len(ftes)],
                       "clinicians": pools["clinicians"][:clinicians],
                       "supervisor": pools["supervisors"][0]}
        for key, n in (("consultants", len(ftes)), ("clinicians", clinicians), ("supervisors", 1)):
            pools[key] = pools[key][n:] or list(TEXT[lang][key])
    return out


def _frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """Rows to an exchange-format frame: the declared columns in the declared order."""
    columns = TABLES[table].column_names
    return pd.DataFrame.from_records(rows, columns=columns) if rows else \
        pd.DataFrame({c: pd.Series([], dtype="object") for c in columns})


def generate(today: date, seed: int = 2026, *,
             params_dir: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """Exchange-format frames for the demo sites, anchored on `today`; same inputs, same frames."""
    params = [load_params(params_dir or PARAMS_DIR, s) for s in DEMO_SITES]
    names = _names(params, seed)
    rows: dict[str, list[dict]] = {name: [] for name in TABLES}
    used: set[str] = set()  # identity numbers given out, so nobody is registered twice
    for p in params:
        ctx = Ctx(p, SHAPES[p.site], TEXT[p.language], today, random.Random(f"{seed}:{p.site}"),
                  names[p.site])
        for name, site_rows in _site_rows(ctx, used).items():
            rows[name] += site_rows
    return {name: _frame(name, rows[name]) for name in TABLES}


def write_demo_params(folder: str | Path) -> list[Path]:
    """Put the demo's parameter files into `folder` (the run's params/), so a demo made in an
    empty folder has the params/ its reports and dashboards read; returns the files written.

    A file already there is kept, even when it differs: it may be a region's own access.yaml, or
    a demo site someone is trying out, and the demo then runs with it. In a checkout, params/ is
    where the files come from, and nothing is written."""
    from ips_nb.data.modes import make_folder, write_file

    target = make_folder(folder)
    written = []
    for source in demo_params():
        path = target / source.name
        if not path.exists():
            write_file(path, source.read_bytes())
            written.append(path)
    return written


def build_demo_db(url: str | None, today: date, seed: int = 2026, key: bytes = b"demo-key", *,
                  params_dir: str | Path | None = None) -> list[str]:
    """Write the demo sites (replacing them); an SQLite file is deleted first so it is fresh."""
    url = connection.db_url(url)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
    frames = generate(today, seed, params_dir=params_dir)
    engine = connection.connect(url)
    try:
        written = store.write_sites(engine, frames, key)
    finally:
        engine.dispose()
    return [s for s in DEMO_SITES if s in written]

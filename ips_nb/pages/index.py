"""reports/index.html (every report, latest first) and reports/runs/index.html (the coordinators' page).

The index is what supervisors and clinicians open, so it lists reports and nothing else: per site
(under its display name, params `name`) the newest period's reports with older ones below, in the
site's own language (each site's part carries its `lang`), a team's agenda under the team's name
as the site's parameters spell it ("Team Øster", not the file name's `team-oster`), and a PDF
beside a report linked as such. The page around them (its title, the overview's heading, the
runs link, the runs page) speaks the region's language (`region_lang`: the `lang` asked for, else
params/access.yaml's `lang`, the one the hub's pages speak, else the language most of the sites
have), never English on a page of Danish and Swedish sites.

How the last run went (failures, an interrupted run) is for the coordinator who ran it: it is on
the runs page, which the index links in one discreet line at its foot.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from ips_nb.data.location import hide_password
from ips_nb.data.modes import make_folder, write_file
from ips_nb.data.params import ParamsError, SiteParams, load_params, read_yaml
from ips_nb.pages.labels import LANGS, Labels
from ips_nb.pages.render import render
from ips_nb.pages.report import page
from ips_nb.pages.titles import period_text

KIND_LABEL = {"supervision": "supervision_reports", "agenda": "agendas", "overview": "overview_title"}
RUNS_PAGE = "runs/index.html"
RUNS_LISTED = 20  # earlier runs the runs page lists, newest first

# The runner's file names for team agendas (ips_nb.batch.jobs.slug; a test keeps the two alike).
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u", "é": "e"})


def team_slug(text: str) -> str:
    """'Team Øster' -> 'team-oster', as the runner names the team's files."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower().translate(_FOLD)).strip("-") or "team"


def _reports(root: Path) -> dict[tuple[str, str], list[Path]]:
    found: dict[tuple[str, str], list[Path]] = {}
    for html in sorted(root.glob("*/*/*.html")):
        site, kind = html.parent.parent.name, html.parent.name
        if site in ("assets", "runs"):
            continue
        found.setdefault((site, kind), []).append(html)
    for paths in found.values():
        paths.sort(key=lambda p: p.stem, reverse=True)
    return found


def _split(stem: str) -> tuple[str, str]:
    """'2026-W48-team-nord' -> ('2026-W48', 'team-nord'); '2026-10' -> ('2026-10', '')."""
    found = re.match(r"\d{4}-(W\d{2}|\d{2})", stem)
    if not found:
        return stem, ""
    return found.group(0), stem[found.end():].lstrip("-")


def _by_period(paths: list[Path]) -> dict[str, list[Path]]:
    """Newest period first (within one, _links puts the site-wide report before the teams')."""
    groups: dict[str, list[Path]] = {}
    for path in paths:
        groups.setdefault(_split(path.stem)[0], []).append(path)
    return {period: groups[period] for period in sorted(groups, reverse=True)}


def _team_of(path: Path, params: SiteParams | None) -> str | None:
    """A team agenda's team as the site's parameters spell it: from the agenda's own JSON (which
    carries `team`), else the parameters' team whose file name it is, else the file name's part."""
    part = _split(path.stem)[1]
    if not part:
        return None
    try:
        team = json.loads(path.with_suffix(".json").read_text(encoding="utf-8")).get("team")
        if isinstance(team, str) and team:
            return team
    except (OSError, ValueError, AttributeError):
        pass
    for team in (params.teams if params else []):
        if team_slug(team) == part:
            return team
    return part


def _link(path: Path, root: Path, text: str) -> dict[str, str | None]:
    """A report as the index links it: its path relative to the index (the tree moves whole), and
    the PDF beside it when there is one."""
    pdf = path.with_suffix(".pdf")
    return {"href": path.relative_to(root).as_posix(), "text": text,
            "pdf": pdf.relative_to(root).as_posix() if pdf.is_file() else None}


def _links(paths: list[Path], root: Path, L: Labels, params: SiteParams | None, *, latest: bool) -> list[dict]:
    """One period's reports: the site-wide one first, under the period's name, then the teams' in
    the order of the site's `teams`, each under the team's name (in the latest period, whose name
    the site-wide link already gives) or after the period's."""
    teams = list(params.teams) if params else []
    named = sorted(((path, _team_of(path, params)) for path in paths), key=lambda pt: (
        pt[1] is not None, teams.index(pt[1]) if pt[1] in teams else len(teams), (pt[1] or "").casefold(), pt[0].stem))
    whole = bool(named) and named[0][1] is None
    out = []
    for path, team in named:
        period = period_text(L, _split(path.stem)[0])
        text = period if team is None else team if latest and whole else f"{period} · {team}"
        out.append(_link(path, root, text))
    return out


def _text(value: object) -> str:
    """A run record's field as shown: a missing one (None) is blank, not the word 'None'."""
    return "" if value is None else str(value)


def _runs(root: Path) -> list[tuple[Path, dict]]:
    """Run records newest first (a record that cannot be read is left out)."""
    runs = []
    for path in sorted((root / "runs").glob("*.json"), reverse=True):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict):
            runs.append((path, record))
    return runs


def _site_params(sites: set[str], params_dir: str | Path | None) -> dict[str, SiteParams | None]:
    """Each site's parameters; a site without good ones keeps its id and the page's language."""
    found = {}
    for site in sites:
        try:
            found[site] = load_params(params_dir, site) if params_dir else None
        except ParamsError:
            found[site] = None
    return found


ACCESS_FILE = "access.yaml"  # the region's file beside the sites' (ips_nb.live.access reads it whole)


def region_lang(params_dir: str | Path | None, languages: list[str]) -> str:
    """The language of a region's own pages (the index, the hub's): `lang` in params/access.yaml
    when it names one of ours; else the language most of `languages` (its sites') are in, ties in
    the catalogue's order (da, sv, en); English only without a site. A region of Danish and
    Swedish sites thus reads Danish or Swedish, as it chooses, and never English by accident."""
    if params_dir:
        path = Path(params_dir) / ACCESS_FILE
        try:
            chosen = read_yaml(path).get("lang") if path.is_file() else None
        except (ParamsError, AttributeError):
            chosen = None  # a broken access file is the hub's to report; the index still gets made
        if chosen in LANGS:
            return chosen
    known = [lang for lang in languages if lang in LANGS]
    if not known:
        return "en"
    return max(LANGS, key=lambda lang: (known.count(lang), -LANGS.index(lang)))


def _command(record: dict) -> str:
    """The command a run record names, as one would type it again ('ips-nb run agenda --week
    2026-W49 --pdf'): the program by its name, not its path; any database password masked
    (the record masks it already: this page must not rely on every record having been written so)."""
    import shlex

    argv = record.get("command")
    if not isinstance(argv, list) or not argv:
        return ""
    words = [str(a) for a in argv]
    if Path(words[0]).name in ("ips-nb", "cli.py"):
        words[0] = "ips-nb"
    return hide_password(shlex.join(words))


def _when(stamp: object) -> str:
    """A run record's ISO time as '2026-11-23 07:12 UTC' (a bad one as it is)."""
    try:
        return datetime.fromisoformat(str(stamp)).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return _text(stamp)


def _write(path: Path, text: str) -> None:
    """Replace the page whole, owner-only or group-readable as every report (data.modes)."""
    make_folder(path.parent)
    tmp = path.with_suffix(".tmp")
    write_file(tmp, text.encode("utf-8"))
    tmp.replace(path)


def write_index(root: str | Path, lang: str | None = None, params_dir: str | Path | None = None) -> Path:
    """Rebuild the index (and the runs page) from what is on disk, so both are right after any
    run or a partial one. Returns the index's path.

    Without `lang`, the region's language (`region_lang`).
    """
    root = Path(root)
    reports = _reports(root)
    runs = _runs(root)
    record = runs[0][1] if runs else {}
    failures = [r for r in record.get("results", []) if isinstance(r, dict) and r.get("status") != "ok"]
    params = _site_params({s for s, _ in reports} | {_text(f.get("site")) for f in failures}, params_dir)
    names = {s: p.name if p else s for s, p in params.items()}
    if lang is None:
        lang = region_lang(params_dir, [p.language for s, p in params.items()
                                        if p and any(k[0] == s for k in reports)])
    lang = lang if lang in LANGS else "en"
    L = Labels(lang)
    listed = []
    for site in sorted({s for s, _ in reports}, key=lambda s: (names[s].casefold(), s)):
        p = params[site]
        SL = Labels(p.language, p.labels) if p else L
        kinds = []
        for kind in ("supervision", "agenda"):
            paths = reports.get((site, kind), [])
            if not paths:
                continue
            latest, *older = _by_period(paths).values()
            kinds.append({"label": SL(KIND_LABEL[kind]), "latest": _links(latest, root, SL, p, latest=True),
                          "older": [link for group in older for link in _links(group, root, SL, p, latest=False)]})
        listed.append({"id": site, "name": names[site], "lang": SL.lang, "kinds": kinds,
                       "older_label": SL("older_reports"), "pdf": SL("pdf_link")})
    overview_dir = root / "overview"
    overview = sorted(overview_dir.glob("*.html"), reverse=True) if overview_dir.is_dir() else []
    runs_link = None
    if runs:
        runs_link = {"href": RUNS_PAGE, "text": L("runs_title"), "failed": len(failures),
                     "failures": L("last_run_failures")}
        _write(root / RUNS_PAGE, _runs_page(runs, failures, names, L))
    body = render(
        "index.html.j2", title=L("reports_index"), sites=listed, runs=runs_link,
        overview_title=L("overview_title"),
        overview=[_link(o, root, period_text(L, o.stem)) for o in overview], pdf=L("pdf_link"))
    out = root / "index.html"
    _write(out, page(body, lang=lang, title=L("reports_index"), kind="index"))
    return out


def _runs_page(runs: list[tuple[Path, dict]], failures: list[dict], names: dict[str, str], L: Labels) -> str:
    """reports/runs/index.html: the last run's failures with their reasons, and earlier runs."""
    record = runs[0][1]

    def counts(r: dict) -> dict[str, int]:
        c: dict = r["counts"] if isinstance(r.get("counts"), dict) else {}
        failed = int(c.get("failed", 0) or 0) + int(c.get("interrupted", 0) or 0)
        return {"ok": int(c.get("ok", 0) or 0), "failed": failed}

    body = render(
        "runs.html.j2", title=L("runs_title"), back={"href": "../index.html", "text": L("all_reports")},
        last_label=L("last_run"), last={"when": _when(record.get("finished")), **counts(record),
                                        "command": _command(record)},
        interrupted=L("run_interrupted") if record.get("interrupted") else None,
        failures_title=L("last_run_failures"),
        failures=[{"site": names.get(_text(f.get("site")), _text(f.get("site"))),
                   "kind": L(KIND_LABEL.get(_text(f.get("kind")), "reports_index")),
                   "period": _text(f.get("period")), "team": _text(f.get("team")), "reason": _text(f.get("reason"))}
                  for f in failures],
        header={"when": L("run_finished"), "ok": L("run_ok"), "failed": L("run_failed"), "record": L("run_record"),
                "command": L("run_command")},
        earlier=[{"when": _when(r.get("finished")), **counts(r), "record": path.name, "command": _command(r)}
                 for path, r in runs[:RUNS_LISTED]])
    return page(body, lang=L.lang, title=f"{L('runs_title')} · {L('reports_index')}", kind="runs")

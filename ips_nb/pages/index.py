"""reports/index.html: the latest report per site and kind, older ones below, last run's failures.

Labels come from the da/sv/en catalogue; sites appear under their display name (params `name`).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ips_nb.pages.labels import LANGS, Labels
from ips_nb.data.params import ParamsError, load_params
from ips_nb.pages.render import render
from ips_nb.pages.report import page

KIND_LABEL = {"supervision": "supervision_reports", "agenda": "agendas", "overview": "overview_title"}


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


def _by_period(paths: list[Path]) -> dict[str, list[Path]]:
    """Newest period first; within one, the site-wide report before the team agendas."""
    groups: dict[str, list[Path]] = {}
    for path in paths:
        found = re.match(r"\d{4}-(W\d{2}|\d{2})", path.stem)
        groups.setdefault(found.group(0) if found else path.stem, []).append(path)
    return {period: sorted(groups[period], key=lambda p: (len(p.stem), p.stem))
            for period in sorted(groups, reverse=True)}


def _link(path: Path, root: Path) -> dict[str, str]:
    """A report as the index links it: its path relative to the index (the tree moves whole)."""
    return {"href": path.relative_to(root).as_posix(), "text": path.stem}


def _text(value: object) -> str:
    """A run record's field as shown: a missing one (None) is blank, not the word 'None'."""
    return "" if value is None else str(value)


def _last_run(root: Path) -> dict:
    runs = sorted((root / "runs").glob("*.json"))
    for path in reversed(runs):
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return {}


def _site_names(sites: list[str], params_dir: str | Path | None) -> tuple[dict[str, str], set[str]]:
    """Display names and languages from the parameters; a site without good ones keeps its id."""
    names, langs = {}, set()
    for site in sites:
        try:
            params = load_params(params_dir, site) if params_dir else None
        except ParamsError:
            params = None
        names[site] = params.name if params else site
        if params:
            langs.add(params.language)
    return names, langs


def write_index(root: str | Path, lang: str | None = None, params_dir: str | Path | None = None) -> Path:
    """Rebuild the index from what is on disk, so it is right after any run or a partial one.

    Without `lang`, the sites' common language is used, or English when they differ.
    """
    root = Path(root)
    reports = _reports(root)
    record = _last_run(root)
    failures = [r for r in record.get("results", []) if r.get("status") != "ok"]
    sites = sorted({s for s, _ in reports} | {f["site"] for f in failures})
    names, langs = _site_names(sites, params_dir)
    if lang is None:
        lang = langs.pop() if len(langs) == 1 else "en"
    lang = lang if lang in LANGS else "en"
    L = Labels(lang)
    sites = sorted({s for s, _ in reports}, key=lambda s: (names[s].casefold(), s))
    listed = []
    for site in sites:
        kinds = []
        for kind in ("supervision", "agenda"):
            paths = reports.get((site, kind), [])
            if not paths:
                continue
            by_period = _by_period(paths)
            latest, *older_periods = by_period
            kinds.append({"label": L(KIND_LABEL[kind]),
                          "latest": [_link(p, root) for p in by_period[latest]],
                          "older": [_link(p, root) for period in older_periods for p in by_period[period]]})
        listed.append({"id": site, "name": names[site], "kinds": kinds})
    overview = sorted((root / "overview").glob("*.html"), reverse=True) if (root / "overview").is_dir() else []
    body = render(
        "index.html.j2", title=L("reports_index"),
        interrupted=L("run_interrupted") if record.get("interrupted") else None,
        failures_title=L("last_run_failures"),
        failures=[{"site": names.get(f["site"], f["site"]), "kind": L(KIND_LABEL.get(f["kind"], "reports_index")),
                   "period": _text(f["period"]), "team": _text(f.get("team")), "reason": _text(f.get("reason", ""))}
                  for f in failures],
        sites=listed, older_label=L("older_reports"),
        overview_title=L("overview_title"), overview=[_link(p, root) for p in overview])
    out = root / "index.html"
    root.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(page(body, lang=lang, title=L("reports_index"), kind="index"), encoding="utf-8")
    tmp.replace(out)
    return out

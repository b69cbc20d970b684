"""reports/index.html: the latest report per site and kind, older ones below, last run's failures.

Labels come from the da/sv/en catalogue; sites appear under their display name (params `name`).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ips_nb.pages.fragments import esc
from ips_nb.pages.labels import LANGS, Labels
from ips_nb.data.params import ParamsError, load_params
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
    parts = [f'<h1>{esc(L("reports_index"))}</h1>']
    if record.get("interrupted"):
        parts.append(f'<p class="ips-failures">{esc(L("run_interrupted"))}</p>')
    if failures:
        items = "".join(
            f"<li>{esc(names.get(f['site'], f['site']))} · {esc(L(KIND_LABEL.get(f['kind'], 'reports_index')))}"
            f" · {esc(f['period'])}{' (' + esc(f['team']) + ')' if f.get('team') else ''}:"
            f" {esc(f.get('reason', ''))}</li>"
            for f in failures)
        parts.append(f'<section class="ips-failures"><h2>{esc(L("last_run_failures"))}</h2><ul>{items}</ul></section>')
    for site in sites:
        parts.append(f'<h2 id="{esc(site)}">{esc(names[site])}</h2>')
        for kind in ("supervision", "agenda"):
            paths = reports.get((site, kind), [])
            if not paths:
                continue
            by_period = _by_period(paths)
            link = lambda p: f'<a href="{esc(p.relative_to(root).as_posix())}">{esc(p.stem)}</a>'  # noqa: E731
            latest, *older_periods = by_period
            older = ", ".join(link(p) for period in older_periods for p in by_period[period])
            parts.append(f'<p><strong>{esc(L(KIND_LABEL[kind]))}:</strong> '
                         + " · ".join(link(p) for p in by_period[latest])
                         + (f'<br><span class="ips-note">{esc(L("older_reports"))}: {older}</span>' if older else "")
                         + "</p>")
    overview = sorted((root / "overview").glob("*.html"), reverse=True) if (root / "overview").is_dir() else []
    if overview:
        parts.append(f'<h2>{esc(L("overview_title"))}</h2><p>'
                     + ", ".join(f'<a href="overview/{esc(p.name)}">{esc(p.stem)}</a>' for p in overview) + "</p>")
    out = root / "index.html"
    root.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(page("".join(parts), lang=lang, title=L("reports_index"), kind="index"), encoding="utf-8")
    tmp.replace(out)
    return out

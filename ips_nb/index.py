"""reports/index.html: the latest report per site and kind, older ones below, last run's failures."""
from __future__ import annotations

import json
from pathlib import Path

from .html import esc
from .i18n import Labels
from .report import page

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


def _last_failures(root: Path) -> list[dict]:
    runs = sorted((root / "runs").glob("*.json"))
    if not runs:
        return []
    record = json.loads(runs[-1].read_text(encoding="utf-8"))
    return [r for r in record.get("results", []) if r.get("status") != "ok"]


def write_index(root: str | Path, lang: str = "en") -> Path:
    """Rebuild the index from what is on disk, so it is right after any run or a partial one."""
    root = Path(root)
    L = Labels(lang)
    reports = _reports(root)
    sites = sorted({s for s, _ in reports})
    parts = [f'<h1>{esc(L("reports_index"))}</h1>']
    failures = _last_failures(root)
    if failures:
        items = "".join(f"<li>{esc(f['site'])} {esc(f['kind'])} {esc(f['period'])}: {esc(f['reason'])}</li>"
                        for f in failures)
        parts.append(f'<section class="ips-failures"><h2>{esc(L("last_run_failures"))}</h2><ul>{items}</ul></section>')
    for site in sites:
        parts.append(f"<h2>{esc(site)}</h2>")
        for kind in ("supervision", "agenda"):
            paths = reports.get((site, kind), [])
            if not paths:
                continue
            latest = paths[0]
            link = lambda p: f'<a href="{esc(p.relative_to(root).as_posix())}">{esc(p.stem)}</a>'  # noqa: E731
            older = ", ".join(link(p) for p in paths[1:])
            parts.append(f'<p><strong>{esc(L(KIND_LABEL[kind]))}:</strong> {link(latest)}'
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

"""reports/index.html: the newest period first, the site-wide agenda before the team agendas."""
from __future__ import annotations

import re

from ips_nb.pages.index import write_index


def test_latest_period_leads_and_site_wide_agenda_comes_before_teams(tmp_path, params_dir):
    agenda = tmp_path / "malmo" / "agenda"
    agenda.mkdir(parents=True)
    for stem in ("2026-W47", "2026-W47-team-oster", "2026-W48", "2026-W48-team-oster", "2026-W48-team-vaster"):
        (agenda / f"{stem}.html").write_text("<html></html>", encoding="utf-8")
    html = write_index(tmp_path, params_dir=params_dir).read_text(encoding="utf-8")
    line = re.search(r"<p><strong>[^<]*</strong> (.*?)</p>", html).group(1)
    latest, _, older = line.partition("<br>")
    assert re.findall(r">([^<]+)</a>", latest) == ["2026-W48", "2026-W48-team-oster", "2026-W48-team-vaster"]
    assert re.findall(r">([^<]+)</a>", older) == ["2026-W47", "2026-W47-team-oster"]
    assert "IPS Malmö" in html and 'lang="sv"' in html

"""What a dashboard's kernel is told by its server, and the site data that allows it to read.

The site comes from the server (IPS_NB_SERVE_SITE) and never from the page or the query string;
only an unpinned (coordinator's) server offers a site chooser (`site_choices`). So does the user
(IPS_NB_SERVE_USER): the hub's logged-in user, or the operating-system user of a standalone
`ips-nb serve`, set in the kernel's environment by the server, which a page cannot reach (it sends
widget messages, not code). Behind the hub a conference save first asks the server whether the
user may still write for the site (`server_allows_write`).
"""
from __future__ import annotations

import json
import sys
import traceback
import urllib.request
from dataclasses import dataclass, replace

from ips_nb.data.connection import connect
from ips_nb.data.frames import SiteData, load_site
from ips_nb.data.params import SiteParams, load_params, site_ids
from ips_nb.figures.periods import Month, Week


def server_log(message: str) -> None:
    """Write to the kernel's own stderr (the server's log); `sys.stderr` would reach the page."""
    stream = sys.__stderr__ or sys.stderr
    stream.write(message if message.endswith("\n") else message + "\n")
    stream.flush()


@dataclass(frozen=True)
class Settings:
    """What the server decided: pinned site (or None), default periods, database, parameters, and
    who is looking (the hub's user, or the OS user of `ips-nb serve`; None when run by hand)."""

    site: str | None
    month: str
    week: str
    db_url: str | None
    params_dir: str
    lang: str = "en"
    user: str | None = None
    # the server found the user may record the conference (conference mode): for the pinned
    # site, or standalone and unpinned for the site chosen; never from the page. Writing needs a
    # user too: every write names who made it.
    can_write: bool = False
    # behind the hub: where the kernel asks, right before a save, whether the user still may,
    # and the key that says which kernel asks (ips_nb.live.revocation); None standalone
    write_check: str | None = None
    kernel_key: str | None = None

    @classmethod
    def from_env(cls, env: dict | None = None) -> Settings:
        from datetime import date

        from ips_nb.settings import settings

        s = settings(env)  # the IPS_NB_SERVE_* variables (the process's, or the mapping given)
        today = date.today()
        return cls(site=s.serve_site, month=s.serve_month or str(Month.latest_complete(today)),
                   week=s.serve_week or str(Week.containing(today)), db_url=s.serve_db_url,
                   params_dir=str(s.serve_params_dir), lang=s.serve_lang, user=s.serve_user,
                   can_write=s.serve_can_write, write_check=s.serve_write_check,
                   kernel_key=s.serve_kernel_key.get_secret_value() if s.serve_kernel_key else None)

    def __repr__(self) -> str:  # the kernel's key is not for printing
        return f"Settings(site={self.site!r}, user={self.user!r}, lang={self.lang!r})"


def server_allows_write(settings: Settings) -> bool:
    """May this page's user still record the conference for its site, asked of the server now?

    Standalone (no `write_check`): the operating-system user who started the server writes, as
    before. Behind the hub the server answers from access.yaml and the hub as they are at this
    moment; no answer (the server or hub unreachable, a wrong key) is a no."""
    if not settings.write_check:
        return True
    from ips_nb.live.revocation import KEY_HEADER

    request = urllib.request.Request(settings.write_check, headers={KEY_HEADER: settings.kernel_key or ""})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never a proxy
    try:
        with opener.open(request, timeout=10) as answer:
            return json.loads(answer.read(1000)).get("may_write") is True
    except Exception:  # noqa: BLE001 - no answer is no
        server_log(f"ips-nb: the write check did not answer:\n{traceback.format_exc()}")
        return False


def site_choices(settings: Settings) -> list[str]:
    """The sites this server may show: only the pinned one, else every site in the parameters."""
    if settings.site:
        return [settings.site]
    return site_ids(settings.params_dir)


def load(settings: Settings, site: str) -> tuple[SiteParams, SiteData]:
    """One site's parameters and rows; refuses any site but the pinned one."""
    if site not in site_choices(settings):
        raise PermissionError(f"site {site!r} is not served here")
    params = load_params(settings.params_dir, site)
    engine = connect(settings.db_url)
    try:
        return params, load_site(engine, site)
    finally:
        engine.dispose()


def for_consultant(data: SiteData, consultant_id: str | None) -> SiteData:
    """The site's data narrowed to one consultant's candidates (site-wide tables stay whole:
    fidelity reviews, supervision sessions, conferences)."""
    if not consultant_id:
        return data
    cand = data.candidates[data.candidates["consultant_id"] == consultant_id]
    ids = set(cand["candidate_id"])

    def of_candidates(frame):
        return frame[frame["candidate_id"].isin(ids)]

    return replace(
        data,
        consultants=data.consultants[data.consultants["consultant_id"] == consultant_id],
        candidates=cand, goals=of_candidates(data.goals), actions=of_candidates(data.actions),
        contacts=of_candidates(data.contacts), placements=of_candidates(data.placements),
        employer_contacts=data.employer_contacts[data.employer_contacts["consultant_id"] == consultant_id])

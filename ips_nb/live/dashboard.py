"""Live dashboards for `ips-nb serve`: the pack and the agenda with choosers and filters.

The supervision dashboard is the static pack, live: one widget per part of the pack's own
declaration (`ips_nb.pages.pack.PARTS`, from which the workbook's cells are made too), in its
order, each the part's own output (`SupervisionPack`); the agenda dashboard likewise
(`ips_nb.pages.agenda.PARTS`, `AgendaView`), with the conference panel under the head. A filter
only narrows the month and the data they are given, so there is no second implementation of a
figure, a section or an order.
The site comes from the server (IPS_NB_SERVE_SITE) and never from the page or the query string;
only an unpinned (coordinator's) server offers a site chooser. So does the user (IPS_NB_SERVE_USER):
the hub's logged-in user, or the operating-system user of a standalone `ips-nb serve`, set in the
kernel's environment by the server, which a page cannot reach (it sends widget messages, not code). Errors show a short message in the
site's language; the traceback goes to the server's log (the kernel's real stderr). So does a
widget message from the page that fails (`quiet_tracebacks`): the page gets one sentence.

The server may speak to the page through its kernel (ips_nb.live.kernels.dashboard_call):
`notify` (an older page of this user was ended to stay within the limit) and `closed` (this page
is being ended: access revoked, a newer page, unused for hours). Behind the hub a conference
save first asks the server whether the user may still write for the site (`server_allows_write`).
"""
from __future__ import annotations

import json
import os
import sys
import traceback
import urllib.request
import weakref
from dataclasses import dataclass, replace
from datetime import date
from typing import Callable

import ipywidgets as W

from ips_nb.pages.agenda import PARTS as AGENDA_PARTS
from ips_nb.pages.agenda import AgendaView, clinician_choices
from ips_nb.pages.fragments import Chart
from ips_nb.live.wording import live_labels, site_options
from ips_nb.pages.labels import Labels
from ips_nb.pages.pack import NARROWED, PARTS, SupervisionPack
from ips_nb.pages.render import render
from ips_nb.data.params import SiteParams, load_params, site_ids
from ips_nb.figures.periods import Month, Week
from ips_nb.data.store import OutOfDate, SiteData, connect, load_site

MONTHS_BACK = 12
WEEKS_BACK, WEEKS_AHEAD = 8, 2
# The pack's charts: all of them, as the static pack has (each drawn costs ~0.1-0.2 s of the
# page's first paint on a small machine; the pack's truth is worth that).
CHARTS = tuple(part.name for part in PARTS if part.chart)
ALL = ""  # the consultant filter's "everyone"


def _server_log(message: str) -> None:
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
    def from_env(cls, env: dict | None = None) -> "Settings":
        from datetime import date

        e = os.environ if env is None else env
        today = date.today()
        return cls(site=e.get("IPS_NB_SERVE_SITE") or None,
                   month=e.get("IPS_NB_SERVE_MONTH") or str(Month.latest_complete(today)),
                   week=e.get("IPS_NB_SERVE_WEEK") or str(Week.containing(today)),
                   db_url=e.get("IPS_NB_SERVE_DB_URL") or None,
                   params_dir=e.get("IPS_NB_SERVE_PARAMS_DIR") or "params",
                   lang=e.get("IPS_NB_SERVE_LANG") or "en",
                   user=e.get("IPS_NB_SERVE_USER") or None,
                   can_write=e.get("IPS_NB_SERVE_CAN_WRITE") == "1",
                   write_check=e.get("IPS_NB_SERVE_WRITE_CHECK") or None,
                   kernel_key=e.get("IPS_NB_SERVE_KERNEL_KEY") or None)

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
        _server_log(f"ips-nb: the write check did not answer:\n{traceback.format_exc()}")
        return False


def quiet_tracebacks(lang: str) -> None:
    """In a dashboard's kernel: an error in handling what the page sent (a malformed widget
    message, a callback that raises) goes to the server's log with its traceback; the page gets
    one sentence in the site's language. ipywidgets reports such errors with the shell's
    `showtraceback`, which sent the whole traceback, install paths and all, to the page."""
    try:
        from IPython import get_ipython
    except ImportError:  # not in a kernel
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "_showtraceback"):
        return
    sentence = live_labels(lang)("widget_message_refused")

    def showtraceback(*args: object, **kwargs: object) -> None:
        _server_log(f"ips-nb dashboard: a message from the page failed:\n{traceback.format_exc()}")
        shell._showtraceback(Exception, sentence, [sentence])

    shell.showtraceback = showtraceback


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


def month_options(latest: str, labels: Labels, n: int = MONTHS_BACK) -> list[tuple[str, str]]:
    m = Month.parse(latest)
    months = [m.shift(-i) for i in range(n)]
    return [(labels.month_name(x.year, x.month), str(x)) for x in months]


def week_options(current: str, labels: Labels) -> list[tuple[str, str]]:
    w = Week.parse(current)
    weeks = [w.shift(i) for i in range(WEEKS_AHEAD, -WEEKS_BACK - 1, -1)]
    return [(f"{labels.week(x.week)} · {x.year}", str(x)) for x in weeks]


def consultant_options(data: SiteData, labels: Labels) -> list[tuple[str, str]]:
    c = data.consultants
    named = sorted(zip(c["name"].astype(str), c["consultant_id"].astype(str)))
    return [(labels("all_consultants"), ALL)] + named


def chart_output(chart: Chart) -> dict:
    """A chart as an Output widget's display_data: the static pack's own div and `Plotly.newPlot`
    call, drawn by the plotly.js the page template loads (not the 4.8 MB plotly lab extension)."""
    return {"output_type": "display_data", "metadata": {},
            "data": {"text/html": chart._repr_mimebundle_()["text/html"]}}


def error_html(labels: Labels, exc: BaseException | None = None) -> str:
    """The short message shown instead of the sections (an HTML widget's value is a plain str);
    a database of another release's schema is said as such (`ips-nb upgrade`)."""
    key = exc.code if isinstance(exc, OutOfDate) else "dashboard_error"
    return str(render("live/error.html.j2", message=labels(key)))


# What the server may have a page say, by the word it sends (n: the per-person limit).
NOTICES: dict[str, Callable[[Labels, int], str]] = {
    "ended_oldest": lambda L, n: L.count("page_ended_oldest", n)}
CLOSINGS: dict[str, Callable[[Labels, int], str]] = {
    "revoked": lambda L, n: L("page_closed_revoked"),
    "newer_page": lambda L, n: L.count("page_closed_newer_page", n),
    "idle": lambda L, n: L("page_closed_idle")}
_BOARDS: "weakref.WeakSet[Dashboard]" = weakref.WeakSet()  # the dashboards this kernel shows
_NOTICE: list[tuple[str, int]] = []  # what the server asked the page to be told (for boards to come)


def notify(key: str, n: int) -> None:
    """The server's word to this page (e.g. `ended_oldest`: an older page of the user was ended
    to stay within the limit of n): shown above the choosers, in the site's language."""
    _NOTICE[:] = [(key, n)]
    for board in list(_BOARDS):
        board.show_notice()


def closed(reason: str, n: int = 0) -> None:
    """The server is ending this page's kernel (`revoked`, `newer_page` with the limit n, `idle`):
    the page says why in one sentence and nothing on it can be used any more."""
    for board in list(_BOARDS):
        board.close(reason, n)


def _filter(**kw: object) -> W.Dropdown:
    """A dashboard filter: its label as wide as its words ("Behandler" is not cut to "Behand…")."""
    return W.Dropdown(style={"description_width": "initial"}, **kw)


class Dashboard:
    """Choosers on top, sections below; `refresh` rebuilds the sections from the library."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.labels: Labels = live_labels(settings.lang)
        self.params: SiteParams | None = None
        self.data: SiteData | None = None
        self.error = W.HTML(layout=W.Layout(display="none"))
        sites = site_choices(settings)
        self.site = _filter(options=site_options(settings.params_dir, sites), value=sites[0] if sites else None,
                               description=self.labels("site"))  # by name ("IPS Malmö"), valued by id
        self.consultant = _filter(options=[(self.labels("all_consultants"), ALL)], value=ALL,
                                     description=self.labels("consultant"))
        self.head = W.HTML()
        # who the server says is looking (text, not markup: a name is never read as HTML)
        self.user = W.Label(layout=W.Layout(display="none" if not settings.user else ""))
        self.user.add_class("ips-user")
        self.body = W.VBox()  # the sections; hidden while an error is shown, so nothing stale stays
        self._quiet = False  # set while the choosers are being refilled: no refresh per option
        self.notice = W.Label(layout=W.Layout(display="none"))  # what the server asked to say
        self.notice.add_class("ips-notice")
        self.closed = False
        _BOARDS.add(self)
        self.show_notice()

    def show_notice(self) -> None:
        for key, n in _NOTICE:
            self.notice.value = NOTICES[key](self.labels, n)
            self.notice.layout.display = ""

    def close(self, reason: str, n: int = 0) -> None:
        """This page is being ended by the server: why, instead of the sections; controls off."""
        self.closed = True
        self.error.value = str(render("live/error.html.j2", message=CLOSINGS[reason](self.labels, n)))
        self.error.layout.display = ""
        self.body.layout.display = "none"
        for widget in self._inputs():
            widget.disabled = True

    def _inputs(self) -> list[W.Widget]:
        """Everything on the page a person can change or press (the conference panel's too)."""
        found: dict[int, W.Widget] = {}
        todo: list = list(vars(self).values())
        if getattr(self, "conference", None) is not None:
            todo += list(vars(self.conference).values())
        while todo:
            w = todo.pop()
            if isinstance(w, dict):
                todo += list(w.values())
            elif isinstance(w, W.Widget) and id(w) not in found:
                found[id(w)] = w
                todo += list(getattr(w, "children", ()))
        return [w for w in found.values() if hasattr(w, "disabled")]

    # -- the parts every dashboard shares -----------------------------------------------------
    def _guard(self, work: Callable[[], None]) -> None:
        """Run an update; on failure log the traceback and show the short message instead."""
        try:
            work()
            self.error.layout.display = "none"
            self.body.layout.display = ""
        except Exception as exc:  # noqa: BLE001 - a person gets a sentence, the log gets the traceback
            _server_log(f"ips-nb dashboard error (site {self.site.value}):\n{traceback.format_exc()}")
            self.error.value = error_html(self.labels, exc)
            self.error.layout.display = ""
            self.body.layout.display = "none"

    def _load_site(self) -> None:
        self.params, self.data = load(self.settings, self.site.value)
        self.labels = live_labels(self.params.language, self.params.labels)
        self.site.description = self.labels("site")  # the chooser's own label in the chosen site's language
        if self.settings.user:
            self.user.value = self.labels("signed_in_as", user=self.settings.user)
        self.show_notice()  # in the site's language now
        self._refill(self.consultant, consultant_options(self.data, self.labels), ALL, "consultant")

    def _refill(self, chooser: W.Dropdown, options: list, value: str, label: str) -> None:
        """New options (the site's language, its consultants) without a refresh for each step."""
        self._quiet = True
        try:
            chooser.options = options
            chooser.value = value
            chooser.description = self.labels(label)
        finally:
            self._quiet = False

    def _on_site(self, change: dict) -> None:
        self._guard(lambda: (self._load_site(), self.refresh()))

    def _on_filter(self, change: dict) -> None:
        if not self._quiet:
            self._guard(self.refresh)

    def _controls(self, *period: W.Widget) -> W.HBox:
        shown = ([self.site] if not self.settings.site else []) + list(period) + [self.consultant, self.user]
        return W.HBox(shown, layout=W.Layout(flex_flow="row wrap")).add_class("ips-controls")

    def refresh(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def start(self, period: W.Dropdown) -> None:
        self._guard(lambda: (self._load_site(), self.refresh()))
        self.site.observe(self._on_site, names="value")
        period.observe(self._on_filter, names="value")
        self.consultant.observe(self._on_filter, names="value")


class SupervisionDashboard(Dashboard):
    """The monthly pack, live: month and consultant choosers over the pack's own parts."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.month = _filter(options=month_options(settings.month, self.labels),
                                value=settings.month, description=self.labels("month"))
        # one widget per part of the pack, in the pack's order: a chart's an Output (its div and
        # Plotly.newPlot call), every other part's an HTML widget
        self.parts: dict[str, W.Widget] = {
            part.name: self.head if part.name == "head" else W.Output() if part.chart else W.HTML()
            for part in PARTS}
        self.charts = {name: self.parts[name] for name in CHARTS}
        self.figures: dict = {}  # the figures drawn last, by chart name (what the page shows)
        self.pack: SupervisionPack | None = None
        self.start(self.month)

    def _load_site(self) -> None:
        super()._load_site()
        self._refill(self.month, month_options(self.settings.month, self.labels), self.month.value, "month")

    def refresh(self) -> None:
        assert self.params is not None and self.data is not None
        month = Month.parse(self.month.value)
        chosen = self.consultant.value or None
        pack = SupervisionPack.from_data(for_consultant(self.data, chosen), self.params, month)
        whole = pack if chosen is None else SupervisionPack.from_data(self.data, self.params, month)
        self.pack = pack
        for part in PARTS:  # each part from the rows its scope says, as the pack's cell makes it
            made = (pack if part.scope == NARROWED else whole).part(part, chosen)
            widget = self.parts[part.name]
            if isinstance(made, Chart):
                self.figures[part.name] = made.fig
                widget.outputs = (chart_output(made),)
            else:
                widget.value = str(made)

    def widget(self) -> W.VBox:
        self.body.children = [self.parts[part.name] for part in PARTS]  # the pack's order
        return W.VBox([self._controls(self.month), self.notice, self.error, self.body])


class AgendaDashboard(Dashboard):
    """The weekly agenda: week, team, clinician and consultant choosers over the print's sections.

    Filters narrow the candidates listed, never the rows the rules read (an employer contact
    logged by another consultant still counts): `AgendaView.of` takes the whole site's data.
    """

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.week = _filter(options=week_options(settings.week, self.labels), value=settings.week,
                               description=self.labels("week"))
        self.team = _filter(options=[(self.labels("all_teams"), ALL)], value=ALL,
                               description=self.labels("team"))
        self.clinician = _filter(options=[(self.labels("all_clinicians"), ALL)], value=ALL,
                                    description=self.labels("clinician"))
        self.sections = W.HTML()
        self.parts: dict[str, W.HTML] = {"head": self.head, "sections": self.sections}
        assert tuple(self.parts) == AGENDA_PARTS, "every part of the agenda has its widget"
        self.view: AgendaView | None = None
        # conference mode: for a user the server lets write, on the pinned site or the one chosen
        # (a coordinator's unpinned server); a save asks the server again (server_allows_write)
        if settings.can_write and settings.user:
            self.conference = ConferencePanel(self)
        self.start(self.week)
        self.team.observe(self._on_team, names="value")
        self.clinician.observe(self._on_filter, names="value")

    def _team_options(self) -> list[tuple[str, str]]:
        assert self.params is not None
        return [(self.labels("all_teams"), ALL)] + [(t, t) for t in self.params.teams]

    def _clinician_options(self) -> list[tuple[str, str]]:
        assert self.params is not None and self.data is not None
        return [(self.labels("all_clinicians"), ALL)] + clinician_choices(self.data, self.params,
                                                                          self.team.value or None)

    def _load_site(self) -> None:
        super()._load_site()
        self._refill(self.week, week_options(self.settings.week, self.labels), self.week.value, "week")
        self._refill(self.team, self._team_options(), ALL, "team")
        self._refill(self.clinician, self._clinician_options(), ALL, "clinician")

    def _on_team(self, change: dict) -> None:
        """A team narrows the clinician chooser to its clinicians, then the agenda."""
        if self._quiet:
            return
        self._guard(lambda: (self._refill(self.clinician, self._clinician_options(), ALL, "clinician"),
                             self.refresh()))

    def refresh(self) -> None:
        assert self.params is not None and self.data is not None
        self.view = AgendaView.of(self.data, self.params, Week.parse(self.week.value),
                                  team=self.team.value or None, clinician=self.clinician.value or None,
                                  consultant=self.consultant.value or None)
        for name in AGENDA_PARTS:
            self.parts[name].value = str(getattr(self.view, name)())
        if self.conference is not None:
            self.conference.update(self.view.agenda)

    def widget(self) -> W.VBox:
        shown: list[W.Widget] = [self.parts[name] for name in AGENDA_PARTS]  # the agenda's order
        if self.conference is not None:  # the panel right under the head, above the sections
            shown.insert(1, self.conference.widget())
        self.body.children = shown
        return W.VBox([self._controls(self.week, self.team, self.clinician), self.notice, self.error, self.body])

    conference: "ConferencePanel | None" = None

    def agenda_conference_date(self) -> date:
        """The day of the conference of the week shown (what a decision is recorded for)."""
        assert self.view is not None
        return date.fromisoformat(self.view.agenda["conference_date"])

    def reload(self) -> None:
        """The site's rows read again (after a save) and the agenda rebuilt from them."""
        assert self.params is not None
        self.params, self.data = load(self.settings, self.site.value)
        self.refresh()


class _ConferenceWords:
    """The conference mode's texts from the catalogue (keys `conference_*`), read like a dict.

    Read from the board's labels at the moment they are needed, so a site's own overrides
    (params `labels:`) reach the messages too."""

    def __init__(self, board: "AgendaDashboard") -> None:
        self.board = board

    @property
    def labels(self) -> Labels:
        return self.board.labels

    def __getitem__(self, key: str) -> str:
        return self.labels(f"conference_{key}")


LABEL_WIDTH = "8.5em"  # the panel's labels ("Åben handling", "Öppen åtgärd") in full, aligned


class ConferencePanel:
    """Conference mode of the agenda: per candidate on the agenda, mark discussed with a decision,
    add an action, mark an open action done (ips_nb.data.conference).

    The user is the server's (Settings), never the page's; so is the site, or on an unpinned
    (standalone) server one of the sites it offers, chosen in the site chooser: the panel writes
    for the site of the agenda it was filled from, and forgets what was typed when the site
    changes. The version of the
    candidate is the one read when the candidate was chosen or the agenda reloaded, so a save
    after someone else's is refused with who and when, and a Reload button, instead of
    overwriting. Every message is shown escaped; a refused text is never echoed.

    Each input has its own message right under it: the writer's own check of that field
    (conference.field_refusal) runs as the value changes, so the reason shows while the person
    is still at the field and goes as soon as the value is fit; a save checks its fields again
    and writes nothing while one is refused. A field emptied by the panel itself (after a save,
    a new candidate's list of open actions) is not a mistake and shows nothing.
    """

    # The writer's field names (conference.FIELD_CHECKS) and the catalogue word naming each.
    FIELD_WORDS = {"decision": "decision", "description": "description", "owner": "owner",
                   "due_date": "due", "done_date": "done", "action_id": "open_action",
                   "candidate_id": "candidate"}
    # Which fields each save reads, in the order they stand on the panel.
    SAVES = {"decision": ("decision",), "action": ("description", "owner", "due_date"),
             "done": ("action_id", "done_date")}

    def __init__(self, board: "AgendaDashboard") -> None:
        from ips_nb.data.schema import ACTION_OWNERS

        self.board = board
        self.words = _ConferenceWords(board)
        self.versions: dict[str, int] = {}
        self.candidate = W.Dropdown(options=[])
        self.decision = W.Textarea(layout=W.Layout(width="48em"))
        self.save_decision = W.Button()
        self.description = W.Text(layout=W.Layout(width="48em"))
        self.owner = W.Dropdown(options=list(ACTION_OWNERS), value=ACTION_OWNERS[0])
        # a date is checked when the person leaves the field (or presses Enter), not at each
        # keystroke: a half-typed day is not yet a mistake
        self.due = W.Text(continuous_update=False)
        self.add = W.Button()
        self.open_action = W.Dropdown(options=[], layout=W.Layout(width="36em"))
        self.done = W.Text(continuous_update=False)
        self.mark = W.Button()
        self.status = W.HTML()
        self.reload_button = W.Button(layout=W.Layout(display="none"))
        self.heading = W.HTML()  # the panel's title, in the language of the site shown
        self.inputs: dict[str, W.ValueWidget] = {
            "decision": self.decision, "description": self.description, "owner": self.owner,
            "due_date": self.due, "action_id": self.open_action, "done_date": self.done}
        # one message per input, beside it (an HTML widget: the template escapes the text)
        self.messages: dict[str, W.HTML] = {}
        for field, widget in self.inputs.items():
            widget.style.description_width = LABEL_WIDTH
            # under the input, not under its label
            self.messages[field] = W.HTML(layout=W.Layout(margin=f"0 0 0 calc({LABEL_WIDTH} + 6px)"))
            widget.observe(lambda _change, f=field: self._changed(f), names="value")
        self.candidate.style.description_width = LABEL_WIDTH
        self._setting = False  # True while the panel itself sets values: no message for those
        self._words_lang: str | None = None
        self._name_things()
        self.save_decision.on_click(lambda _: self.save("decision"))
        self.add.on_click(lambda _: self.save("action"))
        self.mark.on_click(lambda _: self.save("done"))
        self.reload_button.on_click(lambda _: self.reload())
        self.candidate.observe(lambda _: self._chosen(), names="value")
        self.agenda: dict = {}
        self.shown_site: str | None = None  # the site of the agenda shown (update sets it)

    def _name_things(self) -> None:
        """Every label, button and placeholder in the page's language (the site's, once loaded),
        from the catalogue; again only when the language changed."""
        from ips_nb.data.schema import ACTION_OWNERS

        w = self.words
        if self._words_lang == w.labels.lang:
            return
        self._words_lang = w.labels.lang
        for widget, key in ((self.candidate, "candidate"), (self.decision, "decision"),
                            (self.save_decision, "save_decision"), (self.description, "description"),
                            (self.owner, "owner"), (self.due, "due"), (self.add, "add_action"),
                            (self.open_action, "open_action"), (self.done, "done"),
                            (self.mark, "mark_done"), (self.reload_button, "reload")):
            widget.description = w[key]
        self.due.placeholder = self.done.placeholder = w["date_placeholder"]
        self.heading.value = str(_conference_marks().heading(w["title"]))
        chosen = self.owner.value
        self._setting = True
        try:
            self.owner.options = [(w.labels.enum("owner", o), o) for o in ACTION_OWNERS]
            self.owner.value = chosen
        finally:
            self._setting = False

    def widget(self) -> W.VBox:
        def field(name: str) -> W.VBox:
            return W.VBox([self.inputs[name], self.messages[name]])

        def row(*parts: W.Widget) -> W.HBox:  # buttons level with the inputs, not the messages
            return W.HBox(list(parts), layout=W.Layout(flex_flow="row wrap", align_items="flex-start"))

        return W.VBox([self.heading, self.candidate,
                       row(field("decision"), self.save_decision),
                       row(field("description")),
                       row(field("owner"), field("due_date"), self.add),
                       row(field("action_id"), field("done_date"), self.mark),
                       row(self.status, self.reload_button)]).add_class("ips-conference")

    def _engine(self):
        return connect(self.board.settings.db_url)

    def _site(self) -> str:
        """The site of the agenda the panel was filled from (never a site only just chosen)."""
        return self.shown_site or ""

    # -- the fields' own messages ---------------------------------------------------------------
    def _changed(self, field: str) -> None:
        if not self._setting:
            self.check(field)

    def check(self, field: str) -> bool:
        """Check one field's value as the writer would; show why beside it, or clear its message."""
        from ips_nb.data.conference import field_refusal

        refused = field_refusal(field, self.inputs[field].value)
        self._field_says(field, refused)
        return refused is None

    def _field_says(self, field: str, refused) -> None:  # noqa: ANN001 - conference.WriteRefused | None
        widget, message = self.inputs[field], self.messages[field]
        if refused is None:
            message.value = ""
            widget.remove_class("ips-invalid")
        else:
            message.value = str(_conference_marks().field_message(self._reason(refused)))
            widget.add_class("ips-invalid")

    def _set(self, widget: W.ValueWidget, value: object) -> None:
        """The panel sets a value (clears a field after a save): no message for that."""
        self._setting = True
        try:
            widget.value = value
        finally:
            self._setting = False

    def _clear_messages(self, *fields: str) -> None:
        for field in fields:
            self._field_says(field, None)

    # -- the agenda and the chosen candidate ----------------------------------------------------
    def update(self, agenda: dict) -> None:
        """The agenda shown changed: its candidates (each once), their versions read again."""
        self._name_things()
        site = self.board.params.site if self.board.params else None
        if site != self.shown_site:  # another site chosen: nothing typed or read for the last one stays
            self._another_site(site)
        self.agenda = agenda
        seen: dict[str, str] = {}
        for section in agenda["sections"]:
            for c in section["candidates"]:
                seen.setdefault(c["candidate_id"], f"{c['candidate_id']} {c.get('initials') or ''}".strip())
        current = self.candidate.value
        options = [(label, cid) for cid, label in seen.items()]
        self.candidate.options = options
        self.candidate.value = current if current in seen else (options[0][1] if options else None)
        self._chosen()

    def _another_site(self, site: str | None) -> None:
        """The agenda is now another site's (the chooser of an unpinned server): what was typed,
        the versions read and the last status belonged to the site before, and go."""
        self.shown_site = site
        self.versions.clear()
        for widget in (self.decision, self.description, self.due, self.done):
            self._set(widget, "")
        self._clear_messages(*self.inputs)
        self._say("")

    def _chosen(self) -> None:
        from ips_nb.data.conference import candidate_version

        cid = self.candidate.value
        actions: dict[str, str] = {}
        for section in self.agenda.get("sections", []):
            for c in section["candidates"]:
                if c["candidate_id"] == cid:
                    for a in c["actions"]:
                        actions[a["action_id"]] = f"{a['due_date']} · {a['description'] or ''}"
        self._setting = True
        try:
            self.open_action.options = [(label, aid) for aid, label in actions.items()]
            self.open_action.value = next(iter(actions), None)
        finally:
            self._setting = False
        self._clear_messages("action_id")
        if cid is None:
            return
        engine = self._engine()
        try:
            self.versions[cid] = candidate_version(engine, self._site(), cid)[0]
        finally:
            engine.dispose()

    # -- saving -----------------------------------------------------------------------------
    def _field_name(self, field: str) -> str:
        key = self.FIELD_WORDS.get(field)
        return self.words[key] if key else field

    def _reason(self, exc) -> str:  # noqa: ANN001 - conference.WriteRefused
        """Why a value was refused, in the site's language (the catalogue's `conference_refused_*`)."""
        labels = self.words.labels
        key = f"conference_refused_{exc.code}"
        return labels(key, **exc.values) if key in labels else exc.message

    def _refused(self, exc) -> None:  # noqa: ANN001 - conference.WriteRefused
        """Not saved: why, beside the field when the panel has it, and in the status line."""
        if exc.field in self.messages:
            self._field_says(exc.field, exc)
        self._say(self.words.labels("conference_refused", field=self._field_name(exc.field),
                                    message=self._reason(exc)))

    def _say(self, text: str, conflict: bool = False) -> None:
        self.status.value = str(_conference_marks().status(text))
        self.reload_button.layout.display = "" if conflict else "none"

    def reload(self) -> None:
        self.board._guard(self.board.reload)
        self._say("")

    def save(self, what: str) -> None:
        """One save: its fields checked in place, written in one transaction, then the agenda
        reloaded so it shows at once."""
        from ips_nb.data import conference as conf

        cid = self.candidate.value
        if cid is None:
            return
        fields = self.SAVES[what]
        first = None
        for field in fields:  # every field's message, not only the first refused one's
            refused = conf.field_refusal(field, self.inputs[field].value)
            self._field_says(field, refused)
            first = first or refused
        if first is not None:
            self._refused(first)
            return
        settings, site = self.board.settings, self._site()
        if self.board.closed or not server_allows_write(settings):
            self._say(self.words["access_lost"])
            return
        version = self.versions.get(cid, 0)
        engine = self._engine()
        try:
            if what == "decision":
                day = self.board.agenda_conference_date()
                conf.record_decision(engine, site, cid, day, self.board.team.value or None,
                                     self.decision.value, settings.user, version)
            elif what == "action":
                conf.add_action(engine, site, cid, self.description.value, self.owner.value,
                                self.due.value, settings.user, version,
                                created=self.board.agenda_conference_date())
            else:
                conf.mark_done(engine, site, self.open_action.value, self.done.value,
                               settings.user, version)
        except conf.Conflict as exc:
            at = exc.at.strftime("%Y-%m-%d %H:%M UTC") if exc.at else "?"
            self._say(self.words["conflict"].format(user=exc.user or "?", at=at), conflict=True)
            return
        except conf.WriteRefused as exc:
            self._refused(exc)
            return
        except Exception:  # noqa: BLE001 - a person gets a sentence, the log gets the traceback
            _server_log(f"ips-nb conference save failed (site {site}):\n{traceback.format_exc()}")
            self._say(self.words["failed"])
            return
        finally:
            engine.dispose()
        if what == "decision":
            self._set(self.decision, "")
        elif what == "action":
            self._set(self.description, "")
            self._set(self.due, "")
        else:
            self._set(self.done, "")
        self._clear_messages(*fields)
        self.board._guard(self.board.reload)
        self._say(self.words["saved"])


def _conference_marks():  # noqa: ANN202 - a Jinja2 template module
    """The conference panel's heading, status line and field messages
    (templates/live/conference.html.j2), escaped."""
    from ips_nb.pages.render import environment

    return environment().get_template("live/conference.html.j2").module


WARM_UP_SITE = "-warm-up-"  # not a site id (those start with a letter or digit): no rows at all


def warm_up(db_url: str | None = None) -> None:
    """Run the dashboards' code once over no rows, in a kernel no page has yet (the hub's shared warm
    pool, ips_nb.live.kernels): imports, the database connection, plotly's figure checks, the
    templates and the languages' catalogues are then ready, and a page's first chart comes
    ~1.5 s sooner. No site's data and no widget: a page that later takes this kernel can ask for
    every widget it holds, so there must be none with anything in it."""
    try:
        db_url = db_url or os.environ.get("IPS_NB_SERVE_DB_URL") or None
        engine = connect(db_url)
        try:
            data = load_site(engine, WARM_UP_SITE)
        finally:
            engine.dispose()
        month, week = Month.latest_complete(date.today()), Week.containing(date.today())
        for lang, country in (("da", "DK"), ("sv", "SE"), ("en", "DK")):
            params = SiteParams(site="warm-up", name="", language=lang, country=country, conference_weekday=2)
            pack = SupervisionPack.from_data(data, params, month)
            for part in PARTS:
                made = pack.part(part)
                chart_output(made) if isinstance(made, Chart) else str(made)
            view = AgendaView.of(data, params, week)
            for name in AGENDA_PARTS:
                str(getattr(view, name)())
            error_html(live_labels(lang))
    except Exception:  # noqa: BLE001 - a cold first page is slower, not broken
        _server_log(f"ips-nb dashboard warm-up failed:\n{traceback.format_exc()}")


def show(kind: str, settings: Settings | None = None) -> W.Widget:
    """The dashboard a served notebook displays; never raises (a message instead of a traceback)."""
    try:
        settings = settings or Settings.from_env()
        quiet_tracebacks(settings.lang)
        board = SupervisionDashboard(settings) if kind == "supervision" else AgendaDashboard(settings)
        return board.widget()
    except Exception as exc:  # noqa: BLE001
        _server_log(f"ips-nb dashboard error ({kind}):\n{traceback.format_exc()}")
        lang = (settings.lang if settings else None) or "en"
        return W.HTML(error_html(live_labels(lang), exc))

"""Live dashboards for `ips-nb serve`: the pack and the agenda with choosers and filters.

The supervision dashboard is the static pack, live: one widget per part of the pack's own
declaration (`ips_nb.pages.pack.PARTS`, from which the workbook's cells are made too), in its
order, each the part's own output (`SupervisionPack`); the agenda dashboard likewise
(`ips_nb.pages.agenda.PARTS`, `AgendaView`), with the conference panel under the head. A filter
only narrows the month and the data they are given, so there is no second implementation of a
figure, a section or an order.
What the server tells the kernel (site, user, periods, may it write) is
ips_nb.live.board_settings; the agenda's conference mode is ips_nb.live.conference_panel. Errors
show a short message in the site's language; the traceback goes to the server's log (the
kernel's real stderr). So does a widget message from the page that fails (`quiet_tracebacks`):
the page gets one sentence.

The server may speak to the page through its kernel (ips_nb.live.kernels.dashboard_call):
`notify` (an older page of this user was ended to stay within the limit) and `closed` (this page
is being ended: access revoked, a newer page, unused for hours).
"""
from __future__ import annotations

import traceback
import weakref
from collections.abc import Callable
from datetime import date

import ipywidgets as W

from ips_nb.data.connection import OutOfDate, connect
from ips_nb.data.frames import SiteData, load_site
from ips_nb.data.params import SiteParams
from ips_nb.figures.periods import Month, Week
from ips_nb.live.board_settings import Settings, for_consultant, load, server_log, site_choices
from ips_nb.live.conference_panel import ConferencePanel
from ips_nb.live.wording import live_labels, site_options
from ips_nb.pages.agenda import PARTS as AGENDA_PARTS
from ips_nb.pages.agenda import AgendaView, clinician_choices
from ips_nb.pages.fragments import Chart
from ips_nb.pages.labels import Labels
from ips_nb.pages.pack import NARROWED, PARTS, SupervisionPack
from ips_nb.pages.render import render
from ips_nb.settings import settings as env_settings  # `settings` is a dashboard's, here

MONTHS_BACK = 12
WEEKS_BACK, WEEKS_AHEAD = 8, 2


# The pack's charts: all of them, as the static pack has (each drawn costs ~0.1-0.2 s of the
# page's first paint on a small machine; the pack's truth is worth that).
CHARTS = tuple(part.name for part in PARTS if part.chart)


ALL = ""  # the consultant filter's "everyone"


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
        server_log(f"ips-nb dashboard: a message from the page failed:\n{traceback.format_exc()}")
        shell._showtraceback(Exception, sentence, [sentence])

    shell.showtraceback = showtraceback


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


_BOARDS: weakref.WeakSet[Dashboard] = weakref.WeakSet()  # the dashboards this kernel shows


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
            server_log(f"ips-nb dashboard error (site {self.site.value}):\n{traceback.format_exc()}")
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

    conference: ConferencePanel | None = None

    def agenda_conference_date(self) -> date:
        """The day of the conference of the week shown (what a decision is recorded for)."""
        assert self.view is not None
        return date.fromisoformat(self.view.agenda["conference_date"])

    def reload(self) -> None:
        """The site's rows read again (after a save) and the agenda rebuilt from them."""
        assert self.params is not None
        self.params, self.data = load(self.settings, self.site.value)
        self.refresh()


WARM_UP_SITE = "-warm-up-"  # not a site id (those start with a letter or digit): no rows at all


def warm_up(db_url: str | None = None) -> None:
    """Run the dashboards' code once over no rows, in a kernel no page has yet (the hub's shared warm
    pool, ips_nb.live.kernels): imports, the database connection, plotly's figure checks, the
    templates and the languages' catalogues are then ready, and a page's first chart comes
    ~1.5 s sooner. No site's data and no widget: a page that later takes this kernel can ask for
    every widget it holds, so there must be none with anything in it."""
    try:
        db_url = db_url or env_settings().serve_db_url
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
        server_log(f"ips-nb dashboard warm-up failed:\n{traceback.format_exc()}")


def show(kind: str, settings: Settings | None = None) -> W.Widget:
    """The dashboard a served notebook displays; never raises (a message instead of a traceback)."""
    try:
        settings = settings or Settings.from_env()
        quiet_tracebacks(settings.lang)
        board = SupervisionDashboard(settings) if kind == "supervision" else AgendaDashboard(settings)
        return board.widget()
    except Exception as exc:  # noqa: BLE001
        server_log(f"ips-nb dashboard error ({kind}):\n{traceback.format_exc()}")
        lang = (settings.lang if settings else None) or "en"
        return W.HTML(error_html(live_labels(lang), exc))

"""Voila as the dashboards' server: our template, nothing reachable but the dashboards, and a check
on every request. Run as `python -m ips_nb.live.voila_app ROOT ...` in one of two ways:

**Standalone** (`ips-nb serve`): on 127.0.0.1 for the people at that machine. A random token
(in the printed address, then a cookie) is needed for every page, kernel and websocket, unless
`--no-token` was asked for; Host must be a loopback name or an `--allow-host` name and a
browser's Origin the server's own (ips_nb.live.guard), so a page elsewhere can neither reach
it by DNS rebinding nor open a kernel's websocket. Kernels are preheated, one per dashboard;
a preheated page prepared before the last write to the site is never served (ips_nb.live.kernels).

**Behind JupyterHub** (`--IpsVoila.hub=True`, started by the hub as the service `ips`, see
ips_nb.live.hub). Every request is authenticated with the hub's OAuth (jupyterhub's
HubOAuth, through its Jupyter Server identity provider): no login, password or session of ours.
The site is part of the URL (`/services/ips/<site>/supervision`) and is checked against
`access.yaml` and the user's hub groups on the page, and every kernel request is checked
against the user who started that kernel: anything else answers 403. The site, the user and
the periods reach the kernel from the server (its environment), never from the page, so
`Settings.from_env` in the kernel can trust them. One server for every site; a small shared
warm pool of kernels instead of one preheated kernel per site (ips_nb.live.kernels). Access is
checked again while a page is open: every few seconds, and by the kernel before each conference
save (ips_nb.live.revocation); a person holds at most a few page kernels, the server a set total.

Stock Voila also serves a folder tree, a contents API, files beside the notebooks and any
notebook in its root; we keep only what a dashboard page needs (its page, kernels, static
scripts, themes, lab extensions) and answer everything else with 404.
"""
from __future__ import annotations

import os
import signal
from datetime import date
from pathlib import Path

import tornado.web
from jupyter_server.auth import Authorizer
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado.httputil import url_concat
from traitlets import Bool, Float
from voila.app import Voila
from voila.paths import collect_static_paths, collect_template_paths
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.tornado.handler import TornadoVoilaHandler

from ips_nb.data.params import ParamsError, load_params
from ips_nb.figures.periods import Month, Week
from ips_nb.live.access import AccessWatch
from ips_nb.live.guard import guarded
from ips_nb.live.kernels import ServerFull
from ips_nb.live.noise import quiet_server
from ips_nb.live.revocation import CHECK_PATH, AccessPatrol, WriteCheckHandler
from ips_nb.live.secrecy import hide_in_logs
from ips_nb.live.wording import KIND_LABELS, live_labels, page_info
from ips_nb.pages.render import render
from ips_nb.resources import templates_dir
from ips_nb.settings import settings as env_settings  # `settings` is tornado's, here

TEMPLATES = templates_dir()  # Voila's template (voila/ips/) and the pages' templates
TEMPLATE_NAME = "ips"
DASHBOARDS = tuple(f"{kind}.ipynb" for kind in KIND_LABELS)
# What a dashboard page uses, under the server's base URL; anything else Voila would add (tree,
# contents API, files, template statics, its login page) is dropped.
KEEP = ("api/kernels/", "voila/static/", "voila/api/themes/", "voila/api/shutdown/", "voila/query/",
        "voila/labextensions/")
SITE_PATH = r"(?P<site>[a-z0-9][a-z0-9_-]*)/(?P<kind>supervision|agenda)/?"


def _hub_groups(user: object) -> set[str]:
    return set((getattr(user, "hub_user", None) or {}).get("groups") or [])


class PageHandler(JupyterHandler):
    """Our own pages: a refusal is a short page in the reader's language, never a login form of ours."""

    page_lang: str | None = None  # the page's language once known (a site's, or the user's sites')

    def user_sites(self) -> tuple[list[tuple[str, str, str]], str]:
        """Behind the hub: the (site, name, language) the current user may see, and the language
        of their pages (their sites' one language, else the hub's: ips_nb.live.access)."""
        user = self.current_user
        access = self.settings["ips_access"].current()
        sites = []
        for site in access.sites_for(user.username, _hub_groups(user)):
            try:
                p = load_params(self.settings["ips_params_dir"], site)
                sites.append((site, p.name, p.language))
            except ParamsError as exc:
                self.log.error("ips-nb: %s", exc)
        langs = {lang for _, _, lang in sites}
        return sites, (langs.pop() if len(langs) == 1 else access.lang)

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()
        if (not self.settings.get("ips_hub") and not self._finished and self.request.method == "GET"
                and "token" in self.request.query_arguments and getattr(self, "_jupyter_current_user", None)):
            # The token did its work (the login cookie is set with this answer): take it out of the
            # address, so it is not kept in history or bookmarks, sent on as Referer, or handed to
            # the kernel with the request's URL.
            rest = [(k, v.decode()) for k, vs in self.request.query_arguments.items() if k != "token" for v in vs]
            self.redirect(url_concat(self.request.path, rest))

    def get_login_url(self) -> str:
        if self.settings.get("ips_hub"):
            return super().get_login_url()  # the hub's OAuth login (patched in by the identity provider)
        raise tornado.web.HTTPError(403, "no token")  # standalone: the printed address carries it

    def write_error(self, status_code: int, **kwargs: object) -> None:
        if status_code not in (403, 404, 503):
            return super().write_error(status_code, **kwargs)
        hub = bool(self.settings.get("ips_hub"))
        lang = self.page_lang or self.settings.get("ips_lang", "en")
        user = getattr(self, "_jupyter_current_user", None)  # None too when refused before login
        L = live_labels(lang)
        if status_code == 404:
            message = L("not_found")
        elif status_code == 503:
            message = L("server_full")  # DashboardKernels.max_kernels page kernels held
        elif not hub and not user:
            message = L("token_needed")
        else:
            message = L("refused")
        back = {"href": self.base_url, "title": L("back_to_dashboards")} if hub and user else None
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(str(render("live/refused.html.j2", lang=lang, title=L("dashboards"), message=message,
                               back=back)))


class IndexHandler(PageHandler):
    """Standalone root URL: a plain page linking the dashboards, in the pinned site's language."""

    @tornado.web.authenticated
    def get(self) -> None:
        info = env_settings().serve_index
        links = [{"href": f"voila/render/{nb}", "title": str(title)} for nb, title in info.get("links", [])]
        self.set_header("Cache-Control", "no-store")
        self.write(str(render("live/root.html.j2", lang=str(info.get("lang", "en")),
                              title=str(info.get("title", "IPS")), links=links)))


class DashboardHandler(PageHandler, TornadoVoilaHandler):
    """Standalone: renders only the named dashboards, no other notebook, no `../`, no encoded tricks."""

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:  # type: ignore[override]
        if path not in DASHBOARDS:
            raise tornado.web.HTTPError(404)
        self.xsrf_token  # noqa: B018 - sets the cookie the page's closing call (kernel shutdown) sends back
        # a preheated page prepared before the site's last write is never served (issue 24)
        await self.settings["kernel_manager"].drop_stale(path)
        await super().get(path)

    @property
    def kernel_manager(self):  # noqa: ANN201 - Voila takes the page's (preheated) kernel through this
        # Standalone, everyone with the token acts as the one operating-system user the server
        # runs for (the kernels' Settings.user): that is the person the limit counts for.
        now = env_settings()
        return _RequestKernels(self.settings["kernel_manager"], {}, now.serve_user or "", now.serve_site)


class _RequestKernels:
    """The kernel manager as one page request sees it: a kernel it starts (or a preheated one it
    takes) gets the request's server-side values in its environment, is recorded as the user's
    and counted against their limit and the server's (DashboardKernels.open_page)."""

    def __init__(self, kernels: object, env: dict[str, str], owner: str, site: str | None,
                 patrol: AccessPatrol | None = None, key: str = "") -> None:
        self._kernels, self._env, self._owner, self._site = kernels, env, owner, site
        self._patrol, self._key = patrol, key

    def __getattr__(self, name: str) -> object:
        return getattr(self._kernels, name)

    async def _open(self, start) -> str:  # noqa: ANN001 - () -> Awaitable[kernel id]
        try:
            kernel_id, _ = await self._kernels.open_page(self._owner, self._site, start)  # type: ignore[attr-defined]
        except BaseException as exc:
            if self._patrol:  # no kernel: its key opens nothing
                self._patrol.forget(self._key)
            if isinstance(exc, ServerFull):
                raise tornado.web.HTTPError(503) from None  # the page says the server is full
            raise
        if self._patrol:
            self._patrol.started(self._key, kernel_id)
        return kernel_id

    async def start_kernel(self, **kwargs: object) -> str:
        kwargs["env"] = {**(kwargs.get("env") or {}), **self._env}  # type: ignore[dict-item]
        return await self._open(lambda: self._kernels.start_kernel(**kwargs))  # type: ignore[attr-defined]

    async def get_rendered_notebook(self, **kwargs: object) -> tuple:
        """Standalone: a preheated kernel (already run for the server's own site and user)."""
        taken: list[tuple] = []

        async def start() -> str:
            taken.append(await self._kernels.get_rendered_notebook(**kwargs))  # type: ignore[attr-defined]
            return taken[0][2]

        await self._open(start)
        return taken[0]


class HubDashboardHandler(PageHandler, TornadoVoilaHandler):
    """Behind the hub: /<prefix>/<site>/<kind> for a user the access file lets see that site."""

    _ips_env: dict[str, str] | None = None

    @tornado.web.authenticated
    async def get(self, site: str, kind: str) -> None:  # type: ignore[override]
        user = self.current_user
        access = self.settings["ips_access"].current()
        if site not in access.every_site:
            raise tornado.web.HTTPError(404)
        if not access.may_see(user.username, _hub_groups(user), site):
            self.log.warning("ips-nb: %s may not see %s", user.username, site)
            self.page_lang = self.user_sites()[1]
            raise tornado.web.HTTPError(403)
        try:
            params = load_params(self.settings["ips_params_dir"], site)
        except ParamsError as exc:
            self.log.error("ips-nb: %s", exc)
            raise tornado.web.HTTPError(500) from None
        self.page_lang = params.language
        # a demo's anchor day; else the clock's, as the hub runs for months
        today = env_settings().serve_today or date.today()
        month, week = Month.latest_complete(today), Week.containing(today)
        # Whoever may see a site's agenda (its users and the coordinators) may record its conference;
        # the kernel asks again at each save (IPS_NB_SERVE_WRITE_CHECK, with its own key).
        hub_auth = self.identity_provider.hub_auth
        self._ips_key = self.settings["ips_patrol"].new_key(hub_auth.get_token(self) or "",
                                                            hub_auth.get_session_id(self) or "")
        self._ips_site = site
        self._ips_env = {"IPS_NB_SERVE_SITE": site, "IPS_NB_SERVE_USER": user.username,
                         "IPS_NB_SERVE_CAN_WRITE": "1",
                         "IPS_NB_SERVE_WRITE_CHECK": self.settings["ips_write_check_url"],
                         "IPS_NB_SERVE_KERNEL_KEY": self._ips_key,
                         "IPS_NB_SERVE_LANG": params.language, "IPS_NB_SERVE_MONTH": str(month),
                         "IPS_NB_SERVE_WEEK": str(week)}
        self._ips_page = page_info(params.language, params.name, month, week, params.labels)
        self.xsrf_token  # noqa: B018 - the cookie the page's closing call (kernel shutdown) sends back
        await TornadoVoilaHandler.get(self, f"{kind}.ipynb")

    @property
    def kernel_manager(self):  # noqa: ANN201 - Voila starts the page's kernel through this
        kernels = self.settings["kernel_manager"]
        if self._ips_env is None:
            return kernels
        return _RequestKernels(kernels, self._ips_env, self.current_user.username, self._ips_site,
                               self.settings["ips_patrol"], self._ips_key)


def prelaunch(handler: object, notebook: object, cwd: str) -> object:
    """VoilaConfiguration.prelaunch_hook behind the hub: runs in the server before the kernel starts.
    Only a page our handler has checked gets here; it puts that page's head (site name, language,
    titles, periods) into the notebook for the template. The query string plays no part."""
    page = getattr(handler, "_ips_page", None)
    if page is None:
        raise tornado.web.HTTPError(403)
    notebook.metadata.setdefault("ips", {})["page"] = page  # type: ignore[attr-defined]
    return notebook


class HubHomeHandler(PageHandler):
    """Behind the hub, the service's root: where a user lands after logging in. Links exactly
    the user's sites' dashboards (every site, the overview and the runs for a coordinator), or
    says in one sentence that there are none."""

    @tornado.web.authenticated
    def get(self) -> None:
        user = self.current_user
        groups = _hub_groups(user)
        access = self.settings["ips_access"].current()
        sites, lang = self.user_sites()
        self.page_lang = lang
        L = live_labels(lang)
        base = self.base_url
        rows = [{"site": site, "name": name,
                 "links": [{"href": f"{base}{site}/{kind}", "title": L(label)} for kind, label in KIND_LABELS.items()]}
                for site, name, _ in sites]
        extras = []
        if access.is_coordinator(user.username, groups):
            reports = Path(self.settings["ips_reports_dir"])
            overviews = sorted((reports / "overview").glob("*.html"), reverse=True)
            if overviews:
                extras.append({"href": f"{base}reports/overview/{overviews[0].name}", "title": L("overview_title")})
            if (reports / "index.html").is_file():
                extras.append({"href": f"{base}reports/index.html", "title": L("all_reports_and_runs")})
        self.set_header("Cache-Control", "no-store")
        self.write(str(render("live/hub_home.html.j2", lang=lang, title=L("dashboards"),
                              heading=L("your_dashboards"), user_line=L("signed_in_as", user=user.username),
                              sites=rows, extras=extras, empty=L("no_dashboards"),
                              logout={"href": f"{base}logout", "title": L("log_out")})))


class ReportsHandler(PageHandler, tornado.web.StaticFileHandler):
    """Behind the hub, for coordinators only: the static reports folder (the regional overview, the
    run pages, every site's packs), as `ips-nb run` wrote it. Pages are sandboxed: their scripts
    draw charts but cannot talk to this server as the user."""

    @property
    def content_security_policy(self) -> str:
        return super().content_security_policy + "; sandbox allow-scripts"

    @tornado.web.authenticated
    async def get(self, path: str, include_body: bool = True) -> None:  # type: ignore[override]
        user = self.current_user
        if not self.settings["ips_access"].current().is_coordinator(user.username, _hub_groups(user)):
            self.page_lang = self.user_sites()[1]
            raise tornado.web.HTTPError(403)
        self.set_header("Cache-Control", "no-store")
        await tornado.web.StaticFileHandler.get(self, path, include_body)


class KernelOwnerAuthorizer(Authorizer):
    """Behind the hub: a kernel (its model, websocket, shutdown) is its starter's alone, and only
    while access.yaml still lets them see its site (the patrol ends it within seconds anyway)."""

    def is_authorized(self, handler, user, action, resource) -> bool:  # noqa: ANN001
        if resource != "kernels":
            return True
        kernel_id = handler.path_kwargs.get("kernel_id") or (handler.path_args[0] if handler.path_args else None)
        kernels = handler.settings["kernel_manager"]
        owner = kernels.owner(kernel_id) if kernel_id else None
        allowed = bool(owner) and user is not None and owner == user.username
        site = kernels.sites.get(kernel_id) if allowed else None
        if site:
            allowed = handler.settings["ips_access"].current().may_see(user.username, _hub_groups(user), site)
        if not allowed:
            self.log.warning("ips-nb: %s may not %s kernel %s", getattr(user, "username", None), action, kernel_id)
        return allowed


class ShutdownHandler(VoilaShutdownKernelHandler):
    """Voila's `beforeunload` kernel shutdown, asking the authorizer first (the stock one does not)."""

    @tornado.web.authenticated
    async def post(self, kernel_id: str) -> None:  # type: ignore[override]
        if not self.authorizer.is_authorized(self, self.current_user, "write", "kernels"):
            raise tornado.web.HTTPError(403)
        await super().post(kernel_id)


def _hub_identity_class() -> type:
    """jupyterhub's own identity provider for Jupyter Server (HubOAuth), as Voila's."""
    from jupyterhub.singleuser.extension import JupyterHubIdentityProvider

    class HubIdentity(JupyterHubIdentityProvider):
        def __init__(self, token: str | None = None, **kwargs: object) -> None:
            super().__init__(**kwargs)  # Voila hands every identity provider a token; the hub's has its own

    return HubIdentity


class IpsVoila(Voila):
    """Voila with the `ips` template from our `templates/` folder and a short list of handlers."""

    hub = Bool(False, config=True, help="Run as the JupyterHub service behind `ips-nb hub`.")
    access_check_interval = Float(3.0, config=True, help="Behind the hub: seconds between two checks "
                                  "that every open page's user may still see its site (access.yaml "
                                  "as it is now, the user's groups as the hub has them now); a page "
                                  "whose user lost it is ended within about this much plus 3 s.")

    def initialize(self, argv: list[str] | None = None) -> None:
        super().initialize(argv)
        # Voila stops cleanly on SIGTERM only; the hub stops its services with SIGINT first.
        signal.signal(signal.SIGINT, self._handle_signal_stop)
        quiet_server(self)  # warnings on every start that say nothing here (ips_nb.live.noise)
        if self.hub:
            self.identity_provider_class = _hub_identity_class()
            self.authorizer_class = KernelOwnerAuthorizer
            self.voila_configuration.prelaunch_hook = prelaunch
        else:
            token = os.environ.pop("IPS_NB_SERVE_TOKEN", "")  # kernels inherit the environment: not this
            hide_in_logs(token)  # nor the log: a 404 with ?token= printed it (ips_nb.live.secrecy)
            if token:
                self.token = token

    def setup_template_dirs(self) -> None:
        # Site name, periods and language for the template's head (set by `ips-nb serve`).
        extra = env_settings().serve_resources
        self.voila_configuration.config.VoilaConfiguration.resources = {"ips": extra}
        if self.voila_configuration.template != TEMPLATE_NAME:
            return super().setup_template_dirs()
        # Our template extends `lab`: its folder first, then templates/ (ips.css), then lab's chain.
        self.template_paths = [str(TEMPLATES / "voila" / TEMPLATE_NAME), str(TEMPLATES)] + \
            collect_template_paths(["voila", "nbconvert"], "lab", prune=True)
        self.static_paths = [str(TEMPLATES / "voila" / TEMPLATE_NAME / "static")] + \
            collect_static_paths(["voila", "nbconvert"], "lab")

    def init_settings(self) -> dict:
        settings = super().init_settings()
        env, now = os.environ, env_settings()
        settings["ips_hub"] = self.hub
        settings["ips_lang"] = now.serve_index.get("lang", "en")
        if self.hub:
            hub_auth = self.identity_provider.hub_auth
            hub_auth.api_token  # noqa: B018 - read now: the kernels inherit the environment, not this token
            hide_in_logs(hub_auth.api_token)
            env.pop("JUPYTERHUB_API_TOKEN", None)
            params_dir = str(now.serve_params_dir)
            access = AccessWatch(now.serve_access or Path(params_dir) / "access.yaml", params_dir, self.log)
            self.patrol = AccessPatrol(self.kernel_manager, access, hub_auth, self.access_check_interval, self.log)
            self.patrol.start()
            settings.update(ips_allowed_hosts=None, ips_params_dir=params_dir, ips_access=access,
                            ips_reports_dir=str(now.serve_reports), ips_patrol=self.patrol,
                            ips_write_check_url=f"http://127.0.0.1:{self.port}{self.server_url or '/'}{CHECK_PATH}")
        else:
            settings["ips_allowed_hosts"] = tuple(now.serve_allow_hosts)
        return settings

    def init_handlers(self) -> list:
        base = self.server_url or "/"
        kept = []
        for spec in super().init_handlers():
            pattern, cls = spec[0], spec[1]
            rest = pattern[len(base):] if pattern.startswith(base) else None
            if rest is None or not rest.startswith(KEEP):
                continue  # tree, contents, files, template statics, Voila's login page
            if cls is VoilaShutdownKernelHandler:
                cls = ShutdownHandler
            kept.append((pattern, cls, *spec[2:]))
        voila_kwargs = {"template_paths": self.template_paths, "config": self.config,
                        "voila_configuration": self.voila_configuration}
        if self.hub:
            reports = env_settings().serve_reports
            ours = [(url_path_join(base, path), cls, *more)
                    for path, cls, *more in self.identity_provider.get_handlers()]  # /logout, /oauth_callback
            ours += [(base + SITE_PATH, HubDashboardHandler, voila_kwargs), (base + CHECK_PATH, WriteCheckHandler),
                     (base + "reports/(.*)", ReportsHandler, {"path": str(Path(reports).resolve())}),
                     (base.rstrip("/") + "/?", HubHomeHandler)]
        else:
            ours = [(base + "voila/render/(.*)", DashboardHandler, voila_kwargs), (base, IndexHandler)]
        return [(spec[0], guarded(spec[1]), *spec[2:]) for spec in kept + ours]

    def stop(self) -> None:
        if getattr(self, "patrol", None) is not None:
            self.patrol.stop()
        # Voila leaves its kernels to notice their parent is gone; end them with the server.
        try:
            self.ioloop.run_sync(lambda: self.kernel_manager.shutdown_all(now=True), timeout=30)
        except Exception as exc:  # noqa: BLE001 - stopping anyway
            self.log.warning("ips-nb: kernels not all shut down: %s", exc)
        super().stop()


main = IpsVoila.launch_instance

if __name__ == "__main__":
    main()

"""Voila as `ips-nb serve` runs it: our template, and nothing reachable but the dashboards.

Stock Voila also serves a folder tree, a contents API, files beside the notebooks and any notebook
in its root. A coordinator exposes this on a network with people's data behind it, so we keep
only what a dashboard page needs (its render URL, kernels, static scripts, themes, lab
extensions) and answer everything else with 404. Run as `python -m ips_nb.live.voila_app ROOT ...`.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import tornado.web
from voila.app import Voila
from voila.paths import collect_static_paths, collect_template_paths
from voila.tornado.handler import TornadoVoilaHandler

from ips_nb.pages.render import render

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TEMPLATE_NAME = "ips"
DASHBOARDS = ("supervision.ipynb", "agenda.ipynb")
# Handlers a dashboard page uses; anything else Voila would add (tree, contents API, files,
# template statics) is dropped.
KEEP = ("/api/kernels/", "/voila/static/", "/voila/api/themes/", "/voila/api/shutdown/",
        "/voila/query/", "/voila/labextensions/", "/login", "/logout")


class DashboardHandler(TornadoVoilaHandler):
    """Renders only the named dashboards: no other notebook, no `../`, no encoded tricks."""

    async def get(self, path: str | None = None) -> None:  # type: ignore[override]
        if path not in DASHBOARDS:
            raise tornado.web.HTTPError(404)
        await super().get(path)


class IndexHandler(tornado.web.RequestHandler):
    """The root URL: a plain page linking the dashboards, in the pinned site's language."""

    def get(self) -> None:
        info = json.loads(os.environ.get("IPS_NB_SERVE_INDEX", "{}"))
        links = [{"href": f"voila/render/{nb}", "title": str(title)} for nb, title in info.get("links", [])]
        self.set_header("Cache-Control", "no-store")
        self.write(str(render("live/root.html.j2", lang=str(info.get("lang", "en")),
                              title=str(info.get("title", "IPS")), links=links)))


class IpsVoila(Voila):
    """Voila with the `ips` template from our `templates/` folder and a short list of handlers."""

    def setup_template_dirs(self) -> None:
        # Site name, periods and language for the template's head (set by `ips-nb serve`).
        extra = json.loads(os.environ.get("IPS_NB_SERVE_RESOURCES") or "{}")
        self.voila_configuration.config.VoilaConfiguration.resources = {"ips": extra}
        if self.voila_configuration.template != TEMPLATE_NAME:
            return super().setup_template_dirs()
        # Our template extends `lab`: its folder first, then templates/ (ips.css), then lab's chain.
        self.template_paths = [str(TEMPLATES / "voila" / TEMPLATE_NAME), str(TEMPLATES)] + \
            collect_template_paths(["voila", "nbconvert"], "lab", prune=True)
        self.static_paths = [str(TEMPLATES / "voila" / TEMPLATE_NAME / "static")] + \
            collect_static_paths(["voila", "nbconvert"], "lab")

    def init_handlers(self) -> list:
        kept = [h for h in super().init_handlers()
                if any(key in h[0] for key in KEEP)]
        dashboards = (r"/voila/render/(.*)", DashboardHandler,
                      {"template_paths": self.template_paths, "config": self.config,
                       "voila_configuration": self.voila_configuration})
        return kept + [dashboards, (r"/", IndexHandler)]


main = IpsVoila.launch_instance

if __name__ == "__main__":
    main()

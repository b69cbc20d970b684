"""Where the package's own files are: templates, workbooks, dashboards, the demo's parameters, catalogues.

Why one module: eight modules used to find these with `Path(__file__).parents[…]`, which holds
only in a checkout; in an installed wheel `parents[2]` is site-packages, and `ips-nb demo` stopped
at once on "…/site-packages/params/aarhus.yaml". Here every such file is found through
`importlib.resources`, by package name, so it is found wherever the package is installed.

The checkout keeps the developers' layout (`templates/`, `workbooks/`, `dashboards/`, `params/` at
the top of the repository): pyproject.toml maps each folder into the package
(`[tool.setuptools.package-dir]`: `ips_nb.templates` = `templates`, …), so a wheel holds them as
`ips_nb/templates/…` and an editable install resolves the same names to the checkout's folders.
Each of the four folders has an `__init__.py` for that reason alone: setuptools' editable finder
resolves a mapped package only through one.

Paths, not `Traversable`s: Jinja2's loader, Voila, JupyterHub and papermill want folders and files
on disk, which a wheel installed by pip always is; a zipped install is refused in one sentence.

The lowest layer: imports nothing of ips_nb, so every layer may import it.
"""
from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

TEMPLATES = "ips_nb.templates"        # Jinja2 templates, Voila's template, static assets (templates/)
WORKBOOKS = "ips_nb.workbooks"        # the batch run's parameterised notebooks (workbooks/)
DASHBOARDS = "ips_nb.dashboards"      # Voila's two dashboards (dashboards/)
DEMO_PARAMS = "ips_nb.demo_params"    # the demo sites' parameters and access file (params/)


class ResourceError(RuntimeError):
    """A file the package ships is not on disk (a zipped install, a damaged one)."""


def _folder(package: str) -> Path:
    """The folder of one of the package's data packages, on disk."""
    try:
        found = resources.files(package)
    except ModuleNotFoundError as exc:
        raise ResourceError(f"{package} is missing from this installation of ips-nb: reinstall it "
                            "(pip install --force-reinstall ips-nb, or make setup in a checkout)") from exc
    if not isinstance(found, Path) or not found.is_dir():
        raise ResourceError(f"{package} is not a folder on disk ({found}): install ips-nb unpacked, as pip does")
    return found


@functools.cache
def templates_dir() -> Path:
    """templates/: every page's Jinja2 template, the stylesheet, Voila's and the hub's templates."""
    return _folder(TEMPLATES)


def static_dir() -> Path:
    """The dashboards' static assets (plotly's bundle), also inlined into the static pages."""
    return templates_dir() / "voila" / "ips" / "static"


@functools.cache
def workbooks_dir() -> Path:
    """workbooks/: the notebooks a batch run executes with papermill."""
    return _folder(WORKBOOKS)


def workbook(kind: str) -> Path:
    """One workbook, `<kind>.ipynb` (supervision, agenda, overview)."""
    return workbooks_dir() / f"{kind}.ipynb"


@functools.cache
def dashboards_dir() -> Path:
    """dashboards/: the folder Voila serves (`ips-nb serve`, the hub's service)."""
    return _folder(DASHBOARDS)


@functools.cache
def demo_params_dir() -> Path:
    """params/ of the checkout: the demo sites' parameter files and their access.yaml."""
    return _folder(DEMO_PARAMS)


def demo_params() -> list[Path]:
    """The demo's parameter files (each site's `<site>.yaml` and `access.yaml`), by name."""
    return sorted(demo_params_dir().glob("*.yaml"))


@functools.cache
def locale_dir() -> Path:
    """The labels' gettext catalogues (`<lang>/LC_MESSAGES/ips_nb.po`, compiled in memory)."""
    return _folder("ips_nb.pages") / "locale"


@functools.cache
def hub_config_file() -> Path:
    """The `jupyterhub -f` file `ips-nb hub` starts JupyterHub with."""
    return _folder("ips_nb.live") / "jupyterhub_config.py"


def checkout_tool(name: str) -> Path | None:
    """`node_modules/.bin/<name>` beside the package when it runs from a checkout (`make setup`
    runs npm ci there); None in an installed wheel, where such a tool comes from PATH."""
    tool = _folder("ips_nb").parent / "node_modules" / ".bin" / name
    return tool if tool.exists() else None

"""The one Jinja2 environment every page and fragment is rendered with: autoescaping always on.

Python hands templates data; escaping is the template engine's job, so a forgotten call cannot
open a page to script. The only markup that passes unescaped is markup this package made itself
from a template (`Markup`), an executed notebook's outputs (the library's own), and plotly's chart div.
"""
from __future__ import annotations

import functools

import jinja2
from markupsafe import Markup

from ips_nb.resources import templates_dir

TEMPLATES = templates_dir()  # templates/ in a checkout, ips_nb/templates/ installed


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """Compiled once per process (a batch worker renders many pages)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["css_string"] = css_string
    return env


def css_string(value: object) -> Markup:
    """Text as a quoted CSS string (a print footer's `content:`): nothing can close the string or
    the <style> element it sits in."""
    text = "" if value is None else str(value)
    out = []
    for ch in text:
        if ch.isalnum() or ch in " .,:;·-_()/'":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):x} ")
    return Markup('"' + "".join(out) + '"')


def render(name: str, **data: object) -> Markup:
    """`templates/<name>` rendered with `data`; the result is markup, safe to nest in another page."""
    return Markup(environment().get_template(name).render(**data))


@functools.lru_cache(maxsize=1)
def css() -> str:
    """The stylesheet every static page carries inline (no file beside it to lose)."""
    return (TEMPLATES / "ips.css").read_text(encoding="utf-8")

"""A region's own hub for the login tests: `configure()` plus a login block taken word for word
from docs/deployment.md, with only the region's addresses and secrets put in for the test's.

So the LDAP and OpenID Connect examples in the documentation are the configurations the tests
log in with: change one there and the tests run the changed one.
"""
from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOYMENT = ROOT / "docs" / "deployment.md"


def docs_block(anchor: str) -> str:
    """The first ```python block after the line that starts with `anchor` in docs/deployment.md."""
    text = DEPLOYMENT.read_text(encoding="utf-8")
    start = next((m.end() for m in re.finditer(rf"^{re.escape(anchor)}.*$", text, re.M)), None)
    assert start is not None, f"docs/deployment.md has no line starting {anchor!r}"
    block = re.search(r"^```python\n(.*?)^```", text[start:], re.M | re.S)
    assert block, f"docs/deployment.md has no python block after {anchor!r}"
    return block.group(1)


def put_in(block: str, replacements: dict[str, str]) -> str:
    """`block` with each region value replaced by the test's; a value the block no longer has is an
    error (the documentation changed: the test must follow it, not silently test something else)."""
    for old, new in replacements.items():
        assert old in block, f"docs/deployment.md's example no longer has {old!r}"
        block = block.replace(old, new)
    return block


def region_config(path: Path, login: str, **configure: object) -> Path:
    """A region's jupyterhub_config.py: `configure(c, **configure)`, then the login block."""
    args = ", ".join(f"{k}={v!r}" for k, v in configure.items())
    path.write_text("import datetime\nimport os\n\nfrom ips_nb.live.hub import configure\n\n"
                    f"configure(c, {args})\n\n{login}", encoding="utf-8")
    return path


@contextlib.contextmanager
def region_hub(tmp: Path, login: str, env: dict[str, str], port: int | None = None, **configure: object):
    """The hub of `region_config` on `port` (by default a free one) on loopback, started as a region
    starts it (`jupyterhub -f jupyterhub_config.py`, secrets in the environment): yields its base
    URL and log, and stops it with every process it started."""
    from browsing import free_port
    from test_hub import running_hub

    from ips_nb.live.hub import HubOptions

    options = HubOptions(port=port or free_port())
    config = region_config(tmp / "jupyterhub_config.py", login, port=options.port,
                           state_dir=str(tmp / "state"), **configure)
    log = tmp / "hub.log"
    proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=str(tmp),
                            env={**os.environ, **env}, stdout=log.open("w"), stderr=subprocess.STDOUT)
    with running_hub(options, log, proc=proc):
        yield options.url, log


def dashboards(page) -> list[str]:
    """The dashboard links on the service's page a user lands on (not the logout)."""
    from test_hub import _links

    return [p for p in _links(page) if "/services/ips/" in p and not p.endswith("/logout")]

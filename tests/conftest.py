"""Shared fixtures: the demo database once per session, and the rule for system components."""
from __future__ import annotations

import os
import shutil
import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

DEMO_TODAY = date(2026, 11, 23)


def fill_disk(disk: Path, leave: int = 0) -> None:
    """Fill the file system `disk` is on to the last byte, then free `leave` bytes of it."""
    import errno

    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as f:
        for chunk in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    f.write(b"\0" * chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    if leave:
        os.truncate(filler, max(0, filler.stat().st_size - leave))


def need_system(what: str, present: bool) -> None:
    """Skip a system test where the component is missing; under CI a missing one is a failure."""
    if present:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not installed, and in CI a skipped system test is a failure")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    need_system("Chromium (/usr/bin/chromium)", Path(path).exists())
    return path


@pytest.fixture(scope="module")
def browser(chromium_path):
    """One headless Chromium per test module, launched with the flags this machine needs."""
    from browsing import CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> str:
    """A demo database anchored on a fixed day, so the tests are reproducible."""
    from ips_nb.demo import build_demo_db

    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    build_demo_db(url, DEMO_TODAY)
    return url


@pytest.fixture(scope="session")
def params_dir() -> str:
    return str(ROOT / "params")


SYSTEM_FIXTURES = {"pg_server", "pg_url", "chromium_path", "browser"}


def pytest_collection_modifyitems(items) -> None:
    """A test that uses PostgreSQL or Chromium is a system test wherever it lives, so
    `make test-fast` (-m "not system") never starts one and CI never lets one skip."""
    for item in items:
        if SYSTEM_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.system)

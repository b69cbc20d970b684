"""Opening a page in headless Chromium with every request that leaves `allowed` refused and kept."""
from __future__ import annotations

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def open_guarded(browser, url: str, allowed: str):
    """The page, the requests that tried to leave, and the console errors seen so far."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    left, errors = [], []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(allowed)
               else (left.append(route.request.url), route.abort()))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    return page, left, errors

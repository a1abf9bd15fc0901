"""The report as a person sees it: opened from disk in headless Chromium (Debian's ``chromium``,
installed by ``scripts/setup.sh --browser``), driven by Playwright with that system browser.
No failed loads, no console errors, every picture decoded, no sideways scrolling on a phone."""

from __future__ import annotations

import os
import shutil

import pytest

from dcgan.report import build_report

from .conftest import add_results

pytestmark = pytest.mark.browser

BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str | None:
    explicit = os.environ.get("DCGAN_CHROMIUM")
    if explicit:
        return explicit
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


@pytest.mark.parametrize("viewport", [(1280, 900), (390, 844)], ids=["laptop", "phone"])
def test_report_loads_cleanly_in_chromium(browser, run_copy, tmp_path, viewport):
    add_results(run_copy)
    index = build_report(run_copy)
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    problems, requests = [], []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} ({r.failure})"))
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(index.resolve().as_uri(), wait_until="load", timeout=30_000)
        shot = tmp_path / f"report-{viewport[0]}.png"
        page.screenshot(path=str(shot), full_page=True)
        images = page.evaluate(
            "Array.from(document.images, i => ({src: i.getAttribute('src'), ok: i.complete, w: i.naturalWidth}))"
        )
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        sections = page.evaluate("Array.from(document.querySelectorAll('main > section'), s => s.id)")
    finally:
        page.close()

    assert problems == []
    assert requests and all(url.startswith("file://") for url in requests), requests
    assert len(images) >= 10  # grids, animation, plots and the results' pictures
    assert [i["src"] for i in images if not (i["ok"] and i["w"] > 0)] == []
    assert widths[0] <= widths[1], f"page scrolls sideways: {widths}"
    assert len(sections) == 7
    assert shot.stat().st_size > 10_000

"""The explorer as a person uses it: headless Chromium (Debian's ``chromium``) driven by Playwright,
against a live server. Clicking three samples per concept shows A - B + C; that picture equals,
pixel for pixel, what ``dcgan explore arith`` writes for the same exemplars; the walk slider changes
the picture; no console errors, no failed requests, nothing fetched from another origin; and
traversal URLs typed into the address bar get a refusal page.

``DCGAN_SERVE_SCREENSHOT=docs/img/serve.png`` also saves the screenshot there (docs/explorer-export.md's)."""

from __future__ import annotations

import base64
import io
import os
import shutil

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.browser


PIXELS_JS = """async (sel) => {
  const img = document.querySelector(sel);
  await img.decode();
  const bitmap = await createImageBitmap(img, {colorSpaceConversion: 'none', premultiplyAlpha: 'none'});
  const c = document.createElement('canvas');
  c.width = bitmap.width; c.height = bitmap.height;
  const ctx = c.getContext('2d', {willReadFrequently: true});
  ctx.drawImage(bitmap, 0, 0);
  return {w: c.width, h: c.height, data: Array.from(ctx.getImageData(0, 0, c.width, c.height).data),
          src: img.getAttribute('src')};
}"""


def _pixels(page, selector, sent=None):
    """What the page shows in ``selector`` (RGBA, read back from a canvas); ``sent`` also collects the
    PNG the server sent, decoded here."""
    got = page.evaluate(PIXELS_JS, selector)
    if sent is not None:
        sent.append(np.asarray(Image.open(io.BytesIO(base64.b64decode(got["src"].split(",", 1)[1]))).convert("RGB")))
    return np.array(got["data"], np.uint8).reshape(got["h"], got["w"], 4)


def test_explorer_in_chromium(browser, served, tmp_path):
    explorer, url, run = served
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems, foreign = [], []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} ({r.failure})"))
    page.on("request", lambda r: None if r.url.startswith((url, "data:")) else foreign.append(r.url))
    try:
        page.goto(url + "/", wait_until="load", timeout=30_000)
        page.wait_for_selector("#sheet .cell[data-index='63'] img", timeout=30_000)

        # Vector arithmetic: three clicks per concept, A then B then C (slots advance by themselves).
        concepts = {"A": [1, 2, 3], "B": [10, 11, 12], "C": [20, 21, 22]}
        for name in "ABC":
            for i in concepts[name]:
                page.click(f"#sheet .cell[data-index='{i}']")
        page.wait_for_selector("#arith-result[data-concepts='1,2,3;10,11,12;20,21,22']", timeout=30_000)
        sent = []
        shown = _pixels(page, "#arith-result", sent)
        pixel_shown = _pixels(page, "#arith-pixel")
        shot = tmp_path / "serve.png"
        page.screenshot(path=str(shot), full_page=True)

        # The walk: from 5 to 40; the slider moves the picture.
        page.click("#tabs button[data-tab='walk']")
        page.click("#sheet .cell[data-index='5']")
        page.click("#sheet .cell[data-index='40']")
        page.wait_for_selector("#walk-linear[data-t='0']", timeout=30_000)
        start = _pixels(page, "#walk-linear")
        page.fill("#walk-t", "70")  # sets the value and fires 'input', as a drag does
        page.wait_for_selector("#walk-linear[data-t='0.7']", timeout=30_000)
        moved = _pixels(page, "#walk-linear")
        latency = page.evaluate("window.dcganLatency")
        clean = list(problems)  # the refusals below log their 404s by design

        # Traversal typed into the address bar: a refusal page, not a file.
        refusals = {}
        for path in ("/files/../config.json", "/files/%2e%2e%2fconfig.json", "/files/..%2F..%2Fetc%2Fpasswd",
                     "/static/..%2fserver.py"):
            response = page.goto(url + path)
            refusals[path] = (response.status, page.inner_text("h1"))
    finally:
        page.close()

    out = tmp_path / "cli"
    from dcgan.cli import main

    assert main(["explore", "arith", "--checkpoint", str(run), "--concept", "A=1,2,3", "--concept", "B=10,11,12",
                 "--concept", "C=20,21,22", "--expr", "A - B + C", "--sheet-seed", "0", "--sheet-n", "64",
                 "--out", str(out)]) == 0
    want = np.asarray(Image.open(out / "result.png").convert("RGB"))
    assert shown.shape[:2] == want.shape[:2]
    assert np.array_equal(sent[0], want), "the server's picture differs from dcgan explore arith's result.png"
    diff = np.abs(shown[..., :3].astype(int) - want)
    assert np.array_equal(shown[..., :3], want), f"differs from dcgan explore arith: {(diff > 0).sum()} values, max {diff.max()}"
    assert (shown[..., 3] == 255).all()
    pixel_row = np.asarray(Image.open(out / "pixel.png").convert("RGB"))  # means of A, B, C, then the sum
    res = explorer.nets.config.model.resolution
    scale = explorer.scale
    last = pixel_row[2:2 + res * scale:scale, -(res * scale + 2):-2:scale]
    assert np.array_equal(pixel_shown[..., :3], last)

    # The centre cell is the decode of the mean-z sum, as dcgan.sampling.generate gives it.

    from dcgan.experiments.sheets import sheet_z
    from dcgan.sampling import generate

    z = sheet_z(0, 64, explorer.nets.z_dim, explorer.nets.z_dist)
    y = z[[1, 2, 3]].mean(0) - z[[10, 11, 12]].mean(0) + z[[20, 21, 22]].mean(0)
    from dcgan.experiments.arithmetic import neighbours

    cells = generate(explorer.nets.generator, neighbours(y, 0.25, 0))
    centre = shown[2 + (res * scale + 2):2 + (res * scale + 2) + res * scale:scale,
                   2 + (res * scale + 2):2 + (res * scale + 2) + res * scale:scale, 0]
    assert np.array_equal(centre, cells[4, 0].numpy())
    assert len({cells[i].numpy().tobytes() for i in range(9)}) == 9  # the check can tell z's apart

    assert not np.array_equal(start, moved), "moving the walk slider did not change the picture"
    assert clean == [] and foreign == [], (clean, foreign)
    assert all(status == 404 and "404" in h1 for status, h1 in refusals.values()), refusals
    assert len(latency) >= 3
    assert shot.stat().st_size > 10_000
    target = os.environ.get("DCGAN_SERVE_SCREENSHOT")
    if target:
        shutil.copy(shot, target)

"""Latency of ``dcgan serve``: time from a slider move to the new picture, at 32x32 and 64x64.

    python benchmarks/serve_latency.py [--repeats 30] [--preset pytorch] [--screenshot PATH --checkpoint RUN]

For each size: a generator of the preset's architecture (grey 32x32, RGB 64x64; random weights:
the cost does not depend on them) is written as a run, served on a free loopback port, and

- ``http``: a POST /api/walk (linear + spherical in one generator batch, two PNGs) timed from
  request to parsed answer, ``--repeats`` times at different t;
- ``browser`` (when Playwright and Chromium are there): the page's walk slider moved with
  ``fill`` (an 'input' event, as a drag fires) and timed in the page itself, from the event to both
  new pictures decoded (``window.dcganLatency``).

Median and 90th percentile in milliseconds. ``--screenshot`` writes a picture of the explorer for
docs/explorer-export.md (of ``--checkpoint`` if given: a trained run looks better than random weights).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import torch

from dcgan.config import resolve_config
from dcgan.core.checkpoint import save_checkpoint
from dcgan.models import build_models
from dcgan.serve.explorer import Explorer
from dcgan.serve.server import start_in_thread


def make_run(run_dir: Path, preset: str, res: int, channels: int) -> Path:
    cfg = resolve_config({}, {"preset": preset, "model.resolution": res, "model.channels": channels,
                              "train.out_dir": str(run_dir)})
    g, d = build_models(cfg.model)
    save_checkpoint({"config": cfg.to_dict(), "generator": g.state_dict(), "discriminator": d.state_dict(), "step": 0},
                    run_dir / "checkpoints" / "latest.pt")
    return run_dir


def _post(url: str, path: str, body: dict) -> dict:
    req = urllib.request.Request(url + path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as response:
        return json.loads(response.read())


def summarise(values: list[float]) -> str:
    values = sorted(values)
    p90 = values[min(len(values) - 1, int(round(0.9 * (len(values) - 1))))]
    return f"median {statistics.median(values):7.1f} ms   p90 {p90:7.1f} ms   (n={len(values)})"


def http_latency(url: str, repeats: int) -> list[float]:
    _post(url, "/api/walk", {"seed": 0, "n": 64, "a": 5, "b": 40, "t": 0.0})  # warm-up
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        _post(url, "/api/walk", {"seed": 0, "n": 64, "a": 5, "b": 40, "t": (i + 1) / (repeats + 1)})
        times.append((time.perf_counter() - start) * 1000)
    return times


def browser_session(url: str, repeats: int, screenshot: Path | None = None) -> list[float] | None:
    try:
        from playwright.sync_api import sync_playwright

        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from tests.report.test_browser import BROWSER_ARGS, find_browser
    except ImportError:
        return None
    executable = find_browser()
    if executable is None:
        return None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url + "/")
        page.wait_for_selector("#sheet .cell[data-index='63'] img")
        if screenshot:
            for i in (1, 2, 3, 10, 11, 12, 20, 21, 22):
                page.click(f"#sheet .cell[data-index='{i}']")
            page.wait_for_selector("#arith-result[data-concepts='1,2,3;10,11,12;20,21,22']")
            page.screenshot(path=str(screenshot), full_page=True)
        page.click("#tabs button[data-tab='walk']")
        page.click("#sheet .cell[data-index='5']")
        page.click("#sheet .cell[data-index='40']")
        page.wait_for_selector("#walk-linear[data-t='0']")
        page.evaluate("window.dcganLatency = []")
        for i in range(repeats):
            value = str(1 + (i * 37) % 99)
            page.fill("#walk-t", value)
            page.wait_for_selector(f"#walk-linear[data-t='{int(value) / 100:g}']")
        times = page.evaluate("window.dcganLatency")
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--preset", default="pytorch")
    parser.add_argument("--screenshot", type=Path)
    parser.add_argument("--checkpoint", help="run to screenshot (default: the 32x32 random-weight run)")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, preset {args.preset}")
    with tempfile.TemporaryDirectory() as tmp:
        for res, ch in ((32, 1), (64, 3)):
            run = make_run(Path(tmp) / f"r{res}", args.preset, res, ch)
            server, url = start_in_thread(Explorer.open(run))
            try:
                print(f"{res}x{res}x{ch} http    slider -> 2 pictures: {summarise(http_latency(url, args.repeats))}")
                shot = args.screenshot if (args.screenshot and not args.checkpoint and res == 32) else None
                times = browser_session(url, args.repeats, shot)
                if times:
                    print(f"{res}x{res}x{ch} browser slider -> 2 pictures: {summarise(times)}")
                else:
                    print(f"{res}x{res}x{ch} browser: skipped (no Playwright/Chromium)")
            finally:
                server.shutdown()
                server.server_close()
        if args.screenshot and args.checkpoint:
            server, url = start_in_thread(Explorer.open(args.checkpoint))
            try:
                browser_session(url, 1, args.screenshot)
            finally:
                server.shutdown()
    if args.screenshot:
        print(f"wrote {args.screenshot}")


if __name__ == "__main__":
    main()

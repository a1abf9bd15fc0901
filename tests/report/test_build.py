"""The report built from a real tiny run: every section there, every link resolving to a file,
missing results named with their command, other commands' results rendered, text escaped."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

from PIL import Image

from dcgan.cli import main
from dcgan.report import build_report, layout
from dcgan.report.runinfo import sample_grids

from .conftest import PAYLOAD, add_results

SECTION_IDS = ["overview", "samples", "curves", "quality", "classification", "experiments", "dedup"]


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.imgs: list[str] = []
        self.tags: list[str] = []
        self.nav: dict[str, str] = {}  # section id -> "present" | "absent"
        self._li_class = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "li":
            self._li_class = a.get("class", "")
        if tag == "a" and a.get("href", "").startswith("#") and self._li_class:
            self.nav[a["href"][1:]] = self._li_class
        if tag == "img":
            self.imgs.append(a["src"])
        for key in ("href", "src"):
            if key in a and tag != "img":
                self.links.append(a[key])


def parse(index: Path) -> tuple[str, PageParser]:
    text = index.read_text(encoding="utf-8")
    parser = PageParser()
    parser.feed(text)
    return text, parser


def section(text: str, sid: str) -> str:
    match = re.search(rf'<section id="{sid}">(.*?)</section>', text, re.S)
    assert match, f"section {sid} missing"
    return match.group(1)


def local_targets(index: Path, parser: PageParser) -> list[Path]:
    """Every non-anchor reference in the page, resolved to a path; fails on any remote one."""
    paths = []
    for ref in parser.links + parser.imgs:
        if ref.startswith("#") or ref.startswith("data:"):
            continue
        parsed = urlparse(ref)
        assert parsed.scheme == "" and parsed.netloc == "", f"non-local reference in the report: {ref}"
        paths.append(index.parent / unquote(parsed.path))
    return paths


def test_plain_run_has_every_section_and_names_missing_commands(run_copy):
    index = build_report(run_copy)
    assert index == run_copy / layout.REPORT_DIR / "index.html"
    text, parser = parse(index)
    for sid in SECTION_IDS:
        section(text, sid)
    assert list(parser.nav) == SECTION_IDS
    # Self-contained: no scripts, no external styles or fonts; every reference exists on disk.
    assert "script" not in parser.tags and "@import" not in text and "url(" not in text
    targets = local_targets(index, parser)
    assert targets and all(p.is_file() for p in targets), [p for p in targets if not p.is_file()]

    # What was trained: the config's values, the run's length.
    config = json.loads((run_copy / "config.json").read_text())
    overview = section(text, "overview")
    for key in ("preset",):
        assert f"<td>{config[key]}</td>" in overview
    assert f"<td>{config['data']['name']}</td>" in overview
    steps = max(json.loads(line)["step"] for line in (run_copy / "metrics.jsonl").read_text().splitlines())
    assert f"<td>{steps}</td>" in overview
    start = json.loads((run_copy / "metrics.jsonl").read_text().splitlines()[0])
    assert start["event"] == "start" and start["precision"] in ("fp32", "bf16")
    assert f"<td>{start['device']}, {start['precision_reason']}</td>" in overview  # what auto resolved to

    # Samples: every fixed-noise grid shown, plus an animation with one frame per grid.
    grids = sample_grids(run_copy)
    assert len(grids) >= 2
    samples_imgs = re.findall(r'<img src="([^"]+)"', section(text, "samples"))
    gif = [s for s in samples_imgs if s.endswith(".gif")]
    assert len(gif) == 1 and len(samples_imgs) == len(grids) + 1
    with Image.open(index.parent / unquote(gif[0])) as img:
        assert img.n_frames == len(grids)
    for grid in grids:  # the copies are the run's files, byte for byte
        copy = index.parent / "assets" / "run" / "samples" / grid.path.name
        assert copy.read_bytes() == grid.path.read_bytes()

    # Curves: one plot for the losses, one for D(x)/D(G(z)), one for throughput, one for the
    # sample-diversity diagnostic (training/diversity.py); real PNGs.
    curve_imgs = re.findall(r'<img src="([^"]+)"', section(text, "curves"))
    assert len(curve_imgs) == 4
    for src in curve_imgs:
        with Image.open(index.parent / unquote(src)) as img:
            assert img.format == "PNG" and img.width > 300

    # Missing results say so, with the command that makes them, naming this run.
    run_arg = str(run_copy)
    expected = {"quality": "dcgan evaluate", "classification": "dcgan classify",
                "experiments": "dcgan explore", "dedup": "dcgan dedup"}
    for sid, command in expected.items():
        body = section(text, sid)
        assert "class=missing" in body and command in body and run_arg in body, sid
        assert parser.nav[sid] == "absent"
    assert "dcgan sample" in section(text, "samples")  # no samples.png in a bare training run


def test_results_of_other_commands_are_rendered(run_copy):
    written = add_results(run_copy)
    index = build_report(run_copy)
    text, parser = parse(index)
    assert all(parser.nav[sid] == "present" for sid in SECTION_IDS)
    assert all(p.is_file() for p in local_targets(index, parser))
    for src in parser.imgs:
        with Image.open(index.parent / unquote(src)) as img:
            assert img.width > 0

    quality = section(text, "quality")
    assert "class=missing" not in quality
    assert written["eval"]["features"] in quality and "kid" in quality and "nearest_neighbours.png" in quality
    assert re.search(r"<th[^>]*>fid</th><td>123\.5</td>", quality)

    classification = section(text, "classification")
    assert "<th>method</th>" in classification and "<td>DCGAN D + L2-SVM</td>" in classification
    assert "<strong>validation</strong>" in classification
    assert "table.json" in classification  # linked as the raw data, not rendered twice
    assert classification.count("<table") == 1

    experiments = section(text, "experiments")
    assert layout.EXPERIMENTS["walk"] in experiments.replace("&amp;", "&")
    assert "walk.gif" in experiments and "walk_linear.png" in experiments
    assert "<th>b</th>" in experiments and "<th>c</th>" in experiments  # records table, union of keys
    not_run = re.search(r"Not run yet: ([^.]*)\.", experiments)
    assert not_run and set(not_run.group(1).split(", ")) == set(layout.EXPERIMENTS) - {"walk", "sheet"}
    assert "dcgan explore" in experiments
    # Escaping: text from result files and folder names never becomes markup.
    assert PAYLOAD not in text and "<script" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;" in experiments
    assert "odd&lt;name&gt;&amp;" in experiments

    dedup = section(text, "dedup")
    assert "largest_groups.png" in dedup and "60,000" in dedup

    # A metric appended by an evaluation gets its own curve.
    curves = section(text, "curves")
    assert "metric_fid.png" in curves
    assert "metric_fid_samples.png" not in curves and "fid_samples" in curves  # constant: tabled, not plotted


def test_rebuild_drops_stale_files_and_keeps_unreadable_lines_out(run_copy, tmp_path):
    out = tmp_path / "elsewhere"
    build_report(run_copy, out)
    grids = sample_grids(run_copy)
    gone = grids[-1].path
    gone.unlink()
    with open(run_copy / layout.METRICS_FILE, "a") as fh:
        fh.write('{"step": 99, "loss_d": 0.5')  # a run killed mid-write
    text, parser = parse(build_report(run_copy, out))
    assert not (out / "assets" / "run" / "samples" / gone.name).exists()
    assert gone.name not in text
    assert "1 unreadable line(s)" in text
    assert all(p.is_file() for p in local_targets(out / "index.html", parser))


def test_cli_report_prints_the_page_and_rejects_non_runs(run_copy, tmp_path, capsys):
    assert main(["report", str(run_copy)]) == 0
    out = capsys.readouterr().out.strip()
    assert Path(out) == run_copy / layout.REPORT_DIR / "index.html" and Path(out).is_file()
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert "not a run directory" in capsys.readouterr().err

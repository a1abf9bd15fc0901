"""The report's sections, one function each: what was trained (paper §3-4 settings), how the
fixed-noise samples evolved (Figs 2-3), the training curves, sample quality, the §5 tables,
the §6 experiments and §4.1.1 de-duplication. Each returns a ``Section`` whose body is there
when the run has the outputs, and otherwise says so with the command that makes them."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dcgan.report import layout
from dcgan.report.animation import grids_animation
from dcgan.report.assets import Assets, image_class, image_size
from dcgan.report.markup import esc, figure, fmt, href, json_html, markdown_html, missing, table
from dcgan.report.plots import LABELS, plot_series
from dcgan.report.runinfo import format_duration, numeric_series, sample_grids, summarise

MAX_IMAGES = 60  # per folder; more are counted, not shown
FOLD_ROWS = 16  # JSON tables longer than this are folded under a <details>


@dataclass
class Section:
    id: str
    title: str
    body: str
    present: bool  # False: the section only says what to run


@dataclass
class Context:
    run_dir: Path
    assets: Assets
    config: dict[str, Any]
    records: list[dict[str, Any]]
    bad_lines: int

    def command(self, key: str) -> str:
        data = self.config.get("data", {}).get("name") or "DATA"
        return layout.HOW_TO_RUN[key].format(run=shlex.quote(str(self.run_dir)), data=shlex.quote(str(data)))


# --- shared renderers -----------------------------------------------------------------------

def _images_html(ctx: Context, files: list[Path], base: Path, prefix: str) -> str:
    figures, skipped = [], []
    for path in files[:MAX_IMAGES]:
        size = image_size(path)
        if size is None and path.suffix.lower() != ".svg":
            skipped.append(path.name)
            continue
        src = ctx.assets.copy(path, base, prefix)
        figures.append(figure(src, path.relative_to(base).as_posix(), image_class(size), size))
    out = f"<div class=stack>{''.join(figures)}</div>" if figures else ""
    if len(files) > MAX_IMAGES:
        out += f"<p class=note>{len(files) - MAX_IMAGES} more images in {esc(base)} not shown.</p>"
    if skipped:
        out += f"<p class=note>Unreadable images skipped: {esc(', '.join(skipped))}.</p>"
    return out


def _json_file_html(ctx: Context, path: Path, base: Path, prefix: str) -> str:
    if path.stat().st_size > layout.MAX_JSON_BYTES:
        return f"<p class=note>{esc(path.name)} is large ({path.stat().st_size:,} bytes): see {esc(path)}.</p>"
    try:
        value = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return f"<p class=note>{esc(path.name)} is not valid JSON ({esc(exc)}).</p>"
    link = ctx.assets.copy(path, base, prefix)
    return f'{json_html(value)}<p class=note>Raw: <a href="{href(link)}">{esc(path.name)}</a></p>'


def _folder_html(ctx: Context, folder: Path, base: Path, prefix: str) -> str:
    """Everything a results folder holds: markdown tables, small JSON as tables (unless a
    markdown file of the same name already shows it), the pictures, then long JSON folded away."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    md = [p for p in files if p.suffix.lower() == ".md"]
    md_stems = {p.with_suffix("") for p in md}
    parts, folded = [], []
    for path in md:
        parts.append(f"<h4>{esc(path.relative_to(folder).as_posix())}</h4>"
                     + markdown_html(path.read_text(errors="replace")))
        twin = path.with_suffix(".json")
        if twin.is_file() and twin.stat().st_size <= layout.MAX_JSON_BYTES:
            parts.append(f'<p class=note>Raw: <a href="{href(ctx.assets.copy(twin, base, prefix))}">'
                         f"{esc(twin.name)}</a></p>")
    for path in (p for p in files if p.suffix.lower() == ".json" and p.with_suffix("") not in md_stems):
        name = esc(path.relative_to(folder).as_posix())
        rendered = _json_file_html(ctx, path, base, prefix)
        if rendered.count("<tr>") > FOLD_ROWS:  # a long record (e.g. per-walk details): keep pictures first
            folded.append(f"<details><summary>{name}</summary>{rendered}</details>")
        else:
            parts.append(f"<h4>{name}</h4>{rendered}")
    parts.append(_images_html(ctx, [p for p in files if p.suffix.lower() in layout.IMAGE_SUFFIXES], base, prefix))
    return "".join(parts + folded)


def _has_content(folder: Path) -> bool:
    wanted = {".md", ".json", *layout.IMAGE_SUFFIXES}
    return folder.is_dir() and any(p.is_file() and p.suffix.lower() in wanted for p in folder.rglob("*"))


# --- sections -------------------------------------------------------------------------------

CONFIG_ROWS = [
    ("Model (§3)", [("preset", "preset"), ("model.arch", "architecture"), ("model.resolution", "resolution (px)"),
                    ("model.channels", "channels"), ("model.z_dim", "z dimensions"), ("model.z_dist", "z distribution"),
                    ("model.g_width", "G base width"), ("model.d_width", "D base width"),
                    ("model.kernel_size", "kernel size"), ("model.bias", "conv biases"),
                    ("model.num_classes", "classes (conditional)")]),
    ("Data", [("data.name", "dataset"), ("data.path", "path"), ("data.split", "split"),
              ("data.keep_list", "de-duplicated keep list")]),
    ("Recipe (§4)", [("train.batch_size", "batch size"), ("train.lr_d", "learning rate D"),
                     ("train.lr_g", "learning rate G"), ("train.beta1", "Adam β1"), ("train.beta2", "Adam β2"),
                     ("train.weight_decay", "weight decay"), ("train.d_steps", "D steps per G step (k)"),
                     ("train.epochs", "epochs (0: not set)"), ("train.kimg", "thousands of images (0: not set)"),
                     ("train.max_steps", "max steps (0: not set)"), ("train.min_kimg", "auto length's floor (k images)"),
                     ("train.augment", "augmentation of D's inputs"),
                     ("train.seed", "seed"), ("train.ema_decay", "EMA of G (0: off)"),
                     ("train.precision", "precision"), ("train.device", "device")]),
]


def _lookup(config: dict[str, Any], dotted: str) -> Any:
    value: Any = config
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def overview(ctx: Context) -> Section:
    cfg = ctx.config
    groups = []
    for heading, keys in CONFIG_ROWS:
        rows = [(label, esc(fmt(v)) if v != "" else "<em>(none)</em>")
                for key, label in keys if (v := _lookup(cfg, key)) is not None]
        if rows:
            groups.append(f"<div><h3>{esc(heading)}</h3>{table(rows)}</div>")
    body = f"<div class=cols>{''.join(groups)}</div>"

    s = summarise(cfg, ctx.records)
    run_rows = []
    if s.steps is not None:
        planned = f" of {s.planned_steps:,} planned ({s.planned_why})" if s.planned_steps else ""
        run_rows.append(("generator steps done", esc(f"{s.steps:,}{planned}")))
    if s.epochs is not None:
        run_rows.append(("epochs", esc(f"{s.epochs:.2f}")))
    if s.images_seen is not None:
        run_rows.append(("real images seen by D", esc(f"{s.images_seen:,}")))
    if s.training_seconds is not None:
        spans = f" over {s.starts} starts" if s.starts > 1 else ""
        run_rows.append(("training time (the run's own spans)", esc(format_duration(s.training_seconds) + spans)))
    if s.wall_seconds is not None:
        run_rows.append(("wall-clock span (first to last log line, pauses included)", esc(format_duration(s.wall_seconds))))
    if s.images_per_s is not None:
        run_rows.append(("throughput (median, real images / s)", esc(f"{s.images_per_s:,.0f}")))
    # One "start" line per start or resume (training/loop.py): what precision=auto resolved to.
    used = dict.fromkeys(f"{r.get('device', '?')}, {r['precision_reason']}" for r in ctx.records
                         if r.get("event") == "start" and isinstance(r.get("precision_reason"), str))
    if used:
        run_rows.append(("device and precision used", esc("; then ".join(used))))
    ckpts = sorted((ctx.run_dir / layout.CHECKPOINTS_DIR).glob("*.pt"))
    if ckpts:
        run_rows.append(("checkpoints", esc(", ".join(f"{p.name} ({p.stat().st_size / 2**20:.1f} MiB)" for p in ckpts))))
    if (ctx.run_dir / layout.TENSORBOARD_DIR).is_dir():
        run_rows.append(("TensorBoard", f"<code>{esc(ctx.command('tensorboard'))}</code>"))
    body += "<h3>Run</h3>"
    if run_rows:
        body += table(run_rows)
    if s.steps is None:
        body += missing("No training steps are logged in metrics.jsonl yet.", ctx.command("train"))
    if ctx.bad_lines:
        body += f"<p class=note>{ctx.bad_lines} unreadable line(s) in metrics.jsonl were skipped.</p>"
    body += f"<details><summary>Full config.json</summary><pre>{esc(json.dumps(cfg, indent=2))}</pre></details>"
    return Section("overview", "What was trained", body, True)


def samples(ctx: Context) -> Section:
    grids = sample_grids(ctx.run_dir)
    parts = []
    final = ctx.run_dir / layout.FINAL_GRID
    if final.is_file():
        size = image_size(final)
        parts.append("<h3>Samples from the final checkpoint</h3><div class=hero>"
                     + figure(ctx.assets.copy(final), f"{layout.FINAL_GRID} (dcgan sample)", image_class(size), size)
                     + "</div>")
    else:
        parts.append(missing("No sample grid from the final checkpoint yet.", ctx.command("sample")))
    if grids:
        gif = grids_animation(grids, ctx.assets.new("fixed_noise.gif"))
        if gif is not None:
            size = image_size(gif)
            parts.append("<h3>The same noise over training</h3><div class=hero>"
                         + figure(ctx.assets.rel(gif), f"fixed-noise samples, {len(grids)} frames: "
                                  + " → ".join(g.label for g in grids), image_class(size), size) + "</div>")
        figures = []
        for grid in grids:
            size = image_size(grid.path)
            figures.append(figure(ctx.assets.copy(grid.path), grid.caption, image_class(size), size))
        parts.append(f"<h3>Fixed-noise grids (paper Figs 2-3)</h3><div class=gallery>{''.join(figures)}</div>")
    else:
        parts.append(missing("No fixed-noise sample grids in samples/.", ctx.command("train")))
    return Section("samples", "Samples", "".join(parts), bool(grids) or final.is_file())


def curves(ctx: Context) -> Section:
    series = numeric_series(ctx.records)
    if not series:
        return Section("curves", "Training curves",
                       missing("No metrics logged in metrics.jsonl yet.", ctx.command("train")), False)
    plots = plot_series(series, ctx.assets.new_dir("plots"))
    figures = "".join(figure(ctx.assets.rel(p.path), p.title, "", image_size(p.path)) for p in plots)
    last = [(LABELS.get(key, key), esc(fmt(ys[-1])) + f" <span class=note>(step {fmt(int(xs[-1]))})</span>")
            for key, (xs, ys) in series.items()]
    body = (f"<div class=plots>{figures}</div><h3>Last logged values</h3>{table(last)}"
            "<p class=note>D(x) and D(G(z)) are the discriminator's mean outputs on real images and on "
            "samples; at the game's equilibrium both are 1/2 (Goodfellow et al. 2014).</p>")
    return Section("curves", "Training curves", body, True)


def _results_section(ctx: Context, sid: str, title: str, folder_name: str, command: str, what: str) -> Section:
    folder = ctx.run_dir / folder_name
    if not _has_content(folder):
        return Section(sid, title, missing(f"{what} not run yet on this run.", ctx.command(command)), False)
    return Section(sid, title, _folder_html(ctx, folder, ctx.run_dir, "run"), True)


def quality(ctx: Context) -> Section:
    return _results_section(ctx, "quality", "Sample quality", layout.EVAL_DIR, "evaluate",
                            "Sample-quality evaluation (Fréchet distance, KID, precision/recall) is")


def classification(ctx: Context) -> Section:
    return _results_section(ctx, "classification", "Discriminator features + L2-SVM (§5)", layout.CLASSIFY_DIR,
                            "classify", "The §5 classification experiment is")


def experiments(ctx: Context) -> Section:
    root = ctx.run_dir / layout.EXPERIMENTS_DIR
    folders = [p for p in sorted(root.iterdir()) if p.is_dir() and _has_content(p)] if root.is_dir() else []
    if not folders:
        return Section("experiments", "Inside the networks (§6)", missing(
            "None of the §6 experiments (walks, vector arithmetic, attribute axis, forgetting, guided backprop, "
            "nearest neighbours) "
            "has been run on this run yet.", ctx.command("experiments")), False)
    order = list(layout.EXPERIMENTS)
    folders.sort(key=lambda p: (order.index(p.name) if p.name in order else len(order), p.name))
    parts = []
    for folder in folders:
        title = layout.EXPERIMENTS.get(folder.name, folder.name)
        parts.append(f'<h3 id="exp-{esc(folder.name)}">{esc(title)}</h3>'
                     + _folder_html(ctx, folder, ctx.run_dir, "run"))
    # The sheet is a helper for picking exemplars, not a result: never listed as missing.
    not_run = [name for name in layout.EXPERIMENTS if name != "sheet" and not (root / name).is_dir()]
    if not_run:
        parts.append(missing(f"Not run yet: {', '.join(not_run)}.", ctx.command("experiments")))
    return Section("experiments", "Inside the networks (§6)", "".join(parts), True)


def dedup(ctx: Context) -> Section:
    folder = ctx.run_dir / layout.DEDUP_DIR
    title = "Near-duplicates in the training data (§4.1.1)"
    if _has_content(folder):
        return Section("dedup", title, _folder_html(ctx, folder, ctx.run_dir, "run"), True)
    keep_list = _lookup(ctx.config, "data.keep_list")
    if keep_list and _has_content(Path(keep_list).parent):  # trained on a de-duplicated set made elsewhere
        other = Path(keep_list).parent
        note = f"<p>This run trained on the images kept by <code>{esc(keep_list)}</code>; from {esc(other)}:</p>"
        return Section("dedup", title, note + _folder_html(ctx, other, other, "dedup"), True)
    return Section("dedup", title, missing("De-duplication of the training data is not run yet.",
                                           ctx.command("dedup")), False)


SECTIONS = [overview, samples, curves, quality, classification, experiments, dedup]

"""Where things live in a run directory: the contract between the commands that write a run's
outputs (train, sample, evaluate, classify, explore, dedup, import) and ``dcgan report``, which
turns them into one page.

Import these names instead of spelling the folders out::

    RUN_DIR/config.json                 resolved config (``dcgan train``)
    RUN_DIR/metrics.jsonl               one JSON object a line: training ticks ``{step, epoch, loss_d,
                                        loss_g, d_real, d_fake, images_per_s, time}``; evaluations may
                                        append lines with other numeric keys (e.g. ``fid``): every
                                        numeric series found is plotted against ``step``
    RUN_DIR/samples/step_000000.png     fixed-noise grids over training (paper Figs 2-3):
    RUN_DIR/samples/epoch_001.png ...   before training, after each epoch, at the end
    RUN_DIR/samples/final.png
    RUN_DIR/samples.png                 a grid from the final checkpoint (``dcgan sample --grid``)
    RUN_DIR/checkpoints/*.pt            ``latest.pt`` (and e.g. ``best.pt``)
    RUN_DIR/tensorboard/                TensorBoard events
    RUN_DIR/eval/*.json                 sample-quality metrics, one JSON object a file
                                        (``dcgan evaluate --out RUN_DIR/eval/metrics.json``)
    RUN_DIR/eval/*.png                  pictures that go with them (e.g. nearest neighbours)
    RUN_DIR/classify/*.md, *.json       §5 tables (``dcgan classify``, its default --out); a ``NAME.md``
                                        is shown as the table, ``NAME.json`` beside it linked as raw data
    RUN_DIR/experiments/<name>/         §6 pictures (PNG/GIF/JPEG) and ``summary.json`` per experiment
                                        (``dcgan explore <name>``), ``<name>`` one of ``EXPERIMENTS``
                                        (other folders are shown too)
    RUN_DIR/dedup/                      §4.1.1 duplicate-group pictures and a counts JSON
                                        (``dcgan dedup DATA --out RUN_DIR/dedup``)
    RUN_DIR/report/index.html           this page, with its images in ``report/assets/``

A writer that follows this layout shows up in the report with no change to the report code:
JSON objects become tables, images become figures. Keep JSON files small (summaries, not
per-image lists): files over ``MAX_JSON_BYTES`` are linked, not rendered.
"""

from __future__ import annotations

from pathlib import Path

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"
SAMPLES_DIR = "samples"
FINAL_GRID = "samples.png"
CHECKPOINTS_DIR = "checkpoints"
TENSORBOARD_DIR = "tensorboard"
EVAL_DIR = "eval"
CLASSIFY_DIR = "classify"
EXPERIMENTS_DIR = "experiments"
DEDUP_DIR = "dedup"
REPORT_DIR = "report"
SUMMARY_FILE = "summary.json"
LATEST = f"{CHECKPOINTS_DIR}/latest.pt"
SNAPSHOTS_DIR = f"{CHECKPOINTS_DIR}/snapshots"  # train.snapshot_every: networks only, step_NNNNNN.pt
BEST = f"{CHECKPOINTS_DIR}/best.pt"  # the snapshot of the lowest in-training Fréchet distance (train.eval_every)
PRETRAINED_DIR = Path(__file__).resolve().parents[1] / "assets" / "pretrained"  # dcgan/pretrained.py
PRETRAINED_RUNS = Path("runs") / "pretrained"  # where commands write what they make of a pretrained network


def checkpoint_file(path: str | Path) -> Path:
    """A run directory -> its ``checkpoints/latest.pt``; a file -> itself."""
    path = Path(path)
    return path / LATEST if path.is_dir() else path


def model_checkpoint(path: str | Path) -> Path:
    """The checkpoint whose networks a command uses: for a run directory its ``best.pt`` when the
    run kept one (GAN samples often get worse after their best step), else ``latest.pt``; a file
    is itself. Resuming always continues ``latest.pt`` (``checkpoint_file``)."""
    path = Path(path)
    if path.is_dir() and (path / BEST).is_file():
        return path / BEST
    return checkpoint_file(path)


def run_dir_of(path: str | Path) -> Path:
    """The run directory a checkpoint belongs to: the directory itself when given one, the folder
    holding ``checkpoints/`` for a file inside it, else the file's own folder."""
    path = Path(path)
    if path.is_dir():
        return path
    if path.resolve().parent == PRETRAINED_DIR or (  # a pretrained network's file or name: never write
            not path.exists() and len(path.parts) == 1 and (PRETRAINED_DIR / f"{path}.safetensors").is_file()):
        return PRETRAINED_RUNS / path.stem  # into the package, but to runs/pretrained/NAME
    return path.parent.parent if path.parent.name == CHECKPOINTS_DIR else path.parent


def output_dir(checkpoint: str | Path, *parts: str, out: str | Path | None = None) -> Path:
    """``out`` when given, else RUN_DIR/<parts...> for the run ``checkpoint`` belongs to (e.g.
    ``output_dir(ckpt, CLASSIFY_DIR)``, ``output_dir(ckpt, EXPERIMENTS_DIR, "walk")``)."""
    return Path(out) if out else run_dir_of(checkpoint).joinpath(*parts)

"""Where things live in a run directory: the contract between the commands that write a run's
outputs and ``dcgan report``, which turns them into one page.

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

IMAGE_SUFFIXES = (".png", ".gif", ".jpg", ".jpeg", ".webp", ".svg")
MAX_JSON_BYTES = 1_000_000

# Known §6 experiments, in the paper's order: folder name (``dcgan explore <name>`` writes
# RUN_DIR/experiments/<name>/ by default) -> heading.
EXPERIMENTS = {
    "walk": "Walking in the latent space (§6.1, Fig. 4)",
    "guided": "What the discriminator sees: guided backpropagation (§6.2, Fig. 5)",
    "forget": "Forgetting to draw an object (§6.3.1, Fig. 6)",
    "arith": "Vector arithmetic on z (§6.3.2, Fig. 7)",
    "axis": "An attribute (turn) axis in z (Fig. 8)",
    "neighbours": "Memorisation check: nearest training images",
    "sheet": "Numbered sample sheet (for picking exemplars and drawing boxes)",
}

# The commands a missing section names, formatted with ``run`` (the run directory as given,
# shell-quoted) and ``data`` (the run's dataset). Owners of those commands: keep these in step.
HOW_TO_RUN = {
    "train": "dcgan train --set train.out_dir={run}",
    "sample": "dcgan sample --checkpoint {run} --n 10000 --seed 0 --out {run}/samples.npz --grid {run}/samples.png",
    "evaluate": "dcgan evaluate --checkpoint {run} --out {run}/eval/metrics.json --neighbours {run}/eval/neighbours.png",
    "classify": "dcgan classify --checkpoint {run} --data {data}",
    "experiments": "dcgan explore walk --checkpoint {run}   (also: guided, neighbours; arith, axis, forget take "
                   "exemplars or boxes picked on `dcgan explore sheet --checkpoint {run}`)",
    "dedup": "dcgan dedup {data} --out {run}/dedup",
    "tensorboard": "tensorboard --logdir {run}/tensorboard",
}

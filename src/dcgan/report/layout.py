"""The report's side of the run-directory contract (``dcgan.core.layout`` holds the layout itself):
which files it renders how, the §6 experiments' headings, and the commands a missing section names."""

from __future__ import annotations

from dcgan.core.layout import (  # noqa: F401 - re-exported: the report reads runs through these names
    CHECKPOINTS_DIR,
    CLASSIFY_DIR,
    CONFIG_FILE,
    DEDUP_DIR,
    EVAL_DIR,
    EXPERIMENTS_DIR,
    FINAL_GRID,
    METRICS_FILE,
    REPORT_DIR,
    SAMPLES_DIR,
    SUMMARY_FILE,
    TENSORBOARD_DIR,
)

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

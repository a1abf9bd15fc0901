"""``metrics.jsonl`` plus optional TensorBoard, written by rank 0 only."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import torch

from dcgan.core.layout import METRICS_FILE, TENSORBOARD_DIR
from dcgan.images import make_grid


class MetricsLog:
    def __init__(self, run_dir: Path, tensorboard: bool):
        self.path = run_dir / METRICS_FILE
        self.writer = None
        if tensorboard:
            try:  # optional: tensorboard is a large install
                from torch.utils.tensorboard import SummaryWriter

                self.writer = SummaryWriter(str(run_dir / TENSORBOARD_DIR))
            except ImportError:
                print("note: tensorboard is not installed; logging to metrics.jsonl only", file=sys.stderr)

    def scalars(self, record: dict[str, Any]) -> None:
        with self.path.open("a") as fh:
            fh.write(json.dumps(record) + "\n")
        if self.writer is not None:
            for key, value in record.items():
                if key not in ("step", "time") and isinstance(value, (int, float)):
                    self.writer.add_scalar(key, value, record["step"])

    def image(self, tag: str, images_uint8: torch.Tensor, step: int) -> None:
        if self.writer is not None:
            self.writer.add_image(tag, make_grid(images_uint8), step, dataformats="HWC")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()

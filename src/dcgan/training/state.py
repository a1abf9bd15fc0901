"""What a training checkpoint holds beyond the config, saved and restored by one symmetric pair.

``TrainingState.to_checkpoint()`` and ``TrainingState.restore()`` name the same fields in the
same place, so a field added to one cannot be forgotten in the other: both networks (and G's
EMA copy), both optimizers, the step and the data cursor, the z generator and the global RNG
states, and the best in-training Fréchet distance so far (``best.pt``'s).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from dcgan.config import Config
from dcgan.models.ema import GeneratorEMA
from dcgan.training.augment import Augment


def rng_state(z_rng: torch.Generator) -> dict[str, Any]:
    state = {"z": z_rng.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict[str, Any], z_rng: torch.Generator) -> None:
    z_rng.set_state(state["z"])
    torch.set_rng_state(state["torch"])
    if torch.cuda.is_available() and "cuda" in state:
        torch.cuda.set_rng_state_all(state["cuda"])


@dataclass
class TrainingState:
    generator: torch.nn.Module
    discriminator: torch.nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    z_rng: torch.Generator  # z (and fake labels) of every step: part of what "exact resume" means
    ema: GeneratorEMA | None = None
    augment: Augment | None = None  # train.augment's random state and ADA's p
    step: int = 0  # generator steps taken
    cursor: int = 0  # real batches consumed (d_steps per step)
    best_fid: float = math.inf

    def to_checkpoint(self, cfg: Config, batches_per_epoch: int, dataset_size: int = 0) -> dict[str, Any]:
        return {
            # the data cursor indexes a permutation of this many images: on resume they must still be there
            "dataset_size": dataset_size,
            "config": cfg.to_dict(),
            "generator": self.generator.state_dict(),
            **({"generator_ema": self.ema.state_dict()} if self.ema is not None else {}),
            "discriminator": self.discriminator.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "step": self.step,
            "cursor": self.cursor,
            "epoch": self.cursor / batches_per_epoch,
            "rng": rng_state(self.z_rng),
            "best_fid": self.best_fid,
            **({"augment": self.augment.state_dict()} if self.augment is not None and self.augment.enabled else {}),
        }

    def restore(self, saved: dict[str, Any]) -> None:
        self.generator.load_state_dict(saved["generator"])
        self.discriminator.load_state_dict(saved["discriminator"])
        self.opt_g.load_state_dict(saved["opt_g"])
        self.opt_d.load_state_dict(saved["opt_d"])
        restore_rng(saved["rng"], self.z_rng)
        self.step, self.cursor = int(saved["step"]), int(saved["cursor"])
        if self.ema is not None:  # a run that gains EMA on resume starts it from G
            self.ema.load_state_dict(saved.get("generator_ema") or saved["generator"], num_updates=self.step)
        self.best_fid = float(saved.get("best_fid", math.inf))
        if self.augment is not None and "augment" in saved:
            self.augment.load_state_dict(saved["augment"])

"""Opening a run: a checkpoint file or run directory -> its config, networks and step, read once.

Every command that uses a trained model (sample, evaluate, classify, explore, serve, export,
faces) opens it here, so they all agree on what "the generator of a run" is: the EMA copy when
the run kept one (unless ``use_ema=False``), in eval mode, on the device asked for.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from dcgan.config import Config
from dcgan.core.checkpoint import checkpoint_config, load_checkpoint
from dcgan.core.layout import BEST, LATEST, model_checkpoint, run_dir_of
from dcgan.core.pretrained import resolve as resolve_pretrained
from dcgan.models.ema import standing_batchnorm_stats_
from dcgan.models.registry import build_discriminator, build_generator


@dataclass
class Networks:
    """A run's networks (eval mode): G always, D when asked for, with the run's config."""

    generator: torch.nn.Module | None
    discriminator: torch.nn.Module | None
    config: Config
    checkpoint: Path
    step: int | None = None
    ema: bool = False  # the generator holds the run's EMA weights (not the raw ones)

    @property
    def z_dim(self) -> int:
        return self.config.model.z_dim

    @property
    def z_dist(self) -> str:
        return self.config.model.z_dist

    @property
    def run_dir(self) -> Path:
        return run_dir_of(self.checkpoint)


def generator_from_state(state: dict[str, Any], cfg: Config, device: str | torch.device = "cpu",
                         use_ema: bool = True) -> torch.nn.Module:
    """G from a loaded checkpoint state: its EMA weights when it has them and ``use_ema``."""
    generator = build_generator(cfg.model)
    averaged = bool(use_ema and state.get("generator_ema"))
    generator.load_state_dict(state["generator_ema"] if averaged else state["generator"])
    generator.to(device)
    if averaged:  # its own BatchNorm statistics (models/ema.py): needed for checkpoints saved before
        # training re-estimated them; for newer ones it reproduces the saved values (16 small batches)
        standing_batchnorm_stats_(generator, cfg.model.z_dim, cfg.model.z_dist)
    return generator.eval()


def discriminator_from_state(state: dict[str, Any], cfg: Config, device: str | torch.device = "cpu") -> torch.nn.Module:
    discriminator = build_discriminator(cfg.model)
    discriminator.load_state_dict(state["discriminator"])
    return discriminator.to(device).eval()


def read_model_checkpoint(checkpoint: str | Path) -> tuple[Path, dict[str, Any]]:
    """(file, state) of the checkpoint whose networks a command uses (``layout.model_checkpoint``: a
    run directory's best snapshot when it kept one, said on stderr, else its latest; the name of a
    pretrained network, ``dcgan/pretrained.py``: its file, checked against its SHA-256)."""
    checkpoint = resolve_pretrained(checkpoint)  # a pretrained network's name: its checked file
    chosen = model_checkpoint(checkpoint)
    best = chosen.name == Path(BEST).name
    state = load_checkpoint(chosen if best else checkpoint)  # a folder without checkpoints: the folder's message
    if best:
        print(f"note: using {chosen} (the run's best snapshot: step {state.get('step')}, in-training Fréchet distance "
              f"{float(state.get('best_fid', float('nan'))):.2f}); give {Path(checkpoint) / LATEST} for the last",
              file=sys.stderr)
    return chosen, state


def open_run(checkpoint: str | Path, device: str | torch.device = "cpu", *, generator: bool = True,
             discriminator: bool = False, use_ema: bool = True) -> Networks:
    """Read ``checkpoint`` once and rebuild the networks asked for. A run directory means its best
    snapshot when it kept one (``layout.model_checkpoint``), said on stderr."""
    chosen, state = read_model_checkpoint(checkpoint)
    cfg = checkpoint_config(state)
    return Networks(
        generator=generator_from_state(state, cfg, device, use_ema) if generator else None,
        discriminator=discriminator_from_state(state, cfg, device) if discriminator else None,
        config=cfg, checkpoint=chosen, step=state.get("step"),
        ema=bool(generator and use_ema and state.get("generator_ema")),
    )


def load_generator(checkpoint: str | Path, device: str | torch.device = "cpu",
                   use_ema: bool = True) -> tuple[torch.nn.Module, Config]:
    """(G, config) of a run: ``open_run`` for the common case of needing only the generator."""
    run = open_run(checkpoint, device, use_ema=use_ema)
    return run.generator, run.config

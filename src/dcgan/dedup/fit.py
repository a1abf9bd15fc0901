"""Fitting the §4.1.1 autoencoder: denoising (input corruption) + dropout, Adam, batched, seeded.

Corruption (what makes it *denoising*): each training input gets additive Gaussian noise
(``noise_std`` in [-1, 1] units) and a random ``mask_prob`` fraction of its values set to 0
(mid-grey); the loss is the squared error against the *clean* image. Dropout acts on the code
units. Both are off when hashing. The paper names neither the corruption nor the optimiser;
Adam (lr 1e-3) is the usual choice for a small autoencoder.

All randomness (initialisation, batch order, corruption, dropout) comes from ``seed`` inside
``torch.random.fork_rng``, so the caller's global RNG state is left untouched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from dcgan import DcganError
from dcgan.atomic import atomic_path
from dcgan.core.checkpoint import torch_load_safely
from dcgan.data.types import ImageDataset, to_model_range
from dcgan.dedup.source import gather
from dcgan.models.autoencoder import AutoencoderConfig, HashAutoencoder

FORMAT = "dcgan-dedup-autoencoder"
VERSION = 1


@dataclass
class FitSettings:
    epochs: int = 10
    batch_size: int = 256
    lr: float = 1e-3
    seed: int = 0
    max_images: int = 0  # fit on a seeded random sample of this many images (0: all)

    def validate(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.lr <= 0 or self.max_images < 0:
            raise DcganError(f"dedup fit: need epochs >= 1, batch size >= 1, lr > 0, max images >= 0; got {self}")


def corrupt(x: torch.Tensor, cfg: AutoencoderConfig, generator: torch.Generator | None = None) -> torch.Tensor:
    """Denoising corruption of x in [-1, 1]: Gaussian noise, then masking to 0; returns a new tensor."""
    out = x
    if cfg.noise_std > 0:
        noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        out = out + cfg.noise_std * noise
    if cfg.mask_prob > 0:
        keep = torch.rand(x.shape, generator=generator, device=x.device) >= cfg.mask_prob
        out = out * keep
    return out


def mean_image(dataset: ImageDataset, indices: torch.Tensor, batch_size: int) -> torch.Tensor:
    """Mean of the given images in [-1, 1], (C, H, W), accumulated in float64."""
    total = torch.zeros((), dtype=torch.float64)
    for s in range(0, len(indices), batch_size):
        total = total + to_model_range(gather(dataset, indices[s : s + batch_size])).double().sum(0)
    return (total / max(len(indices), 1)).float()


def fit_autoencoder(
    dataset: ImageDataset,
    cfg: AutoencoderConfig,
    settings: FitSettings,
    device: torch.device | str = "cpu",
    log: Callable[[str], None] | None = None,
) -> tuple[HashAutoencoder, dict]:
    """Train on ``dataset`` (uint8 3x32x32 items); returns the model in eval mode and a history dict."""
    settings.validate()
    device = torch.device(device)
    n = len(dataset)
    order_gen = torch.Generator().manual_seed(settings.seed)
    pool = torch.randperm(n, generator=order_gen)[: settings.max_images] if settings.max_images else torch.arange(n)
    losses: list[float] = []
    start = time.perf_counter()
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(settings.seed)
        model = HashAutoencoder(cfg).to(device)
        model.mean.copy_(mean_image(dataset, pool, settings.batch_size).to(device))
        opt = torch.optim.Adam(model.parameters(), lr=settings.lr)
        noise_gen = torch.Generator(device=device).manual_seed(settings.seed + 1)
        model.train()
        for epoch in range(settings.epochs):
            perm = pool[torch.randperm(len(pool), generator=order_gen)]
            total, seen = 0.0, 0
            for s in range(0, len(perm), settings.batch_size):
                clean = to_model_range(gather(dataset, perm[s : s + settings.batch_size]).to(device))
                loss = F.mse_loss(model(corrupt(clean, cfg, noise_gen)), clean)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += loss.item() * len(clean)
                seen += len(clean)
            losses.append(total / max(seen, 1))
            if log:
                log(f"dedup autoencoder: epoch {epoch + 1}/{settings.epochs} reconstruction mse {losses[-1]:.5f}")
    model.eval()
    history = {
        "settings": asdict(settings),
        "images": len(pool),
        "epoch_mse": losses,
        "seconds": time.perf_counter() - start,
    }
    return model, history


def save_autoencoder(path: str | Path, model: HashAutoencoder, threshold: dict, history: dict | None = None) -> Path:
    """Weights + config + the binarisation threshold, loadable with ``torch.load(weights_only=True)``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "format": FORMAT,
        "version": VERSION,
        "config": model.cfg.to_dict(),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "threshold": {"rule": threshold["rule"], "values": threshold["values"].detach().cpu()},
        "fit": history or {},
    }
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        torch.save(state, fh)
    return path


def load_autoencoder(path: str | Path, device: torch.device | str = "cpu") -> tuple[HashAutoencoder, dict, dict]:
    """-> (model in eval mode, threshold dict {rule, values}, fit history)."""
    path = Path(path)
    if not path.is_file():
        raise DcganError(f"autoencoder file '{path}' does not exist")
    state = torch_load_safely(path, "dedup autoencoder")
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise DcganError(f"'{path}' is not a dedup autoencoder (saved by 'dcgan dedup')")
    model = HashAutoencoder(AutoencoderConfig.from_dict(state["config"]))
    model.load_state_dict(state["state_dict"])
    model.to(device).eval()
    return model, state["threshold"], state.get("fit", {})

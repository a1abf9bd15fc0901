"""The Python API for notebooks: ``dcgan.load(path)`` -> a ``Model`` that generates, discriminates
and extracts §5 features; ``dcgan.train(...)`` runs the one training loop.

Nothing here is new machinery: each method calls the code path of the command that does the same
job, so a notebook and the command line give the same numbers.

- ``load`` opens a run directory, a checkpoint ``.pt`` (``dcgan train``, ``dcgan import authors``)
  or a ``dcgan export --format safetensors`` file with ``core.checkpoint.load_checkpoint`` and
  rebuilds the networks with ``core.run`` (the EMA generator with its standing statistics when the
  run kept one, as ``dcgan sample`` does).
- ``Model.generate`` is ``dcgan sample``: ``sampling.seeded_z`` -> ``sampling.class_labels`` ->
  ``sampling.generate``; ``generate(n, seed=s)`` is byte for byte the ``arr_0`` of
  ``dcgan sample --checkpoint X --n n --seed s --out F.npz``.
- ``Model.features`` is ``dcgan classify``'s extractor (``evaluation.classify.DiscriminatorFeatures``,
  paper §5.1): D's conv features of every layer, each max-pooled to 4x4, concatenated, with
  BatchNorm population statistics.
- ``train`` resolves a config (``config.resolve_config``, or ``config.resume_config`` to continue a
  run) and calls ``training.loop.train``, as ``dcgan train`` does.

Images: ``uint8`` arrays are (N, H, W, C) as ``generate`` returns them and ``.npz`` files hold them
((N, C, H, W) uint8 is accepted too: the layout is read from the model's shape); float arrays or
tensors are (N, C, H, W) in [-1, 1], G's Tanh range.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from dcgan import DcganError
from dcgan.config import Config, flatten, resolve_config, resume_config, validate
from dcgan.core.checkpoint import checkpoint_config, load_checkpoint
from dcgan.core.device import resolve_device
from dcgan.core.layout import run_dir_of
from dcgan.core.run import discriminator_from_state, generator_from_state, read_model_checkpoint
from dcgan.data.types import to_model_range, to_uint8
from dcgan.evaluation.classify.features import DiscriminatorFeatures
from dcgan.models.conditional import sampling_labels
from dcgan.sampling import bn_mode, class_labels, generate, seeded_z
from dcgan.training.loop import TrainResult
from dcgan.training.loop import train as train_loop

__all__ = ["Model", "load", "train"]

SAMPLE_BATCH = 256  # ``dcgan sample --batch-size``'s default: images a forward pass
BN_MODES = ("running", "batch")
RANGE_SLACK = 1e-3  # float images may overshoot [-1, 1] by this much (rounding), not more


class Model:
    """A trained DCGAN: G (and D when the file has one) in eval mode on ``device``, with its config.

    Made by ``dcgan.load``. Attributes: ``config`` (the typed ``Config`` the run was trained with),
    ``generator`` and ``discriminator`` (``nn.Module``; ``discriminator`` is ``None`` for a file
    without one), ``checkpoint`` (the file read), ``run_dir``, ``step`` (generator steps trained),
    ``ema`` (whether ``generator`` holds the run's EMA weights), ``device``.
    """

    def __init__(self, generator: nn.Module, discriminator: nn.Module | None, config: Config, checkpoint: Path,
                 step: int | None = None, ema: bool = False, device: torch.device | str = "cpu"):
        self.generator = generator
        self.discriminator = discriminator
        self.config = config
        self.checkpoint = Path(checkpoint)
        self.step = step
        self.ema = ema
        self.device = torch.device(device)

    @property
    def run_dir(self) -> Path:
        return run_dir_of(self.checkpoint)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(channels, resolution, resolution) of G's images and D's input."""
        m = self.config.model
        return (m.channels, m.resolution, m.resolution)

    def __repr__(self) -> str:
        m = self.config.model
        nets = "G+D" if self.discriminator is not None else "G only"
        return (f"Model('{self.checkpoint}', {m.arch} {m.resolution}px x{m.channels}, z {m.z_dim} {m.z_dist}, "
                f"step {self.step}, {'EMA G' if self.ema else 'raw G'}, {nets})")

    # --- G ------------------------------------------------------------------------------------

    def generate(self, n: int | None = None, seed: int = 0, z=None, as_tensor: bool = False, bn: str = "running", *,
                 class_index: int | None = None, batch_size: int | None = None):
        """Images from G: ``n`` drawn from ``seed``, or one per row of ``z``.

        Returns uint8 ``numpy`` (N, H, W, C), exactly what ``dcgan sample --n n --seed seed`` writes
        under ``arr_0``; with ``as_tensor=True`` a float32 CPU tensor (N, C, H, W) in [-1, 1] (G's
        output before rounding). ``z``: float array or tensor (N, z_dim), rendered in order (``n``,
        if given, must equal N; ``seed`` is unused). ``bn``: ``running`` (BatchNorm's running
        statistics: each image depends on its own z only) or ``batch`` (per-batch statistics, as the
        authors sampled; with ``z`` the whole of it is one batch, as ``dcgan sample --z --bn batch``).
        ``class_index``: a class-conditional G draws only this class (``--class``); otherwise image
        ``i`` is class ``i % num_classes``. ``batch_size``: images a forward pass (default 256).
        """
        if bn not in BN_MODES:
            raise DcganError(f"bn='{bn}': use one of {', '.join(BN_MODES)}")
        seed = _int_arg("seed", seed, 0)
        if batch_size is not None:
            batch_size = _int_arg("batch_size", batch_size, 1)
        m = self.config.model
        if z is not None:
            z = _as_latents(z, m.z_dim)
            if n is not None and n != len(z):
                raise DcganError(f"n={n} but z holds {len(z)} latent vectors; give one of them")
            n = len(z)
            size = batch_size or (n if bn == "batch" else SAMPLE_BATCH)
        else:
            if n is None or isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
                raise DcganError(f"n must be an int >= 1 (or give z), got {n!r}")
            n = int(n)
            z = seeded_z(seed, n, m.z_dim, m.z_dist)
            size = batch_size or SAMPLE_BATCH
        if size < 1:
            raise DcganError(f"batch_size must be >= 1, got {size}")
        try:
            labels = sampling_labels(m.num_classes, n, class_index, 0)
        except ValueError as exc:
            raise DcganError(f"class_index={class_index}: {exc}") from None
        if labels is None:  # the one label policy of dcgan sample (None for an unconditional G)
            labels = class_labels(n, m.num_classes)
        if as_tensor:
            return _generate_float(self.generator, z, size, bn, labels)
        images = generate(self.generator, z, batch_size=size, bn=bn, labels=labels)
        return images.permute(0, 2, 3, 1).contiguous().numpy()

    # --- D ------------------------------------------------------------------------------------

    def _require_discriminator(self, what: str) -> nn.Module:
        if self.discriminator is None:
            raise DcganError(f"{what} needs a discriminator, but '{self.checkpoint}' holds only a generator "
                             "(load the run directory or its checkpoint .pt instead)")
        return self.discriminator

    @torch.no_grad()
    def discriminate(self, images, *, bn: str = "running", batch_size: int = SAMPLE_BATCH, as_tensor: bool = False):
        """D's logits (before the sigmoid: > 0 means "real") for ``images``.

        ``images``: uint8 (N, H, W, C) as ``generate`` returns them, or float (N, C, H, W) in [-1, 1].
        Returns float32 numpy (N,) (a class-conditional D: (N, 1 + num_classes), real/fake then the
        classes), or a CPU tensor with ``as_tensor=True``. ``bn``: ``running`` (D in eval mode) or
        ``batch`` (each batch of ``batch_size`` normalised by its own statistics). Raises
        ``DcganError`` for a model loaded without a discriminator.
        """
        discriminator = self._require_discriminator("discriminate")
        if bn not in BN_MODES:
            raise DcganError(f"bn='{bn}': use one of {', '.join(BN_MODES)}")
        batch_size = _int_arg("batch_size", batch_size, 1)
        x = _as_images(images, self.image_shape)
        x = to_model_range(x) if x.dtype == torch.uint8 else x
        out = []
        with bn_mode(discriminator, bn):
            for i in range(0, len(x), batch_size):
                out.append(discriminator(x[i : i + batch_size].to(self.device)).float().cpu())
        logits = torch.cat(out)
        return logits if as_tensor else logits.numpy()

    def feature_extractor(self, reference, *, bn_stats: str = "population", batch_size: int = SAMPLE_BATCH,
                          bn_images: int = 0, seed: int = 0) -> DiscriminatorFeatures:
        """``dcgan classify``'s §5 extractor on this D, fitted: BatchNorm population statistics
        estimated on ``reference`` (images as for ``discriminate``; ``classify`` uses the training
        split). Call ``.transform(uint8 (N, C, H, W))`` on it to extract many sets with one fit."""
        discriminator = self._require_discriminator("features")
        extractor = DiscriminatorFeatures(discriminator, bn_stats=bn_stats, bn_images=bn_images,
                                          batch_size=batch_size, device=str(self.device), seed=seed)
        return extractor.fit(self._uint8_nchw(reference))

    def features(self, images, reference=None, *, bn_stats: str = "population", batch_size: int = SAMPLE_BATCH,
                 bn_images: int = 0, seed: int = 0) -> np.ndarray:
        """The paper's §5.1 discriminator features: every conv layer's map (after its LeakyReLU)
        max-pooled to 4x4, flattened and concatenated -> float32 numpy (N, sum(widths) * 16).

        The same extractor as ``dcgan classify`` (``DiscriminatorFeatures``), with its defaults:
        D in eval mode with BatchNorm *population* statistics, estimated on ``reference`` (default:
        ``images`` themselves, so each image's features then depend on the set it came with; pass a
        fixed reference, e.g. training images, to compare sets). ``bn_stats``: ``population``,
        ``running`` (GAN training's averages) or ``batch``. Float images are rounded to uint8 first,
        as the extractor reads uint8 images. Raises ``DcganError`` without a discriminator.
        """
        self._require_discriminator("features")
        batch_size, bn_images, seed = _int_arg("batch_size", batch_size, 1), _int_arg("bn_images", bn_images, 0), \
            _int_arg("seed", seed, 0)
        if bn_stats not in ("population", "running", "batch"):
            raise DcganError(f"bn_stats='{bn_stats}': use population, running or batch")
        x = self._uint8_nchw(images)
        fit_on = x if reference is None else reference
        return self.feature_extractor(fit_on, bn_stats=bn_stats, batch_size=batch_size, bn_images=bn_images,
                                      seed=seed).transform(x)

    def _uint8_nchw(self, images) -> torch.Tensor:
        x = _as_images(images, self.image_shape)
        return x if x.dtype == torch.uint8 else to_uint8(x)


@torch.no_grad()
def _generate_float(generator: nn.Module, z: torch.Tensor, batch_size: int, bn: str,
                    labels: torch.Tensor | None) -> torch.Tensor:
    """``sampling.generate`` without the rounding: float32 CPU (N, C, H, W) in [-1, 1]."""
    device = next(generator.parameters()).device
    out = []
    with bn_mode(generator, bn):
        for i in range(0, len(z), batch_size):
            zb = z[i : i + batch_size].to(device)
            images = generator(zb, labels[i : i + batch_size].to(device)) if labels is not None else generator(zb)
            out.append(images.float().cpu())
    return torch.cat(out)


def _as_latents(z, z_dim: int) -> torch.Tensor:
    """Float array or tensor (N, z_dim) -> float32 CPU tensor, refusing anything else (as ``--z``)."""
    try:
        t = torch.as_tensor(np.ascontiguousarray(z) if isinstance(z, np.ndarray) else z)  # e.g. a reversed view
    except (TypeError, ValueError, RuntimeError):
        raise DcganError(f"z must be a float array or tensor (N, {z_dim}), got {type(z).__name__}") from None
    if not t.is_floating_point() or t.dim() != 2 or t.shape[1] != z_dim or len(t) == 0:
        raise DcganError(f"z holds {t.dtype} {tuple(t.shape)}; this model needs float (N, {z_dim}) with N >= 1")
    if not torch.isfinite(t).all():
        raise DcganError("z holds NaN or infinite values")
    return t.detach().to("cpu", torch.float32).contiguous()


def _int_arg(name: str, value, minimum: int) -> int:
    """An integer argument (Python or NumPy int, not bool) >= ``minimum``, else a DcganError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise DcganError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _device_arg(device) -> torch.device:
    if not isinstance(device, (str, torch.device)):
        raise DcganError(f"device must be 'cpu', 'cuda', 'auto' or a torch.device, got {device!r}")
    try:
        return resolve_device(str(device))
    except (RuntimeError, ValueError) as exc:
        raise DcganError(f"device={str(device)!r}: {str(exc).splitlines()[0]}") from None


def _path_arg(name: str, value) -> Path:
    if not isinstance(value, (str, os.PathLike)) or not str(value):
        raise DcganError(f"{name} must be a path (str or pathlib.Path) to a run directory or checkpoint, got {value!r}")
    return Path(value)


def _as_images(images, shape: tuple[int, int, int]) -> torch.Tensor:
    """Images in either convention -> CPU tensor (N, C, H, W): uint8 as given, float as float32.

    uint8: (N, H, W, C) (``generate``'s and ``.npz`` layout) or (N, C, H, W) (``data``'s tensors);
    float: (N, C, H, W) in [-1, 1]."""
    c, h, w = shape
    if not isinstance(images, (np.ndarray, torch.Tensor, list, tuple)):
        raise DcganError(f"images must be a numpy array or torch tensor of images, got {type(images).__name__} "
                         "(to score files, load them first, e.g. numpy.asarray(PIL.Image.open(path))[None])")
    try:
        t = torch.as_tensor(np.ascontiguousarray(images) if isinstance(images, np.ndarray) else images).detach().cpu()
    except (TypeError, ValueError, RuntimeError) as exc:
        raise DcganError(f"images could not be read as an array: {str(exc).splitlines()[0]}") from None
    if t.dim() != 4:
        raise DcganError(f"images must be 4-d (N, H, W, C) uint8 or (N, C, H, W) float, got shape {tuple(t.shape)}")
    if t.dtype == torch.uint8:
        if tuple(t.shape[1:]) == (h, w, c):
            return t.permute(0, 3, 1, 2).contiguous()
        if tuple(t.shape[1:]) == (c, h, w):
            return t
        raise DcganError(f"uint8 images of shape {tuple(t.shape)}; this model takes (N, {h}, {w}, {c}) or (N, {c}, {h}, {w})")
    if not t.is_floating_point():
        raise DcganError(f"images of dtype {t.dtype}: give uint8 (N, H, W, C) or float (N, C, H, W) in [-1, 1]")
    if tuple(t.shape[1:]) != (c, h, w):
        raise DcganError(f"float images of shape {tuple(t.shape)}; this model takes (N, {c}, {h}, {w}) in [-1, 1]")
    t = t.float()
    if len(t) and not torch.isfinite(t).all():
        raise DcganError("images hold NaN or infinite values")
    if len(t) and (float(t.min()) < -1 - RANGE_SLACK or float(t.max()) > 1 + RANGE_SLACK):
        raise DcganError(f"float images must lie in [-1, 1] (G's Tanh range), got [{float(t.min()):.3g}, "
                         f"{float(t.max()):.3g}]; pass uint8 images for [0, 255]")
    return t


def load(path: str | Path, device: str | torch.device = "cpu", *, use_ema: bool = True) -> Model:
    """A trained model from ``path``: a run directory (its ``checkpoints/best.pt`` when the run kept
    one, else ``checkpoints/latest.pt``; stderr says which), a checkpoint
    ``.pt`` (``dcgan train``; ``dcgan import authors`` writes the same), or a ``.safetensors`` file of
    ``dcgan export --format safetensors`` (its metadata holds the config).

    ``device``: ``cpu`` (default), ``cuda``, ``auto``. ``use_ema=False``: the raw G even when the run
    kept an EMA copy (``dcgan sample --no-ema``). A file without discriminator tensors loads with
    ``discriminator=None``. Errors (missing, truncated, foreign files) are one-line ``DcganError``s.
    """
    path = _path_arg("path", path)
    dev = _device_arg(device)
    chosen, state = read_model_checkpoint(path)  # a run directory: its best snapshot when kept
    cfg = checkpoint_config(state)
    generator = generator_from_state(state, cfg, dev, use_ema)
    discriminator = discriminator_from_state(state, cfg, dev) if state.get("discriminator") else None
    return Model(generator, discriminator, cfg, chosen, step=state.get("step"),
                 ema=bool(use_ema and state.get("generator_ema")), device=dev)


def train(config_or_overrides: Config | Mapping[str, Any] | None = None, resume: str | Path | None = None,
          progress: bool = False, *, allow_inexact_resume: bool = False) -> TrainResult:
    """Train a DCGAN (paper §3-4), as ``dcgan train`` does; returns ``TrainResult`` (``run_dir``,
    ``step``, ``last_metrics``, ``interrupted``).

    ``config_or_overrides``: a ``Config``, or a dict of dotted keys (``{"train.epochs": 1,
    "data.name": "fashion-mnist"}``, as ``--set``; ``"preset": "paper"`` picks a preset; nested
    ``{"train": {"epochs": 1}}`` works too) applied over the defaults; ``None``: the defaults.
    ``resume``: a run directory to continue; the overrides (or every key of a ``Config``) then apply
    over its saved config, and a change that breaks exact continuation is refused unless
    ``allow_inexact_resume`` (``dcgan train --resume``'s rules). ``progress``: show the progress bar.
    The run directory is ``train.out_dir``, else ``runs/<data>-<preset>-<res>px-<time>``.
    """
    if isinstance(config_or_overrides, Config):
        cfg, overrides = config_or_overrides, flatten(config_or_overrides.to_dict())
    elif config_or_overrides is None or isinstance(config_or_overrides, Mapping):
        cfg, overrides = None, flatten(dict(config_or_overrides or {}))
    else:
        raise DcganError(f"train() takes a Config or a dict of overrides, got {type(config_or_overrides).__name__}")
    if not isinstance(progress, bool) or not isinstance(allow_inexact_resume, bool):
        raise DcganError("progress and allow_inexact_resume must be True or False")
    if resume is not None:
        resume = _path_arg("resume", resume)
        saved = checkpoint_config(load_checkpoint(resume))
        try:
            cfg = resume_config(saved, overrides, allow_inexact=allow_inexact_resume,
                                how_to_allow="pass allow_inexact_resume=True")
        except DcganError as exc:
            raise DcganError(f"resume={str(resume)!r}: {exc}") from None
    elif cfg is None:
        cfg = resolve_config({}, overrides)
    else:
        validate(cfg)
    return train_loop(cfg, resume_dir=resume, progress=progress)

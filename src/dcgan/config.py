"""Typed configuration: defaults in code, a preset, a file, then ``--set key=value``.

Resolution order (later wins): dataclass defaults -> ``PRESETS[preset]`` -> config file
(YAML or JSON) -> command-line ``--set`` overrides. The resolved config is printed by
``dcgan train --dry-run``, written to ``RUN_DIR/config.json`` and embedded in every
checkpoint, so a checkpoint rebuilds its networks with nothing else.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import json
import math
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dcgan import DcganError


@dataclass
class ModelConfig:
    """The two networks (paper §3). Widths are the *base* width: the layer nearest the image."""

    arch: str = "dcgan"  # "dcgan" (the paper's all-convolutional nets), "upconv" (Keras MNIST tutorial, 28 px); models.registry
    resolution: int = 32  # power of two, 16..128
    channels: int = 0  # 1 (grey) or 3 (RGB); 0: from the data (data.probe_channels), said in the start line
    z_dim: int = 100
    z_dist: str = "normal"  # "uniform" in [-1, 1] (paper) or "normal" N(0, 1) (PyTorch example)
    g_width: int = 64  # generator channels at the last hidden layer; doubles towards 4x4
    d_width: int = 64  # discriminator channels at the first layer; doubles towards 4x4
    kernel_size: int = 4  # 5 (authors' code), 4 (PyTorch example) or 3 (the Table 1 model, arch imagenet32)
    project_bn: str = "channel"  # G's projection BatchNorm: "unit" (per projected unit, before the reshape: the
    # authors' code) or "channel" (per channel after it: the PyTorch example, whose first layer is a 1x1 transposed conv)
    bn_eps: float = 1e-5  # BatchNorm epsilon: 1e-8 in the authors' lib/ops.py, 1e-5 in PyTorch
    bias: bool = False  # both reference codes use no biases (BatchNorm makes them redundant)
    num_classes: int = 0  # >0: class-conditional G and auxiliary-classifier D (AC-GAN; models/conditional.py)
    mean_channel: bool = False  # D also sees each image minus its batch's mean image (models/mean_channel.py)


@dataclass
class DataConfig:
    """What to train on. ``name`` is a registered dataset name or a path (format detected), or
    several of them comma-separated (``a.zip,b.zip``: one dataset, ``data.multi``)."""

    name: str = "fashion-mnist"
    path: str = ""  # root/file for ``name``; empty means the dataset's default location
    split: str = "train"  # "all": every image (all split folders; UTKFace's train + test)
    keep_list: str = ""  # optional file of kept indices (from ``dcgan dedup``)
    label: str = ""  # attribute used as the label (UTKFace: gender | age | race | age_group); "" = the reader's
    num_workers: int = 0  # DataLoader workers for streaming datasets; in-memory ones need none


@dataclass
class TrainConfig:
    """The recipe (paper §4) and the mechanics of a run."""

    batch_size: int = 128
    lr_d: float = 2e-4  # Adam learning rates, separate for D and G (paper: both 2e-4)
    lr_g: float = 2e-4  # the notes: a lower lr_g (e.g. 1e-4), with d_steps > 1, when D cannot follow G
    beta1: float = 0.5
    beta2: float = 0.999
    weight_decay: float = 0.0  # L2 penalty added to the gradient (authors' code: 1e-5)
    d_steps: int = 1  # k: discriminator steps per generator step (Goodfellow et al. 2014)
    # Length (training/length.py): max_steps > 0 wins, then kimg > 0 (thousands of real images shown to D),
    # then epochs > 0; all three 0 (the default) is ``auto``: 5 epochs, but at least ``min_kimg`` thousand
    # images, so a folder of 2,000 photos still gets the ~1,500 steps it needs to make faces.
    epochs: float = 0.0  # may be fractional
    kimg: float = 0.0
    max_steps: int = 0  # generator steps
    min_kimg: float = 200.0  # the auto length's floor (200k images = 1,563 steps at batch 128)
    seed: int = 0
    device: str = "auto"  # auto: cuda, then cpu
    # auto: bf16 on a CPU that runs it natively and faster (core/device.py probes it), bf16/fp16 on CUDA,
    # else fp32. Sample quality against fp32: studies/precision_equivalence.py, results/precision_equivalence.md
    precision: str = "auto"  # auto | fp32 | bf16 | fp16 (fp16: CUDA only)
    channels_last: bool = True  # NHWC activations: faster for oneDNN (1.2x in fp32 here) and cuDNN alike
    # under bf16/fp16, BatchNorm computes in float32 (core/device.py): with it, bf16's seed means lie in or
    # beside fp32's spread on every metric; without it, precision and coverage fell below (the study above)
    batchnorm_fp32: bool = True
    compile: bool = False
    log_every: int = 50  # steps between logging ticks (the only host-device syncs)
    checkpoint_every: int = 500  # steps between checkpoint writes (plus every epoch end)
    snapshot_every: int = 0  # >0: networks (no optimizer state) and a grid kept every N steps, checkpoints/snapshots/
    time_limit: float = 0.0  # minutes of training after which the run stops cleanly with a checkpoint (0: none)
    samples_per_grid: int = 64  # fixed-noise sample grid size
    out_dir: str = ""  # run directory; empty: runs/<dataset>-<preset>-<time>
    tensorboard: bool = True
    ema_decay: float = 0.0  # >0 keeps an exponential moving average of G, saved as generator_ema (models/ema.py)
    diversity_warn: float = 0.3  # warn when fixed-noise sample diversity / real diversity drops below this (0: never)
    # Fréchet distance every N steps to metrics.jsonl, the best snapshot kept in checkpoints/best.pt (0: off)
    eval_every: int = 250
    eval_samples: int = 2000  # samples per in-training Fréchet distance
    # feature space (evaluation/features): auto = fashion-cnn for grey images; for colour, Inception where
    # its weights are on disk, else the shipped tiny-imagenet-cnn (offline); face-judge needs eval_weights
    eval_features: str = "auto"
    eval_weights: str = ""  # weights file for eval_features (face-judge: the judge's judge.pt)
    eval_reference: str = ""  # real images to compare with (a dataset name or path); "": the training data
    # Differentiable augmentation of everything D sees (training/augment.py): none | diffaug | ada
    augment: str = "none"
    ada_target: float = 0.6  # ADA: raise p while E[sign(D(real))] is above this
    ada_kimg: float = 100.0  # ADA: thousands of images over which p can move from 0 to 1
    sync_bn: bool = False  # under DDP: BatchNorm statistics over all processes' batches


@dataclass
class Config:
    preset: str = "pytorch"
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False)


AUGMENTS = ("none", "diffaug", "ada")  # train.augment's kinds (training/augment.py)


# Presets differ only in the architecture details below; the recipe (§4) is shared.
PRESETS: dict[str, dict[str, Any]] = {
    # As the authors' released Theano code (Newmu/dcgan_code): 5x5 kernels, base width 128
    # (1024-512-256-128 at 64 px), z ~ U[-1, 1], no biases, BatchNorm of the projected vector
    # unit by unit with eps 1e-8 (their lib/ops.py batchnorm), L2 weight decay 1e-5.
    "paper": {
        "model.kernel_size": 5,
        "model.g_width": 128,
        "model.d_width": 128,
        "model.z_dist": "uniform",
        "model.bias": False,
        "model.project_bn": "unit",
        "model.bn_eps": 1e-8,
        "train.weight_decay": 1e-5,
    },
    # As the widely used PyTorch example (pytorch/examples/dcgan): 4x4 kernels, base width 64,
    # z ~ N(0, 1), no biases, no weight decay.
    "pytorch": {
        "model.kernel_size": 4,
        "model.g_width": 64,
        "model.d_width": 64,
        "model.z_dist": "normal",
        "model.bias": False,
        "model.project_bn": "channel",
        "model.bn_eps": 1e-5,
        "train.weight_decay": 0.0,
    },
}


# Defaults an architecture brings (applied after the preset, before file and overrides).
ARCH_DEFAULTS: dict[str, dict[str, Any]] = {
    "upconv": {"model.resolution": 28},  # the Keras MNIST tutorial's size (models/mnist_upconv.py)
    # The authors' ImageNet 32x32 model of Table 1 (models/table1.py): 3x3 kernels, widths 128-256-512,
    # z 256-d uniform, per-unit projection BatchNorm with their eps 1e-8.
    "imagenet32": {
        "model.resolution": 32,
        "model.channels": 3,
        "model.kernel_size": 3,
        "model.z_dim": 256,
        "model.z_dist": "uniform",
        "model.g_width": 128,
        "model.d_width": 128,
        "model.project_bn": "unit",
        "model.bn_eps": 1e-8,
    },
}


def unknown_key_error(key: str) -> DcganError:
    """The one error for a config key this version does not know, wherever it came from (``--set``,
    a ``--config`` file, a preset, a saved config.json or checkpoint): the dotted key, then the
    closest known key (difflib) or, failing that, what the section (or the config) does have."""
    keys = _all_keys(Config())
    close = difflib.get_close_matches(key, keys, n=1, cutoff=0.75)
    if close:
        return DcganError(f"config: unknown key '{key}'; did you mean '{close[0]}'?")
    section = key.rsplit(".", 1)[0] if "." in key else ""
    in_section = [k.split(".", 1)[1] for k in keys if k.startswith(section + ".")] if section else []
    if in_section:
        return DcganError(f"config: unknown key '{key}'; section '{section}' has: {', '.join(in_section)}")
    sections = ", ".join(f.name for f in dataclasses.fields(Config) if f.name != "preset")
    return DcganError(f"config: unknown key '{key}'; the config has 'preset' and the sections {sections}")


def _section_and_field(cfg: Config, key: str) -> tuple[Any, dataclasses.Field]:
    parts = key.split(".")
    obj: Any = cfg
    for part in parts[:-1]:
        if not dataclasses.is_dataclass(obj) or not hasattr(obj, part):
            raise unknown_key_error(key)
        obj = getattr(obj, part)
    if not dataclasses.is_dataclass(obj):
        raise unknown_key_error(key)
    fields = {f.name: f for f in dataclasses.fields(obj)}
    if parts[-1] not in fields or dataclasses.is_dataclass(getattr(obj, parts[-1])):
        raise unknown_key_error(key)
    return obj, fields[parts[-1]]


def _all_keys(obj: Any, prefix: str = "") -> list[str]:
    keys = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            keys += _all_keys(value, f"{prefix}{f.name}.")
        else:
            keys.append(prefix + f.name)
    return keys


def _coerce(key: str, raw: Any, type_name: Any) -> Any:
    """Convert a value (string from the command line, or parsed YAML/JSON) to the field type."""
    target = {"int": int, "float": float, "bool": bool, "str": str}.get(
        type_name if isinstance(type_name, str) else getattr(type_name, "__name__", ""), str
    )
    if target is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off"}:
            return False
        raise DcganError(f"option '{key}' expects true/false, got '{raw}'")
    try:
        if target is int:
            if isinstance(raw, float) and not raw.is_integer():
                raise ValueError
            return int(float(raw)) if isinstance(raw, str) and "e" in raw.lower() else int(raw)
        if target is float:
            value = float(raw)
            if not math.isfinite(value):
                raise DcganError(f"option '{key}' expects a finite number, got '{raw}'")
            return value
    except (TypeError, ValueError, OverflowError):
        raise DcganError(f"option '{key}' expects {target.__name__}, got '{raw}'") from None
    return str(raw)


def set_value(cfg: Config, key: str, raw: Any) -> None:
    if key == "preset":
        cfg.preset = str(raw)
        return
    section, f = _section_and_field(cfg, key)
    hints = typing.get_type_hints(type(section))
    setattr(section, f.name, _coerce(key, raw, hints[f.name]))


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dict -> {"a.b.c": value}, the dotted keys ``--set`` uses."""
    flat: dict[str, Any] = {}
    for k, v in tree.items():
        if isinstance(v, dict):
            flat.update(flatten(v, f"{prefix}{k}."))
        else:
            flat[prefix + k] = v
    return flat


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise DcganError(f"--set expects key=value (e.g. train.epochs=2), got '{pair}'")
        key, value = pair.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def read_config_file(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise DcganError(f"config file '{path}' does not exist")
    try:
        text = path.read_text()  # inside: a binary file is a parse error, not a UnicodeDecodeError traceback
        if path.suffix.lower() == ".json":
            tree = json.loads(text)
        else:
            import yaml

            tree = yaml.safe_load(text)
    except Exception as exc:  # noqa: BLE001 - any parse error becomes one clear message
        raise DcganError(f"config file '{path}' could not be parsed: {exc}") from None
    if not isinstance(tree, dict):
        raise DcganError(f"config file '{path}' must hold a mapping of sections, got {type(tree).__name__}")
    return flatten(tree)


def resolve_config(
    file_values: dict[str, Any] | None = None, overrides: dict[str, Any] | None = None
) -> Config:
    """Defaults -> preset -> architecture defaults -> file -> overrides, then validation."""
    file_values = dict(file_values or {})
    overrides = dict(overrides or {})
    cfg = Config()
    preset = str(overrides.get("preset", file_values.get("preset", cfg.preset)))
    if preset not in PRESETS:
        raise DcganError(f"unknown preset '{preset}'; choose one of {sorted(PRESETS)}")
    cfg.preset = preset
    for key, value in PRESETS[preset].items():
        set_value(cfg, key, value)
    arch = str(overrides.get("model.arch", file_values.get("model.arch", cfg.model.arch)))
    for key, value in ARCH_DEFAULTS.get(arch, {}).items():
        set_value(cfg, key, value)
    for source in (file_values, overrides):
        for key, value in source.items():
            set_value(cfg, key, value)
    validate(cfg)
    return cfg


# Keys a saved config (config.json, a checkpoint's config) may hold that this version no longer has:
# a field that was removed or renamed goes here, as "section.name", so old runs still load (the value
# is ignored; give a renamed field's new name a default that reproduces the old behaviour).
# ``git log -p --follow src/dcgan/config.py`` shows no field removed or renamed so far. Only saved
# configs are let through: ``--set`` and ``--config`` files refuse these keys like any unknown one.
LEGACY_KEYS: frozenset[str] = frozenset()


def config_from_dict(tree: dict[str, Any]) -> Config:
    """Rebuild a resolved config (as saved in a run directory or checkpoint) exactly.

    A key this version does not know (other than ``LEGACY_KEYS``) or a value of the wrong type is
    refused (``unknown_key_error``), never dropped: the config would otherwise silently differ from
    the one the file describes. Keys the file lacks keep their defaults (checkpoint.upgrade fills
    in the ones whose default changed meaning)."""
    cfg = Config(preset=tree.get("preset", "pytorch"))
    for key, value in flatten({k: v for k, v in tree.items() if k != "preset"}).items():
        if key in LEGACY_KEYS:
            continue
        set_value(cfg, key, value)
    validate(cfg)
    return cfg


# Keys a resumed run may change and still continue exactly as if it had never stopped: how long it
# runs, how often it logs/saves/evaluates, where it writes. Everything else changes what the saved
# data cursor, RNG states or optimizer state mean (batch size, seed, learning rates, data, preset).
RESUME_SAFE_KEYS = frozenset({
    "train.epochs", "train.max_steps", "train.log_every", "train.checkpoint_every", "train.tensorboard",
    "train.kimg", "train.min_kimg", "train.eval_every", "train.eval_samples", "train.snapshot_every", "train.time_limit",
    "train.diversity_warn", "train.samples_per_grid", "train.device",
    "data.num_workers",
})


def resume_changes(saved: Config, new: Config) -> tuple[list[str], list[str]]:
    """Keys whose value differs between a run's saved config and the one asked for on resume, as
    (impossible, inexact): ``model.*`` cannot be honoured at all (the saved networks have another
    shape); other keys outside ``RESUME_SAFE_KEYS`` load but break exact continuation."""
    old, changed = flatten(saved.to_dict()), flatten(new.to_dict())
    diff = [k for k in changed if old.get(k) != changed[k]]
    impossible = [k for k in diff if k.startswith("model.")]
    inexact = [k for k in diff if not k.startswith("model.") and k not in RESUME_SAFE_KEYS]
    return impossible, inexact


def resume_config(saved: Config, overrides: dict[str, Any], allow_inexact: bool = False,
                  how_to_allow: str = "pass --allow-inexact-resume") -> Config:
    """The config a resumed run continues with: the saved one with ``overrides`` applied (e.g. more
    epochs for a finished run). A change to the networks is refused; one that breaks exact
    continuation (``resume_changes``) is refused unless ``allow_inexact``; the error names the key."""
    cfg = copy.deepcopy(saved)
    for key, value in overrides.items():
        set_value(cfg, key, value)
    validate(cfg)
    impossible, inexact = resume_changes(saved, cfg)
    old, new = flatten(saved.to_dict()), flatten(cfg.to_dict())
    if impossible:
        k = impossible[0]
        raise DcganError(f"cannot change {k} ({old[k]} -> {new[k]}): the saved networks were built with the old "
                         "value; start a new run instead")
    if inexact and not allow_inexact:
        k = inexact[0]
        raise DcganError(f"changing {k} ({old[k]} -> {new[k]}) breaks exact resume (the saved data cursor, RNG and "
                         f"optimizer states assume the old value); {how_to_allow} to do it anyway")
    return cfg


def validate(cfg: Config) -> None:
    """Check everything that can be checked before building anything, naming the option."""
    m, t = cfg.model, cfg.train
    res = m.resolution
    if m.arch in ("dcgan", "imagenet32") and (res < 16 or res > 128 or res & (res - 1)):
        raise DcganError(
            f"model.resolution={res} is not supported: the all-convolutional DCGAN doubles a 4x4 map, "
            "so use a power of two from 16 to 128 (16, 32, 64, 128)"
        )
    if m.arch == "upconv" and (res % 4 or res < 8 or res > 128):
        raise DcganError(
            f"model.resolution={res} is not supported by model.arch=upconv: it upsamples a (resolution/4)-sized map "
            "twice, so use a multiple of 4 from 8 to 128 (28, as the Keras MNIST tutorial: --set model.resolution=28)"
        )
    if m.channels not in (0, 1, 3):
        raise DcganError(f"model.channels={m.channels}: use 1 (grey), 3 (RGB) or 0 (from the data)")
    if m.z_dist not in ("uniform", "normal"):
        raise DcganError(f"model.z_dist='{m.z_dist}': use 'uniform' or 'normal'")
    if m.kernel_size not in (3, 4, 5):
        raise DcganError(f"model.kernel_size={m.kernel_size}: use 4 (PyTorch example), 5 (paper) or 3 (arch imagenet32)")
    if m.arch == "imagenet32" and m.kernel_size not in (3, 5):
        raise DcganError(f"model.kernel_size={m.kernel_size} with model.arch=imagenet32: its stride-1 layers need an odd kernel (3 or 5)")
    if m.project_bn not in ("unit", "channel"):
        raise DcganError(f"model.project_bn='{m.project_bn}': use 'unit' (authors' code) or 'channel' (PyTorch example)")
    if not 0 < m.bn_eps < 1:
        raise DcganError(f"model.bn_eps={m.bn_eps}: use a small positive number (1e-8 authors, 1e-5 PyTorch)")
    for name in ("z_dim", "g_width", "d_width"):
        if getattr(m, name) < 1:
            raise DcganError(f"model.{name} must be a positive integer, got {getattr(m, name)}")
    if m.num_classes < 0:
        raise DcganError(f"model.num_classes must be >= 0, got {m.num_classes}")
    if t.batch_size < 2:
        raise DcganError(f"train.batch_size={t.batch_size}: BatchNorm needs at least 2 images a batch")
    if t.d_steps < 1:
        raise DcganError(f"train.d_steps={t.d_steps}: need at least one discriminator step")
    for name in ("lr_d", "lr_g"):
        if getattr(t, name) <= 0:
            raise DcganError(f"train.{name} must be positive, got {getattr(t, name)}")
    if not 0 <= t.beta1 < 1 or not 0 <= t.beta2 < 1:
        raise DcganError("train.beta1 and train.beta2 must lie in [0, 1)")
    if t.precision not in ("fp32", "bf16", "fp16", "auto"):
        raise DcganError(f"train.precision='{t.precision}': use fp32, bf16, fp16 or auto")
    for name in ("epochs", "kimg", "max_steps", "min_kimg"):
        if getattr(t, name) < 0:
            raise DcganError(f"train.{name}={getattr(t, name)}: use a value >= 0 (0: not set)")
    if t.log_every < 1 or t.checkpoint_every < 1:
        raise DcganError("train.log_every and train.checkpoint_every must be >= 1")
    if not 0 <= t.ema_decay < 1:
        raise DcganError(f"train.ema_decay={t.ema_decay}: use 0 (off) or a value in (0, 1)")
    if not 0 <= t.diversity_warn < 1:
        raise DcganError(f"train.diversity_warn={t.diversity_warn}: use 0 (never warn) or a ratio in (0, 1)")
    if t.eval_every < 0 or (t.eval_every > 0 and t.eval_samples < 10):
        raise DcganError("train.eval_every must be >= 0 and train.eval_samples >= 10")
    if t.augment not in AUGMENTS:
        raise DcganError(f"train.augment='{t.augment}': use one of {', '.join(AUGMENTS)}")
    if not 0 < t.ada_target < 1:
        raise DcganError(f"train.ada_target={t.ada_target}: use a value in (0, 1) (ADA's paper: 0.6)")
    if t.ada_kimg <= 0:
        raise DcganError(f"train.ada_kimg={t.ada_kimg}: must be positive")
    if t.snapshot_every < 0 or t.time_limit < 0:
        raise DcganError("train.snapshot_every and train.time_limit must be >= 0 (0: off)")
    if t.samples_per_grid < 1:
        raise DcganError("train.samples_per_grid must be >= 1")

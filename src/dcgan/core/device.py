"""Device, precision and memory-format choices, resolved once per run."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from dcgan import DcganError


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise DcganError(f"train.device='{name}' but CUDA is not available here; use auto or cpu")
    return device


# bfloat16 on a CPU: fast only where the hardware has bf16 dot-product instructions (AMX tiles on
# Sapphire Rapids+, AVX512-BF16 on Cooper Lake / Zen 4+); elsewhere oneDNN emulates it and it is
# slower than float32. A flag alone is not proof (one AVX512-BF16 CPU here ran a square matmul at
# half the fp32 rate yet the DCGAN step at 2x), so ``auto`` also times the step's own kind of work.
BF16_FLAGS = ("amx_bf16", "avx512_bf16")
PRECISION_NAMES = ("fp32", "bf16", "fp16")
PROBE_MIN_SPEEDUP = 1.15  # below this, noise or a marginal gain: keep float32's extra precision
PROBE_VERSION = 1  # bump when the probe changes, so cached verdicts are measured again


@dataclass(frozen=True)
class PrecisionChoice:
    """What ``precision=auto`` resolved to, and why (printed by ``dcgan train --dry-run``)."""

    name: str  # fp32 | bf16 | fp16
    reason: str


def read_cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""


def cpu_flags(cpuinfo: str) -> set[str]:
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def speed_flags(cpuinfo: str | None = None) -> list[str]:
    """The CPU flags that decide how fast bf16 and float32 run here, for a benchmark's record."""
    present = cpu_flags(read_cpuinfo() if cpuinfo is None else cpuinfo)
    return sorted(f for f in (*BF16_FLAGS, "avx512f", "avx2") if f in present)


def cpu_model(cpuinfo: str) -> str:
    for line in cpuinfo.splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor() or platform.machine()


def machine_record() -> dict:
    """Where and when a measurement ran, as results files record it (``scripts/figures.py`` reads
    it): the CPU model, its speed-relevant flags, the date."""
    return {"cpu": cpu_model(read_cpuinfo()), "flags": speed_flags(), "date": time.strftime("%Y-%m-%d")}


def forward_backward_seconds(layer: torch.nn.Module, x: torch.Tensor, dtype: torch.dtype | None, reps: int = 3) -> float:
    """Best of ``reps`` timings of ``layer(x)`` forward + backward, under autocast to ``dtype``
    (None: float32), after one warm-up call (oneDNN picks and caches its kernel on the first)."""
    ctx = (lambda: torch.autocast("cpu", dtype=dtype)) if dtype is not None else contextlib.nullcontext
    times = []
    for i in range(reps + 1):
        start = time.perf_counter()
        with ctx():
            out = layer(x)
        out.float().sum().backward()
        if i:
            times.append(time.perf_counter() - start)
    return min(times)


def conv_probe_speedup(reps: int = 3) -> float:
    """float32 time / bfloat16-autocast time of one DCGAN-sized layer's forward + backward.

    The layer is a 4x4 stride-2 convolution, 128 -> 256 channels on 16x16 maps, batch 64,
    channels-last: the middle of D at 64 px, through oneDNN as the training step runs it. The best
    of ``reps`` timings each, after a warm-up (about half a second in all on a 2-core CPU)."""
    gen = torch.Generator().manual_seed(0)
    conv = torch.nn.Conv2d(128, 256, 4, 2, 1, bias=False).to(memory_format=torch.channels_last)
    x = torch.randn(64, 128, 16, 16, generator=gen).to(memory_format=torch.channels_last).requires_grad_()
    return forward_backward_seconds(conv, x, None, reps) / forward_backward_seconds(conv, x, torch.bfloat16, reps)


def default_precision_cache() -> Path:
    """``$DCGAN_CACHE_DIR/cpu_precision.json`` (the folder the reference statistics use), else
    ``~/.cache/dcgan/cpu_precision.json``."""
    folder = os.environ.get("DCGAN_CACHE_DIR") or Path.home() / ".cache" / "dcgan"
    return Path(folder) / "cpu_precision.json"


def choose_cpu_precision(
    cpuinfo: str | None = None,
    probe: Callable[[], float] = conv_probe_speedup,
    cache_file: Path | None = None,
) -> PrecisionChoice:
    """``precision=auto`` on a CPU: bf16 where the CPU has native bf16 instructions *and* the conv
    probe runs it at least ``PROBE_MIN_SPEEDUP`` times faster than fp32; fp32 otherwise.

    The probe's verdict is cached in ``cache_file`` (default ``$DCGAN_CACHE_DIR`` or
    ``~/.cache/dcgan``, ``cpu_precision.json``) per CPU model and torch version, so only the first
    run on a machine pays for it. An unwritable cache only costs the next run another probe."""
    cpuinfo = read_cpuinfo() if cpuinfo is None else cpuinfo
    native = [f for f in BF16_FLAGS if f in cpu_flags(cpuinfo)]
    if not native:
        return PrecisionChoice("fp32", "fp32: no amx_bf16 or avx512_bf16 on this CPU (bf16 would be emulated)")
    if not torch.backends.mkldnn.is_available():
        return PrecisionChoice("fp32", f"fp32: {native[0]} present but this torch has no oneDNN")
    cache_file = cache_file or default_precision_cache()
    key = f"{cpu_model(cpuinfo)} | torch {torch.__version__} | probe {PROBE_VERSION}"
    cache = _read_json(cache_file)
    speedup = cache.get(key)
    source = "cached conv probe"
    if not isinstance(speedup, (int, float)):
        speedup, source = float(probe()), "conv probe"
        _write_json_atomic(cache_file, {**cache, key: speedup})
    if speedup >= PROBE_MIN_SPEEDUP:
        return PrecisionChoice("bf16", f"bf16: {native[0]}, {source} {speedup:.1f}x fp32")
    return PrecisionChoice("fp32", f"fp32: {native[0]} present but the {source} ran bf16 at only {speedup:.2f}x fp32")


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_json_atomic(path: Path, data: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, path)
    except OSError:
        pass


def choose_precision(name: str, device: torch.device) -> PrecisionChoice:
    """The precision a run uses for ``train.precision=name`` on ``device``, with the reason."""
    if name != "auto":
        return PrecisionChoice(name, f"{name}: train.precision={name}")
    if device.type == "cuda":
        if torch.cuda.is_bf16_supported():
            return PrecisionChoice("bf16", "bf16: this CUDA device supports bfloat16")
        return PrecisionChoice("fp16", "fp16: this CUDA device has no bfloat16 (loss scaling on)")
    return choose_cpu_precision()


def _inputs_to_float32(module: torch.nn.Module, args: tuple) -> tuple:
    return tuple(a.float() if torch.is_tensor(a) and a.is_floating_point() else a for a in args)


def batchnorm_in_float32_(module: torch.nn.Module) -> torch.nn.Module:
    """In place: every BatchNorm in ``module`` normalises in float32 under a bf16/fp16 autocast.

    Autocast leaves BatchNorm alone, so it computes in the dtype it is given: a convolution's
    bf16 output. Cast to float32 first, its backward (``g - mean(g) - x_hat * mean(g * x_hat)``,
    a difference of near-equal terms) runs in float32 too; the next convolution casts back to
    bf16. A forward pre-hook, so state dicts, copies and DDP are untouched.
    """
    for m in module.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.register_forward_pre_hook(_inputs_to_float32)
    return module


@dataclass
class Precision:
    name: str  # fp32 | bf16 | fp16
    device_type: str

    @property
    def dtype(self) -> torch.dtype | None:
        return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.name)

    def autocast(self):
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)


def resolve_precision(name: str, device: torch.device) -> Precision:
    name = choose_precision(name, device).name
    if name == "fp16" and device.type != "cuda":
        raise DcganError("train.precision=fp16 needs CUDA; on the CPU use bf16 or fp32")
    return Precision(name, device.type)

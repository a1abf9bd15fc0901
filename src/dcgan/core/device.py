"""Device, precision and memory-format choices, resolved once per run."""

from __future__ import annotations

import contextlib
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


def cpu_has_fast_bf16() -> bool:
    """True where bfloat16 matrix work beats float32 on this CPU: AMX tiles (Sapphire Rapids+).

    AVX512-BF16 alone is not enough: on such a CPU here a 2048^2 bf16 matmul ran at about half
    the float32 rate, so ``precision=auto`` keeps float32 there (measure with
    ``benchmarks/train_speed.py``)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "amx_bf16" in flags and bool(torch.backends.mkldnn.is_available())


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
    if name == "auto":
        if device.type == "cuda":
            name = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        else:
            name = "bf16" if cpu_has_fast_bf16() else "fp32"
    if name == "fp16" and device.type != "cuda":
        raise DcganError("train.precision=fp16 needs CUDA; on the CPU use bf16 or fp32")
    return Precision(name, device.type)

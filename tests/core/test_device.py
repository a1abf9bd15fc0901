"""precision=auto on a CPU: native bf16 flags, the conv probe, and its cached verdict."""

from __future__ import annotations

import json

import pytest
import torch

from dcgan import DcganError
from dcgan.core import device as device_mod
from dcgan.core.device import (
    PROBE_MIN_SPEEDUP,
    batchnorm_in_float32_,
    choose_cpu_precision,
    choose_precision,
    cpu_flags,
    resolve_precision,
)


def cpuinfo(*flags: str, model: str = "Test CPU 9000") -> str:
    return f"processor\t: 0\nmodel name\t: {model}\nflags\t\t: fpu sse2 avx2 {' '.join(flags)}\n"


class Probe:
    """A stand-in for the conv timing: returns ``speedup`` and counts its calls."""

    def __init__(self, speedup: float):
        self.speedup, self.calls = speedup, 0

    def __call__(self) -> float:
        self.calls += 1
        return self.speedup


def test_cpu_flags_reads_the_flags_line():
    assert {"avx2", "avx512_bf16"} <= cpu_flags(cpuinfo("avx512_bf16"))
    assert cpu_flags("") == set()


@pytest.mark.parametrize("flag", ["avx512_bf16", "amx_bf16"])
def test_a_native_bf16_flag_and_a_faster_probe_give_bf16(tmp_path, flag):
    probe = Probe(1.9)
    choice = choose_cpu_precision(cpuinfo(flag), probe, tmp_path / "cache.json")
    assert choice.name == "bf16"
    assert flag in choice.reason and "1.9x" in choice.reason
    assert probe.calls == 1


def test_no_native_flag_stays_fp32_without_probing(tmp_path):
    probe = Probe(5.0)  # even a (mis)measured gain is not asked for: bf16 would be emulated
    choice = choose_cpu_precision(cpuinfo(), probe, tmp_path / "cache.json")
    assert choice.name == "fp32" and "no amx_bf16 or avx512_bf16" in choice.reason
    assert probe.calls == 0
    assert not (tmp_path / "cache.json").exists()


def test_a_flag_with_a_probe_that_is_not_faster_stays_fp32(tmp_path):
    choice = choose_cpu_precision(cpuinfo("avx512_bf16"), Probe(PROBE_MIN_SPEEDUP - 0.1), tmp_path / "cache.json")
    assert choice.name == "fp32" and "only" in choice.reason


def test_the_verdict_is_cached_per_cpu_model_and_torch_version(tmp_path):
    cache = tmp_path / "sub" / "cache.json"
    probe = Probe(2.0)
    first = choose_cpu_precision(cpuinfo("avx512_bf16"), probe, cache)
    second = choose_cpu_precision(cpuinfo("avx512_bf16"), Probe(0.5), cache)  # a second probe would say fp32
    assert (first.name, second.name) == ("bf16", "bf16")
    assert "cached" in second.reason and probe.calls == 1
    (key,) = json.loads(cache.read_text())
    assert "Test CPU 9000" in key and torch.__version__ in key
    other_cpu = Probe(0.5)
    assert choose_cpu_precision(cpuinfo("avx512_bf16", model="Other CPU"), other_cpu, cache).name == "fp32"
    assert other_cpu.calls == 1
    assert len(json.loads(cache.read_text())) == 2


def test_a_corrupt_or_unwritable_cache_only_costs_another_probe(tmp_path):
    cache = tmp_path / "cache.json"
    cache.write_text("{not json")
    probe = Probe(2.0)
    assert choose_cpu_precision(cpuinfo("amx_bf16"), probe, cache).name == "bf16"
    assert probe.calls == 1 and json.loads(cache.read_text())  # replaced by a good one
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert choose_cpu_precision(cpuinfo("amx_bf16"), Probe(2.0), blocked / "cache.json").name == "bf16"


def test_explicit_precision_is_taken_as_asked(monkeypatch):
    monkeypatch.setattr(device_mod, "choose_cpu_precision", lambda: pytest.fail("auto's probe ran for an explicit value"))
    assert choose_precision("fp32", torch.device("cpu")).name == "fp32"
    assert choose_precision("bf16", torch.device("cpu")).name == "bf16"
    with pytest.raises(DcganError, match="fp16 needs CUDA"):
        resolve_precision("fp16", torch.device("cpu"))


def test_auto_on_the_cpu_asks_the_cpu_choice(monkeypatch):
    monkeypatch.setattr(device_mod, "choose_cpu_precision", lambda: device_mod.PrecisionChoice("bf16", "stub"))
    assert resolve_precision("auto", torch.device("cpu")).name == "bf16"


def test_the_real_probe_times_a_conv_in_both_precisions():
    speedup = device_mod.conv_probe_speedup(reps=1)
    assert speedup > 0 and speedup == speedup  # a finite ratio of two timings (no claim about which is faster)


def test_batchnorm_in_float32_computes_forward_and_backward_in_float32():
    def net():
        torch.manual_seed(0)
        return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8), torch.nn.ReLU(), torch.nn.Conv2d(8, 2, 3))

    seen = {}
    plain, kept = net(), batchnorm_in_float32_(net())
    for name, model in (("plain", plain), ("kept", kept)):
        model[1].register_forward_hook(lambda m, args, out, name=name: seen.update({name: (args[0].dtype, out.dtype)}))
        with torch.autocast("cpu", dtype=torch.bfloat16):
            y = model(torch.randn(4, 3, 10, 10))
        y.float().sum().backward()
    assert seen["plain"] == (torch.bfloat16, torch.bfloat16)
    assert seen["kept"] == (torch.float32, torch.float32)
    assert kept.state_dict().keys() == plain.state_dict().keys()
    assert kept[0].weight.grad.dtype == torch.float32 and kept[3].weight.grad is not None

"""Distributed data parallel (DDP) under ``torchrun``: one process per device.

``torchrun --nproc_per_node=N -m dcgan train ...`` sets RANK / WORLD_SIZE / LOCAL_RANK;
``init_distributed`` reads them (a plain ``dcgan train`` is world size 1 and touches nothing).
Backend: NCCL on CUDA, gloo on CPU. Policies (documented in docs/speed.md):

- Data: every rank walks the same seeded epoch permutation and takes every WORLD_SIZE-th
  image (``BatchStream``), so each image is seen once per epoch.
- Noise: every rank draws the *global* batch of z from the shared seed and keeps its slice,
  so N processes with batch B draw exactly the z of one process with batch N*B.
- BatchNorm: by default each process normalises with the statistics of its own batch B,
  the paper's per-batch BatchNorm at the per-device batch. ``train.sync_bn=true`` converts
  to ``CrossProcessBatchNorm2d``: statistics over the global batch, which makes N x B equal to 1 x N*B.
- Only rank 0 logs, writes grids and checkpoints; all ranks resume from the same file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass
class DistContext:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def init_distributed(device: torch.device) -> tuple[DistContext, torch.device]:
    """Join the process group if launched by torchrun; returns the context and this rank's device."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return DistContext(), device
    ctx = DistContext(int(os.environ["RANK"]), world_size, int(os.environ.get("LOCAL_RANK", "0")))
    if device.type == "cuda":
        device = torch.device("cuda", ctx.local_rank)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return ctx, device


def wrap(module: nn.Module, ctx: DistContext, device: torch.device) -> nn.Module:
    """DDP-wrap ``module`` (after optional SyncBatchNorm conversion). BatchNorm running
    statistics are not broadcast from rank 0 each forward: each rank keeps its own, rank 0's
    are the ones saved."""
    if not ctx.enabled:
        return module
    ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(module, device_ids=ids, forward_sync_buffers=False)


def all_reduce_mean(tensor: torch.Tensor, ctx: DistContext) -> torch.Tensor:
    if ctx.enabled:
        tensor = tensor.clone()
        dist.all_reduce(tensor)
        tensor /= ctx.world_size
    return tensor


def broadcast_int(value: int, ctx: DistContext) -> int:
    """Rank 0's ``value`` on every rank (a choice one process makes for all, e.g. the precision)."""
    if not ctx.enabled:
        return value
    tensor = torch.tensor([value], dtype=torch.int64)
    dist.broadcast(tensor, src=0)
    return int(tensor.item())


def barrier(ctx: DistContext) -> None:
    if ctx.enabled:
        dist.barrier()


def shutdown(ctx: DistContext) -> None:
    if ctx.enabled and dist.is_initialized():
        dist.destroy_process_group()


class _AllReduceSum(torch.autograd.Function):
    """Differentiable all-reduce: the gradient of a sum over ranks is the sum of the gradients."""

    @staticmethod
    def forward(ctx, tensor):
        out = tensor.clone()
        dist.all_reduce(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        grad = grad.clone()
        dist.all_reduce(grad)
        return grad


class CrossProcessBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm2d whose training statistics cover the batches of all processes.

    ``torch.nn.SyncBatchNorm`` runs on GPUs only; this one works on any backend (gloo on
    CPU included) by all-reducing per-channel sums, sums of squares and counts in float32.
    Outside training or without a process group it is exactly ``nn.BatchNorm2d``.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (self.training and dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
            return super().forward(x)
        c = x.shape[1]
        xf = x.float()
        local = torch.cat([xf.sum((0, 2, 3)), (xf * xf).sum((0, 2, 3)), xf.new_full((1,), xf.numel() / c)])
        total = _AllReduceSum.apply(local)
        count = total[-1]
        mean = total[:c] / count
        var = (total[c : 2 * c] / count - mean * mean).clamp_min(0)
        if self.track_running_stats and self.running_mean is not None:
            with torch.no_grad():
                self.num_batches_tracked += 1
                m = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked)
                self.running_mean.mul_(1 - m).add_(m * mean.detach())
                self.running_var.mul_(1 - m).add_(m * var.detach() * count / (count - 1))
        scale = torch.rsqrt(var + self.eps)
        if self.affine:
            shift = self.bias - mean * scale * self.weight
            scale = scale * self.weight
        else:
            shift = -mean * scale
        return (xf * scale.view(1, c, 1, 1) + shift.view(1, c, 1, 1)).to(x.dtype)


def convert_batchnorm(module: nn.Module) -> nn.Module:
    """Swap every BatchNorm2d for CrossProcessBatchNorm2d, keeping parameters and buffers."""
    for name, child in module.named_children():
        if type(child) is nn.BatchNorm2d:
            new = CrossProcessBatchNorm2d(child.num_features, child.eps, child.momentum, child.affine, child.track_running_stats)
            new.load_state_dict(child.state_dict())
            new.to(next(child.buffers()).device)
            setattr(module, name, new)
        else:
            convert_batchnorm(child)
    return module

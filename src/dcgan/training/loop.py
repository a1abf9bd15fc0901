"""The one training loop: every dataset and model variant goes through ``train(cfg)``.

Run directory layout::

    RUN_DIR/config.json           resolved config (also inside every checkpoint)
    RUN_DIR/metrics.jsonl         one JSON line per logging tick (and per evaluation)
    RUN_DIR/tensorboard/          TensorBoard events (scalars and sample grids)
    RUN_DIR/samples/step_000000.png, epoch_001.png, ...   fixed-noise grids (paper Figs 2-3)
    RUN_DIR/checkpoints/latest.pt the newest good checkpoint (atomic writes)
    RUN_DIR/checkpoints/best.pt   the checkpoint with the lowest in-training Fréchet distance (train.eval_every)
"""

from __future__ import annotations

import json
import math
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from dcgan import DcganError
from dcgan.config import Config
from dcgan.data import open_dataset
from dcgan.data.loader import BatchStream
from dcgan.data.types import to_model_range
from dcgan.images import save_grid
from dcgan.models import build_models
from dcgan.models.ema import GeneratorEMA, standing_batchnorm_stats_
from dcgan.sampling import generate, sample_z, seeded_z
from dcgan.training.checkpoint import load_checkpoint, save_checkpoint
from dcgan.training.distributed import all_reduce_mean, barrier, convert_batchnorm, init_distributed, shutdown, wrap
from dcgan.training.diversity import DiversityMonitor, real_reference_batch
from dcgan.training.runtime import resolve_device, resolve_precision
from dcgan.training.step import GANStep

FIXED_NOISE_SEED_OFFSET = 10_007  # the grid's noise is derived from the run seed, never stored


class TrainingDiverged(DcganError):
    pass


@dataclass
class TrainResult:
    run_dir: Path
    step: int
    last_metrics: dict[str, float] = field(default_factory=dict)
    interrupted: bool = False


def default_run_dir(cfg: Config) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = Path(cfg.data.name).name.replace(" ", "_") or "data"
    return Path("runs") / f"{name}-{cfg.preset}-{cfg.model.resolution}px-{stamp}"


def total_steps(cfg: Config, batches_per_epoch: int) -> int:
    if cfg.train.max_steps > 0:
        return cfg.train.max_steps
    return max(1, math.ceil(cfg.train.epochs * batches_per_epoch / cfg.train.d_steps))


class _StopRequest:
    """Ctrl-C / SIGTERM set a flag that the loop reads between steps, so the checkpoint it
    then writes holds a whole step (never a D update without its G update). A second
    Ctrl-C interrupts at once."""

    def __init__(self):
        self.requested = False
        self.previous: dict[int, Any] = {}

    def _handler(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self.previous[sig] = signal.signal(sig, self._handler)
            except ValueError:  # not in the main thread: leave signals alone
                pass
        return self

    def __exit__(self, *exc):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        return False


class MetricsLog:
    """``metrics.jsonl`` plus optional TensorBoard, written by rank 0 only."""

    def __init__(self, run_dir: Path, tensorboard: bool):
        self.path = run_dir / "metrics.jsonl"
        self.writer = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self.writer = SummaryWriter(str(run_dir / "tensorboard"))
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
            from dcgan.images import make_grid

            self.writer.add_image(tag, make_grid(images_uint8), step, dataformats="HWC")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _rng_state(z_rng: torch.Generator) -> dict[str, Any]:
    state = {"z": z_rng.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _restore_rng(state: dict[str, Any], z_rng: torch.Generator) -> None:
    z_rng.set_state(state["z"])
    torch.set_rng_state(state["torch"])
    if torch.cuda.is_available() and "cuda" in state:
        torch.cuda.set_rng_state_all(state["cuda"])


def _checked_labels(labels: torch.Tensor, num_classes: int, data_name: str) -> torch.Tensor:
    """The batch's labels, refused (on the CPU, no device sync) when outside [0, num_classes)."""
    labels = torch.as_tensor(labels)
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise DcganError(
            f"model.num_classes={num_classes} needs labels in [0, {num_classes}) but data '{data_name}' gave "
            f"labels from {int(labels.min())} to {int(labels.max())} (-1: the data has no labels)"
        )
    return labels.long()


def _all_finite(*modules: torch.nn.Module) -> bool:
    return all(bool(torch.isfinite(p).all()) for m in modules for p in m.parameters())


def train(
    cfg: Config,
    resume_dir: str | Path | None = None,
    progress: bool = True,
    on_tick: Callable[[dict[str, Any]], None] | None = None,
) -> TrainResult:
    """Train per ``cfg`` (or continue ``resume_dir``); returns where the outputs are."""
    t = cfg.train
    ctx, device = init_distributed(resolve_device(t.device))
    precision = resolve_precision(t.precision, device)
    torch.manual_seed(t.seed + ctx.rank)  # per-rank seed for modules using the global RNG (dropout variants)

    run_dir = Path(resume_dir) if resume_dir else Path(t.out_dir) if t.out_dir else default_run_dir(cfg)
    if ctx.enabled and not resume_dir and not t.out_dir:
        raise DcganError("under torchrun, set train.out_dir so every process agrees on the run directory")
    state = load_checkpoint(run_dir) if resume_dir else None
    if not resume_dir and (run_dir / "checkpoints" / "latest.pt").exists():
        raise DcganError(f"run directory '{run_dir}' already holds a run; use --resume {run_dir} or another train.out_dir")
    if ctx.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "config.json").write_text(cfg.to_json())

    dataset = open_dataset(
        cfg.data.name, resolution=cfg.model.resolution, channels=cfg.model.channels,
        split=cfg.data.split, path=cfg.data.path, keep_list=cfg.data.keep_list, label=cfg.data.label,
    )
    stream = BatchStream(dataset, t.batch_size, t.seed, ctx.rank, ctx.world_size, num_workers=cfg.data.num_workers)

    G, D = build_models(cfg.model, seed=t.seed)  # same seed on every rank: identical initial weights
    if t.sync_bn and ctx.enabled:
        G, D = convert_batchnorm(G), convert_batchnorm(D)
    memory_format = torch.channels_last if t.channels_last else torch.contiguous_format
    G.to(device, memory_format=memory_format)
    D.to(device, memory_format=memory_format)
    adam_kwargs: dict[str, Any] = {"betas": (t.beta1, t.beta2), "weight_decay": t.weight_decay}
    if device.type == "cuda":
        adam_kwargs["fused"] = True
    else:
        adam_kwargs["foreach"] = True
    opt_g = torch.optim.Adam(G.parameters(), lr=t.lr_g, **adam_kwargs)
    opt_d = torch.optim.Adam(D.parameters(), lr=t.lr_d, **adam_kwargs)
    z_rng = torch.Generator().manual_seed(t.seed + 1)
    ema = None
    if t.ema_decay > 0:  # models/ema.py; updated after each G step, BatchNorm statistics its own
        ema = GeneratorEMA(G, t.ema_decay,
                           standing_stats=lambda m: standing_batchnorm_stats_(m, cfg.model.z_dim, cfg.model.z_dist))

    step, cursor = 0, 0
    if state is not None:
        G.load_state_dict(state["generator"])
        D.load_state_dict(state["discriminator"])
        opt_g.load_state_dict(state["opt_g"])
        opt_d.load_state_dict(state["opt_d"])
        _restore_rng(state["rng"], z_rng)
        step, cursor = int(state["step"]), int(state["cursor"])
        if ema is not None:
            ema.load_state_dict(state.get("generator_ema") or state["generator"], num_updates=step)

    def sampler() -> torch.nn.Module:  # what grids, diversity and evaluation look at
        return ema.for_sampling() if ema is not None else G

    # The step calls wrapped modules (DDP, torch.compile); G and D themselves are what we save.
    g_run, d_run = wrap(G, ctx, device), wrap(D, ctx, device)
    if t.compile:
        g_run, d_run = torch.compile(g_run), torch.compile(d_run)
    num_classes = cfg.model.num_classes
    step_fn = GANStep(g_run, d_run, opt_g, opt_d, precision, t.channels_last, discriminator_for_g=D, num_classes=num_classes)
    fixed_z = seeded_z(t.seed + FIXED_NOISE_SEED_OFFSET, t.samples_per_grid, cfg.model.z_dim, cfg.model.z_dist)
    log = MetricsLog(run_dir, t.tensorboard and ctx.is_main) if ctx.is_main else None
    steps_total = total_steps(cfg, stream.batches_per_epoch)

    def write_grid(name: str) -> None:
        if not ctx.is_main:
            return
        images = generate(sampler(), fixed_z, bn="running")
        save_grid(images, run_dir / "samples" / f"{name}.png", scale=2 if cfg.model.resolution <= 32 else 1)
        if log is not None:
            log.image("samples/fixed_noise", images, step)

    def checkpoint(name: str = "latest.pt") -> None:
        if not _all_finite(G, D):
            raise TrainingDiverged(
                f"non-finite weights at step {step}; kept the last good checkpoint in {run_dir / 'checkpoints'}"
            )
        if not ctx.is_main:
            return
        save_checkpoint(
            {
                "config": cfg.to_dict(),
                "generator": G.state_dict(),
                **({"generator_ema": ema.state_dict()} if ema is not None else {}),
                "discriminator": D.state_dict(),
                "opt_g": opt_g.state_dict(),
                "opt_d": opt_d.state_dict(),
                "step": step,
                "cursor": cursor,
                "epoch": cursor / stream.batches_per_epoch,
                "rng": _rng_state(z_rng),
                "best_fid": best_fid,
            },
            run_dir / "checkpoints" / name,
        )

    # In-training Fréchet distance (evaluation/during_training.py): logged, best G kept.
    evaluator = None
    if t.eval_every > 0:
        from dcgan.evaluation.during_training import FrechetDuringTraining

        evaluator = FrechetDuringTraining(cfg, t.eval_samples, device)
    best_fid = float(state.get("best_fid", math.inf)) if state is not None else math.inf

    def evaluate() -> None:
        nonlocal best_fid
        record = {"step": step, **evaluator(sampler()), "time": time.time()}
        if log is not None:
            log.scalars(record)
        if record["fid"] < best_fid:
            best_fid = record["fid"]
            checkpoint("best.pt")

    if step == 0:
        write_grid("step_000000")

    if ctx.is_main:
        print(
        f"training {cfg.model.arch}/{cfg.preset} {cfg.model.resolution}px x{cfg.model.channels} on {dataset.description}\n"
        f"  device={device} precision={precision.name} batch={t.batch_size} k={t.d_steps} "
        f"steps={steps_total} ({stream.batches_per_epoch} batches/epoch) run_dir={run_dir}",
        file=sys.stderr,
        )
    # Collapse diagnostic (training/diversity.py): fixed-noise samples vs a fixed real batch, per tick.
    with_diversity = ctx.is_main and t.samples_per_grid >= 2  # a pairwise distance needs two samples
    diversity = DiversityMonitor(real_reference_batch(dataset, t.samples_per_grid, t.seed), t.diversity_warn) if with_diversity else None
    batches = stream.batches(cursor)
    stat_sum = torch.zeros(len(step_fn.stat_names), device=device)
    stat_count, tick_start, tick_images = 0, time.perf_counter(), 0
    last: dict[str, Any] = {}
    interrupted = False
    bar = tqdm(total=steps_total, initial=step, disable=not progress or not ctx.is_main, unit="step", dynamic_ncols=True, file=sys.stderr)

    def tick() -> None:
        nonlocal stat_sum, stat_count, tick_start, tick_images, last
        if stat_count == 0:
            return
        values = all_reduce_mean(stat_sum / stat_count, ctx).tolist()  # the only host-device sync of a tick
        if not all(math.isfinite(v) for v in values):
            raise TrainingDiverged(
                f"loss became {values} (non-finite) before step {step}; training stopped. "
                f"The last good checkpoint is {run_dir / 'checkpoints' / 'latest.pt'}. "
                "Try a lower learning rate or fp32 precision."
            )
        elapsed = time.perf_counter() - tick_start
        last = {"step": step, "epoch": round(cursor / stream.batches_per_epoch, 4), **dict(zip(step_fn.stat_names, values))}
        last["images_per_s"] = ctx.world_size * tick_images / elapsed if elapsed > 0 else 0.0
        if diversity is not None:
            last["diversity"] = diversity(generate(sampler(), fixed_z, bn="running"), step)
        last["time"] = time.time()
        if log is not None:
            log.scalars(last)
        bar.set_postfix(
            epoch=f"{last['epoch']:.2f}", loss_d=f"{values[0]:.3f}", loss_g=f"{values[1]:.3f}",
            D_x=f"{values[2]:.2f}", D_G_z=f"{values[3]:.2f}", img_s=f"{last['images_per_s']:.0f}",
        )
        if on_tick is not None:
            on_tick(last)
        stat_sum.zero_()
        stat_count, tick_start, tick_images = 0, time.perf_counter(), 0

    stop = _StopRequest()
    try:
        with stop:
            while step < steps_total:
                if stop.requested:
                    raise KeyboardInterrupt
                reals, zs, ys, y_fakes = [], [], [], []
                epoch_before = cursor // stream.batches_per_epoch
                for _ in range(t.d_steps):
                    cursor, images, labels = next(batches)
                    cursor += 1
                    reals.append(to_model_range(images.to(device, non_blocking=True)))
                    # Every rank draws the global batch of z and keeps its slice (see distributed.py).
                    z = sample_z(t.batch_size * ctx.world_size, cfg.model.z_dim, cfg.model.z_dist, z_rng)
                    zs.append(z[ctx.rank * t.batch_size : (ctx.rank + 1) * t.batch_size].to(device, non_blocking=True))
                    if num_classes > 0:  # class-aware: real labels, and uniform labels for the fakes
                        ys.append(_checked_labels(labels, num_classes, cfg.data.name).to(device, non_blocking=True))
                        y = torch.randint(0, num_classes, (t.batch_size * ctx.world_size,), generator=z_rng)
                        y_fakes.append(y[ctx.rank * t.batch_size : (ctx.rank + 1) * t.batch_size].to(device, non_blocking=True))
                stats = step_fn(reals, zs, ys, y_fakes) if num_classes > 0 else step_fn(reals, zs)
                if ema is not None:
                    ema.update(G)
                step += 1
                stat_sum += stats.as_tensor()
                stat_count += 1
                tick_images += t.batch_size * t.d_steps
                bar.update(1)
                epoch_after = cursor // stream.batches_per_epoch
                if evaluator is not None and step % t.eval_every == 0:
                    evaluate()  # before the checkpoint below, so latest.pt knows best_fid
                if step % t.log_every == 0 or step == steps_total:
                    tick()
                if epoch_after > epoch_before:
                    tick()
                    write_grid(f"epoch_{epoch_after:03d}")
                    checkpoint()
                elif step % t.checkpoint_every == 0 or step == steps_total:
                    tick()
                    checkpoint()
    except KeyboardInterrupt:
        interrupted = True
        bar.close()
        tick()
        checkpoint()
        print(f"\ninterrupted: saved a checkpoint at step {step}; continue with: dcgan train --resume {run_dir}", file=sys.stderr)
    else:
        write_grid("final")
        barrier(ctx)  # let rank 0 finish writing before any process leaves the group
    finally:
        bar.close()
        if log is not None:
            log.close()
        shutdown(ctx)
    return TrainResult(run_dir, step, last, interrupted)

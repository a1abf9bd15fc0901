"""The one training loop: every dataset and model variant goes through ``train(cfg)``.

``train()`` reads as the story of a run: set up (run directory, data, networks, optimizers),
restore a saved state when resuming, then step until done, with logging ticks, fixed-noise
grids and checkpoints at their intervals, and finish (final grid, summaries). Each part is one
method of ``_Run`` below; what a checkpoint holds is ``training/state.py``.

Run directory layout (``dcgan.core.layout``)::

    RUN_DIR/config.json           resolved config (also inside every checkpoint)
    RUN_DIR/metrics.jsonl         one JSON line per logging tick (and per evaluation); at each start
                                  (and resume) one line with the device and the precision used
    RUN_DIR/tensorboard/          TensorBoard events (scalars and sample grids)
    RUN_DIR/samples/step_000000.png, epoch_001.png, ...   fixed-noise grids (paper Figs 2-3)
    RUN_DIR/checkpoints/latest.pt the newest good checkpoint (atomic writes)
    RUN_DIR/checkpoints/best.pt   the checkpoint with the lowest in-training Fréchet distance (train.eval_every)
    RUN_DIR/checkpoints/snapshots/step_NNNNNN.pt   networks every train.snapshot_every steps (grids beside them
                                  in samples/step_NNNNNN.png)
"""

from __future__ import annotations

import copy
import gc
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from dcgan import DcganError
from dcgan.atomic import write_text_atomic
from dcgan.config import Config
from dcgan.core.checkpoint import load_checkpoint, save_checkpoint
from dcgan.core.device import PRECISION_NAMES, PrecisionChoice, batchnorm_in_float32_, choose_precision, resolve_device, resolve_precision
from dcgan.core.layout import CHECKPOINTS_DIR, CONFIG_FILE, LATEST, SAMPLES_DIR, SNAPSHOTS_DIR
from dcgan.data import open_dataset
from dcgan.data.loader import BatchStream
from dcgan.data.probe import probe_channels
from dcgan.data.streaming import report_skipped
from dcgan.data.types import to_model_range
from dcgan.evaluation.during_training import FrechetDuringTraining, check_settings
from dcgan.images import save_grid
from dcgan.models import build_models
from dcgan.models.ema import GeneratorEMA, standing_batchnorm_stats_
from dcgan.sampling import generate, sample_z, seeded_z
from dcgan.training.augment import Augment
from dcgan.training.distributed import all_reduce_mean, barrier, broadcast_int, convert_batchnorm, init_distributed, shutdown
from dcgan.training.distributed import wrap as wrap_distributed
from dcgan.training.diversity import DiversityMonitor, real_reference_batch
from dcgan.training.length import Length, plan_length
from dcgan.training.metrics_log import MetricsLog
from dcgan.training.state import TrainingState
from dcgan.training.step import GANStep
from dcgan.training.stop import StopRequest

FIXED_NOISE_SEED_OFFSET = 10_007  # the grid's noise is derived from the run seed, never stored
PACE_STEPS = 10  # steps timed for the start's time estimate
clock = time.monotonic  # what train.time_limit is measured with (a test replaces it with a fake clock)


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min {int(seconds % 60):02d} s"


class TrainingDiverged(DcganError):
    pass


@dataclass
class TrainResult:
    run_dir: Path
    step: int
    last_metrics: dict[str, float] = field(default_factory=dict)
    interrupted: bool = False  # stopped before its length (Ctrl-C, SIGTERM or the time limit); resumable
    time_limited: bool = False  # ... by train.time_limit


def default_run_dir(cfg: Config) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = Path(cfg.data.name).name.replace(" ", "_") or "data"
    return Path("runs") / f"{name}-{cfg.preset}-{cfg.model.resolution}px-{stamp}"


def with_data_defaults(cfg: Config) -> tuple[Config, str]:
    """``cfg`` with what the data decides filled in (``model.channels=0``: from the images), and a
    note for the start line saying so ("" when nothing was decided)."""
    if cfg.model.channels:
        return cfg, ""
    cfg = copy.deepcopy(cfg)
    cfg.model.channels = probe_channels(cfg.data.name, cfg.data.path)
    kind = "grey" if cfg.model.channels == 1 else "colour"
    return cfg, f"model.channels={cfg.model.channels}: the images are {kind} (set model.channels to override)"


def run_directory(cfg: Config, resume_dir: str | Path | None, distributed: bool = False) -> Path:
    """Where the run writes: ``resume_dir``, else ``train.out_dir``, else a fresh dated folder;
    refused when a new run would land on an existing one."""
    t = cfg.train
    run_dir = Path(resume_dir) if resume_dir else Path(t.out_dir) if t.out_dir else default_run_dir(cfg)
    if distributed and not resume_dir and not t.out_dir:
        raise DcganError("under torchrun, set train.out_dir so every process agrees on the run directory")
    if not resume_dir and (run_dir / LATEST).exists():
        raise DcganError(f"run directory '{run_dir}' already holds a run: continue it (dcgan train --resume {run_dir}, "
                         "or dcgan.train(resume=...) in Python) or set another train.out_dir")
    return run_dir


@dataclass
class Preflight:
    """What ``dcgan train --dry-run`` resolves: everything the run checks before its first step."""

    device: torch.device
    precision: PrecisionChoice
    run_dir: Path
    dataset: str
    batches_per_epoch: int
    steps_total: int
    length: Length
    config: Config  # with what the data decided (model.channels)
    channels_note: str = ""


def preflight(cfg: Config, resume_dir: str | Path | None = None) -> Preflight:
    """Run every check a real run makes before training (device, precision, run directory, the
    networks' construction, the data and the batch size against it), writing nothing."""
    cfg, channels_note = with_data_defaults(cfg)
    check_settings(cfg)
    device = resolve_device(cfg.train.device)
    precision = choose_precision(cfg.train.precision, device)
    resolve_precision(precision.name, device)  # refuses fp16 on a CPU, as the run does
    run_dir = run_directory(cfg, resume_dir)
    if resume_dir:
        load_checkpoint(resume_dir)
    with torch.device("meta"):  # shapes and arguments only: no memory, no init time
        build_models(cfg.model, seed=cfg.train.seed)
    dataset = open_dataset(
        cfg.data.name, resolution=cfg.model.resolution, channels=cfg.model.channels,
        split=cfg.data.split, path=cfg.data.path, keep_list=cfg.data.keep_list, label=cfg.data.label,
    )
    stream = BatchStream(dataset, cfg.train.batch_size, cfg.train.seed, 0, 1, num_workers=0)
    length = plan_length(cfg.train, stream.batches_per_epoch)
    return Preflight(device, precision, run_dir, dataset.description, stream.batches_per_epoch,
                     length.steps, length, cfg, channels_note)


def agreed_precision(name: str, device: torch.device, ctx) -> PrecisionChoice:
    """``choose_precision`` made by rank 0 alone and followed by every process: under torchrun the
    ranks must not time the CPU against each other, nor train in different precisions."""
    if not ctx.enabled:
        return choose_precision(name, device)
    choice = choose_precision(name, device) if ctx.is_main else None
    index = broadcast_int(PRECISION_NAMES.index(choice.name) if choice else -1, ctx)
    return choice or PrecisionChoice(PRECISION_NAMES[index], f"{PRECISION_NAMES[index]}: rank 0's choice")


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
    run = _Run(cfg, resume_dir, on_tick)
    run.start(progress)
    interrupted = False
    limit = cfg.train.time_limit * 60.0  # minutes -> seconds; 0: none
    started = clock()
    try:
        with StopRequest() as stop:
            while run.state.step < run.steps_total:
                if limit and clock() - started >= limit and not stop.requested:
                    run.time_limited = stop.requested = True  # stop as a Ctrl-C would, at a whole step
                if stop.agreed(run.ctx, run.device):  # every process stops after the same step
                    raise KeyboardInterrupt
                run.step()
    except KeyboardInterrupt:
        interrupted = True
        run.bar.close()
        run.tick()
        run.checkpoint()
        barrier(run.ctx)  # as at a normal end: no process leaves the group while rank 0 still writes
        why = f"train.time_limit={cfg.train.time_limit:g} min reached" if run.time_limited else "interrupted"
        print(f"\n{why}: saved a checkpoint at step {run.state.step} of {run.steps_total}; continue with: "
              f"dcgan train --resume {run.run_dir}", file=sys.stderr)
    else:
        run.write_grid("final")
        barrier(run.ctx)  # let rank 0 finish writing before any process leaves the group
    finally:
        run.close()
    return TrainResult(run.run_dir, run.state.step, run.last, interrupted, run.time_limited)


class _Run:
    """One training run: its pieces (built in ``__init__``) and the things it does between steps."""

    def __init__(self, cfg: Config, resume_dir: str | Path | None, on_tick):
        cfg, self.channels_note = with_data_defaults(cfg)
        check_settings(cfg)
        t = self.t = cfg.train
        self.cfg, self.on_tick = cfg, on_tick
        self.ctx, self.device = init_distributed(resolve_device(t.device))
        self.precision_choice = agreed_precision(t.precision, self.device, self.ctx)
        self.precision = resolve_precision(self.precision_choice.name, self.device)
        torch.manual_seed(t.seed + self.ctx.rank)  # per-rank seed for modules using the global RNG (dropout variants)
        self.run_dir = self._run_directory(resume_dir)
        saved = load_checkpoint(self.run_dir) if resume_dir else None
        self.dataset = open_dataset(
            cfg.data.name, resolution=cfg.model.resolution, channels=cfg.model.channels,
            split=cfg.data.split, path=cfg.data.path, keep_list=cfg.data.keep_list, label=cfg.data.label,
        )
        self.stream = BatchStream(self.dataset, t.batch_size, t.seed, self.ctx.rank, self.ctx.world_size,
                                  num_workers=cfg.data.num_workers)
        if self.ctx.is_main:  # only once the data is known to fit: a refused run leaves no folder behind
            self.run_dir.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.run_dir / CONFIG_FILE, cfg.to_json())
        self.state = self._build_state()
        if saved is not None:
            self._check_same_data(saved)
            self.state.restore(saved)
        self.step_fn = self._build_step()
        self.fixed_z = seeded_z(t.seed + FIXED_NOISE_SEED_OFFSET, t.samples_per_grid, cfg.model.z_dim, cfg.model.z_dist)
        self.log = MetricsLog(self.run_dir, t.tensorboard) if self.ctx.is_main else None
        self.length = plan_length(t, self.stream.batches_per_epoch, self.ctx.world_size)
        self.steps_total = self.length.steps
        # In-training Fréchet distance (evaluation/during_training.py): logged, best G kept. Built at
        # the first evaluation: its reference features cost time a short run never needs.
        self.evaluator: FrechetDuringTraining | None = None
        self.bar = None
        self.last: dict[str, Any] = {}
        self.time_limited = False

    def _check_same_data(self, saved: dict[str, Any]) -> None:
        """Resume continues the saved data cursor through a permutation of the dataset's images: a
        dataset that gained or lost images since would silently train on other batches."""
        was = int(saved.get("dataset_size") or 0)  # 0: a checkpoint from before the size was kept
        if was and was != len(self.dataset):
            raise DcganError(
                f"data '{self.cfg.data.name}' now has {len(self.dataset)} images but the run in {self.run_dir} "
                f"was trained on {was}: the saved data cursor would point at other batches. Restore the data "
                "as it was, or start a new run"
            )

    def _run_directory(self, resume_dir) -> Path:
        return run_directory(self.cfg, resume_dir, distributed=self.ctx.enabled)

    def _build_state(self) -> TrainingState:
        t, model, device = self.t, self.cfg.model, self.device
        G, D = build_models(model, seed=t.seed)  # same seed on every rank: identical initial weights
        if t.sync_bn and self.ctx.enabled:
            G, D = convert_batchnorm(G), convert_batchnorm(D)
        memory_format = torch.channels_last if t.channels_last else torch.contiguous_format
        G.to(device, memory_format=memory_format)
        D.to(device, memory_format=memory_format)
        if t.batchnorm_fp32 and self.precision.dtype is not None:
            batchnorm_in_float32_(G), batchnorm_in_float32_(D)
        adam_kwargs: dict[str, Any] = {"betas": (t.beta1, t.beta2), "weight_decay": t.weight_decay}
        adam_kwargs["fused" if device.type == "cuda" else "foreach"] = True
        opt_g = torch.optim.Adam(G.parameters(), lr=t.lr_g, **adam_kwargs)
        opt_d = torch.optim.Adam(D.parameters(), lr=t.lr_d, **adam_kwargs)
        z_rng = torch.Generator().manual_seed(t.seed + 1)
        ema = None
        if t.ema_decay > 0:  # models/ema.py; updated after each G step, BatchNorm statistics its own
            ema = GeneratorEMA(G, t.ema_decay,
                               standing_stats=lambda m: standing_batchnorm_stats_(m, model.z_dim, model.z_dist))
        augment = Augment(t.augment, seed=t.seed + self.ctx.rank, device=device, ada_target=t.ada_target,
                          ada_kimg=t.ada_kimg, batch_size=t.batch_size * self.ctx.world_size)
        return TrainingState(G, D, opt_g, opt_d, z_rng, ema, augment)

    def _build_step(self) -> GANStep:
        # The step calls wrapped modules (DDP, torch.compile); G and D themselves are what we save.
        s, t = self.state, self.t
        g_run, d_run = wrap_distributed(s.generator, self.ctx, self.device), wrap_distributed(s.discriminator, self.ctx, self.device)
        if t.compile:
            g_run, d_run = torch.compile(g_run), torch.compile(d_run)
        return GANStep(g_run, d_run, s.opt_g, s.opt_d, self.precision, t.channels_last,
                       discriminator_for_g=s.discriminator, num_classes=self.cfg.model.num_classes,
                       augment=s.augment)

    def sampler(self) -> torch.nn.Module:
        """What grids, diversity and evaluation look at: G's EMA copy when kept, else G."""
        return self.state.ema.for_sampling() if self.state.ema is not None else self.state.generator

    def start(self, progress: bool) -> None:
        """Before the first step: the step-0 grid, the banner, the collapse monitor, the batch stream."""
        cfg, t, ctx = self.cfg, self.t, self.ctx
        if self.state.step == 0:
            self.write_grid("step_000000")
        if ctx.is_main:
            print(
                f"training {cfg.model.arch}/{cfg.preset} {cfg.model.resolution}px x{cfg.model.channels} on "
                f"{self.dataset.description}\n  device={self.device} precision={self.precision_choice.reason} "
                f"batch={t.batch_size} k={t.d_steps} augment={t.augment} length: {self.length.describe()} "
                f"({self.stream.batches_per_epoch} batches/epoch) run_dir={self.run_dir}"
                + (f"\n  {self.channels_note}" if self.channels_note else ""),
                file=sys.stderr,
            )
        if self.log is not None:  # what ``auto`` resolved to, for the report and whoever reads the log later
            self.log.scalars({"step": self.state.step, "event": "start", "device": str(self.device),
                              "precision": self.precision.name, "precision_reason": self.precision_choice.reason,
                              "steps_total": self.steps_total, "length": self.length.describe(), "time": time.time()})
        # Collapse diagnostic (training/diversity.py): fixed-noise samples vs a fixed real batch, per tick.
        with_diversity = ctx.is_main and t.samples_per_grid >= 2  # a pairwise distance needs two samples
        self.diversity = (DiversityMonitor(real_reference_batch(self.dataset, t.samples_per_grid, t.seed), t.diversity_warn)
                          if with_diversity else None)
        self.batches = self.stream.batches(self.state.cursor)
        self.stat_sum = torch.zeros(len(self.step_fn.stat_names), device=self.device)
        self.stat_count, self.tick_start, self.tick_images = 0, time.perf_counter(), 0
        self.pace_from = (self.state.step, time.perf_counter())  # the time estimate's start
        self.bar = tqdm(total=self.steps_total, initial=self.state.step, disable=not progress or not ctx.is_main,
                        unit="step", dynamic_ncols=True, file=sys.stderr)

    def draw(self) -> tuple[list, list, list, list]:
        """One step's inputs: ``d_steps`` real batches with their z (and labels: real, and uniform fakes)."""
        t, ctx, s, device = self.t, self.ctx, self.state, self.device
        num_classes = self.cfg.model.num_classes
        reals, zs, ys, y_fakes = [], [], [], []
        for _ in range(t.d_steps):
            s.cursor, images, labels = next(self.batches)
            s.cursor += 1
            reals.append(to_model_range(images.to(device, non_blocking=True)))
            # Every rank draws the global batch of z and keeps its slice (see distributed.py).
            mine = slice(ctx.rank * t.batch_size, (ctx.rank + 1) * t.batch_size)
            z = sample_z(t.batch_size * ctx.world_size, self.cfg.model.z_dim, self.cfg.model.z_dist, s.z_rng)
            zs.append(z[mine].to(device, non_blocking=True))
            if num_classes > 0:
                ys.append(_checked_labels(labels, num_classes, self.cfg.data.name).to(device, non_blocking=True))
                y = torch.randint(0, num_classes, (t.batch_size * ctx.world_size,), generator=s.z_rng)
                y_fakes.append(y[mine].to(device, non_blocking=True))
        return reals, zs, ys, y_fakes

    def step(self) -> None:
        """One generator step (after ``d_steps`` discriminator steps), then whatever falls due."""
        t, s = self.t, self.state
        epoch_before = s.cursor // self.stream.batches_per_epoch
        reals, zs, ys, y_fakes = self.draw()
        stats = self.step_fn(reals, zs, ys, y_fakes) if self.cfg.model.num_classes > 0 else self.step_fn(reals, zs)
        if s.ema is not None:
            s.ema.update(s.generator)
        s.step += 1
        self.stat_sum += stats.as_tensor()
        self.stat_count += 1
        self.tick_images += t.batch_size * t.d_steps
        self.bar.update(1)
        if s.step - self.pace_from[0] == PACE_STEPS and self.ctx.is_main:
            self.say_pace()
        epoch_after = s.cursor // self.stream.batches_per_epoch
        last_step = s.step == self.steps_total
        if t.eval_every > 0 and (s.step % t.eval_every == 0 or last_step):  # the last step too: it may be the best
            self.evaluate()  # before the checkpoint below, so latest.pt knows best_fid
        if t.snapshot_every > 0 and s.step % t.snapshot_every == 0:
            self.snapshot()
        if s.step % t.log_every == 0 or last_step:
            self.tick()
        if epoch_after > epoch_before:
            self.tick()
            self.write_grid(f"epoch_{epoch_after:03d}")
            self.checkpoint()
        elif s.step % t.checkpoint_every == 0 or last_step:
            self.tick()
            self.checkpoint()

    def say_pace(self) -> None:
        """One line with the run's time, from its first ``PACE_STEPS`` steps (the start line cannot know it)."""
        seconds = (time.perf_counter() - self.pace_from[1]) / PACE_STEPS
        left = seconds * (self.steps_total - self.state.step)
        ends = time.strftime("%H:%M", time.localtime(time.time() + left))
        print(f"\n  pace: {seconds:.2f} s/step ({self.t.batch_size * self.t.d_steps / seconds:.0f} images/s): "
              f"{self.steps_total - self.state.step:,} steps left, about {_duration(left)} (ends near {ends}, "
              "evaluations and checkpoints not counted)", file=sys.stderr)

    def tick(self) -> None:
        """Average the step statistics since the last tick (the only host-device sync), log them."""
        if self.stat_count == 0:
            return
        s = self.state
        values = all_reduce_mean(self.stat_sum / self.stat_count, self.ctx).tolist()
        if not all(math.isfinite(v) for v in values):
            raise TrainingDiverged(
                f"loss became {values} (non-finite) before step {s.step}; training stopped. "
                f"The last good checkpoint is {self.run_dir / LATEST}. "
                "Try a lower learning rate or fp32 precision."
            )
        elapsed = time.perf_counter() - self.tick_start
        last = {"step": s.step, "epoch": round(s.cursor / self.stream.batches_per_epoch, 4),
                **dict(zip(self.step_fn.stat_names, values))}
        last["images_per_s"] = self.ctx.world_size * self.tick_images / elapsed if elapsed > 0 else 0.0
        if self.diversity is not None:
            last["diversity"] = self.diversity(generate(self.sampler(), self.fixed_z, bn="running"), s.step)
        last["time"] = time.time()
        if self.log is not None:
            self.log.scalars(last)
        self.bar.set_postfix(
            epoch=f"{last['epoch']:.2f}", loss_d=f"{values[0]:.3f}", loss_g=f"{values[1]:.3f}",
            D_x=f"{values[2]:.2f}", D_G_z=f"{values[3]:.2f}", img_s=f"{last['images_per_s']:.0f}",
        )
        self.last = last
        if self.on_tick is not None:
            self.on_tick(last)
        self.stat_sum.zero_()
        self.stat_count, self.tick_start, self.tick_images = 0, time.perf_counter(), 0

    def write_grid(self, name: str) -> None:
        if not self.ctx.is_main:
            return
        images = generate(self.sampler(), self.fixed_z, bn="running")
        save_grid(images, self.run_dir / SAMPLES_DIR / f"{name}.png", scale=2 if self.cfg.model.resolution <= 32 else 1)
        if self.log is not None:
            self.log.image("samples/fixed_noise", images, self.state.step)

    def checkpoint(self, name: str = "latest.pt") -> None:
        s = self.state
        if not _all_finite(s.generator, s.discriminator):
            raise TrainingDiverged(
                f"non-finite weights at step {s.step}; kept the last good checkpoint in {self.run_dir / CHECKPOINTS_DIR}"
            )
        if self.ctx.is_main:
            save_checkpoint(s.to_checkpoint(self.cfg, self.stream.batches_per_epoch, len(self.dataset)),
                            self.run_dir / CHECKPOINTS_DIR / name)

    def snapshot(self) -> None:
        """``checkpoints/snapshots/step_NNNNNN.pt`` (networks and config, no optimizer state: a
        quarter of a checkpoint's size, loadable by every command that reads a model) and the
        fixed-noise grid of the same step in ``samples/``."""
        name = f"step_{self.state.step:06d}"
        self.write_grid(name)
        if self.ctx.is_main:
            state = self.state.to_checkpoint(self.cfg, self.stream.batches_per_epoch, len(self.dataset))
            for key in ("opt_g", "opt_d", "rng", "augment"):
                state.pop(key, None)
            save_checkpoint(state, self.run_dir / SNAPSHOTS_DIR / f"{name}.pt")

    def evaluate(self) -> None:
        if self.evaluator is None:
            t = self.t
            self.evaluator = FrechetDuringTraining(self.cfg, t.eval_samples, self.device, features=t.eval_features,
                                                   weights=t.eval_weights or None, reference=t.eval_reference)
        record = {"step": self.state.step, **self.evaluator(self.sampler()), "time": time.time()}
        if self.log is not None:
            self.log.scalars(record)
        if record["fid"] < self.state.best_fid:
            self.state.best_fid = record["fid"]
            self.checkpoint("best.pt")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.ctx.is_main:
            report_skipped(self.dataset)  # how many corrupt images a streamed dataset replaced, if any
        if self.log is not None:
            self.log.close()
        # The DDP wrappers (inside the step function) hold the process group and gloo's work
        # objects. Left to the interpreter's final teardown, their C++ threads were destroyed
        # still joinable ("terminate called without an active exception", SIGABRT at exit after a
        # stop); freed here, before the group is destroyed, nothing of gloo outlives this call.
        self.step_fn = None
        gc.collect()
        shutdown(self.ctx)

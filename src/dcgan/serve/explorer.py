"""What the browser explorer computes (paper §6), with no HTTP in sight.

Every picture comes from the §6 experiment functions themselves (``experiments.arithmetic``,
``experiments.interpolation``, ``experiments.attribute_axis``) and from ``sampling.generate``, so
what the page shows is what ``dcgan explore`` writes. Sample ``i`` of the sheet (seed ``S``,
``N`` samples) is ``seeded_z(S, N)[i]``, the very z of ``dcgan sample --seed S --n N`` and of the
exemplar token ``i`` in ``dcgan explore arith --sheet-seed S --sheet-n N``.

Class-conditional generators: every image of a request is drawn for one class (``label``; the
page has a selector). ``label=None`` keeps G's own label-free default (image ``i`` of a batch is
class ``i mod K``), the behaviour of ``dcgan sample`` and ``dcgan explore`` without ``--class``.

Each request is one batched generator call (two for arithmetic: the 3x3 result, and the exemplars
with their means), under one lock, so concurrent requests never interleave BatchNorm modes.
"""

from __future__ import annotations

import dataclasses
import io
import json
import shlex
import threading
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from dcgan import DcganError
from dcgan.core.layout import EXPERIMENTS_DIR
from dcgan.core.run import Networks, open_run
from dcgan.data.types import to_model_range, to_uint8
from dcgan.experiments.arithmetic import NOISE, arithmetic, combine, concept_means, neighbours, parse_expression
from dcgan.experiments.attribute_axis import attribute_axis, move_along
from dcgan.experiments.common import display_scale, grid_array, save_image, write_summary
from dcgan.experiments.interpolation import MODES, interpolate
from dcgan.experiments.sheets import sheet_z
from dcgan.images import save_animation, to_pil
from dcgan.sampling import generate

# Bounds on what one request may ask for.
MAX_SHEET = 256  # samples on a sheet
MAX_SET = 16  # exemplars in one concept / axis set
MAX_TARGETS = 16  # samples moved along an axis
MAX_STEPS = 33  # frames of a saved walk or axis row
MAX_SEED = 2**31 - 1
MAX_ALPHA = 10.0
MAX_NOISE = 2.0
CONCEPTS = ("A", "B", "C")
EXPRESSION = "A - B + C"


class FixedClass(nn.Module):
    """A class-conditional G with its label fixed: ``forward(z)`` draws every z as class ``label``,
    so the §6 functions (which call ``G(z)``) work on it unchanged."""

    def __init__(self, generator: nn.Module, label: int):
        super().__init__()
        self.generator = generator
        self.label = label

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.generator(z, torch.full((z.shape[0],), self.label, dtype=torch.long, device=z.device))


def png_bytes(array_hwc: np.ndarray) -> bytes:
    buf = io.BytesIO()
    to_pil(array_hwc).save(buf, format="PNG")
    return buf.getvalue()


def _as_int(params: dict, key: str, lo: int, hi: int, default: int | None = None) -> int:
    value = params.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise DcganError(f"'{key}' must be an integer")
    if not lo <= value <= hi:
        raise DcganError(f"'{key}' must be in {lo}..{hi}, got {value}")
    return value


def _as_float(params: dict, key: str, lo: float, hi: float, default: float | None = None) -> float:
    value = params.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DcganError(f"'{key}' must be a number")
    value = float(value)
    if not lo <= value <= hi:  # also refuses NaN
        raise DcganError(f"'{key}' must be in {lo:g}..{hi:g}, got {value:g}")
    return value


def _indices(params: dict, key: str, n: int, most: int, least: int = 1) -> list[int]:
    value = params.get(key)
    if not isinstance(value, list) or not least <= len(value) <= most:
        raise DcganError(f"'{key}' must be a list of {least}..{most} sample indices")
    return [_as_int({key: v}, key, 0, n - 1) for v in value]


@dataclasses.dataclass(frozen=True)
class Sheet:
    seed: int
    n: int


class Explorer:
    """A checkpoint's generator and the computations behind each page request."""

    def __init__(self, nets: Networks, run_dir: Path, checkpoint_arg: str, bn: str = "running"):
        self.nets = nets
        self.run_dir = Path(run_dir)
        self.checkpoint_arg = checkpoint_arg
        self.bn = bn
        self.lock = threading.Lock()
        self._sheets: dict[Sheet, torch.Tensor] = {}

    @classmethod
    def open(cls, run: str | Path, device: str | torch.device = "cpu", use_ema: bool = True) -> Explorer:
        nets = open_run(run, device, use_ema=use_ema)
        return cls(nets, nets.run_dir, str(run))

    @property
    def experiments_dir(self) -> Path:
        return self.run_dir / EXPERIMENTS_DIR

    @property
    def scale(self) -> int:
        return display_scale(self.nets.config.model.resolution)

    def info(self) -> dict[str, Any]:
        m = self.nets.config.model
        return {"checkpoint": str(self.nets.checkpoint), "arch": m.arch, "resolution": m.resolution,
                "channels": m.channels, "z_dim": m.z_dim, "z_dist": m.z_dist, "num_classes": m.num_classes,
                "scale": self.scale, "expression": EXPRESSION, "noise": NOISE,
                "limits": {"sheet": MAX_SHEET, "set": MAX_SET, "targets": MAX_TARGETS, "steps": MAX_STEPS}}

    # -- parameters ---------------------------------------------------------------------------
    def _sheet(self, params: dict) -> Sheet:
        return Sheet(_as_int(params, "seed", 0, MAX_SEED, 0), _as_int(params, "n", 1, MAX_SHEET, 64))

    def _z(self, sheet: Sheet) -> torch.Tensor:
        if sheet not in self._sheets:
            if len(self._sheets) > 32:
                self._sheets.clear()
            self._sheets[sheet] = sheet_z(sheet.seed, sheet.n, self.nets.z_dim, self.nets.z_dist)
        return self._sheets[sheet]

    def _generator(self, params: dict) -> nn.Module:
        k = self.nets.config.model.num_classes
        label = params.get("label")
        if k <= 0 or label is None:
            return self.nets.generator
        return FixedClass(self.nets.generator, _as_int(params, "label", 0, k - 1))

    def _generate(self, g: nn.Module, z: torch.Tensor) -> torch.Tensor:
        with self.lock:
            return generate(g, z, bn=self.bn)

    def _png(self, images: torch.Tensor, nrow: int, scale: int = 1, padding: int = 0) -> bytes:
        return png_bytes(grid_array(images, nrow=nrow, scale=scale, padding=padding))

    # -- requests -------------------------------------------------------------------------------
    def sheet(self, params: dict) -> dict[str, Any]:
        """The sheet's samples, one PNG each (native resolution; the page scales them)."""
        sheet = self._sheet(params)
        images = self._generate(self._generator(params), self._z(sheet))
        return {"seed": sheet.seed, "n": sheet.n, "images": [self._png(im[None], 1) for im in images]}

    def _concepts(self, params: dict, sheet: Sheet) -> dict[str, list[int]]:
        return {name: _indices(params, name, sheet.n, MAX_SET) for name in CONCEPTS}

    def arith_inputs(self, params: dict) -> tuple[Sheet, dict[str, list[int]], dict[str, torch.Tensor], int, float]:
        sheet = self._sheet(params)
        chosen = self._concepts(params, sheet)
        z = self._z(sheet)
        concepts = {name: z[idx] for name, idx in chosen.items()}
        return sheet, chosen, concepts, _as_int(params, "noise_seed", 0, MAX_SEED, 0), \
            _as_float(params, "noise", 0.0, MAX_NOISE, NOISE)

    def arith(self, params: dict) -> dict[str, Any]:
        """``A - B + C`` on the concepts' mean z: ``result`` is the 3x3 grid exactly as
        ``dcgan explore arith`` writes ``result.png`` (centre: the sum; others: ± ``noise``);
        ``pixel`` the same sum on the concepts' mean images; ``means`` each concept's mean decode."""
        _, _, concepts, noise_seed, noise = self.arith_inputs(params)
        g = self._generator(params)
        terms = parse_expression(EXPRESSION)
        means = concept_means(concepts)
        y = combine(terms, means)
        cells = neighbours(y, noise, noise_seed)
        counts = [concepts[name].shape[0] for name in CONCEPTS]
        with self.lock:
            result = generate(g, cells, bn=self.bn)
            exemplars = {name: generate(g, concepts[name], bn=self.bn) for name in CONCEPTS}
            mean_images = generate(g, torch.stack([means[name] for name in CONCEPTS]), bn=self.bn)
        pixel_means = {name: to_model_range(imgs).mean(dim=0) for name, imgs in exemplars.items()}
        pixel = to_uint8(combine(terms, pixel_means)[None])
        return {"result": png_bytes(grid_array(result, nrow=3, scale=self.scale)),
                "pixel": self._png(pixel, 1), "means": [self._png(im[None], 1) for im in mean_images],
                "pixel_means": [self._png(to_uint8(pixel_means[n][None]), 1) for n in CONCEPTS],
                "counts": counts, "z_norm": float(y.norm())}

    def _walk_inputs(self, params: dict) -> tuple[Sheet, int, int, torch.Tensor, torch.Tensor]:
        sheet = self._sheet(params)
        a = _as_int(params, "a", 0, sheet.n - 1)
        b = _as_int(params, "b", 0, sheet.n - 1)
        z = self._z(sheet)
        return sheet, a, b, z[a], z[b]

    def walk(self, params: dict) -> dict[str, Any]:
        """The point ``t`` of the walk from sample ``a`` to ``b``, linear and spherical (one batch)."""
        _, _, _, za, zb = self._walk_inputs(params)
        t = torch.tensor([_as_float(params, "t", 0.0, 1.0)])
        z = torch.cat([interpolate(za, zb, t, mode) for mode in MODES])
        images = self._generate(self._generator(params), z)
        return {mode: self._png(images[i : i + 1], 1) for i, mode in enumerate(MODES)}

    def _axis_inputs(self, params: dict) -> tuple[Sheet, dict[str, list[int]], torch.Tensor, torch.Tensor]:
        sheet = self._sheet(params)
        chosen = {"set_a": _indices(params, "set_a", sheet.n, MAX_SET),
                  "set_b": _indices(params, "set_b", sheet.n, MAX_SET),
                  "targets": _indices(params, "targets", sheet.n, MAX_TARGETS)}
        z = self._z(sheet)
        return sheet, chosen, attribute_axis(z[chosen["set_a"]], z[chosen["set_b"]]), z[chosen["targets"]]

    def axis(self, params: dict) -> dict[str, Any]:
        """The targets moved by ``alpha`` along mean(set A) - mean(set B) (one batch)."""
        _, _, axis, targets = self._axis_inputs(params)
        alpha = torch.tensor([_as_float(params, "alpha", -MAX_ALPHA, MAX_ALPHA)])
        images = self._generate(self._generator(params), move_along(targets, axis, alpha)[:, 0])
        return {"images": [self._png(im[None], 1) for im in images], "axis_norm": float(axis.norm())}

    # -- saving -------------------------------------------------------------------------------------
    def _new_dir(self, kind: str) -> Path:
        self.experiments_dir.mkdir(parents=True, exist_ok=True)
        for i in range(1, 10_000):
            path = self.experiments_dir / f"serve_{kind}_{i:03d}"
            try:
                path.mkdir()
                return path
            except FileExistsError:
                continue
        raise DcganError("too many saved explorations in experiments/")

    def save(self, params: dict) -> dict[str, Any]:
        kind = params.get("kind")
        if kind not in ("arith", "walk", "axis"):
            raise DcganError("'kind' must be one of arith, walk, axis")
        self._generator(params)  # validates the label
        validate = {"arith": self.arith_inputs, "walk": self._walk_inputs, "axis": self._axis_inputs}[kind]
        validate(params)  # refuse bad input before a folder is made
        out = self._new_dir(kind)
        with self.lock:
            summary = getattr(self, f"_save_{kind}")(params, out)
        files = sorted(p.name for p in out.iterdir() if p.is_file())
        return {"dir": out.relative_to(self.run_dir).as_posix(), "files": files, "command": summary.get("command", "")}

    def _nets_for(self, params: dict) -> Networks:
        return dataclasses.replace(self.nets, generator=self._generator(params))

    def _class_note(self, params: dict) -> dict[str, Any]:
        return {"class": params.get("label")} if self.nets.config.model.num_classes > 0 else {}

    def _save_arith(self, params: dict, out: Path) -> dict:
        sheet, chosen, concepts, noise_seed, noise = self.arith_inputs(params)
        labels = {name: [str(i) for i in idx] for name, idx in chosen.items()}
        summary = arithmetic(self._nets_for(params), concepts, EXPRESSION, out, noise_seed, noise, self.bn, labels)
        y = combine(parse_expression(EXPRESSION), concept_means(concepts))
        for name in CONCEPTS:
            np.save(out / f"z_{name}.npy", concepts[name].numpy())
        np.save(out / "z_result.npy", neighbours(y, noise, noise_seed).numpy())
        concept_args = " ".join(f"--concept {name}={','.join(labels[name])}" for name in CONCEPTS)
        command = (f"dcgan explore arith --checkpoint {shlex.quote(self.checkpoint_arg)} {concept_args} "
                   f"--expr {shlex.quote(EXPRESSION)} --sheet-seed {sheet.seed} --sheet-n {sheet.n} "
                   f"--seed {noise_seed} --noise {noise:g} --out {shlex.quote(str(out))}")
        record = {"sheet": dataclasses.asdict(sheet), "expression": EXPRESSION, "concepts": chosen,
                  "noise_seed": noise_seed, "noise": noise, **self._class_note(params), "command": command,
                  "z_files": {"z_A.npy": "exemplars of A (k, z_dim)", "z_B.npy": "of B", "z_C.npy": "of C",
                              "z_result.npy": "the 3x3 result grid's z (9, z_dim), row-major, centre = index 4"}}
        (out / "concepts.json").write_text(json.dumps(record, indent=2) + "\n")
        summary.update({"command": command, "files": summary["files"] + ["concepts.json", "z_A.npy", "z_B.npy",
                                                                          "z_C.npy", "z_result.npy"]})
        write_summary(out, summary)
        return summary

    def _steps(self, params: dict, default: int) -> int:
        return _as_int(params, "steps", 2, MAX_STEPS, default)

    def _save_walk(self, params: dict, out: Path) -> dict:
        sheet, a, b, za, zb = self._walk_inputs(params)
        steps = self._steps(params, 9)
        t = torch.linspace(0, 1, steps)
        t[0], t[-1] = 0.0, 1.0
        g, scale, files = self._generator(params), self.scale, []
        for mode in MODES:
            z = interpolate(za, zb, t, mode)
            images = generate(g, z, bn=self.bn)
            save_image(grid_array(images, nrow=steps, scale=scale), out / f"walk_{mode}.png")
            frames = [grid_array(im[None], nrow=1, scale=scale, padding=0) for im in images]
            save_animation(frames + frames[-2:0:-1], out / f"walk_{mode}.gif", duration_ms=120)
            np.save(out / f"z_walk_{mode}.npy", z.numpy())
            files += [f"walk_{mode}.png", f"walk_{mode}.gif", f"z_walk_{mode}.npy"]
        command = f"dcgan sample --checkpoint {shlex.quote(self.checkpoint_arg)} --z {out / 'z_walk_linear.npy'} --grid walk.png"
        summary = {"experiment": "walk", "checkpoint": str(self.nets.checkpoint), "sheet": dataclasses.asdict(sheet),
                   "from": a, "to": b, "steps": steps, "modes": list(MODES), "bn": self.bn, "z_dist": self.nets.z_dist,
                   **self._class_note(params), "command": command,
                   "layout": {"walk_<mode>.png": "one row: sample `from` (left) to sample `to` (right)",
                              "z_walk_<mode>.npy": "the row's z (steps, z_dim)"},
                   "files": files}
        write_summary(out, summary)
        return summary

    def _save_axis(self, params: dict, out: Path) -> dict:
        sheet, chosen, axis, targets = self._axis_inputs(params)
        steps = self._steps(params, 9)
        extent = _as_float(params, "extent", 0.0, MAX_ALPHA, 1.0)
        alphas = torch.linspace(-extent, extent, steps)
        moved = move_along(targets, axis, alphas)
        g, scale = self._generator(params), self.scale
        images = generate(g, moved.reshape(-1, self.nets.z_dim), bn=self.bn)
        images = images.view(len(targets), steps, *images.shape[1:])
        save_image(grid_array(images.flatten(0, 1), nrow=steps, scale=scale), out / "axis.png")
        frames = [grid_array(images[:, i], nrow=min(len(targets), 8), scale=scale) for i in range(steps)]
        save_animation(frames + frames[-2:0:-1], out / "axis.gif", duration_ms=150)
        np.save(out / "z_axis.npy", moved.numpy())
        np.save(out / "axis_vector.npy", axis.numpy())
        summary = {"experiment": "axis", "checkpoint": str(self.nets.checkpoint), "sheet": dataclasses.asdict(sheet),
                   **chosen, "axis_norm": float(axis.norm()), "alphas": alphas.tolist(), "bn": self.bn,
                   **self._class_note(params),
                   "command": f"dcgan explore axis --checkpoint {shlex.quote(self.checkpoint_arg)} "
                              f"--set-a {','.join(map(str, chosen['set_a']))} --set-b {','.join(map(str, chosen['set_b']))} "
                              f"--sheet-seed {sheet.seed} --sheet-n {sheet.n} (random rows; this folder's rows are the targets)",
                   "layout": {"axis.png": "one row per target; columns: z + alpha * (mean A - mean B)",
                              "z_axis.npy": "(targets, steps, z_dim)", "axis_vector.npy": "mean A - mean B (z_dim,)"},
                   "files": ["axis.png", "axis.gif", "z_axis.npy", "axis_vector.npy"]}
        write_summary(out, summary)
        return summary

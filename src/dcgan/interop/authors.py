"""Import the authors' released Theano models (Newmu/dcgan_code, ``models/``) as dcgan checkpoints.

A released model folder holds ``<epoch>_gen_params.jl_NN.npy`` and ``<epoch>_discrim_params.jl_NN.npy``:
plain float32 arrays in the order the authors' ``gen`` and ``discrim`` functions take them, beside
joblib pickles (``.jl``) that only list those arrays. The pickles are never opened: a pickle can run
code. The arrays are read with ``numpy.load(allow_pickle=False)`` in numeric order.

Their layouts (``lib/ops.py`` and the model scripts), and what each becomes here:

* G: ``w (z_dim, C*16)``, ``g, b (C*16,)``: ``relu(batchnorm(T.dot(Z, w), g, b))`` reshaped to C x 4 x 4,
  i.e. a bias-free ``nn.Linear`` (weight transposed) and a per-unit BatchNorm (``model.project_bn=unit``).
  Then per layer ``w`` (+ ``g, b`` but on the output layer): ``deconv`` (the input gradient of a true
  convolution; layout (in, out, k, k) as ``ConvTranspose2d``; kernel flipped in both spatial axes) or,
  for the stride-1 layers of the Table 1 model, a true convolution ``dnn_conv`` (layout (out, in, k, k),
  flipped) or a stride-1 ``deconv`` (layout (in, out, k, k): as a cross-correlation the kernel is
  transposed, not flipped). The two stride-1 layouts differ in shape, which tells them apart.
* D: ``w`` per conv layer (``dnn_conv``, (out, in, k, k), flipped), ``g, b`` after every conv but the
  first, then ``wy (C*16, 1)``: ``sigmoid(T.dot(flatten(h), wy))``; flatten is C-order, so ``wy``
  reshaped to (1, C, 4, 4) is our 4x4 "valid" head convolution (a dense layer, no flip), on logits.

Their ``batchnorm`` uses batch statistics always, eps 1e-8 (``model.bn_eps``). The imported checkpoint
also gets running statistics so ``dcgan sample`` (default ``--bn running``) works: G's are its standing
statistics over seeded z batches; D's are measured on G's samples (the only images the folder has;
``dcgan classify`` re-estimates D's on its own data anyway). ``--bn batch`` reproduces the authors.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from dcgan import DcganError
from dcgan.config import Config, resolve_config
from dcgan.models.ema import standing_batchnorm_stats_
from dcgan.models.registry import build_discriminator, build_generator
from dcgan.sampling import bn_mode, seeded_z

_ARRAY = re.compile(r"^(?P<prefix>.+)_(?P<net>gen|discrim)_params\.jl_(?P<index>\d+)\.npy$")
D_STATS_SEED = 4321  # seed of the G samples D's running statistics are measured on
STATS_IMAGES = 2048  # images (z draws) the running statistics of each network are averaged over
STATS_BATCH = 128


@dataclass
class ReleasedModel:
    """The arrays of one released model, in the order the authors' functions take them."""

    folder: Path
    prefix: str  # e.g. "200" (the epoch)
    gen: list[np.ndarray]
    discrim: list[np.ndarray]
    files: list[Path]


def _read_array(path: Path) -> np.ndarray:
    try:
        array = np.load(path, allow_pickle=False)
    except ValueError as exc:  # numpy refuses object arrays without allow_pickle
        raise DcganError(f"'{path}' holds a pickled object, not a plain array; refusing to unpickle it ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - truncated or not a .npy at all
        raise DcganError(f"'{path}' is not a readable .npy array: {str(exc).splitlines()[0][:160]}") from None
    if not isinstance(array, np.ndarray) or array.dtype.kind != "f":
        raise DcganError(f"'{path}' holds {getattr(array, 'dtype', type(array))}, expected a float array")
    return array.astype(np.float32, copy=False)


def read_released(folder: str | Path) -> ReleasedModel:
    """The arrays of a released model folder (the highest epoch prefix when several are present)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DcganError(f"'{folder}' is not a folder (expected a released model folder of *_gen_params.jl_NN.npy files)")
    found: dict[str, dict[str, dict[int, Path]]] = {}
    for path in folder.iterdir():
        m = _ARRAY.match(path.name)
        if m:
            found.setdefault(m["prefix"], {"gen": {}, "discrim": {}})[m["net"]][int(m["index"])] = path
    if not found:
        pickles = sorted(p.name for p in folder.glob("*.jl"))
        if pickles:
            raise DcganError(f"'{folder}' has {', '.join(pickles)} but none of the .npy arrays they list; "
                             "the arrays are needed (the .jl pickles are never opened)")
        raise DcganError(f"'{folder}' holds no *_gen_params.jl_NN.npy / *_discrim_params.jl_NN.npy arrays: not a released model")
    prefix = max(found, key=lambda p: (int(p) if p.isdigit() else -1, p))
    arrays: dict[str, list[np.ndarray]] = {}
    files: list[Path] = []
    for net in ("gen", "discrim"):
        indexed = found[prefix][net]
        if not indexed:
            raise DcganError(f"'{folder}': no {prefix}_{net}_params.jl_NN.npy arrays (both networks are needed)")
        expected = list(range(1, len(indexed) + 1))
        if sorted(indexed) != expected:
            missing = sorted(set(range(1, max(indexed) + 1)) - set(indexed))
            raise DcganError(f"'{folder}': {prefix}_{net}_params arrays are not numbered 01..{len(indexed):02d} (missing {missing})")
        arrays[net] = [_read_array(indexed[i]) for i in expected]
        files += [indexed[i] for i in expected]
    return ReleasedModel(folder, prefix, arrays["gen"], arrays["discrim"], files)


def _groups(arrays: list[np.ndarray], net: str, folder: Path) -> list[list[np.ndarray]]:
    """Split a flat array list into layers: each starts with a weight (>= 2-d) and carries its 1-d gain, bias."""
    layers: list[list[np.ndarray]] = []
    for a in arrays:
        if a.ndim >= 2:
            layers.append([a])
        elif layers and len(layers[-1]) < 3:
            layers[-1].append(a)
        else:
            raise DcganError(f"'{folder}': {net} arrays {[x.shape for x in arrays]} fit no DCGAN layout (a 1-d array without its weight)")
    if any(len(layer) == 2 for layer in layers):
        raise DcganError(f"'{folder}': {net} has a BatchNorm gain without its bias ({[x.shape for x in arrays]})")
    return layers


def infer_config(model: ReleasedModel) -> Config:
    """The dcgan config whose networks have exactly these arrays (``paper`` recipe otherwise)."""
    folder = model.folder
    shapes = f"G {[a.shape for a in model.gen]}, D {[a.shape for a in model.discrim]}"
    g_layers, d_layers = _groups(model.gen, "G", folder), _groups(model.discrim, "D", folder)
    fail = DcganError(f"'{folder}': array shapes fit no architecture this importer knows ({shapes})")
    if (len(g_layers) < 2 or len(d_layers) < 2 or g_layers[0][0].ndim != 2 or d_layers[-1][0].ndim != 2
            or len(g_layers[0]) != 3):  # the projection always carries its BatchNorm gain and bias
        raise fail
    g_convs, d_convs = g_layers[1:], d_layers[:-1]
    if any(layer[0].ndim != 4 for layer in g_convs + d_convs):
        raise fail
    z_dim, projected = g_layers[0][0].shape
    kernel = d_convs[0][0].shape[-1]
    channels = d_convs[0][0].shape[1]
    if len(g_convs) != len(d_convs):
        raise fail
    d_widths = [layer[0].shape[0] for layer in d_convs]
    paired = len(d_widths) % 2 == 0 and all(d_widths[i] == d_widths[i + 1] for i in range(0, len(d_widths), 2))
    if paired and len(d_widths) >= 4:  # the Table 1 family: a stride-1 layer beside each stride-2 one
        arch, scales = "imagenet32", len(d_widths) // 2
    else:
        arch, scales = "dcgan", len(d_widths)
    first_width = g_convs[0][0].shape[0]
    projection_unit = g_layers[0][1].shape == (projected,)  # (C*16,) per unit, (C,) per channel
    values = {
        "model.arch": arch,
        "model.resolution": 4 * 2**scales,
        "model.channels": channels,
        "model.z_dim": z_dim,
        "model.z_dist": "normal" if "gaussian" in folder.name.lower() else "uniform",
        "model.kernel_size": kernel,
        "model.g_width": first_width // 2 ** (scales - 1),
        "model.d_width": d_convs[0][0].shape[0],
        "model.project_bn": "unit" if projection_unit else "channel",
        "model.bn_eps": 1e-8,
        "model.bias": False,
    }
    if projected != first_width * 16:
        raise fail
    try:
        return resolve_config({}, {"preset": "paper", **values})
    except DcganError as exc:
        raise DcganError(f"'{folder}': array shapes give an unsupported model ({exc}; {shapes})") from None


def _conv_weight(array: np.ndarray, module: nn.Module, where: str) -> torch.Tensor:
    """A Theano kernel as ``module``'s weight (see the module docstring for the three layouts)."""
    w = torch.from_numpy(np.ascontiguousarray(array))
    target = tuple(module.weight.shape)
    if isinstance(module, nn.ConvTranspose2d) and tuple(w.shape) == target:  # deconv: (in, out, k, k)
        return w.flip(2, 3)
    if isinstance(module, nn.Conv2d):
        if tuple(w.shape) == target:  # dnn_conv: (out, in, k, k), true convolution
            return w.flip(2, 3)
        if tuple(w.shape) == (target[1], target[0], *target[2:]) and module.stride == (1, 1):  # stride-1 deconv
            return w.transpose(0, 1).contiguous()
    raise DcganError(f"{where}: array of shape {tuple(w.shape)} does not fit {type(module).__name__} weight {target}")


def _layer_modules(block: nn.Module) -> tuple[nn.Module, nn.Module | None]:
    conv = next(m for m in block.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)))
    norm = next((m for m in block.modules() if isinstance(m, nn.BatchNorm2d)), None)
    return conv, norm


def _set_norm(norm: nn.Module | None, arrays: list[np.ndarray], where: str) -> None:
    if (norm is None) != (len(arrays) == 1):
        raise DcganError(f"{where}: BatchNorm gain/bias {'present' if norm is None else 'missing'} where the architecture "
                         f"{'has none' if norm is None else 'needs them'}")
    if norm is not None:
        gain, bias = (torch.from_numpy(np.ascontiguousarray(a)) for a in arrays[1:])
        if gain.shape != norm.weight.shape or bias.shape != norm.bias.shape:
            raise DcganError(f"{where}: BatchNorm arrays {tuple(gain.shape)} do not fit {tuple(norm.weight.shape)}")
        norm.weight.copy_(gain)
        norm.bias.copy_(bias)


@torch.no_grad()
def load_released_weights(model: ReleasedModel, cfg: Config) -> tuple[nn.Module, nn.Module]:
    """Our G and D with the released arrays in them (BatchNorm running statistics not yet set)."""
    g, d = build_generator(cfg.model), build_discriminator(cfg.model)
    g_layers, d_layers = _groups(model.gen, "G", model.folder), _groups(model.discrim, "D", model.folder)
    w, *gb = g_layers[0]
    if tuple(w.shape) != (g.project.in_features, g.project.out_features):
        raise DcganError(f"G projection: array {w.shape} does not fit {tuple(g.project.weight.shape[::-1])}")
    g.project.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)))
    g.project_bn.weight.copy_(torch.from_numpy(gb[0]).view_as(g.project_bn.weight))
    g.project_bn.bias.copy_(torch.from_numpy(gb[1]).view_as(g.project_bn.bias))
    for blocks, layers, name in ((g.blocks, g_layers[1:], "G"), (d.blocks, d_layers[:-1], "D")):
        if len(blocks) != len(layers):
            raise DcganError(f"{name}: {len(layers)} conv arrays for {len(blocks)} layers")
        for i, (block, arrays) in enumerate(zip(blocks, layers)):
            conv, norm = _layer_modules(block)
            where = f"{model.folder}: {name} layer {i + 1}"
            conv.weight.copy_(_conv_weight(arrays[0], conv, where))
            _set_norm(norm, arrays, where)
    wy = d_layers[-1][0]
    if wy.shape != (d.head.weight.numel(), 1):
        raise DcganError(f"D head: array {wy.shape} does not fit a dense layer from {d.head.weight.numel()} units")
    d.head.weight.copy_(torch.from_numpy(np.ascontiguousarray(wy[:, 0])).view_as(d.head.weight))
    return g, d


@torch.no_grad()
def _set_running_statistics(g: nn.Module, d: nn.Module, cfg: Config, images: int = STATS_IMAGES) -> None:
    batch = min(STATS_BATCH, images)
    standing_batchnorm_stats_(g, cfg.model.z_dim, cfg.model.z_dist, batches=max(1, images // batch), batch_size=batch)
    with bn_mode(g, "batch"):  # the authors' sampling: batch statistics, one batch at a time
        z = seeded_z(D_STATS_SEED, images, cfg.model.z_dim, cfg.model.z_dist)
        fakes = torch.cat([g(zb) for zb in z.split(batch)])
    norms = [m for m in d.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the batches
    d.train()
    for x in fakes.split(batch):
        d(x)
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
    g.eval()
    d.eval()


def import_released(folder: str | Path, stats_images: int = STATS_IMAGES) -> dict:
    """A released model folder -> the state of an ordinary dcgan checkpoint (no optimizer state).
    ``stats_images``: z draws the BatchNorm running statistics are averaged over (see module docstring)."""
    if stats_images < 2:
        raise DcganError(f"stats_images={stats_images}: BatchNorm statistics need at least 2 images")
    model = read_released(folder)
    cfg = infer_config(model)
    g, d = load_released_weights(model, cfg)
    _set_running_statistics(g, d, cfg, stats_images)
    digest = hashlib.sha256()
    for path in model.files:
        digest.update(path.read_bytes())
    return {
        "config": cfg.to_dict(),
        "generator": g.state_dict(),
        "discriminator": d.state_dict(),
        "step": 0,
        "epoch": int(model.prefix) if model.prefix.isdigit() else 0,
        "imported": {
            "format": "authors",
            "folder": str(Path(folder).resolve()),
            "name": Path(folder).resolve().name,
            "epoch_prefix": model.prefix,
            "arrays_sha256": digest.hexdigest(),
            "running_stats": f"G: standing statistics over {stats_images} seeded z; D: measured on G's samples of them",
        },
    }

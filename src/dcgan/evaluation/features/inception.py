"""InceptionV3 pool3 features (2048-d) exactly as the standard FID code computes them.

Matches pytorch-fid (github.com/mseitzer/pytorch-fid, ``inception.py``: ``InceptionV3`` with
``use_fid_inception=True``, block 3), itself a port of the TTUR/TensorFlow FID graph
(``inception-2015-12-05``), in plain torch (no torchvision):

- the architecture is torchvision's ``Inception3`` (``num_classes=1008, aux_logits=False``) with
  the FID variant's block differences: Mixed_5b/5c/5d (InceptionA), Mixed_6b-6e (InceptionC)
  and Mixed_7b (InceptionE) average-pool with ``count_include_pad=False`` (TensorFlow ignores
  the padded zeros), and Mixed_7c (InceptionE) max-pools in its pool branch;
- BasicConv2d = conv (no bias) -> BatchNorm(eps=0.001) -> ReLU;
- preprocessing: uint8 -> [0, 1]; grey repeated to RGB (pytorch-fid reads with
  ``PIL.Image.convert("RGB")``); bilinear resize to 299x299 (``F.interpolate``,
  ``align_corners=False``); then ``2x - 1`` to [-1, 1];
- features: Mixed_7c output, global average pool -> (N, 2048).

Weights: pytorch-fid's release file ``pt_inception-2015-12-05-6726825d.pth`` (``PYTORCH_FID_URL``),
given by the user or fetched once into the torch hub cache (``inception_weights.py``). Its
state-dict keys are the torchvision names used below (``Conv2d_1a_3x3.conv.weight``,
``Mixed_7c.branch_pool.bn.running_var``, ``fc.weight`` ...).
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from dcgan import DcganError
from dcgan.core.checkpoint import torch_load_safely

INPUT_SIZE = 299
FEATURE_DIM = 2048
NUM_CLASSES = 1008  # the 2015-12-05 graph's softmax has 1008 outputs
# torch-hub convention: the file name carries the first 8 hex digits of the file's SHA-256.
PYTORCH_FID_FILE = "pt_inception-2015-12-05-6726825d.pth"
# Only this prefix is pinned: no full SHA-256 of the release file is published or pinned in this
# repo, and torch hub's ``check_hash`` checks exactly these 8 digits of the name.
PYTORCH_FID_SHA256_PREFIX = "6726825d"
# Where pytorch-fid itself downloads it from (its ``FID_WEIGHTS_URL``).
PYTORCH_FID_URL = f"https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/{PYTORCH_FID_FILE}"


class BasicConv2d(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)))


def _tf_avg_pool(x: torch.Tensor) -> torch.Tensor:
    # TensorFlow's 'SAME' average pool divides by the number of real (unpadded) inputs.
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


def _max_pool(x: torch.Tensor) -> torch.Tensor:
    return F.max_pool2d(x, kernel_size=3, stride=1, padding=1)


class InceptionA(nn.Module):
    def __init__(self, in_channels: int, pool_features: int):
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 64, kernel_size=1)
        self.branch5x5_1 = BasicConv2d(in_channels, 48, kernel_size=1)
        self.branch5x5_2 = BasicConv2d(48, 64, kernel_size=5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, padding=1)
        self.branch_pool = BasicConv2d(in_channels, pool_features, kernel_size=1)
        self.pool = _tf_avg_pool  # FID variant (torchvision counts the padding)

    def forward(self, x):
        b1 = self.branch1x1(x)
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        bp = self.branch_pool(self.pool(x))
        return torch.cat([b1, b5, b3, bp], 1)


class InceptionB(nn.Module):
    def __init__(self, in_channels: int):
        super().__init__()
        self.branch3x3 = BasicConv2d(in_channels, 384, kernel_size=3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, stride=2)

    def forward(self, x):
        b3 = self.branch3x3(x)
        bd = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        bp = F.max_pool2d(x, kernel_size=3, stride=2)
        return torch.cat([b3, bd, bp], 1)


class InceptionC(nn.Module):
    def __init__(self, in_channels: int, channels_7x7: int):
        super().__init__()
        c7 = channels_7x7
        self.branch1x1 = BasicConv2d(in_channels, 192, kernel_size=1)
        self.branch7x7_1 = BasicConv2d(in_channels, c7, kernel_size=1)
        self.branch7x7_2 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(in_channels, c7, kernel_size=1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(in_channels, 192, kernel_size=1)
        self.pool = _tf_avg_pool  # FID variant

    def forward(self, x):
        b1 = self.branch1x1(x)
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        bd = self.branch7x7dbl_1(x)
        for layer in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            bd = layer(bd)
        bp = self.branch_pool(self.pool(x))
        return torch.cat([b1, b7, bd, bp], 1)


class InceptionD(nn.Module):
    def __init__(self, in_channels: int):
        super().__init__()
        self.branch3x3_1 = BasicConv2d(in_channels, 192, kernel_size=1)
        self.branch3x3_2 = BasicConv2d(192, 320, kernel_size=3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(in_channels, 192, kernel_size=1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, kernel_size=3, stride=2)

    def forward(self, x):
        b3 = self.branch3x3_2(self.branch3x3_1(x))
        b7 = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
        bp = F.max_pool2d(x, kernel_size=3, stride=2)
        return torch.cat([b3, b7, bp], 1)


class InceptionE(nn.Module):
    """``pool="avg"``: FIDInceptionE_1 (Mixed_7b); ``pool="max"``: FIDInceptionE_2 (Mixed_7c),
    whose max pool the TF graph has (likely a bug in that graph; pytorch-fid keeps it)."""

    def __init__(self, in_channels: int, pool: str):
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 320, kernel_size=1)
        self.branch3x3_1 = BasicConv2d(in_channels, 384, kernel_size=1)
        self.branch3x3_2a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 448, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, kernel_size=3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(in_channels, 192, kernel_size=1)
        self.pool = {"avg": _tf_avg_pool, "max": _max_pool}[pool]

    def forward(self, x):
        b1 = self.branch1x1(x)
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        bd = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        bd = torch.cat([self.branch3x3dbl_3a(bd), self.branch3x3dbl_3b(bd)], 1)
        bp = self.branch_pool(self.pool(x))
        return torch.cat([b1, b3, bd, bp], 1)


class FIDInceptionV3(nn.Module):
    """(N, 3, H, W) float in [0, 1] -> pool3 features (N, 2048), as pytorch-fid's block 3."""

    def __init__(self):
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, kernel_size=3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, kernel_size=3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, kernel_size=1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, kernel_size=3)
        self.Mixed_5b = InceptionA(192, pool_features=32)
        self.Mixed_5c = InceptionA(256, pool_features=64)
        self.Mixed_5d = InceptionA(288, pool_features=64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = InceptionC(768, channels_7x7=128)
        self.Mixed_6c = InceptionC(768, channels_7x7=160)
        self.Mixed_6d = InceptionC(768, channels_7x7=160)
        self.Mixed_6e = InceptionC(768, channels_7x7=192)
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = InceptionE(1280, pool="avg")
        self.Mixed_7c = InceptionE(2048, pool="max")
        # Unused for pool3 features; kept so the pytorch-fid state dict loads strictly.
        self.fc = nn.Linear(2048, NUM_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = preprocess(x)  # 3 x 299 x 299 in [-1, 1]
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))  # 64 x 147 x 147
        x = F.max_pool2d(x, kernel_size=3, stride=2)  # 64 x 73 x 73
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))  # 192 x 71 x 71
        x = F.max_pool2d(x, kernel_size=3, stride=2)  # 192 x 35 x 35
        x = self.Mixed_5d(self.Mixed_5c(self.Mixed_5b(x)))  # 288 x 35 x 35
        x = self.Mixed_6a(x)  # 768 x 17 x 17
        x = self.Mixed_6e(self.Mixed_6d(self.Mixed_6c(self.Mixed_6b(x))))  # 768 x 17 x 17
        x = self.Mixed_7c(self.Mixed_7b(self.Mixed_7a(x)))  # 2048 x 8 x 8
        return F.adaptive_avg_pool2d(x, 1).flatten(1)  # 2048


def preprocess(x: torch.Tensor) -> torch.Tensor:
    """float (N, 3, H, W) in [0, 1] -> (N, 3, 299, 299) in [-1, 1], as pytorch-fid's
    ``resize_input`` then ``normalize_input``."""
    if x.dim() != 4 or x.shape[1] != 3:
        raise ValueError(f"InceptionV3 expects (N, 3, H, W), got {tuple(x.shape)}")
    x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False)
    return 2 * x - 1


def to_unit_rgb(images_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 1|3, H, W) -> float (N, 3, H, W) in [0, 1]; grey repeated as PIL's convert('RGB')."""
    x = images_uint8.float() / 255.0
    return x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x


def load_fid_inception(path: str | Path) -> FIDInceptionV3:
    """Build the network and load a pytorch-fid ``pt_inception-2015-12-05`` state dict, strictly.

    BatchNorm's ``num_batches_tracked`` buffers may be absent (they do not affect inference)."""
    path = Path(path)
    if not path.is_file():
        raise DcganError(
            f"Inception weights '{path}' do not exist. Download pytorch-fid's {PYTORCH_FID_FILE} "
            f"({PYTORCH_FID_URL}) and pass its path with --inception-weights"
        )
    state = torch_load_safely(path, "Inception weights file")
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise DcganError(f"Inception weights '{path}' do not hold a state dict of tensors")
    model = FIDInceptionV3()
    expected = model.state_dict()
    missing = [k for k in expected if k not in state and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in state if k not in expected]
    wrong = [f"{k} {tuple(state[k].shape)} != {tuple(v.shape)}" for k, v in expected.items()
             if k in state and state[k].shape != v.shape]
    if missing or unexpected or wrong:
        detail = "; ".join(
            part for part in (
                f"{len(missing)} missing keys (e.g. {missing[:3]})" if missing else "",
                f"{len(unexpected)} unexpected keys (e.g. {unexpected[:3]})" if unexpected else "",
                f"{len(wrong)} shape mismatches (e.g. {wrong[:2]})" if wrong else "",
            ) if part
        )
        raise DcganError(
            f"'{path}' is not a pytorch-fid FID-Inception state dict ({PYTORCH_FID_FILE} layout): {detail}"
        )
    model.load_state_dict(state, strict=False)
    return model.eval()

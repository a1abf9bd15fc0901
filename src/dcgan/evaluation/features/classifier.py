"""The project's Fashion-MNIST feature network: a small CNN whose penultimate layer is the
feature space for MNIST-format data (the role InceptionV3 pool3 plays for natural images).

Input: grey 32x32 images scaled to [-1, 1] (Fashion-MNIST's 28x28 resized to 32 by the
package's one resize policy, ``data.transforms``: bicubic, antialiased — exactly the images a
default 32 px DCGAN trains on). Other resolutions are resized to 32 the same way, RGB is
converted to grey (ITU-R 601 luma).

Architecture (``FashionCNN``)::

    1x32x32 -> conv4x4/2(32) ReLU     -> 32x16x16
            -> conv4x4/2(64) BN ReLU  -> 64x8x8
            -> conv4x4/2(64) BN ReLU  -> 64x4x4
            -> flatten 1024 -> linear(128) ReLU   <- features (128-d, the penultimate layer)
            -> dropout(0.3) -> linear(10)          <- class logits

Strided convolutions (no pooling, as DCGAN's discriminator) keep it cheap to train on a CPU.

The weights ship in ``dcgan/assets/fashion_cnn.pt``; their SHA-256 is fixed below and checked
at every load; ``python -m dcgan.evaluation.train_classifier`` reproduces them (seeded, CPU)
and writes ``fashion_cnn.json`` with the command, seed and test accuracy.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dcgan import DcganError
from dcgan.core.checkpoint import load_reason, torch_load_safely
from dcgan.data.transforms import prepare_images
from dcgan.data.types import to_model_range

INPUT_SIZE = 32
FEATURE_DIM = 128
WEIGHTS_NAME = "fashion_cnn.pt"
MANIFEST_NAME = "fashion_cnn.json"
# SHA-256 of the shipped dcgan/assets/fashion_cnn.pt (written by train_classifier).
WEIGHTS_SHA256 = "7096a2d8c61a029cc06c112ca8e4326ee675666d1b53d686f1b1cfb1716e5ef7"


class FeatureCNN(nn.Module):
    """Three strided convolutions and two linear layers; ``features`` gives the penultimate layer.

    (N, in_channels, 32, 32) in [-1, 1] -> logits (N, num_classes). Both shipped feature networks
    are this one shape: ``FashionCNN`` (grey, widths 32-64-64, 128-d) and ``TinyImageNetCNN``
    (``general.py``: RGB, widths 64-128-256, 256-d)."""

    def __init__(self, in_channels: int = 1, widths: tuple[int, int, int] = (32, 64, 64),
                 feature_dim: int = FEATURE_DIM, num_classes: int = 10):
        super().__init__()
        w1, w2, w3 = widths
        self.in_channels = in_channels
        self.conv1 = nn.Conv2d(in_channels, w1, 4, stride=2, padding=1)
        self.conv2 = nn.Conv2d(w1, w2, 4, stride=2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(w2)
        self.conv3 = nn.Conv2d(w2, w3, 4, stride=2, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(w3)
        self.fc1 = nn.Linear(w3 * 4 * 4, feature_dim)
        self.dropout = nn.Dropout(0.3)
        self.fc2 = nn.Linear(feature_dim, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1:] != (self.in_channels, INPUT_SIZE, INPUT_SIZE):
            raise ValueError(f"{type(self).__name__} expects (N, {self.in_channels}, {INPUT_SIZE}, {INPUT_SIZE}), "
                             f"got {tuple(x.shape)}")
        x = F.relu(self.conv1(x))  # w1 x 16 x 16
        x = F.relu(self.bn2(self.conv2(x)))  # w2 x 8 x 8
        x = F.relu(self.bn3(self.conv3(x)))  # w3 x 4 x 4
        return F.relu(self.fc1(x.flatten(1)))  # feature_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.dropout(self.features(x)))


class FashionCNN(FeatureCNN):
    """(N, 1, 32, 32) in [-1, 1] -> logits (N, 10); ``features`` gives the 128-d penultimate layer."""

    def __init__(self, num_classes: int = 10):
        super().__init__(1, (32, 64, 64), FEATURE_DIM, num_classes)


def classifier_input(images_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 (N, C, H, W), any square size, 1 or 3 channels -> float (N, 1, 32, 32) in [-1, 1]."""
    return to_model_range(prepare_images(images_uint8, INPUT_SIZE, 1))


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def packaged_weights() -> Path:
    return Path(str(resources.files("dcgan") / "assets" / WEIGHTS_NAME))


def packaged_manifest() -> dict:
    path = Path(str(resources.files("dcgan") / "assets" / MANIFEST_NAME))
    return json.loads(path.read_text()) if path.is_file() else {}


def checked_weights(path: str | Path | None, shipped_file: Path, shipped_sha256: str, expected_sha256: str | None,
                    what: str, rebuild: str) -> tuple[Path, str]:
    """(file, SHA-256) of a feature network's weights: the shipped file when ``path`` is None, which
    must match ``shipped_sha256``; a user's file is checked only against ``expected_sha256`` when
    given. Either way the hash names the feature space, so every number says which weights made it."""
    shipped = path is None
    path = shipped_file if shipped else Path(path)
    if not path.is_file():
        hint = f" (reinstall dcgan, or rebuild it: {rebuild})" if shipped else ""
        raise DcganError(f"{what} '{path}' do not exist{hint}")
    digest = sha256_file(path)
    expected = shipped_sha256 if shipped else expected_sha256
    if expected and digest != expected:
        raise DcganError(
            f"{what} '{path}' have SHA-256 {digest}, expected {expected}: the file is corrupt or "
            "not the one this dcgan version ships, so its feature space (and every number computed in it) differs"
        )
    return path, digest


def load_fashion_cnn(path: str | Path | None = None, expected_sha256: str | None = None) -> tuple[FashionCNN, str]:
    """Load the classifier (the shipped weights by default) in eval mode; returns (model, sha256).

    The shipped file must match ``WEIGHTS_SHA256``; a user file is checked only against
    ``expected_sha256`` when given. Either way its hash names the feature space."""
    path, digest = checked_weights(path, packaged_weights(), WEIGHTS_SHA256, expected_sha256, "classifier weights",
                                   "python -m dcgan.evaluation.train_classifier")
    state = torch_load_safely(path, "classifier weights file")
    try:
        model = FashionCNN()
        model.load_state_dict(state)
    except Exception as exc:  # noqa: BLE001 - any mismatched file is a user error
        raise DcganError(f"classifier weights '{path}' could not be loaded as a FashionCNN state dict: {load_reason(exc)}") from None
    return model.eval(), digest


@torch.no_grad()
def predict(model: FashionCNN, images_uint8: torch.Tensor, batch_size: int = 1000) -> np.ndarray:
    """Predicted class per image (for the reported test accuracy)."""
    out = [model(classifier_input(images_uint8[i : i + batch_size])).argmax(1) for i in range(0, len(images_uint8), batch_size)]
    return torch.cat(out).numpy()

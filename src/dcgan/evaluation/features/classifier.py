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
from dcgan.data.transforms import prepare_images
from dcgan.data.types import to_model_range

INPUT_SIZE = 32
FEATURE_DIM = 128
WEIGHTS_NAME = "fashion_cnn.pt"
MANIFEST_NAME = "fashion_cnn.json"
# SHA-256 of the shipped dcgan/assets/fashion_cnn.pt (written by train_classifier).
WEIGHTS_SHA256 = "7096a2d8c61a029cc06c112ca8e4326ee675666d1b53d686f1b1cfb1716e5ef7"


class FashionCNN(nn.Module):
    """(N, 1, 32, 32) in [-1, 1] -> logits (N, 10); ``features`` gives the 128-d penultimate layer."""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 4, stride=2, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 4, stride=2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        self.conv3 = nn.Conv2d(64, 64, 4, stride=2, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(64)
        self.fc1 = nn.Linear(64 * 4 * 4, FEATURE_DIM)
        self.dropout = nn.Dropout(0.3)
        self.fc2 = nn.Linear(FEATURE_DIM, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1:] != (1, INPUT_SIZE, INPUT_SIZE):
            raise ValueError(f"FashionCNN expects (N, 1, {INPUT_SIZE}, {INPUT_SIZE}), got {tuple(x.shape)}")
        x = F.relu(self.conv1(x))  # 32 x 16 x 16
        x = F.relu(self.bn2(self.conv2(x)))  # 64 x 8 x 8
        x = F.relu(self.bn3(self.conv3(x)))  # 64 x 4 x 4
        return F.relu(self.fc1(x.flatten(1)))  # 128

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.dropout(self.features(x)))


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


def load_fashion_cnn(path: str | Path | None = None, expected_sha256: str | None = None) -> tuple[FashionCNN, str]:
    """Load the classifier (the shipped weights by default) in eval mode; returns (model, sha256).

    The shipped file must match ``WEIGHTS_SHA256``; a user file is checked only against
    ``expected_sha256`` when given. Either way its hash names the feature space."""
    shipped = path is None
    path = packaged_weights() if shipped else Path(path)
    if not path.is_file():
        hint = " (reinstall dcgan, or rebuild it: python -m dcgan.evaluation.train_classifier)" if shipped else ""
        raise DcganError(f"classifier weights '{path}' do not exist{hint}")
    digest = sha256_file(path)
    expected = WEIGHTS_SHA256 if shipped else expected_sha256
    if expected and digest != expected:
        raise DcganError(
            f"classifier weights '{path}' have SHA-256 {digest}, expected {expected}: the file is corrupt or "
            "not the one this dcgan version ships, so its feature space (and every number computed in it) differs"
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model = FashionCNN()
        model.load_state_dict(state)
    except Exception as exc:  # noqa: BLE001 - any unreadable/mismatched file is a user error
        raise DcganError(f"classifier weights '{path}' could not be loaded as a FashionCNN state dict: {exc}") from None
    return model.eval(), digest


@torch.no_grad()
def predict(model: FashionCNN, images_uint8: torch.Tensor, batch_size: int = 1000) -> np.ndarray:
    """Predicted class per image (for the reported test accuracy)."""
    out = [model(classifier_input(images_uint8[i : i + batch_size])).argmax(1) for i in range(0, len(images_uint8), batch_size)]
    return torch.cat(out).numpy()

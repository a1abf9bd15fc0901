"""``tiny-imagenet-cnn``: a small general feature network for colour images that works offline.

InceptionV3 is the field's feature space for natural images, but its weights come from the
network; without them a user of colour data had no quality measure at all (issue #37). This is
the project's own stand-in, honestly named: a ``FeatureCNN`` (``classifier.py``: three strided
convolutions 64-128-256, a 256-d penultimate layer) trained to tell the 200 classes of Tiny
ImageNet at 32x32 (100,000 images, ``../shared/datasets/tiny-imagenet-32.zip``). It is *not*
Inception: its distances are comparable between runs of this project, not with published FIDs,
and it sees every image at 32x32 (larger ones are resized by the package's one policy,
``data.transforms``; grey images are repeated to RGB).

The weights ship in ``dcgan/assets/tiny_imagenet_cnn.pt`` (half precision, checked by SHA-256 at
every load); ``python -m dcgan.evaluation.train_general_features`` reproduces them and writes
``tiny_imagenet_cnn.json`` with the command, seed and held-out accuracy.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import torch

from dcgan import DcganError
from dcgan.core.checkpoint import torch_load_safely
from dcgan.data.transforms import prepare_images
from dcgan.data.types import to_model_range
from dcgan.evaluation.features.classifier import INPUT_SIZE, FeatureCNN, checked_weights

FEATURE_DIM = 256
NUM_CLASSES = 200
WIDTHS = (64, 128, 256)
WEIGHTS_NAME = "tiny_imagenet_cnn.pt"
MANIFEST_NAME = "tiny_imagenet_cnn.json"
# SHA-256 of the shipped dcgan/assets/tiny_imagenet_cnn.pt (written by train_general_features).
WEIGHTS_SHA256 = "a9486fe820ebaee4cdeca7c1841489aa0a1b6d99592e2ea6984df0dcd5a5a394"


class TinyImageNetCNN(FeatureCNN):
    """(N, 3, 32, 32) in [-1, 1] -> logits (N, 200); ``features``: the 256-d penultimate layer."""

    def __init__(self, num_classes: int = NUM_CLASSES):
        super().__init__(3, WIDTHS, FEATURE_DIM, num_classes)


def general_input(images_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 (N, C, H, W), any square size, 1 or 3 channels -> float (N, 3, 32, 32) in [-1, 1]."""
    return to_model_range(prepare_images(images_uint8, INPUT_SIZE, 3))


def packaged_weights() -> Path:
    return Path(str(resources.files("dcgan") / "assets" / WEIGHTS_NAME))


def packaged_manifest() -> dict:
    path = packaged_weights().with_name(MANIFEST_NAME)
    return json.loads(path.read_text()) if path.is_file() else {}


def load_tiny_imagenet_cnn(path: str | Path | None = None) -> tuple[TinyImageNetCNN, str]:
    """The network (the shipped weights by default, checked against ``WEIGHTS_SHA256``) in float32
    and eval mode, with its file's SHA-256 (which names the feature space)."""
    path, digest = checked_weights(path, packaged_weights(), WEIGHTS_SHA256, None, "feature network weights",
                                   "python -m dcgan.evaluation.train_general_features")
    state = torch_load_safely(path, "feature network weights file")
    try:
        model = TinyImageNetCNN()
        model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    except Exception as exc:  # noqa: BLE001 - any unreadable/mismatched file is a user error
        raise DcganError(f"feature network weights '{path}' could not be loaded as a TinyImageNetCNN: {exc}") from None
    return model.eval(), digest

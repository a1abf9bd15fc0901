"""Feature spaces for sample-quality metrics, registered by name; every result names the one used.

- ``fashion-cnn``: the project's Fashion-MNIST classifier, 128-d penultimate layer
  (``classifier.py``; weights ship in the package, checked by SHA-256). For MNIST-format data.
- ``tiny-imagenet-cnn``: the project's Tiny ImageNet CNN, 256-d penultimate layer (``general.py``;
  weights ship in the package): the offline space for colour images. Not Inception.
- ``face-judge``: the face attribute judge's 128-d penultimate layer (``evaluation/judge.py``;
  needs its checkpoint): the face experiments' space.
- ``inception``: InceptionV3 pool3, 2048-d, exactly as pytorch-fid/TTUR (``inception.py``),
  from the weights file the user names (``--inception-weights`` or ``$DCGAN_INCEPTION_WEIGHTS``),
  else pytorch-fid's release file in the torch hub cache, downloaded there once if missing
  (``inception_weights.py``; ``$DCGAN_OFFLINE=1`` stops the download).

An extractor maps uint8 images (N, C, H, W) to float32 features (N, d) and carries ``name``
(``<space>@<first 12 hex of the weights' SHA-256>``, used in cache keys) and ``info`` (a dict
that goes into every result).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np
import torch

from dcgan import DcganError
from dcgan.evaluation.features import classifier as _cls
from dcgan.evaluation.features import general as _gen
from dcgan.evaluation.features import inception as _inc
from dcgan.evaluation.features import inception_weights as _incw
from dcgan.evaluation.judge import judge_input, load_judge

INCEPTION_ENV = _incw.WEIGHTS_ENV


class FeatureExtractor:
    """Base: batches uint8 images through ``self.embed`` (float tensor in, (B, d) out) without grad."""

    name: str = ""
    dim: int = 0
    info: dict = {}
    batch_size: int = 500

    def __init__(self, device: str | torch.device = "cpu"):
        self.device = torch.device(device)

    def embed(self, images_uint8: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    @torch.no_grad()
    def __call__(self, images_uint8: torch.Tensor) -> np.ndarray:
        if images_uint8.dtype != torch.uint8 or images_uint8.dim() != 4:
            raise ValueError(f"features expect uint8 (N, C, H, W), got {images_uint8.dtype} {tuple(images_uint8.shape)}")
        out = [self.embed(images_uint8[i : i + self.batch_size]).float().cpu()
               for i in range(0, len(images_uint8), self.batch_size)]
        return torch.cat(out).numpy() if out else np.zeros((0, self.dim), np.float32)


class ClassifierFeatures(FeatureExtractor):
    """128-d penultimate layer of the shipped Fashion-MNIST CNN (or a user weights file)."""

    dim = _cls.FEATURE_DIM

    def __init__(self, device="cpu", weights: str | None = None):
        super().__init__(device)
        self.model, sha = _cls.load_fashion_cnn(weights)
        self.model.to(self.device)
        manifest = _cls.packaged_manifest() if weights is None else {}
        self.name = f"fashion-cnn@{sha[:12]}"
        self.info = {
            "name": self.name,
            "description": "penultimate layer (128-d, post-ReLU) of the project's Fashion-MNIST CNN "
            "(dcgan.evaluation.features.classifier); input grey 32x32 in [-1,1], other sizes resized bicubic",
            "weights": "packaged dcgan/assets/fashion_cnn.pt" if weights is None else str(weights),
            "weights_sha256": sha,
            "classifier_test_accuracy": manifest.get("test_accuracy"),
            "train_command": manifest.get("command"),
        }

    def embed(self, images_uint8):
        return self.model.features(_cls.classifier_input(images_uint8).to(self.device))


class InceptionFeatures(FeatureExtractor):
    """2048-d pool3 of the FID InceptionV3, preprocessed exactly as pytorch-fid."""

    dim = _inc.FEATURE_DIM
    batch_size = 50  # pytorch-fid's default; only memory depends on it

    def __init__(self, device="cpu", weights: str | None = None):
        super().__init__(device)
        # the user's file, else the torch hub cache's (downloaded there once; see inception_weights)
        weights = weights or os.environ.get(INCEPTION_ENV, "") or _incw.default_inception_weights()
        self.model = _inc.load_fid_inception(weights).to(self.device)
        sha = _cls.sha256_file(weights)
        self.name = f"inception-v3-fid@{sha[:12]}"
        self.info = {
            "name": self.name,
            "description": "InceptionV3 pool3 (2048-d) as pytorch-fid/TTUR: FID Inception blocks, bilinear "
            "resize to 299, inputs scaled to [-1,1], grey repeated to RGB",
            "weights": str(weights),
            "weights_sha256": sha,
            "matches_pytorch_fid_release": sha.startswith(_inc.PYTORCH_FID_SHA256_PREFIX),
        }

    def embed(self, images_uint8):
        return self.model(_inc.to_unit_rgb(images_uint8).to(self.device))


class FaceJudgeFeatures(FeatureExtractor):
    """128-d penultimate layer (eval mode) of the face attribute judge (``evaluation/judge.py``), a
    CNN trained on real UTKFace faces for gender and age: a space where face structure is what
    differs. Needs the judge's checkpoint (``dcgan faces judge --out DIR``; ``DIR/judge.pt``)."""

    dim = 128

    def __init__(self, device="cpu", weights: str | None = None):
        super().__init__(device)
        if not weights:
            raise DcganError("feature space 'face-judge' needs the judge's checkpoint (train.eval_weights or "
                             "--weights: the judge.pt that 'dcgan faces judge --out DIR' writes)")
        self.model, meta = load_judge(weights)
        self.model.to(self.device)
        sha = _cls.sha256_file(meta["path"])
        self.name = f"face-judge@{sha[:12]}"
        self.info = {"name": self.name, "weights": meta["path"], "weights_sha256": sha,
                     "description": "face judge's penultimate layer (128-d, eval mode): UTKFace gender/age CNN, "
                     "input RGB 32x32 (dcgan.evaluation.judge)", "judge_metrics": meta["metrics"]}

    def embed(self, images_uint8):
        return self.model.body(judge_input(images_uint8).to(self.device))


class GeneralFeatures(FeatureExtractor):
    """256-d penultimate layer of the shipped Tiny ImageNet CNN (``general.py``): the offline
    feature space for colour images. Not Inception: figures compare runs of this project only."""

    dim = _gen.FEATURE_DIM

    def __init__(self, device="cpu", weights: str | None = None):
        super().__init__(device)
        self.model, sha = _gen.load_tiny_imagenet_cnn(weights)
        self.model.to(self.device)
        manifest = _gen.packaged_manifest() if weights is None else {}
        self.name = f"tiny-imagenet-cnn@{sha[:12]}"
        self.info = {
            "name": self.name,
            "description": "penultimate layer (256-d, post-ReLU) of the project's Tiny ImageNet CNN "
            "(dcgan.evaluation.features.general; NOT Inception); input RGB 32x32 in [-1,1], other sizes resized bicubic",
            "weights": "packaged dcgan/assets/tiny_imagenet_cnn.pt" if weights is None else str(weights),
            "weights_sha256": sha,
            "held_out_accuracy": manifest.get("held_out_accuracy"),
            "train_command": manifest.get("command"),
        }

    def embed(self, images_uint8):
        return self.model.features(_gen.general_input(images_uint8).to(self.device))


FEATURE_SPACES: dict[str, Callable[..., FeatureExtractor]] = {
    "fashion-cnn": ClassifierFeatures,
    "inception": InceptionFeatures,
    "tiny-imagenet-cnn": GeneralFeatures,
    "face-judge": FaceJudgeFeatures,
}


def register_feature_space(name: str, factory: Callable[..., FeatureExtractor]) -> None:
    FEATURE_SPACES[name] = factory


def inception_weights_on_disk() -> bool:
    """Whether Inception's weights can be had without the network (named, or in the hub cache)."""
    return bool(os.environ.get(INCEPTION_ENV)) or (_incw.hub_checkpoints_dir() / _inc.PYTORCH_FID_FILE).is_file()


def default_feature_space(channels: int) -> str:
    """Grey (MNIST-format) data -> the project's Fashion-MNIST CNN; colour -> Inception where its
    weights are on disk, else the shipped ``tiny-imagenet-cnn`` (works offline)."""
    if channels == 1:
        return "fashion-cnn"
    return "inception" if inception_weights_on_disk() else "tiny-imagenet-cnn"


def get_feature_extractor(name: str, device="cpu", weights: str | None = None) -> FeatureExtractor:
    if name not in FEATURE_SPACES:
        raise DcganError(f"unknown feature space '{name}'; choose one of {sorted(FEATURE_SPACES)}")
    return FEATURE_SPACES[name](device=device, weights=weights)

"""The supervised baseline of the paper's Table 2: a CNN of the discriminator's architecture,
trained from scratch on the labelled images only.

The network is the checkpoint's discriminator (same conv blocks, BatchNorm, LeakyReLU 0.2,
N(0, 0.02) init, §3-4) with its one-logit head replaced by a K-logit head of the same shape
(a 4 x 4 valid convolution on the last map). It is trained with Adam and cross-entropy; the
validation split (carved from the training set) picks the best checkpoint along the run and
stops it early. The paper tuned this baseline with 64 random-search trials; here one recipe
(Adam, lr 1e-3) is used, which is a weaker tuning than theirs.
"""

from __future__ import annotations

import copy
import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import BaseEstimator, ClassifierMixin
from torch import nn

from dcgan.config import ModelConfig
from dcgan.data.types import to_model_range
from dcgan.evaluation.classify.features import as_uint8_images
from dcgan.evaluation.classify.protocol import ProtocolResult, accuracy, few_label_indices
from dcgan.models.init import init_weights
from dcgan.models.registry import build_discriminator


class DiscriminatorClassifier(nn.Module):
    """D's conv blocks (from ``model_cfg``) + a (K, last width, 4, 4) head: images -> (N, K) logits."""

    def __init__(self, model_cfg: ModelConfig, num_classes: int):
        super().__init__()
        self.body = build_discriminator(model_cfg).eval()
        if isinstance(getattr(self.body, "head", None), nn.Module):
            self.body.head = nn.Identity()  # the GAN head is not used
        size = (model_cfg.channels, model_cfg.resolution, model_cfg.resolution)
        with torch.no_grad():
            last = self.body.features(torch.zeros(2, *size))[-1]
        # A dense layer on the flattened last map, written as a valid convolution (as D's own head).
        self.head = nn.Conv2d(last.shape[1], num_classes, last.shape[-1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body.features(x)[-1]).flatten(1)


class SupervisedCNN(ClassifierMixin, BaseEstimator):
    """Fit on uint8 images (N, C, H, W) and labels; ``eval_set=(images, labels)`` selects the best step."""

    def __init__(self, model_cfg: ModelConfig | None = None, lr: float = 1e-3, batch_size: int = 64,
                 epochs: float = 50, max_steps: int = 1000, eval_every: int = 200, patience: int = 4,
                 device: str = "cpu", seed: int = 0):
        self.model_cfg = model_cfg
        self.lr = lr
        self.batch_size = batch_size
        self.epochs = epochs
        self.max_steps = max_steps
        self.eval_every = eval_every
        self.patience = patience
        self.device = device
        self.seed = seed

    def fit(self, X, y, eval_set=None):
        images, y = as_uint8_images(X), np.asarray(y)
        self.classes_ = np.unique(y)
        targets = torch.from_numpy(np.searchsorted(self.classes_, y)).long()
        device = torch.device(self.device)
        g = torch.Generator().manual_seed(self.seed)
        net = DiscriminatorClassifier(self.model_cfg, len(self.classes_))
        init_weights(net, g)
        net.to(device).train()
        optimizer = torch.optim.Adam(net.parameters(), lr=self.lr)
        batch = min(self.batch_size, len(y))
        steps = max(1, min(self.max_steps, math.ceil(self.epochs * len(y) / batch)))
        best = (-1.0, None, 0)
        self.net_, self.history_ = net, []
        order, pos, bad = torch.randperm(len(y), generator=g), 0, 0
        for step in range(1, steps + 1):
            if pos + batch > len(y):
                order, pos = torch.randperm(len(y), generator=g), 0
            idx = order[pos : pos + batch]
            pos += batch
            x = to_model_range(images[idx].to(device))
            loss = F.cross_entropy(net(x), targets[idx].to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if eval_set is not None and (step % self.eval_every == 0 or step == steps):
                score = accuracy(self, *eval_set)
                net.train()
                self.history_.append((step, score))
                if score > best[0]:
                    best, bad = (score, copy.deepcopy(net.state_dict()), step), 0
                else:
                    bad += 1
                    if bad >= self.patience:
                        break
        if best[1] is not None:
            net.load_state_dict(best[1])
        self.best_step_, self.val_accuracy_ = best[2], best[0]
        net.eval()
        return self

    @torch.no_grad()
    def predict(self, X) -> np.ndarray:
        images = as_uint8_images(X)
        net = self.net_.eval()
        device = next(net.parameters()).device
        out = [net(to_model_range(images[i : i + 512].to(device))).argmax(1).cpu()
               for i in range(0, len(images), 512)]
        return self.classes_[torch.cat(out).numpy()]


def cnn_protocol(images, y, images_test, y_test, n_val: int, make_cnn, *, labels_per_class: int = 0,
                 draws: int = 0, seed: int = 0, full: bool = True) -> ProtocolResult:
    """The same splits as ``svm_protocol``: the last ``n_val`` training images validate (early
    stopping takes the role of the C search), the few-label subsets are the very same draws."""
    y = np.asarray(y)
    n_fit = len(y) - n_val
    val = (images[n_fit:], y[n_fit:])
    result = ProtocolResult()
    start = time.perf_counter()
    if full:
        result.accuracy = accuracy(make_cnn().fit(images[:n_fit], y[:n_fit], eval_set=val), images_test, y_test)
    for r in range(draws if labels_per_class > 0 else 0):
        idx = torch.from_numpy(few_label_indices(y[:n_fit], labels_per_class, seed=seed + 1000 + r))
        model = make_cnn().fit(images[idx], y[idx.numpy()], eval_set=val)
        result.few_label.append(accuracy(model, images_test, y_test))
    result.seconds = time.perf_counter() - start
    return result

"""Single-layer K-means features (Coates, Lee & Ng, AISTATS 2011), the paper's Table 1 baseline.

The pipeline of Coates & Ng's released code (``kmeans_demo.m``), in PyTorch:

1. ``rf x rf`` patches (default 6) from random positions of random training images; each patch is
   brightness/contrast normalised, ``(p - mean(p)) / sqrt(var(p) + 10)`` on the 0-255 scale.
2. ZCA whitening, ``P = V diag(1 / sqrt(eig + 0.1)) V^T``, fitted on those patches.
3. K-means (Lloyd's iterations, seeded; empty clusters re-seeded with random patches).
4. Every patch of an image (stride 1) is normalised and whitened; with ``z_k`` its distance to
   centroid k, the "triangle" activation is ``f_k = max(0, mean_k(z) - z_k)``.
5. Sum-pooling over the four quadrants of the image: ``4 * K`` features.

The authors' best single-layer setting was K = 1600 (6,400 features); the classifier standardises
the features, as theirs did.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import BaseEstimator, TransformerMixin

from dcgan.evaluation.classify.features import as_uint8_images

CONTRAST_EPS = 10.0  # Coates & Ng: variance + 10 on the 0-255 scale
ZCA_EPS = 0.1
# transform's element-wise passes over the (images * positions, K) distance matrix are memory-bound:
# batches sized to keep it about this big stay near the CPU's caches (benchmarks/kmeans_encode.py:
# 1.3x at K = 1,600, 1.6x at K = 4,000 over 64-image batches on a 32 MB-L3 EPYC core).
ENCODE_BYTES = 12 * 2**20


def extract_patches(images: torch.Tensor, rf: int) -> torch.Tensor:
    """uint8 (N, C, H, W) -> float (N, L, C*rf*rf): every rf x rf patch at stride 1, row-major positions."""
    return F.unfold(images.float(), rf).transpose(1, 2)


def normalise_patches(patches: torch.Tensor) -> torch.Tensor:
    """Per-patch brightness and contrast normalisation (last dim is the patch)."""
    mean = patches.mean(-1, keepdim=True)
    var = patches.var(-1, keepdim=True)
    return (patches - mean) / torch.sqrt(var + CONTRAST_EPS)


def zca(patches: torch.Tensor, eps: float = ZCA_EPS) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean, whitening matrix) such that ``(x - mean) @ P`` has (near-)identity covariance."""
    x = patches.double()
    mean = x.mean(0)
    cov = torch.cov((x - mean).T)
    eig, vec = torch.linalg.eigh(cov)
    P = vec @ torch.diag(1.0 / torch.sqrt(eig.clamp_min(0) + eps)) @ vec.T
    return mean.float(), P.float()


def kmeans(x: torch.Tensor, k: int, iterations: int, generator: torch.Generator, chunk: int = 16384) -> torch.Tensor:
    """Lloyd's K-means on (M, d) rows; returns (k, d) centroids. Seeded by ``generator``."""
    m = x.shape[0]
    centroids = x[torch.randperm(m, generator=generator)[:k]].clone()
    for _ in range(iterations):
        sums = torch.zeros_like(centroids)
        counts = torch.zeros(k, dtype=x.dtype)
        half_sq = 0.5 * centroids.pow(2).sum(1)
        for i in range(0, m, chunk):
            part = x[i : i + chunk]
            assign = torch.argmin(half_sq - part @ centroids.T, dim=1)  # argmin ||x - c||^2
            sums.index_add_(0, assign, part)
            counts.index_add_(0, assign, torch.ones_like(assign, dtype=x.dtype))
        empty = counts == 0
        centroids = sums / counts.clamp_min(1).unsqueeze(1)
        if empty.any():  # re-seed empty clusters with random patches
            centroids[empty] = x[torch.randint(0, m, (int(empty.sum()),), generator=generator)]
    return centroids


def quadrant_matrix(h: int, w: int) -> torch.Tensor:
    """(4, h*w) 0/1 matrix selecting the quadrants [TL, TR, BL, BR] (split at round(h/2), round(w/2))."""
    hh, hw = int(round(h / 2)), int(round(w / 2))
    rows, cols = torch.arange(h).repeat_interleave(w), torch.arange(w).repeat(h)
    quadrant = (rows >= hh).long() * 2 + (cols >= hw).long()
    return torch.nn.functional.one_hot(quadrant, 4).T.float()


def quadrant_sum(maps: torch.Tensor) -> torch.Tensor:
    """(N, h, w, K) -> (N, 4K): sums over the four quadrants, as one batched matrix product."""
    n, h, w, k = maps.shape
    return (quadrant_matrix(h, w).to(maps.dtype) @ maps.reshape(n, h * w, k)).reshape(n, 4 * k)


class KMeansFeatures(TransformerMixin, BaseEstimator):
    """uint8 images (N, C, H, W) -> float32 (N, 4K) triangle-K-means features, quadrant-pooled.

    ``batch_size``: images encoded at once; None sizes batches to ``ENCODE_BYTES`` of distances."""

    def __init__(self, n_centroids: int = 1600, rf: int = 6, n_patches: int = 400_000, iterations: int = 50,
                 batch_size: int | None = None, seed: int = 0):
        self.n_centroids = n_centroids
        self.rf = rf
        self.n_patches = n_patches
        self.iterations = iterations
        self.batch_size = batch_size
        self.seed = seed

    def fit(self, X, y=None):
        images = as_uint8_images(X)
        g = torch.Generator().manual_seed(self.seed)
        n, c, h, w = images.shape
        # Random patches from random images at random positions (Coates & Ng's sampling).
        which = torch.randint(0, n, (self.n_patches,), generator=g)
        rows = torch.randint(0, h - self.rf + 1, (self.n_patches,), generator=g)
        cols = torch.randint(0, w - self.rf + 1, (self.n_patches,), generator=g)
        offsets = torch.arange(self.rf)
        r_idx = (rows[:, None] + offsets[None, :])[:, None, :, None]  # (P, 1, rf, 1)
        c_idx = (cols[:, None] + offsets[None, :])[:, None, None, :]  # (P, 1, 1, rf)
        patches = images[which[:, None, None, None], torch.arange(c)[None, :, None, None], r_idx, c_idx]
        patches = normalise_patches(patches.reshape(self.n_patches, -1).float())
        self.mean_, self.whiten_ = zca(patches)
        whitened = (patches - self.mean_) @ self.whiten_
        k = min(self.n_centroids, self.n_patches)
        self.centroids_ = kmeans(whitened, k, self.iterations, g)
        self.n_features_out_ = 4 * k
        return self

    @torch.no_grad()
    def transform(self, X) -> np.ndarray:
        images = as_uint8_images(X)
        n, _, h, w = images.shape
        out_h, out_w = h - self.rf + 1, w - self.rf + 1
        c_sq = self.centroids_.pow(2).sum(1)
        out = np.empty((n, self.n_features_out_), dtype=np.float32)
        per_image = 4 * out_h * out_w * len(self.centroids_)  # bytes of one image's distance matrix
        batch_size = self.batch_size or max(1, ENCODE_BYTES // per_image)
        for i in range(0, n, batch_size):
            batch = images[i : i + batch_size]
            x = (normalise_patches(extract_patches(batch, self.rf)) - self.mean_) @ self.whiten_  # (B, L, d)
            x = x.reshape(-1, x.shape[-1])
            # ||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2 with one matrix product, then in place (memory-bound).
            z = torch.addmm(c_sq, x, self.centroids_.T, alpha=-2).add_(x.pow(2).sum(1, keepdim=True))
            z = z.clamp_min_(0).sqrt_()
            act = torch.sub(z.mean(1, keepdim=True), z, out=z).relu_()  # triangle activation
            out[i : i + len(batch)] = quadrant_sum(act.view(len(batch), out_h, out_w, -1)).numpy()
        return out

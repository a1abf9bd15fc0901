"""The semantic hash of §4.1.1: the autoencoder's 128 ReLU code units, binarised, packed to 16 bytes.

The paper binarises "by thresholding the ReLU activations" without giving the threshold. Two
rules are offered, both per unit ``j``: bit_j = code_j > t_j.

* ``median`` (default): t_j = max(median of code_j over the fit images, 0). Each unit that is
  active on more than half the images splits the data in two halves, the maximum-entropy bit,
  so unrelated images rarely share all 128 bits; a unit that is silent on most images falls
  back to the ReLU's own threshold 0 (active or not).
* ``zero``: t_j = 0, the literal "is the ReLU active". Units that are active on almost every
  image then carry almost no information, and unrelated images collide more often.

``benchmarks/dedup_planted.py`` measures both (precision and recall on planted duplicates);
the threshold is stored with the autoencoder so ``--load`` hashes new data the same way.

Identical images always get identical hashes: a float code can differ by ~1e-7 with the batch
it is computed in (BLAS blocking), which could flip a bit sitting on its threshold, so
byte-identical images (found by a 16-byte BLAKE2 digest, one dict pass) are given the hash of
their first occurrence.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import numpy as np
import torch

from dcgan import DcganError
from dcgan.data.types import ImageDataset, to_model_range
from dcgan.dedup.source import iter_batches
from dcgan.models.autoencoder import HashAutoencoder

THRESHOLD_RULES = ("median", "zero")


@torch.no_grad()
def encode(model: HashAutoencoder, images_uint8: torch.Tensor, device: torch.device | str = "cpu") -> torch.Tensor:
    """uint8 (N, 3, 32, 32) -> float32 code (N, 128) on the CPU, model in eval mode (no dropout, no noise)."""
    return model.encode(to_model_range(images_uint8.to(device))).float().cpu()


def encode_dataset(
    model: HashAutoencoder,
    dataset: ImageDataset,
    indices: torch.Tensor | None = None,
    batch_size: int = 1024,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """Codes (len(indices), 128) of the given (default: all) images."""
    parts = [encode(model, batch, device) for batch in iter_batches(dataset, batch_size, indices)]
    return torch.cat(parts) if parts else torch.zeros(0, model.cfg.code_units)


def fit_threshold(codes: torch.Tensor, rule: str = "median") -> dict:
    """Per-unit thresholds (code_units,) from codes (N, code_units) by ``rule``; see the module docstring."""
    if rule not in THRESHOLD_RULES:
        raise DcganError(f"threshold rule '{rule}' unknown (choose from {', '.join(THRESHOLD_RULES)})")
    if rule == "zero" or len(codes) == 0:
        values = torch.zeros(codes.shape[1])
    else:
        values = codes.median(dim=0).values.clamp(min=0)
    return {"rule": rule, "values": values.float()}


def binarise(codes: torch.Tensor, threshold: torch.Tensor) -> torch.Tensor:
    """codes (N, K) float, threshold (K,) -> bool (N, K): code strictly above the threshold."""
    return codes > threshold.to(codes.device)


def pack_bits(bits: torch.Tensor | np.ndarray) -> np.ndarray:
    """bool (N, K) -> uint8 (N, ceil(K/8)), most significant bit first (``np.packbits``)."""
    array = bits.cpu().numpy() if isinstance(bits, torch.Tensor) else np.asarray(bits)
    return np.packbits(array.astype(bool), axis=1)


@dataclass
class HashResult:
    packed: np.ndarray  # uint8 (N, 16): one 128-bit hash per image, in dataset order
    bit_rate: np.ndarray  # (128,) fraction of images with each bit set
    seconds: float
    identical: int = 0  # images byte-identical to an earlier one

    @property
    def images_per_s(self) -> float:
        return len(self.packed) / self.seconds if self.seconds > 0 else float("inf")


def hash_dataset(
    model: HashAutoencoder,
    dataset: ImageDataset,
    threshold: torch.Tensor,
    batch_size: int = 1024,
    device: torch.device | str = "cpu",
) -> HashResult:
    """Hash every image in one batched pass; kept: 16 bytes of hash an image (3M -> 48 MB) and a digest per distinct image."""
    start = time.perf_counter()
    packed, first_seen, repeats, index = [], {}, [], 0
    for batch in iter_batches(dataset, batch_size):
        for row in batch.reshape(len(batch), -1).numpy():
            first = first_seen.setdefault(hashlib.blake2b(row.tobytes(), digest_size=16).digest(), index)
            if first != index:
                repeats.append((index, first))
            index += 1
        packed.append(pack_bits(binarise(encode(model, batch, device), threshold)))
    nbytes = (model.cfg.code_units + 7) // 8
    all_packed = np.concatenate(packed) if packed else np.zeros((0, nbytes), np.uint8)
    if repeats:  # byte-identical images take the hash of their first occurrence
        dst, src = np.asarray(repeats, np.int64).T
        all_packed[dst] = all_packed[src]
    seconds = time.perf_counter() - start
    bit_rate = np.unpackbits(all_packed, axis=1)[:, : model.cfg.code_units].mean(0) if len(all_packed) else np.zeros(0)
    return HashResult(all_packed, bit_rate, seconds, len(repeats))

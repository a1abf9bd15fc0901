"""Near-duplicate removal by semantic hashing (paper §4.1.1).

``fit``: the 3072-128-3072 denoising, dropout autoencoder (``dcgan.models.autoencoder``);
``hashing``: code layer -> bits -> packed hash; ``grouping``: exact collisions in linear time
and an optional Hamming radius by multi-index hashing; ``pipeline``: dataset -> kept list,
groups, counts and a picture (``dcgan dedup``).
"""

from dcgan.dedup.grouping import group_codes, kept_indices
from dcgan.dedup.hashing import binarise, hash_dataset, pack_bits
from dcgan.dedup.pipeline import DedupOptions, run_dedup

__all__ = ["DedupOptions", "binarise", "group_codes", "hash_dataset", "kept_indices", "pack_bits", "run_dedup"]

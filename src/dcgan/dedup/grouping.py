"""Grouping images by hash (§4.1.1: "linear-time de-duplication").

Exact collisions: one dict from the 16-byte hash to the list of images that have it, a single
pass, expected O(N); no pairwise comparison is ever made.

Hamming radius r (optional, r = 1 or 2): multi-index hashing (Norouzi et al. 2012). The 128
bits are cut into r + 1 disjoint substrings; two codes within Hamming distance r agree exactly
on at least one substring (pigeonhole), so only codes sharing a substring bucket are compared.
The cost is O(N + sum over buckets of size^2): near-linear when substrings are informative
(the count of candidate pairs is reported so a degenerate hash is visible). Groups are the
connected components of "within r" links (scipy), so a chain A~B~C is one group even when A
and C are further apart than r.

Every group lists image indices in ascending order; its first (lowest) index is the
representative that is kept, the rest are removed.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

POPCOUNT = np.array([bin(i).count("1") for i in range(256)], np.uint8)
BLOCK_ELEMENTS = 1 << 22  # bound on the pairs compared at once inside one large bucket


def group_keys(keys: Iterable[Hashable]) -> list[list[int]]:
    """Positions with equal keys, bucket by bucket in order of first appearance (one dict pass)."""
    buckets: dict[Hashable, list[int]] = {}
    for i, key in enumerate(keys):
        bucket = buckets.get(key)
        if bucket is None:
            buckets[key] = [i]
        else:
            bucket.append(i)
    return list(buckets.values())


def row_keys(packed: np.ndarray) -> list[bytes]:
    """uint8 (N, B) -> N ``bytes`` keys of length B (hashable, compared by value)."""
    packed = np.ascontiguousarray(packed, dtype=np.uint8)
    return packed.view(np.dtype((np.void, packed.shape[1]))).ravel().tolist()  # void scalars -> bytes


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Hamming distance of packed codes uint8 (M, B) and (M, B) -> int (M,)."""
    return POPCOUNT[np.bitwise_xor(a, b)].sum(axis=1, dtype=np.int64)


def substring_ranges(nbits: int, parts: int) -> list[tuple[int, int]]:
    """Cut [0, nbits) into ``parts`` contiguous ranges of sizes differing by at most one."""
    bounds = np.linspace(0, nbits, parts + 1).round().astype(int)
    return [(int(s), int(e)) for s, e in zip(bounds[:-1], bounds[1:])]


def _bucket_pairs(bucket: np.ndarray, packed: np.ndarray, radius: int) -> tuple[np.ndarray, int]:
    """Pairs (i < j) of ``bucket`` members within ``radius``, compared in row blocks to bound memory."""
    m = len(bucket)
    found, candidates = [], 0
    step = max(1, BLOCK_ELEMENTS // m)
    for start in range(0, m - 1, step):
        rows = np.arange(start, min(start + step, m - 1))
        # row r is compared with every later member r+1..m-1
        i = np.repeat(rows, m - 1 - rows)
        j = np.concatenate([np.arange(r + 1, m) for r in rows])
        candidates += len(i)
        close = hamming(packed[bucket[i]], packed[bucket[j]]) <= radius
        found.append(np.stack([bucket[i][close], bucket[j][close]], axis=1))
    return (np.concatenate(found) if found else np.zeros((0, 2), np.int64)), candidates


def near_pairs(packed: np.ndarray, nbits: int, radius: int) -> tuple[np.ndarray, int]:
    """Pairs of rows of ``packed`` (distinct codes) within Hamming ``radius``: (P, 2) int64, candidates compared."""
    bits = np.unpackbits(packed, axis=1)[:, :nbits]
    pairs, candidates = [], 0
    for start, end in substring_ranges(nbits, radius + 1):
        for bucket in group_keys(row_keys(np.packbits(bits[:, start:end], axis=1))):
            if len(bucket) > 1:
                found, count = _bucket_pairs(np.asarray(bucket, np.int64), packed, radius)
                pairs.append(found)
                candidates += count
    if not pairs:
        return np.zeros((0, 2), np.int64), candidates
    return np.unique(np.concatenate(pairs), axis=0), candidates


@dataclass
class Grouping:
    groups: list[list[int]]  # duplicate groups (size >= 2), largest first; each ascending, representative first
    n_images: int
    unique_codes: int
    candidate_pairs: int  # Hamming candidates compared (0 for exact grouping)
    seconds: float

    @property
    def removed(self) -> int:
        return sum(len(g) - 1 for g in self.groups)


def group_codes(packed: np.ndarray, radius: int = 0, nbits: int | None = None) -> Grouping:
    """Group images whose packed codes (N, B) are equal (radius 0) or within Hamming ``radius``."""
    if radius < 0:
        raise ValueError(f"Hamming radius must be >= 0, got {radius}")
    start = time.perf_counter()
    n = len(packed)
    nbits = nbits or packed.shape[1] * 8
    exact = group_keys(row_keys(packed))  # each bucket ascending: positions are visited in order
    candidates = 0
    if radius == 0 or len(exact) < 2:
        components = exact
    else:
        heads = np.fromiter((b[0] for b in exact), np.int64, len(exact))
        pairs, candidates = near_pairs(packed[heads], nbits, radius)
        u = len(exact)
        graph = coo_matrix((np.ones(len(pairs), np.int8), (pairs[:, 0], pairs[:, 1])), shape=(u, u))
        _, labels = connected_components(graph, directed=False)
        merged: dict[int, list[int]] = {}
        for bucket, label in zip(exact, labels.tolist()):
            merged.setdefault(label, []).extend(bucket)
        components = [sorted(c) for c in merged.values()]
    groups = sorted((c for c in components if len(c) > 1), key=lambda g: (-len(g), g[0]))
    return Grouping(groups, n, len(exact), candidates, time.perf_counter() - start)


def kept_indices(groups: list[list[int]], n: int) -> list[int]:
    """All of 0..n-1 except the non-representatives (each group's members after its first)."""
    removed = np.zeros(n, bool)
    for group in groups:
        removed[group[1:]] = True
    return np.flatnonzero(~removed).tolist()

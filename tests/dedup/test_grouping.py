"""Grouping by hash (§4.1.1): exact, linear-time, and the Hamming radius against brute force."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from dcgan.dedup.grouping import group_codes, group_keys, hamming, kept_indices, near_pairs, substring_ranges


def random_codes(n: int, seed: int, nbytes: int = 16) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, nbytes), dtype=np.uint8)


def flip_bits(code: np.ndarray, positions: list[int]) -> np.ndarray:
    bits = np.unpackbits(code)
    bits[positions] ^= 1
    return np.packbits(bits)


class CountingKey:
    """A key that counts the equality tests a grouping makes (all-pairs would make ~n^2/2)."""

    eq_calls = 0

    def __init__(self, value: bytes):
        self.value = value

    def __hash__(self) -> int:
        return hash(self.value)

    def __eq__(self, other) -> bool:
        CountingKey.eq_calls += 1
        return self.value == other.value


def test_group_keys_makes_no_pairwise_comparisons():
    codes = random_codes(3000, 0)
    codes = np.concatenate([codes, codes[:500]])  # 500 exact repeats
    CountingKey.eq_calls = 0
    buckets = group_keys(CountingKey(bytes(row)) for row in codes)
    assert len(buckets) == 3000
    # a dict compares a key only with entries of equal hash: one test per repeat (plus rare hash clashes)
    assert CountingKey.eq_calls <= 500 + 10
    assert sorted(len(b) for b in buckets).count(2) == 500


def test_exact_groups_match_independent_reference():
    rng = np.random.default_rng(1)
    codes = random_codes(400, 2)[rng.integers(0, 250, 400)]  # many repeats of 250 distinct codes
    grouping = group_codes(codes)
    _, inverse = np.unique(codes, axis=0, return_inverse=True)  # sort-based reference
    expected = sorted(sorted(np.flatnonzero(inverse == k).tolist()) for k in np.unique(inverse))
    expected = [g for g in expected if len(g) > 1]
    assert sorted(grouping.groups) == expected
    assert grouping.unique_codes == len(np.unique(inverse))
    assert all(g == sorted(g) for g in grouping.groups)  # representative (lowest index) first


def test_exact_grouping_of_200k_codes_finds_the_planted_copies():
    """200k codes (all-pairs would be 2e10 comparisons) in one dict pass; speed is measured in
    benchmarks/dedup_planted.py, not here (timed assertions flake on a shared CI machine)."""
    large = random_codes(200_000, 4)
    large[100_000:100_100] = large[:100]
    grouping = group_codes(large)
    assert grouping.removed == 100
    assert sorted(grouping.groups) == [[i, 100_000 + i] for i in range(100)]


@pytest.mark.parametrize("radius", [1, 2])
def test_hamming_grouping_equals_brute_force(radius):
    rng = np.random.default_rng(5)
    base = random_codes(150, 6)
    near = [flip_bits(base[i], list(rng.choice(128, d, replace=False))) for i, d in zip(range(60), [1, 2, 3] * 20)]
    codes = np.concatenate([base, np.stack(near), base[:10]])  # flipped copies and exact repeats
    grouping = group_codes(codes, radius=radius)
    # brute force: all pairs' distances -> components
    n = len(codes)
    dist = np.array([[hamming(codes[i : i + 1], codes[j : j + 1])[0] for j in range(n)] for i in range(n)])
    _, labels = connected_components(dist <= radius, directed=False)
    expected = sorted(sorted(np.flatnonzero(labels == k).tolist()) for k in np.unique(labels))
    assert sorted(grouping.groups) == [g for g in expected if len(g) > 1]
    # the planted ones within the radius are found
    for i, d in zip(range(60), [1, 2, 3] * 20):
        if d <= radius:
            assert any(i in g and 150 + i in g for g in grouping.groups)


def test_hamming_candidates_are_near_linear():
    codes = random_codes(50_000, 7)
    _, candidates = near_pairs(codes, 128, 1)
    assert candidates < 1000  # random 64-bit halves almost never collide; all-pairs would be 1.25e9
    _, candidates2 = near_pairs(codes, 128, 2)
    assert candidates2 < 50_000  # 43-bit thirds: a handful of collisions per substring


def test_substring_ranges_cover_bits():
    for parts in (1, 2, 3):
        ranges = substring_ranges(128, parts)
        assert ranges[0][0] == 0 and ranges[-1][1] == 128 and len(ranges) == parts
        assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))


def test_kept_plus_removed_is_everything():
    rng = np.random.default_rng(8)
    codes = random_codes(300, 9)[rng.integers(0, 120, 1000)]
    grouping = group_codes(codes)
    kept = kept_indices(grouping.groups, len(codes))
    removed = [i for g in grouping.groups for i in g[1:]]
    assert sorted(kept + removed) == list(range(len(codes)))  # a partition of the dataset
    assert len(set(removed)) == len(removed) == grouping.removed
    kept_set = set(kept)
    for group in grouping.groups:
        assert sum(i in kept_set for i in group) == 1 and group[0] in kept_set  # one representative each
    assert len({bytes(codes[i]) for i in kept}) == len(kept)  # no two kept images share a code

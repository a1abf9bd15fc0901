"""The authors' nearest-neighbour distance against a direct computation, and the picture."""

import numpy as np
import pytest
import torch
from PIL import Image
from scipy.spatial.distance import cdist

from dcgan.evaluation.neighbours import nearest_neighbour_grid, nnd_score


def test_nnd_matches_direct_definition():
    g = torch.Generator().manual_seed(0)
    samples = torch.randint(0, 256, (40, 1, 6, 6), dtype=torch.uint8, generator=g)
    heldout = torch.randint(0, 256, (25, 1, 6, 6), dtype=torch.uint8, generator=g)
    flat = lambda x: x.reshape(len(x), -1).numpy() / 255.0
    want = cdist(flat(heldout), flat(samples)).min(axis=1).mean()  # held-out -> nearest sample
    assert nnd_score(samples, heldout) == pytest.approx(want, rel=1e-5)
    assert nnd_score(heldout, heldout) == pytest.approx(0.0, abs=1e-6)
    # More samples can only bring the nearest one closer.
    assert nnd_score(torch.cat([samples, heldout[:5]]), heldout) <= nnd_score(samples, heldout)


def test_picture_puts_exact_copies_first(tmp_path):
    g = torch.Generator().manual_seed(1)
    train = torch.randint(0, 256, (30, 1, 8, 8), dtype=torch.uint8, generator=g)
    samples = train[[3, 17]].clone()
    feats = train.reshape(30, -1).float().numpy()
    path = nearest_neighbour_grid(samples, train, tmp_path / "nn.png", feats[[3, 17]], feats, k=4, scale=1)
    grid = np.asarray(Image.open(path))
    pad, size = 2, 8
    assert grid.shape == (2 * (size + pad) + pad, 11 * (size + pad) + pad)  # 1 + 2 groups x (gap + 4)
    for row, index in enumerate((3, 17)):
        y = pad + row * (size + pad)
        tile = lambda col, y=y: grid[y : y + size, pad + col * (size + pad) : pad + col * (size + pad) + size]
        assert np.array_equal(tile(0), train[index, 0].numpy())
        assert np.array_equal(tile(2), train[index, 0].numpy())  # nearest in pixels: itself
        assert np.array_equal(tile(7), train[index, 0].numpy())  # nearest in features: itself

"""The semantic hash (§4.1.1): autoencoder shapes, binarisation, packing, identical images, fit/save/load."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dcgan.data.types import InMemoryImages
from dcgan.dedup.fit import FitSettings, corrupt, fit_autoencoder, load_autoencoder, save_autoencoder
from dcgan.dedup.grouping import group_codes
from dcgan.dedup.hashing import binarise, encode_dataset, fit_threshold, hash_dataset, pack_bits
from dcgan.models.autoencoder import AutoencoderConfig, HashAutoencoder


def blobs(n: int, seed: int) -> torch.Tensor:
    """uint8 (n, 3, 32, 32): smooth random colour blobs, distinct from one another."""
    g = torch.Generator().manual_seed(seed)
    low = torch.rand(n, 3, 4, 4, generator=g)
    img = torch.nn.functional.interpolate(low, size=32, mode="bilinear", align_corners=False)
    return (img * 255).round().to(torch.uint8)


@pytest.fixture(scope="module")
def fitted():
    images = blobs(256, 0)
    model, history = fit_autoencoder(InMemoryImages(images), AutoencoderConfig(), FitSettings(epochs=3, batch_size=64))
    return images, model, history


def test_autoencoder_is_3072_128_3072():
    model = HashAutoencoder(AutoencoderConfig())
    assert model.encoder.weight.shape == (128, 3072) and model.decoder.weight.shape == (3072, 128)
    x = torch.rand(5, 3, 32, 32) * 2 - 1
    code = model.encode(x)
    assert code.shape == (5, 128) and (code >= 0).all()  # ReLU code
    assert model(x).shape == x.shape
    with pytest.raises(ValueError):
        model.encode(torch.zeros(2, 1, 32, 32))


def test_corruption_is_seeded_and_changes_input():
    cfg = AutoencoderConfig(noise_std=0.2, mask_prob=0.1)
    x = torch.zeros(4, 3, 32, 32) + 0.5
    a = corrupt(x, cfg, torch.Generator().manual_seed(1))
    b = corrupt(x, cfg, torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and not torch.equal(a, x)
    masked = (a == 0).float().mean().item()
    assert 0.05 < masked < 0.15  # about mask_prob of the values


def test_fit_reduces_reconstruction_error(fitted):
    _, _, history = fitted
    assert history["epoch_mse"][-1] < history["epoch_mse"][0]


def test_binarise_and_pack_are_exact():
    codes = torch.tensor([[0.0, 0.5, 2.0, 0.0, 1.0, 0.0, 0.0, 0.0, 3.0], [1.0, 0.0, 0.0, 0.2, 0.0, 0.0, 0.0, 0.0, 0.0]])
    threshold = torch.tensor([0.0, 0.5, 1.0, 0.1, 0.0, 0.0, 0.0, 0.0, 2.9])
    bits = binarise(codes, threshold)
    assert bits.tolist() == [[False, False, True, False, True, False, False, False, True],
                             [True, False, False, True, False, False, False, False, False]]
    packed = pack_bits(bits)
    assert packed.shape == (2, 2) and packed.dtype == np.uint8
    assert np.array_equal(np.unpackbits(packed, axis=1)[:, :9].astype(bool), bits.numpy())


def test_threshold_rules():
    g = torch.Generator().manual_seed(0)
    codes = torch.relu(torch.randn(1001, 16, generator=g) + 1.5)  # units active on most images
    codes[:, 3] = 0  # a silent unit
    codes[:, 5] = torch.relu(torch.randn(1001, generator=g) - 1)  # a unit active on ~16% of images
    median = fit_threshold(codes, "median")["values"]
    bits = binarise(codes, median).float().mean(0)
    busy = (torch.arange(16) != 3) & (torch.arange(16) != 5)
    assert torch.allclose(bits[busy], torch.full((14,), 500 / 1001))  # max-entropy bits: exactly half above
    assert bits[3] == 0 and median[3] == 0 and median[5] == 0  # fall back to the ReLU threshold 0
    assert torch.isclose(bits[5], (codes[:, 5] > 0).float().mean())
    assert torch.equal(fit_threshold(codes, "zero")["values"], torch.zeros(16))


def test_identical_images_always_collide(fitted):
    images, model, _ = fitted
    threshold = fit_threshold(encode_dataset(model, InMemoryImages(images)), "median")["values"]
    # copies in other batches and at other positions, with an odd batch size (BLAS blocking differs)
    dataset = InMemoryImages(torch.cat([images[:50], images[:50].flip(0), images[:50]]))
    for batch_size in (1, 7, 33, 1024):
        hashed = hash_dataset(model, dataset, threshold, batch_size=batch_size)
        assert np.array_equal(hashed.packed[:50], hashed.packed[100:150])
        assert np.array_equal(hashed.packed[:50], hashed.packed[50:100][::-1])
        assert hashed.identical == 100
        grouping = group_codes(hashed.packed)
        for i in range(50):
            assert any(i in g and 100 + i in g and 99 - i in g for g in grouping.groups)


def test_distinct_images_get_distinct_hashes(fitted):
    images, model, _ = fitted
    threshold = fit_threshold(encode_dataset(model, InMemoryImages(images)), "median")["values"]
    hashed = hash_dataset(model, InMemoryImages(images), threshold)
    assert group_codes(hashed.packed).unique_codes > 0.9 * len(images)  # random blobs rarely collide


def test_save_load_round_trip(fitted, tmp_path):
    images, model, history = fitted
    threshold = fit_threshold(encode_dataset(model, InMemoryImages(images)), "median")
    path = save_autoencoder(tmp_path / "ae.pt", model, threshold, history)
    torch.load(path, weights_only=True)  # plain tensors and primitives only
    loaded, loaded_threshold, _ = load_autoencoder(path)
    assert loaded_threshold["rule"] == "median" and torch.equal(loaded_threshold["values"], threshold["values"])
    a = hash_dataset(model, InMemoryImages(images), threshold["values"]).packed
    b = hash_dataset(loaded, InMemoryImages(images), loaded_threshold["values"]).packed
    assert np.array_equal(a, b)


def test_fit_is_seeded_and_leaves_global_rng_alone():
    images = InMemoryImages(blobs(64, 1))
    state = torch.get_rng_state()
    a, _ = fit_autoencoder(images, AutoencoderConfig(), FitSettings(epochs=1, batch_size=32, seed=3))
    assert torch.equal(torch.get_rng_state(), state)
    b, _ = fit_autoencoder(images, AutoencoderConfig(), FitSettings(epochs=1, batch_size=32, seed=3))
    c, _ = fit_autoencoder(images, AutoencoderConfig(), FitSettings(epochs=1, batch_size=32, seed=4))
    assert torch.equal(a.encoder.weight, b.encoder.weight)
    assert not torch.equal(a.encoder.weight, c.encoder.weight)

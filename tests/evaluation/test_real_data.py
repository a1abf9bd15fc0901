"""Checks that can fail, on real Fashion-MNIST (2000 images a set, the shipped feature network):
the train/test floor is far below noise, blur and a repeated image; the distance grows
monotonically with noise and blur; one mode loses recall/coverage; results are reproducible."""

import numpy as np
import pytest
import torch

from dcgan.data import open_dataset
from dcgan.evaluation import perturb
from dcgan.evaluation.evaluate import evaluate_samples
from dcgan.evaluation.features import get_feature_extractor
from dcgan.evaluation.frechet import GaussianStats, frechet_between
from dcgan.evaluation.prdc import prdc
from dcgan.evaluation.reference import load_reference, subset_indices

N = 2000


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from tests.evaluation.conftest import FASHION_MNIST

    if not (FASHION_MNIST / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"Fashion-MNIST not found at {FASHION_MNIST}")
    extractor = get_feature_extractor("fashion-cnn")
    cache = tmp_path_factory.mktemp("cache")
    test = load_reference(extractor, "fashion-mnist", split="test", n=N, resolution=32, channels=1, cache_dir=cache)
    train_set = open_dataset("fashion-mnist", resolution=32, channels=1, split="train")
    index = torch.from_numpy(subset_indices(len(train_set), N, seed=1))
    return extractor, test, train_set.images[index], train_set.labels[index], cache


def fd(extractor, images, ref):
    return frechet_between(GaussianStats.of(extractor(images)), GaussianStats.of(ref.features))


def test_floor_far_below_degradations(setup):
    extractor, test, train, _, _ = setup
    floor = fd(extractor, train, test)
    degraded = {
        "uniform noise images": perturb.uniform_noise_images(N, train),
        "blur sigma 1.5": perturb.gaussian_blur(train, 1.5),
        "noise sigma 0.2": perturb.add_noise(train, 0.2),
        "one repeated image": perturb.repeated_image(train, N),
    }
    for name, images in degraded.items():
        assert fd(extractor, images, test) > 10 * floor, name


def test_monotone_in_noise_and_blur(setup):
    extractor, test, train, _, _ = setup
    noise = [fd(extractor, perturb.add_noise(train, s, seed=0), test) for s in (0.0, 0.05, 0.15, 0.4)]
    blur = [fd(extractor, perturb.gaussian_blur(train, s), test) for s in (0.0, 0.7, 1.2, 2.0)]
    assert all(np.diff(noise) > 0), noise
    assert all(np.diff(blur) > 0), blur


def test_one_mode_scores_worse_recall_and_coverage(setup):
    extractor, test, train, labels, _ = setup
    real = prdc(test.features, extractor(train))
    collapsed = prdc(test.features, extractor(perturb.one_mode(train, labels, N, label=7)))
    assert collapsed["recall"] < real["recall"] - 0.3
    assert collapsed["coverage"] < real["coverage"] - 0.3
    assert fd(extractor, perturb.one_mode(train, labels, N, label=7), test) > 10 * fd(extractor, train, test)


def test_reproducible_and_cached(setup):
    _, _, train, _, cache = setup
    kwargs = dict(reference="fashion-mnist", split="test", n_reference=N, cache_dir=cache, seed=5)
    first = evaluate_samples(train[:200], **kwargs)
    second = evaluate_samples(train[:200], **kwargs)
    first.pop("neighbours_png", None)
    assert first == second
    assert first["feature_space"]["name"].startswith("fashion-cnn@")
    assert first["reference"]["count"] == N and first["samples"]["count"] == 200
    assert set(first["metrics"]) >= {"fid", "kid_mean", "kid_std", "precision", "recall", "density", "coverage", "nnd"}

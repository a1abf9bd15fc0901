"""Walks in z (§6.1): exact endpoints, slerp geometry, and the walk figure's knots."""

import math

import pytest
import torch

from dcgan.core.run import load_generator
from dcgan.experiments.interpolation import lerp, slerp, walk_path
from dcgan.sampling import generate, seeded_z


@pytest.mark.parametrize("mode", ["linear", "slerp"])
@pytest.mark.parametrize("dist", ["normal", "uniform"])
def test_walk_knots_are_the_seeded_points_bitwise(mode, dist):
    knots = seeded_z(3, 5, 100, dist)
    path = walk_path(knots, steps=7, mode=mode)
    assert path.shape == (4, 8, 100)
    for k in range(4):
        assert torch.equal(path[k, 0], knots[k])
        assert torch.equal(path[k, -1], knots[k + 1])


@pytest.mark.parametrize("mode", ["linear", "slerp"])
def test_walk_endpoint_images_equal_endpoint_samples(tiny_run, mode):
    generator, cfg = load_generator(tiny_run)
    knots = seeded_z(11, 3, cfg.model.z_dim, cfg.model.z_dist)
    path = walk_path(knots, steps=4, mode=mode)  # (2 segments, 5, D)
    images = generate(generator, path.reshape(-1, cfg.model.z_dim))
    walked = images.view(2, 5, *images.shape[1:])
    for k, (segment, position) in enumerate([(0, 0), (1, 0), (1, -1)]):
        assert torch.equal(walked[segment, position], generate(generator, knots[k : k + 1])[0])
    assert torch.equal(walked[0, -1], walked[1, 0])
    assert not torch.equal(path[0, 2], path[0, 0])


def test_slerp_keeps_norm_and_moves_at_constant_angle():
    rng = torch.Generator().manual_seed(0)
    a = torch.randn(64, generator=rng, dtype=torch.float64)
    b = torch.randn(64, generator=rng, dtype=torch.float64)
    b = b * (a.norm() / b.norm())  # equal norms: slerp stays on the sphere
    t = torch.linspace(0, 1, 11, dtype=torch.float64)
    path = slerp(a, b, t)
    assert torch.allclose(path.norm(dim=1), a.norm().expand(11), rtol=1e-10)
    omega = math.acos(float(a @ b / (a.norm() * b.norm())))
    angles = torch.arccos((path @ a / (path.norm(dim=1) * a.norm())).clamp(-1, 1))
    assert torch.allclose(angles, t * omega, atol=1e-6)
    # linear interpolation, by contrast, cuts through the inside of the sphere
    assert lerp(a, b, t)[5].norm() < a.norm() * 0.99


def test_slerp_of_unequal_norms_interpolates_between_them_and_handles_parallel_vectors():
    a = torch.tensor([3.0, 0.0])
    b = torch.tensor([0.0, 1.0])
    mid = slerp(a, b, torch.tensor([0.5]))[0]
    # angle 90 degrees: weights sin(45)/sin(90) on each
    assert torch.allclose(mid, torch.tensor([3.0, 1.0]) * math.sqrt(0.5), atol=1e-6)
    parallel = slerp(a, 2 * a, torch.tensor([0.0, 0.5, 1.0]))
    assert torch.allclose(parallel, torch.stack([a, 1.5 * a, 2 * a]))
    assert torch.isfinite(parallel).all()

"""The collapse diagnostic: lower for a collapsed batch than for a varied one; warns on a drop."""

import torch

from dcgan.training.diversity import DiversityMonitor, mean_pairwise_distance, real_reference_batch


def _varied(n=16, seed=0):
    return torch.randint(0, 256, (n, 1, 8, 8), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))


def test_collapsed_batch_scores_lower_than_varied():
    varied = _varied()
    collapsed = varied[:1].expand(16, -1, -1, -1).clone()
    nearly = collapsed.clone()
    nearly[:2] = varied[:2]  # two of sixteen differ
    assert mean_pairwise_distance(collapsed) == 0.0
    assert 0 < mean_pairwise_distance(nearly) < mean_pairwise_distance(varied)
    # uint8 is read as [-1, 1] pixels: same numbers as the float input
    assert abs(mean_pairwise_distance(varied) - mean_pairwise_distance(varied.float() / 127.5 - 1)) < 1e-6


def test_monitor_ratio_and_warning(capsys):
    real = _varied(seed=1)
    monitor = DiversityMonitor(real, threshold=0.3, warmup_steps=10)
    assert abs(monitor.ratio(real) - 1.0) < 1e-9
    assert 0.8 < monitor(_varied(seed=2), step=20) < 1.25
    collapsed = real[:1].expand(16, -1, -1, -1)
    assert monitor(collapsed, step=5) == 0.0
    assert "warning" not in capsys.readouterr().err  # still warming up
    monitor(collapsed, step=30)
    monitor(collapsed, step=40)
    assert capsys.readouterr().err.count("mode collapse") == 1  # once per drop
    monitor(real, step=50)
    monitor(collapsed, step=60)
    assert capsys.readouterr().err.count("mode collapse") == 1  # and again after a recovery
    silent = DiversityMonitor(real, threshold=0.0, warmup_steps=0)
    silent(collapsed, step=100)
    assert "warning" not in capsys.readouterr().err


def test_real_reference_batch_is_seeded():
    data = [(img, 0) for img in _varied(40, seed=3)]
    a, b = real_reference_batch(data, 8, seed=0), real_reference_batch(data, 8, seed=0)
    assert a.shape == (8, 1, 8, 8) and torch.equal(a, b)
    assert not torch.equal(a, real_reference_batch(data, 8, seed=1))

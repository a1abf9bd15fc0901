"""The mirror-image pose proxy and the checked turn axis."""

from __future__ import annotations

import json

import pytest
import torch

from dcgan.config import resolve_config
from dcgan.core.run import Networks
from dcgan.experiments.pose_axis import PoseProxy, pose_axis_check
from dcgan.models import build_models
from tests.experiments.test_face_scoring import StubJudge


def faces_looking(side: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """uint8 (N, 3, 32, 32): a bright 'nose' blob left (side -1) or right (+1) of centre, with noise."""
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(32.0), torch.arange(32.0), indexing="ij")
    centre = 16 + 6 * side[:, None, None] + torch.randn(len(side), 1, 1, generator=g)
    blob = torch.exp(-((xx - centre) ** 2 + (yy - 16) ** 2) / 18)
    img = 60 + 150 * blob + 10 * torch.randn(len(side), 32, 32, generator=g)
    return img.clamp(0, 255).to(torch.uint8)[:, None].repeat(1, 3, 1, 1)


def test_proxy_is_antisymmetric_and_separates_sides():
    side = torch.tensor([-1.0, 1.0] * 20)
    faces = faces_looking(side)
    proxy = PoseProxy().fit(faces)
    s = proxy.score(faces)
    assert torch.allclose(proxy.score(faces.flip(3)), -s, atol=1e-4)
    assert (torch.sign(s) == torch.sign(s[0]) * torch.where(side == side[0], 1.0, -1.0)).all()
    assert s.std() == pytest.approx(1.0, rel=1e-3)


def test_pose_axis_check_outputs(tmp_path):
    cfg = resolve_config({}, {"model.resolution": 16, "model.channels": 3, "model.g_width": 8, "model.d_width": 8,
                              "model.z_dim": 16})
    g, _ = build_models(cfg.model, seed=0)
    nets = Networks(g.eval(), None, cfg, tmp_path / "latest.pt")
    real = faces_looking(torch.tensor([-1.0, 1.0] * 10))
    summary = pose_axis_check(nets, StubJudge(), real, tmp_path / "pose", sheet_n=24, k=3, n=6, steps=5, extent=1.0)
    data = json.loads((tmp_path / "pose" / "pose.json").read_text())
    assert len(data["axis"]["pose_mean_per_alpha"]) == 5 and len(data["sheet"]["set_a"]) == 3
    assert data["sheet"]["set_a_pose"][-1] >= data["sheet"]["set_b_pose"][0]
    for key in ("axis", "random_direction"):
        stays = data[key]["judge_stays"]["gender"]["per_alpha"]
        assert stays[2] == 1.0  # alpha 0 agrees with itself
    for f in summary["files"]:
        assert (tmp_path / "pose" / f).is_file()

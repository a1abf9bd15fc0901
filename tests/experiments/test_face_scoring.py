"""Judge-scored face arithmetic: pools, methods, intervals, outputs (tiny random G, stub judges)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

from dcgan.config import resolve_config
from dcgan.core.run import Networks
from dcgan.evaluation.judge import HEADS, judge_probs
from dcgan.experiments.arithmetic import combine, neighbours, parse_expression
from dcgan.experiments.face_scoring import (
    CONCEPTS,
    EXPRESSIONS,
    METHODS,
    bootstrap_interval,
    carries,
    draw_images,
    pick_pools,
    score_arithmetic,
)
from dcgan.models import build_models
from dcgan.sampling import generate


class StubJudge(nn.Module):
    """Reads gender from the red-minus-blue balance and age from brightness (or a fixed verdict)."""

    def __init__(self, fixed: dict[str, int] | None = None):
        super().__init__()
        self.fixed = fixed
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        n = len(x)
        if self.fixed:
            return {h: nn.functional.one_hot(torch.full((n,), self.fixed[h]), len(c)).float() * 20 for h, c in HEADS.items()}
        rb = (x[:, 0] - x[:, 2]).mean((1, 2)) * 20
        bright = x.mean((1, 2, 3)) * 20
        return {"gender": torch.stack([-rb, rb], 1), "age_group": torch.stack([bright, torch.zeros(n), -bright], 1)}


@pytest.fixture(scope="module")
def nets(tmp_path_factory):
    cfg = resolve_config({}, {"model.resolution": 16, "model.channels": 3, "model.g_width": 8, "model.d_width": 8,
                              "model.z_dim": 16})
    g, _ = build_models(cfg.model, seed=0)
    return Networks(g.eval(), None, cfg, tmp_path_factory.mktemp("ck") / "latest.pt")


def test_pick_pools_takes_most_confident():
    probs = {"gender": torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.99, 0.01]]),
             "age_group": torch.tensor([[0.1, 0.1, 0.8], [0.1, 0.1, 0.8], [0.9, 0.05, 0.05], [0.5, 0.0, 0.5]])}
    z = torch.arange(4, dtype=torch.float32)[:, None].repeat(1, 3)
    pools = pick_pools(z, probs, {"old_man": CONCEPTS["old_man"]}, seed=5, pool=3)
    p = pools["old_man"]
    assert p.tokens == ["5:0", "5:3", "5:1"]  # 0.72, 0.495, 0.16
    assert p.confidence == pytest.approx([0.72, 0.495, 0.16])
    assert torch.equal(p.z[:, 0], torch.tensor([0.0, 3.0, 1.0]))


def test_carries_needs_every_target_head():
    probs = {"gender": torch.tensor([[0.1, 0.9], [0.1, 0.9], [0.9, 0.1]]),
             "age_group": torch.tensor([[0.1, 0.1, 0.8], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8]])}
    assert carries(probs, {"gender": "female", "age_group": "old"}).tolist() == [True, False, False]


def test_bootstrap_interval():
    assert bootstrap_interval(np.full(10, 0.5), 0) == [0.5, 0.5]
    lo, hi = bootstrap_interval(np.array([0.0, 1.0] * 10), 0)
    assert lo < 0.5 < hi and 0.2 < lo and hi < 0.8


def test_draw_images_reuse_the_arithmetic(nets):
    terms = parse_expression("A - B + C")
    ex = {k: torch.randn(3, 16, generator=torch.Generator().manual_seed(i)) for i, k in enumerate("ABC")}
    images = draw_images(nets, terms, ex, seed=3)
    assert [tuple(images[m].shape) for m in METHODS] == [(9, 3, 16, 16), (9, 3, 16, 16), (1, 3, 16, 16), (9, 3, 16, 16)]
    y = combine(terms, {k: v.mean(0) for k, v in ex.items()})
    assert torch.equal(images["mean3"], generate(nets.generator, neighbours(y, 0.25, 3)))
    single = combine(terms, {k: v[0] for k, v in ex.items()})
    assert torch.equal(images["single"][4], generate(nets.generator, single[None])[0])


def test_score_arithmetic_outputs(nets, tmp_path):
    summary = score_arithmetic(nets, StubJudge(), tmp_path, {"metrics": {"gender_accuracy": 0.9}},
                               sheet_n=40, pool=5, draws=4)
    data = json.loads((tmp_path / "arithmetic.json").read_text())
    assert set(data["expressions"]) == {e.name for e in EXPRESSIONS}
    for res in data["expressions"].values():
        assert list(res["methods"]) == list(METHODS)
        for m, r in res["methods"].items():
            assert 0 <= r["interval"][0] <= r["success"] <= r["interval"][1] <= 1 and r["draws"] == 4
            assert r["images"] == (4 if m == "pixel" else 36)
        assert len(res["exemplars_per_draw"]) == 4
        assert all(len(t) == 3 for draw in res["exemplars_per_draw"] for t in draw.values())
    assert "| `old_man - young_man + young_woman` |" in (tmp_path / "table.md").read_text()
    for f in summary["files"]:
        assert (tmp_path / f).is_file()


def test_arithmetic_images_are_the_scored_images(nets, tmp_path):
    """The saved arrays let a reader re-score the arithmetic: the stub judge on them gives the JSON's rates."""
    judge = StubJudge()
    summary = score_arithmetic(nets, judge, tmp_path, sheet_n=40, pool=5, draws=3)
    with np.load(tmp_path / "arithmetic_images.npz") as f:
        images, expression, method, draw = f["arr_0"], f["expression"], f["method"], f["draw"]
    assert images.dtype == np.uint8 and images.shape[1:] == (16, 16, 3)  # NHWC
    per_draw = {"mean3": 9, "single": 9, "pixel": 1, "random": 9}
    assert len(images) == len(expression) == len(method) == len(draw) == len(EXPRESSIONS) * 3 * sum(per_draw.values())
    for e in EXPRESSIONS:
        res = summary["expressions"][e.name]
        for m in METHODS:
            rates = []
            for r in range(3):
                pick = (expression == e.name) & (method == m) & (draw == r)
                assert pick.sum() == per_draw[m]
                nchw = torch.from_numpy(images[pick]).permute(0, 3, 1, 2)
                rates.append(float(carries(judge_probs(judge, nchw), e.target).float().mean()))
            assert np.mean(rates) == pytest.approx(res["methods"][m]["success"], abs=1e-4)


def test_rigged_judges_give_all_or_nothing(nets, tmp_path):
    old_woman = StubJudge({"gender": 1, "age_group": 2})
    data = score_arithmetic(nets, old_woman, tmp_path, sheet_n=20, pool=3, draws=2)["expressions"]
    assert all(r["success"] == 1.0 for r in data["age"]["methods"].values())  # target old woman: always
    assert all(r["success"] == 0.0 for r in data["gender"]["methods"].values())  # target young woman: never

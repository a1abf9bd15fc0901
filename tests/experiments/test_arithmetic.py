"""Vector arithmetic (§6.3.2): expressions, averaging, the 3x3 neighbourhood."""

import pytest
import torch

from dcgan import DcganError
from dcgan.experiments.arithmetic import combine, concept_means, neighbours, parse_expression
from dcgan.experiments.sheets import resolve_z
from dcgan.sampling import seeded_z


def test_parse_expression():
    assert parse_expression("A - B + C") == [(1, "A"), (-1, "B"), (1, "C")]
    assert parse_expression("-smile+man") == [(-1, "smile"), (1, "man")]
    for bad in ["A B", "A -", "A * B", "", "A + 2"]:
        with pytest.raises(DcganError):
            parse_expression(bad)


def test_single_exemplar_equals_plain_z_arithmetic():
    concepts = {name: resolve_z([token], 100, "uniform", sheet_seed=4, sheet_n=64)
                for name, token in (("A", "3"), ("B", "17"), ("C", "seed=5"))}
    y = combine(parse_expression("A - B + C"), concept_means(concepts))
    sheet = seeded_z(4, 64, 100, "uniform")
    assert torch.equal(y, sheet[3] - sheet[17] + seeded_z(5, 1, 100, "uniform")[0])


def test_means_average_the_exemplars():
    z = seeded_z(0, 6, 8, "normal")
    means = concept_means({"A": z[:3], "B": z[3:]})
    y = combine(parse_expression("A - B"), means)
    assert torch.allclose(y, (z[0] + z[1] + z[2]) / 3 - (z[3] + z[4] + z[5]) / 3, atol=1e-6)
    with pytest.raises(DcganError, match="undefined"):
        combine(parse_expression("A + D"), means)


def test_neighbourhood_is_result_plus_bounded_uniform_noise():
    y = seeded_z(1, 1, 100, "normal")[0]
    cells = neighbours(y, 0.25, seed=3)
    assert cells.shape == (9, 100)
    assert torch.equal(cells[4], y)
    offsets = torch.cat([cells[:4], cells[5:]]) - y
    assert offsets.abs().max() <= 0.25 + 1e-6
    assert offsets.abs().max() > 0.2  # uses the whole range, not a constant
    assert (offsets != 0).all()
    assert torch.equal(neighbours(y, 0.25, seed=3), cells)
    assert not torch.equal(neighbours(y, 0.25, seed=4), cells)

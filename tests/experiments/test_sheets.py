"""Exemplar tokens name the samples of numbered sheets exactly."""

import pytest
import torch

from dcgan import DcganError
from dcgan.experiments.sheets import resolve_z
from dcgan.sampling import seeded_z


def test_tokens_resolve_to_sheet_rows_and_seeds(tmp_path):
    sheet0 = seeded_z(0, 64, 16, "normal")
    sheet5 = seeded_z(5, 64, 16, "normal")
    (tmp_path / "seeds.txt").write_text("# a file of seeds\nseed=9\n5:2, 7\n")
    z = resolve_z(["3,5:10", "@" + str(tmp_path / "seeds.txt")], 16, "normal", sheet_seed=0, sheet_n=64)
    expected = torch.stack([sheet0[3], sheet5[10], seeded_z(9, 1, 16, "normal")[0], sheet5[2], sheet0[7]])
    assert torch.equal(z, expected)


@pytest.mark.parametrize("token", ["64", "x", "1:2:3", "@/nonexistent/file"])
def test_bad_tokens_are_user_errors(token):
    with pytest.raises(DcganError):
        resolve_z([token], 16, "uniform", 0, 64)

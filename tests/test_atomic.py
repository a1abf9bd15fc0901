"""dcgan.atomic: a file is whole or not there, whatever happens during the write."""

from __future__ import annotations

import os

import numpy as np
import pytest

from dcgan.atomic import atomic_path, write_text_atomic


def test_a_finished_write_replaces_the_file_and_keeps_its_suffix(tmp_path):
    path = tmp_path / "sub" / "x.npz"
    with atomic_path(path) as tmp:
        assert tmp.parent == path.parent and tmp.suffix == ".npz" and tmp != path
        np.savez(tmp, arr_0=np.arange(3))  # np.savez appends .npz unless the name ends in it
    assert np.array_equal(np.load(path)["arr_0"], np.arange(3))
    assert sorted(p.name for p in path.parent.iterdir()) == ["x.npz"]


@pytest.mark.parametrize("error", [OSError(27, "File too large"), KeyboardInterrupt()])
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path, error):
    path = write_text_atomic(tmp_path / "a.json", "old")
    with pytest.raises(type(error)):
        with atomic_path(path) as tmp:
            tmp.write_text("half")
            raise error
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_the_file_gets_the_mode_a_plain_write_would(tmp_path, umask):
    old = os.umask(umask)
    try:
        (tmp_path / "plain.txt").write_text("x")
        write_text_atomic(tmp_path / "atomic.txt", "x")  # mkstemp alone would leave it 0600
    finally:
        os.umask(old)
    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
    assert modes["atomic.txt"] == modes["plain.txt"] == 0o666 & ~umask

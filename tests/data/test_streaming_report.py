"""Issue #18: a streamed folder with corrupt images says so in one clean line per named image
(no source line), names only the first few across all DataLoader workers and epochs, and can
summarise how many images it replaced (``report_skipped``), through keep-list and multi-source
wrappers too."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings

import pytest
import torch

from dcgan.data import open_dataset
from dcgan.data.multi import ConcatImages
from dcgan.data.streaming import WARN_FIRST, CorruptImageWarning, report_skipped
from tests.data._make import colour_image


@pytest.fixture(autouse=True)
def streamed(monkeypatch):
    """The folders here are small enough to be decoded into memory: a limit of 0 makes them stream."""
    monkeypatch.setenv("DCGAN_IN_MEMORY_MB", "0")


def _folder(root, good=4, bad=1):
    root.mkdir(parents=True)
    for i in range(good):
        colour_image(i).save(root / f"g{i}.png")
    for i in range(bad):
        (root / f"z_bad{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    return root


def test_the_per_image_message_is_one_line_without_a_source_line(tmp_path):
    ds = open_dataset(str(_folder(tmp_path / "imgs")), resolution=8, channels=3)
    with pytest.warns(CorruptImageWarning) as record:
        items = [ds[i] for i in range(len(ds))]
    assert len(items) == 5 and len(record) == 1
    w = record[0]
    # What the default ``warnings.showwarning`` writes to stderr, exactly.
    shown = warnings.formatwarning(w.message, w.category, w.filename, w.lineno, w.line)
    assert shown.count("\n") == 1, shown  # was a second line: the caller's source line, "items = [ds[i] ..."
    assert "ds[i]" not in shown and "z_bad0.png" in shown
    assert "object at 0x" not in shown  # no "<_io.BytesIO object at 0x7f...>" from PIL's message


def test_summary_counts_and_names_the_replaced_images(tmp_path, capsys):
    ds = open_dataset(str(_folder(tmp_path / "imgs", good=3, bad=2)), resolution=8, channels=3)
    assert report_skipped(ds) == 0 and capsys.readouterr().err == ""  # nothing replaced yet: silent
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptImageWarning)
        for i in range(len(ds)):
            ds[i]
    assert report_skipped(ds) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "2 corrupt image(s)" in err and "z_bad0.png" in err and "z_bad1.png" in err, err


def test_summary_sees_through_keep_list_and_multi_source_wrappers(tmp_path, capsys):
    a = open_dataset(str(_folder(tmp_path / "a", bad=1)), resolution=8, channels=3)
    b = open_dataset(str(_folder(tmp_path / "b", bad=2)), resolution=8, channels=3)
    both = torch.utils.data.Subset(ConcatImages([a, b], "a + b"), list(range(len(a) + len(b))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorruptImageWarning)
        for i in range(len(both)):
            both[i]
    assert report_skipped(both) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "1 corrupt image(s)" in err and "2 corrupt image(s)" in err, err


def test_many_corrupt_images_name_only_the_first_few_in_one_process(tmp_path):
    ds = open_dataset(str(_folder(tmp_path / "imgs", good=2, bad=WARN_FIRST + 7)), resolution=8, channels=3)
    with pytest.warns(CorruptImageWarning) as record:
        for i in range(len(ds)):
            ds[i]
    assert len(record) == WARN_FIRST and "further ones are counted" in str(record[-1].message)
    assert ds.corrupt_count() == WARN_FIRST + 7


SCRIPT = """
import sys
from dcgan.data import open_dataset
from dcgan.data.loader import BatchStream
from dcgan.data.streaming import report_skipped

ds = open_dataset(sys.argv[1], resolution=8, channels=3)
stream = BatchStream(ds, batch_size=1, seed=0, num_workers=1)
batches = stream.batches()
for _ in range(3 * stream.batches_per_epoch):  # three epochs, a fresh worker process each
    next(batches)
print("summary", report_skipped(ds), file=sys.stderr)
"""


def test_workers_over_epochs_name_the_first_few_once_and_the_main_process_counts_them(tmp_path):
    root = _folder(tmp_path / "imgs", good=3, bad=WARN_FIRST + 2)
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(SCRIPT), str(root)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    named = [line for line in lines if "CorruptImageWarning" in line]
    # Was WARN_FIRST lines per worker process and epoch (each followed by a source line) and no summary.
    assert len(named) == WARN_FIRST, done.stderr
    assert not [line for line in lines if line.startswith("  ")], done.stderr  # no indented source lines
    assert lines[-1] == f"summary {WARN_FIRST + 2}", done.stderr
    summary = [line for line in lines if "corrupt image(s)" in line]
    assert len(summary) == 1 and f"{WARN_FIRST + 2} corrupt image(s)" in summary[0], done.stderr

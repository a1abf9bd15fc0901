"""Issue #40: the same seed gives byte-identical images in fresh processes, with 1 and 2 threads."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest

SCRIPT = """
import hashlib, sys, torch
torch.set_num_threads(int(sys.argv[2]))
import dcgan
images = dcgan.load(sys.argv[1]).generate(64, seed=0)
print(hashlib.sha256(images.tobytes()).hexdigest())
"""


@pytest.mark.slow
@pytest.mark.parametrize("which", ["tiny run", "pretrained fashion"])
def test_generation_is_byte_identical_across_processes_and_thread_counts(tiny_run, which):
    """5 fresh processes with 1 thread and 5 with 2: a tiny run, and the shipped full-size network
    (its convolutions are large enough to be split across threads)."""
    from dcgan.pretrained import registry

    if which == "pretrained fashion" and "fashion" not in registry():
        pytest.skip("no pretrained 'fashion' network in this copy")
    target = str(tiny_run) if which == "tiny run" else "fashion"
    digests = []
    for threads in (1, 2) * 5:
        env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
        done = subprocess.run([sys.executable, "-c", SCRIPT, target, str(threads)], capture_output=True,
                              text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        digests.append(done.stdout.strip())
    assert len(set(digests)) == 1, digests
    import dcgan

    here = dcgan.load(target).generate(64, seed=0)
    assert hashlib.sha256(here.tobytes()).hexdigest() == digests[0]  # and in this process too

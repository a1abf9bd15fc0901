"""DDP on this machine: 2 CPU processes over gloo, launched with torchrun.

With ``train.sync_bn=true`` BatchNorm statistics cover both processes' batches, the data
permutation is split between ranks and z is sliced from the same global draw, so two
processes with batch B must match one process with batch 2B (up to float reduction order).
Without it each rank normalises its own batch B (the paper's per-batch BatchNorm), which is
a different computation: there we check what does hold (runs, identical weights on both
ranks, rank 0 alone writes, resume works).
"""

import json
import os
import subprocess
import sys

import pytest
import torch

from dcgan.core.checkpoint import load_checkpoint
from dcgan.training.loop import train
from tests.conftest import tiny_config


def _torchrun(idx_folder, out_dir, extra: list[str], steps: int, resume: bool = False):
    args = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m", "dcgan", "train",
            "--no-progress"]
    if resume:
        args += ["--resume", str(out_dir), "--set", f"train.max_steps={steps}"]
    else:
        sets = {"data.name": "mnist", "data.path": str(idx_folder), "model.resolution": 16, "model.g_width": 8,
                "model.d_width": 8, "model.z_dim": 16, "train.batch_size": 8, "train.max_steps": steps,
                "train.log_every": 1, "train.checkpoint_every": 2, "train.out_dir": str(out_dir), "train.tensorboard": False,
                # fp32: the comparison with one process is up to float reduction order, which bf16 amplifies
                "train.precision": "fp32", "train.eval_every": 0}  # no in-training evaluation, as tiny_config
        for k, v in sets.items():
            args += ["--set", f"{k}={v}"]
    args += extra
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.mark.slow
def test_two_processes_with_sync_bn_match_one_process_with_double_batch(idx_folder, tmp_path):
    _torchrun(idx_folder, tmp_path / "ddp", ["--set", "train.sync_bn=true"], steps=3)
    single = tiny_config(idx_folder, tmp_path / "single", **{
        "train.batch_size": 16, "train.max_steps": 3, "train.log_every": 1, "train.checkpoint_every": 2,
        "train.precision": "fp32"})
    train(single, progress=False)
    a, b = load_checkpoint(tmp_path / "ddp"), load_checkpoint(tmp_path / "single")
    assert a["step"] == b["step"] == 3
    for key in ("generator", "discriminator"):
        for name, tensor in b[key].items():
            if tensor.is_floating_point():
                torch.testing.assert_close(a[key][name], tensor, rtol=1e-4, atol=1e-5, msg=f"{key}.{name}")


@pytest.mark.slow
def test_per_rank_batchnorm_runs_and_resumes(idx_folder, tmp_path):
    out = tmp_path / "ddp"
    proc = _torchrun(idx_folder, out, [], steps=2)
    assert (out / "checkpoints" / "latest.pt").is_file()
    assert proc.stderr.count("run directory:") == 1  # only rank 0 reports
    _torchrun(idx_folder, out, [], steps=4, resume=True)
    state = load_checkpoint(out)
    assert state["step"] == 4 and state["cursor"] == 4
    lines = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    ticks = [x for x in lines if x.get("event") != "start"]
    assert len(ticks) == 4 and len(lines) - len(ticks) == 2  # one writer: one line per tick, one per start


def _rank_that_stops_alone(rank: int, port: int, idx_folder: str, out_dir: str, results: str) -> None:
    """One of two gloo processes; rank 1 alone gets a SIGTERM after step 2 (as when a scheduler
    signals one process of a job)."""
    import json
    import signal

    os.environ.update({"RANK": str(rank), "WORLD_SIZE": "2", "LOCAL_RANK": str(rank), "MASTER_ADDR": "127.0.0.1",
                       "MASTER_PORT": str(port), "OMP_NUM_THREADS": "1"})
    torch.set_num_threads(1)

    def signal_rank_1(record):
        if rank == 1 and record["step"] == 2:
            os.kill(os.getpid(), signal.SIGTERM)

    from pathlib import Path

    cfg = tiny_config(Path(idx_folder), Path(out_dir), **{"train.max_steps": 8, "train.log_every": 1,
                                                           "train.checkpoint_every": 100})
    result = train(cfg, progress=False, on_tick=signal_rank_1)
    Path(results, f"rank{rank}.json").write_text(json.dumps({"step": result.step, "interrupted": result.interrupted}))


@pytest.mark.slow
def test_a_stop_reaching_one_process_stops_every_process_after_the_same_step(idx_folder, tmp_path):
    """Before, each process read its own flag: rank 1 left for its checkpoint while rank 0 went on
    into the next step's collectives, and the job hung (here: the timeout fails the test)."""
    import json
    import socket

    import torch.multiprocessing as mp

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    context = mp.start_processes(_rank_that_stops_alone, args=(port, str(idx_folder), str(tmp_path / "run"), str(tmp_path)),
                                 nprocs=2, join=False, start_method="spawn")
    deadline = 120
    import time

    start = time.monotonic()
    while not context.join(timeout=5):
        if time.monotonic() - start > deadline:
            for p in context.processes:
                p.kill()
            pytest.fail("the two processes did not finish: one stopped while the other waited in a collective call")
    results = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert results[0] == results[1] == {"step": 2, "interrupted": True}
    assert load_checkpoint(tmp_path / "run")["step"] == 2

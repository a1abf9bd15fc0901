"""A running explorer (a thread, a free loopback port) over a run whose generator's pictures
really depend on z: a 6-step tiny run draws nearly the same grey square for every z, which would
let a wrong z pass a pixel-for-pixel check. So the run's G keeps PyTorch's default initialisation
(not the paper's N(0, 0.02)), whose outputs vary strongly from sample to sample."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ..conftest import tiny_config


def varied_run(run_dir: Path, idx_folder: Path, **overrides) -> Path:
    from dcgan.core.checkpoint import save_checkpoint
    from dcgan.models.registry import build_discriminator, build_generator

    cfg = tiny_config(idx_folder, run_dir, **{"model.resolution": 32, "model.channels": 1, **overrides})
    torch.manual_seed(0)  # PyTorch's default init draws from the global generator
    g, d = build_generator(cfg.model), build_discriminator(cfg.model)
    save_checkpoint({"config": cfg.to_dict(), "generator": g.state_dict(), "discriminator": d.state_dict(), "step": 0},
                    run_dir / "checkpoints" / "latest.pt")
    (run_dir / "config.json").write_text(cfg.to_json())
    return run_dir


@pytest.fixture(scope="module")
def served(idx_folder, tmp_path_factory):
    from dcgan.serve.explorer import Explorer
    from dcgan.serve.server import start_in_thread

    run = varied_run(tmp_path_factory.mktemp("serve") / "run", idx_folder)
    explorer = Explorer.open(run)
    server, url = start_in_thread(explorer)
    yield explorer, url, run
    server.shutdown()
    server.server_close()

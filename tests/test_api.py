"""``dcgan.load`` / ``dcgan.train`` (src/dcgan/api.py): the same images as ``dcgan sample``, the same
features as ``dcgan classify``, every file kind loads alike, and docs/api.md's examples run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import dcgan
from dcgan import DcganError
from dcgan.cli import main
from dcgan.core.checkpoint import load_checkpoint
from dcgan.core.run import open_run
from dcgan.core.safetensors_io import save_safetensors
from dcgan.data.registry import DATASETS
from dcgan.data.types import to_model_range, to_uint8
from dcgan.evaluation.classify.features import DiscriminatorFeatures, feature_dimension
from dcgan.sampling import seeded_z
from tests.interop.test_authors import _tiny_svhn_like, _write_release

from .conftest import tiny_config

DOCS = Path(__file__).resolve().parents[1] / "docs" / "api.md"
DOCS_RUN = '"runs/main"'  # the run the docs' examples open; the test puts the tiny run in its place


@pytest.fixture(scope="module")
def ema_run(idx_folder, tmp_path_factory) -> Path:
    """A tiny run that kept an EMA generator (what dcgan sample uses when there is one)."""
    run_dir = tmp_path_factory.mktemp("api-ema") / "run"
    dcgan.train(tiny_config(idx_folder, run_dir, **{"train.ema_decay": 0.9, "train.max_steps": 3}))
    return run_dir


@pytest.fixture(scope="module")
def authors_checkpoint(tmp_path_factory) -> Path:
    """``dcgan import authors`` on a small release of the authors' array layout."""
    root = tmp_path_factory.mktemp("api-authors")
    folder = _write_release(root / "tiny_uniform", *_tiny_svhn_like(np.random.default_rng(0)))
    out = root / "authors.pt"
    assert main(["import", "authors", str(folder), "--out", str(out), "--stats-images", "16"]) == 0
    return out


@pytest.fixture
def sources(tiny_run, ema_run, authors_checkpoint):
    return {"tiny": tiny_run, "ema": ema_run, "authors": authors_checkpoint}


def cli_sample(checkpoint: Path, out: Path, *args: str) -> np.ndarray:
    # --device cpu: dcgan.load's default device; on a CUDA machine --device auto would pick the GPU
    assert main(["sample", "--checkpoint", str(checkpoint), "--out", str(out), "--device", "cpu", *args]) == 0
    with np.load(out) as npz:
        return npz["arr_0"]


def test_import_dcgan_stays_light_and_the_api_arrives_on_first_use():
    code = ("import sys, dcgan; assert 'torch' not in sys.modules and 'dcgan.api' not in sys.modules, sorted(sys.modules); "
            "from dcgan import load, train, Model; import dcgan.api as api; "
            "assert (load, train, Model) == (api.load, api.train, api.Model); "
            "assert {'load', 'train', 'Model'} <= set(dir(dcgan))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        dcgan.nope  # noqa: B018 - the hook answers only its own names


@pytest.mark.parametrize("source", ["tiny", "ema", "authors"])
def test_generate_is_byte_for_byte_dcgan_sample(sources, source, tmp_path):
    path = sources[source]
    model = dcgan.load(path)
    assert model.ema == (source == "ema")
    images = model.generate(16, seed=0)
    expected = cli_sample(path, tmp_path / "s.npz", "--n", "16", "--seed", "0")
    assert images.dtype == np.uint8 and images.shape == expected.shape
    assert images.tobytes() == expected.tobytes()
    other = model.generate(16, seed=1)
    assert other.tobytes() == cli_sample(path, tmp_path / "s1.npz", "--n", "16", "--seed", "1").tobytes()
    assert not np.array_equal(other, images)  # the seed is an argument that matters


@pytest.mark.parametrize("source", ["tiny", "ema"])
def test_run_dir_checkpoint_and_safetensors_load_alike(sources, source, tmp_path):
    run = sources[source]
    exported = tmp_path / "g.safetensors"
    assert main(["export", str(run), "--format", "safetensors", "--out", str(exported)]) == 0
    models = [dcgan.load(p) for p in (run, run / "checkpoints" / "latest.pt", exported)]
    first = models[0]
    images = first.generate(16, seed=0)
    for m in models:
        assert m.config == first.config and m.step == first.step and m.ema == first.ema
        assert m.discriminator is not None
        assert m.generate(16, seed=0).tobytes() == images.tobytes()
        assert np.array_equal(m.discriminate(images), first.discriminate(images))
    assert models[0].checkpoint == models[1].checkpoint == run / "checkpoints" / "latest.pt"
    assert models[2].run_dir == tmp_path


def test_as_tensor_and_given_latents(tiny_run, tmp_path):
    model = dcgan.load(tiny_run)
    cfg = model.config.model
    images = model.generate(16, seed=0)
    x = model.generate(16, seed=0, as_tensor=True)
    assert x.dtype == torch.float32 and x.shape == (16, cfg.channels, cfg.resolution, cfg.resolution)
    assert float(x.min()) >= -1 and float(x.max()) <= 1
    assert torch.equal(to_uint8(x).permute(0, 2, 3, 1), torch.from_numpy(images))
    z = seeded_z(0, 16, cfg.z_dim, cfg.z_dist)
    assert model.generate(z=z).tobytes() == images.tobytes()
    assert model.generate(z=z.numpy().astype(np.float64)).tobytes() == images.tobytes()
    # --z FILE --bn batch: the whole file is one BatchNorm batch, in both
    np.save(tmp_path / "z.npy", z.numpy()[:10])
    batch = cli_sample(tiny_run, tmp_path / "b.npz", "--z", str(tmp_path / "z.npy"), "--bn", "batch")
    assert model.generate(z=z[:10], bn="batch").tobytes() == batch.tobytes()
    assert not np.array_equal(batch, images[:10])  # batch statistics do change the images


def test_discriminate_and_features_are_d_and_the_classify_extractor(tiny_run):
    model = dcgan.load(tiny_run)
    images = model.generate(24, seed=2)
    nchw = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
    reference = torch.from_numpy(dcgan.load(tiny_run).generate(40, seed=3)).permute(0, 3, 1, 2).contiguous()

    logits = model.discriminate(images)
    d = open_run(tiny_run, generator=False, discriminator=True).discriminator
    with torch.no_grad():
        expected = d(to_model_range(nchw)).numpy()
    assert logits.shape == (24,) and logits.dtype == np.float32
    np.testing.assert_array_equal(logits, expected)
    np.testing.assert_array_equal(model.discriminate(nchw), logits)  # uint8 NCHW is read too
    np.testing.assert_array_equal(model.discriminate(to_model_range(nchw)), logits)  # float [-1, 1]
    assert isinstance(model.discriminate(images, as_tensor=True), torch.Tensor)

    feats = model.features(images)
    dim = feature_dimension(d, tuple(nchw.shape[1:]))
    assert feats.shape == (24, dim) and feats.dtype == np.float32
    assert dim == sum(8 * 2**i for i in range(2)) * 16  # widths 8, 16 at 16 px, each pooled to 4x4
    # dcgan classify's extractor with its defaults, fitted on the same images
    np.testing.assert_array_equal(feats, DiscriminatorFeatures(str(tiny_run)).fit(nchw).transform(nchw))
    with_reference = DiscriminatorFeatures(str(tiny_run)).fit(reference).transform(nchw)
    np.testing.assert_array_equal(model.features(images, reference=reference), with_reference)
    assert not np.array_equal(with_reference, feats)  # the population statistics come from the reference
    np.testing.assert_array_equal(model.feature_extractor(reference).transform(nchw), with_reference)


def test_a_generator_only_file_generates_and_refuses_d(tiny_run, tmp_path):
    state = load_checkpoint(tiny_run)
    path = save_safetensors({k: state[k] for k in ("config", "generator", "step")}, tmp_path / "g_only.safetensors")
    model = dcgan.load(path)
    assert model.discriminator is None and "G only" in repr(model)
    images = model.generate(8, seed=0)
    assert images.tobytes() == dcgan.load(tiny_run).generate(8, seed=0).tobytes()
    for call in (model.discriminate, model.features):
        with pytest.raises(DcganError, match="needs a discriminator.*holds only a generator"):
            call(images)


def test_bad_input_is_a_dcgan_error(tiny_run, tmp_path):
    model = dcgan.load(tiny_run)
    z_dim = model.config.model.z_dim
    images = model.generate(4, seed=0)
    cases = [
        (lambda: model.generate(0), "n must be an int >= 1"),
        (lambda: model.generate(), "n must be an int >= 1"),
        (lambda: model.generate(4, bn="train"), "bn='train'"),
        (lambda: model.generate(z=np.zeros((3, z_dim + 1), np.float32)), f"needs float \\(N, {z_dim}\\)"),
        (lambda: model.generate(z=np.zeros((3, z_dim), np.int64)), "needs float"),
        (lambda: model.generate(5, z=np.zeros((3, z_dim), np.float32)), "n=5 but z holds 3"),
        (lambda: model.generate(2, class_index=1), "not class-conditional"),
        (lambda: model.discriminate(images[:, :8]), "uint8 images of shape"),
        (lambda: model.discriminate(torch.full((2, 1, 16, 16), 255.0)), "must lie in \\[-1, 1\\]"),
        (lambda: model.features(images.astype(np.int32)), "dtype"),
        (lambda: dcgan.load(tmp_path), "without checkpoints/latest.pt"),
        (lambda: dcgan.load(tmp_path / "nothing.pt"), "does not exist"),
        (lambda: dcgan.train(["train.epochs=1"]), "takes a Config or a dict"),
        (lambda: dcgan.train({"train.batchsize": 8}), "did you mean 'train.batch_size'"),
    ]
    for call, message in cases:
        with pytest.raises(DcganError, match=message):
            call()


def test_train_with_overrides_returns_a_run_that_loads(idx_folder, tmp_path):
    overrides = {"data.name": "mnist", "data.path": str(idx_folder), "model.resolution": 16, "model.g_width": 8,
                 "model.d_width": 8, "model.z_dim": 16, "train.batch_size": 16, "train.max_steps": 4,
                 "train.tensorboard": False, "train.out_dir": str(tmp_path / "run")}
    result = dcgan.train(overrides)
    assert result.run_dir == tmp_path / "run" and result.step == 4 and not result.interrupted
    model = dcgan.load(result.run_dir)
    assert model.step == 4 and model.config.train.max_steps == 4 and model.config.model.z_dim == 16
    assert model.generate(4, seed=0).shape == (4, 16, 16, 1)
    with pytest.raises(DcganError, match="already holds a run"):
        dcgan.train(overrides)
    more = dcgan.train({"train": {"max_steps": 5}}, resume=result.run_dir)  # nested keys work too
    assert more.step == 5 and dcgan.load(result.run_dir / "checkpoints" / "latest.pt").step == 5  # the run folder: its best
    with pytest.raises(DcganError, match="resume=.*breaks exact resume"):
        dcgan.train({"train.seed": 1}, resume=result.run_dir)


def docs_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", DOCS.read_text(), flags=re.DOTALL | re.MULTILINE)


def test_the_docs_examples_run(tiny_run, idx_folder, tmp_path, monkeypatch):
    blocks = docs_blocks()
    assert len(blocks) >= 8, f"docs/api.md: expected its python examples, found {len(blocks)} blocks"
    assert blocks[0].startswith(f"RUN = {DOCS_RUN}"), "the first example must open the run as RUN = \"runs/main\""
    monkeypatch.chdir(tmp_path)  # the examples write samples.npz, grid.png, runs/smoke... here
    # the docs' "fashion-mnist" is the tiny Fashion-MNIST-format folder the tiny run was trained on
    monkeypatch.setattr(DATASETS["fashion-mnist"], "default_path", str(idx_folder))
    namespace: dict = {"__name__": "docs_api"}
    for i, block in enumerate(blocks):
        code = block.replace(DOCS_RUN, repr(str(tiny_run)))
        exec(compile(code, f"docs/api.md block {i + 1}", "exec"), namespace)  # noqa: S102 - our own docs
    assert namespace["RUN"] == str(tiny_run)
    assert (tmp_path / "grid.png").is_file() and (tmp_path / "main.safetensors").is_file()
    assert dcgan.load(tmp_path / "runs" / "smoke" / "checkpoints" / "latest.pt").step == 8  # the folder means its best

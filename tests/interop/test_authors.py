"""``dcgan import authors``: the authors' released models, checked against an independent NumPy rebuild."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy import signal

from dcgan.cli import main
from dcgan.config import config_from_dict
from dcgan.interop.authors import import_released
from dcgan.models.registry import build_discriminator, build_generator
from dcgan.sampling import bn_mode
from tests.interop import authors_oracle as oracle

SVHN = Path(__file__).resolve().parents[2].parent / "shared" / "authors-weights" / "svhn_unsup_all_conv_dcgan_100z_gaussian_lr_0.0005_64mb"
needs_svhn = pytest.mark.skipif(not SVHN.is_dir(), reason=f"the authors' released SVHN model is not at {SVHN} (../shared absent)")


# --- the oracle itself against textbook definitions -------------------------------------------------

def test_oracle_true_conv_is_scipy_convolution():
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(1, 2, 9, 9)), rng.normal(size=(3, 2, 5, 5))
    expected = np.stack([sum(signal.convolve2d(np.pad(x[0, c], 2), w[o, c], mode="valid") for c in range(2))
                         for o in range(3)])[:, ::2, ::2]
    np.testing.assert_allclose(oracle.true_conv(x, w, 2, 2)[0], expected, atol=1e-10)


@pytest.mark.parametrize("stride,k", [(2, 5), (2, 3), (1, 3)])
def test_oracle_deconv_is_the_adjoint_of_the_convolution(stride, k):
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(2, 3, 8, 8)), rng.normal(size=(4, 3, k, k))
    y = oracle.true_conv(x, w, stride, k // 2)
    assert y.shape[-1] == 8 // stride
    h = rng.normal(size=y.shape)
    # <conv(x), h> == <x, conv^T(h)>: the input gradient is the transpose of the convolution
    assert np.vdot(y, h) == pytest.approx(np.vdot(x, oracle.conv_input_gradient(h, w, stride, k // 2, 8)), rel=1e-10)


# --- the released SVHN model ---------------------------------------------------------------------

def _svhn_arrays(net: str) -> list[np.ndarray]:
    files = sorted(SVHN.glob(f"200_{net}_params.jl_*.npy"), key=lambda p: int(p.stem.rsplit("_", 1)[1].split(".")[0]))
    return [np.load(f, allow_pickle=False) for f in files]


@pytest.fixture(scope="module")
def svhn_checkpoint(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("svhn") / "svhn.pt"
    assert main(["import", "authors", str(SVHN), "--out", str(out), "--stats-images", "256"]) == 0
    return out


def _networks(checkpoint: Path):
    state = torch.load(checkpoint, weights_only=True)
    cfg = config_from_dict(state["config"])
    g, d = build_generator(cfg.model), build_discriminator(cfg.model)
    g.load_state_dict(state["generator"])
    d.load_state_dict(state["discriminator"])
    return g, d, cfg


@needs_svhn
def test_svhn_import_infers_the_released_architecture(svhn_checkpoint):
    _, _, cfg = _networks(svhn_checkpoint)
    m = cfg.model
    assert (m.arch, m.resolution, m.channels, m.z_dim, m.z_dist, m.kernel_size) == ("dcgan", 32, 3, 100, "normal", 5)
    assert (m.g_width, m.d_width, m.project_bn, m.bn_eps) == (64, 64, "unit", 1e-8)


@needs_svhn
def test_svhn_generator_and_discriminator_equal_the_oracle(svhn_checkpoint):
    g, d, _ = _networks(svhn_checkpoint)
    z = np.random.default_rng(3).normal(size=(16, 100)).astype(np.float32)
    expected = oracle.svhn_gen(z, _svhn_arrays("gen"))
    with torch.no_grad(), bn_mode(g, "batch"):  # the authors' batchnorm: batch statistics
        images = g(torch.from_numpy(z)).double().numpy()
    assert np.abs(images - expected).max() < 1e-4
    noise = np.random.default_rng(4).uniform(-1, 1, size=(16, 3, 32, 32)).astype(np.float32)
    for x in (expected.astype(np.float32), noise):
        with torch.no_grad(), bn_mode(d, "batch"):
            prob = torch.sigmoid(d(torch.from_numpy(x))).double().numpy()
        assert np.abs(prob - oracle.svhn_discrim(x, _svhn_arrays("discrim"))).max() < 1e-4


@needs_svhn
def test_sample_with_z_file_gives_the_authors_images(svhn_checkpoint, tmp_path):
    z = np.random.default_rng(5).normal(size=(32, 100)).astype(np.float32)
    np.save(tmp_path / "z.npy", z)
    out = tmp_path / "s.npz"
    assert main(["sample", "--checkpoint", str(svhn_checkpoint), "--z", str(tmp_path / "z.npy"), "--bn", "batch",
                 "--out", str(out), "--batch-size", "8"]) == 0  # --bn batch: the whole file is one batch
    ours = np.load(out)["arr_0"].astype(int)
    theirs = oracle.to_uint8(oracle.svhn_gen(z, _svhn_arrays("gen"))).astype(int)
    assert ours.shape == (32, 32, 32, 3)
    assert np.abs(ours - theirs).max() <= 2


# --- the Table 1 model, on arrays of its released shapes made here ----------------------------------

def _table1_arrays(rng, stride1: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Random arrays laid out as the authors' imagenet model (ngf = ndf = 128, 3x3, z 256)."""
    def kern(o, i, scale=0.05):
        return (rng.normal(size=(o, i, 3, 3)) * scale).astype(np.float32)

    def gb(c):
        return [(1 + 0.1 * rng.normal(size=c)).astype(np.float32), (0.1 * rng.normal(size=c)).astype(np.float32)]

    gen = [(rng.normal(size=(256, 8192)) * 0.05).astype(np.float32), *gb(8192)]
    for c_in, c_out, stride in [(512, 512, 2), (512, 256, 1), (256, 256, 2), (256, 128, 1), (128, 128, 2)]:
        layout = (c_in, c_out) if stride == 2 or stride1 == "deconv" else (c_out, c_in)
        gen += [kern(*layout), *gb(c_out)]
    gen.append(kern(*((128, 3) if stride1 == "deconv" else (3, 128))))
    discrim = [kern(128, 3)]
    for c_in, c_out in [(128, 128), (128, 256), (256, 256), (256, 512), (512, 512)]:
        discrim += [kern(c_out, c_in), *gb(c_out)]
    discrim.append((rng.normal(size=(512 * 16, 1)) * 0.02).astype(np.float32))
    return gen, discrim


def _write_release(folder: Path, gen, discrim, epoch: int = 30) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for net, arrays in (("gen", gen), ("discrim", discrim)):
        for i, a in enumerate(arrays, 1):
            np.save(folder / f"{epoch}_{net}_params.jl_{i:02d}.npy", a)
    return folder


@pytest.mark.parametrize("stride1", ["conv", "deconv"])
def test_table1_release_imports_as_imagenet32_and_equals_the_oracle(tmp_path, stride1):
    gen, discrim = _table1_arrays(np.random.default_rng(7), stride1)
    folder = _write_release(tmp_path / "imagenet_gan_pretrain_128f_relu_lrelu_7l_3x3_256z", gen, discrim)
    out = tmp_path / "t1.pt"
    assert main(["import", "authors", str(folder), "--out", str(out), "--stats-images", "16"]) == 0
    g, d, cfg = _networks(out)
    assert (cfg.model.arch, cfg.model.z_dim, cfg.model.z_dist, cfg.model.kernel_size) == ("imagenet32", 256, "uniform", 3)
    z = np.random.default_rng(8).uniform(-1, 1, size=(6, 256)).astype(np.float32)
    with torch.no_grad(), bn_mode(g, "batch"):
        images = g(torch.from_numpy(z)).double().numpy()
    expected = oracle.table1_gen(z, gen, stride1)
    assert np.abs(images - expected).max() < 1e-4
    with torch.no_grad(), bn_mode(d, "batch"):
        prob = torch.sigmoid(d(torch.from_numpy(expected.astype(np.float32)))).double().numpy()
    assert np.abs(prob - oracle.table1_discrim(expected.astype(np.float32), discrim)).max() < 1e-4


# --- folders that are not such a model -------------------------------------------------------------

def _tiny_svhn_like(rng) -> tuple[list[np.ndarray], list[np.ndarray]]:
    f = np.float32
    gen = [rng.normal(size=(8, 64)).astype(f), np.ones(64, f), np.zeros(64, f),
           rng.normal(size=(4, 2, 5, 5)).astype(f), np.ones(2, f), np.zeros(2, f), rng.normal(size=(2, 3, 5, 5)).astype(f)]
    discrim = [rng.normal(size=(2, 3, 5, 5)).astype(f), rng.normal(size=(4, 2, 5, 5)).astype(f), np.ones(4, f),
               np.zeros(4, f), rng.normal(size=(64, 1)).astype(f)]
    return gen, discrim


def test_a_small_release_round_trips(tmp_path):
    gen, discrim = _tiny_svhn_like(np.random.default_rng(0))
    state = import_released(_write_release(tmp_path / "tiny_uniform", gen, discrim), stats_images=16)
    m = state["config"]["model"]
    assert (m["resolution"], m["g_width"], m["d_width"], m["z_dim"], m["z_dist"]) == (16, 2, 2, 8, "uniform")


class _Trap:
    """Unpickling this creates ``marker``: proof that a pickle was (not) opened."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _expect_error(capsys, folder: Path, *fragments: str) -> None:
    assert main(["import", "authors", str(folder), "--out", str(folder.parent / "out.pt")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err, err
    for fragment in fragments:
        assert fragment in err, err
    assert not (folder.parent / "out.pt").exists()


def test_refuses_a_folder_of_pickles_only_and_never_opens_them(tmp_path, capsys):
    folder = tmp_path / "only_jl"
    folder.mkdir()
    marker = tmp_path / "unpickled"
    (folder / "200_gen_params.jl").write_bytes(pickle.dumps(_Trap(marker)))
    _expect_error(capsys, folder, "200_gen_params.jl", "never opened")
    assert not marker.exists()


def test_refuses_a_pickle_where_an_array_should_be(tmp_path, capsys):
    gen, discrim = _tiny_svhn_like(np.random.default_rng(0))
    folder = _write_release(tmp_path / "evil", gen, discrim, epoch=200)
    marker = tmp_path / "unpickled"
    np.save(folder / "200_gen_params.jl_02.npy", np.array([_Trap(marker)], dtype=object), allow_pickle=True)
    _expect_error(capsys, folder, "gen_params.jl_02.npy", "pickle")
    assert not marker.exists()


def test_refuses_missing_arrays_and_shapes_that_fit_nothing(tmp_path, capsys):
    gen, discrim = _tiny_svhn_like(np.random.default_rng(0))
    folder = _write_release(tmp_path / "gap", gen, discrim)
    (folder / "30_discrim_params.jl_03.npy").unlink()
    _expect_error(capsys, folder, "missing [3]")
    bad = _write_release(tmp_path / "bad", [gen[0][:, :60], *gen[1:]], discrim)  # 60 units: not C*16
    _expect_error(capsys, bad, "fit no architecture")
    _expect_error(capsys, tmp_path / "nowhere", "not a folder")

"""The FID InceptionV3, offline: architecture (parameter count derived from torchvision's
documented 27,161,264, state-dict layout, output shape), loading (round trip of a random state
dict in pytorch-fid's layout, clear errors for wrong files), the FID block differences, and the
preprocessing (checked against PIL's independent bilinear resize)."""

import numpy as np
import pytest
import torch
from PIL import Image

from dcgan import DcganError
from dcgan.evaluation.features import get_feature_extractor
from dcgan.evaluation.features import inception as inc

# torchvision's inception_v3 (1000 classes, with AuxLogits) has 27,161,264 parameters (its docs).
# Minus AuxLogits: conv0 768->128 1x1 (98,304 + BN 256), conv1 128->768 5x5 (2,457,600 + BN 1,536),
# fc 768->1000 (769,000); minus fc 2048->1000 (2,049,000): the pool3 trunk has 21,785,568.
TORCHVISION_TOTAL = 27_161_264
AUX = 98_304 + 256 + 2_457_600 + 1_536 + 769_000
TRUNK = TORCHVISION_TOTAL - AUX - (2048 * 1000 + 1000)


@pytest.fixture(scope="module")
def random_model():
    torch.manual_seed(0)
    model = inc.FIDInceptionV3()
    with torch.no_grad():  # non-trivial BN statistics, so a lost buffer would change outputs
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
    return model.eval()


@pytest.fixture(scope="module")
def weights_file(random_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("inception") / "pt_inception-random.pth"
    state = {k: v for k, v in random_model.state_dict().items() if not k.endswith("num_batches_tracked")}
    torch.save(state, path)
    return path


def test_parameter_count_and_layout(random_model):
    trunk = sum(p.numel() for n, p in random_model.named_parameters() if not n.startswith("fc."))
    assert trunk == TRUNK == 21_785_568
    state = random_model.state_dict()
    assert state["fc.weight"].shape == (1008, 2048)
    # Names and shapes of pytorch-fid's file (torchvision naming).
    assert state["Conv2d_1a_3x3.conv.weight"].shape == (32, 3, 3, 3)
    assert state["Mixed_6e.branch7x7dbl_5.conv.weight"].shape == (192, 192, 1, 7)
    assert state["Mixed_7c.branch3x3dbl_3b.conv.weight"].shape == (384, 384, 3, 1)
    assert state["Mixed_7c.branch_pool.bn.running_var"].shape == (192,)
    assert not any(k.startswith("AuxLogits") for k in state)
    assert all(m.eps == 0.001 for m in random_model.modules() if isinstance(m, torch.nn.BatchNorm2d))


def test_round_trip_and_output_shape(random_model, weights_file):
    extractor = get_feature_extractor("inception", weights=str(weights_file))
    loaded = extractor.model.state_dict()
    for k, v in random_model.state_dict().items():
        if not k.endswith("num_batches_tracked"):
            assert torch.equal(loaded[k], v), k
    # One image (a 299x299 forward is ~6 GFLOP): shape, dtype, post-ReLU average is >= 0.
    images = torch.randint(0, 256, (1, 1, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    feats = extractor(images)
    assert feats.shape == (1, 2048) and feats.dtype == np.float32
    assert (feats >= 0).all() and feats.std() > 0
    assert extractor.name.startswith("inception-v3-fid@")
    assert extractor.info["matches_pytorch_fid_release"] is False


def test_wrong_files_give_clear_errors(tmp_path, random_model):
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a torch file")
    with pytest.raises(DcganError, match="could not be read"):
        inc.load_fid_inception(garbage)
    with pytest.raises(DcganError, match="do not exist"):
        inc.load_fid_inception(tmp_path / "absent.pth")
    state = dict(random_model.state_dict())
    state.pop("Mixed_5b.branch1x1.conv.weight")
    state["fc.weight"] = torch.zeros(1000, 2048)  # torchvision's ImageNet head, not the FID graph's
    state["AuxLogits.fc.weight"] = torch.zeros(1000, 768)
    torch.save(state, tmp_path / "torchvision_like.pth")
    with pytest.raises(DcganError, match="missing keys.*unexpected keys.*shape mismatches"):
        inc.load_fid_inception(tmp_path / "torchvision_like.pth")
    with pytest.raises(DcganError, match="needs pytorch-fid"):
        get_feature_extractor("inception", weights="")


def test_fid_block_differences():
    x = torch.ones(1, 4, 6, 6)
    # TF-style average pooling ignores padding: a constant map stays constant up to the borders.
    pooled = inc.InceptionA(4, 2).pool(x)
    assert torch.allclose(pooled, x)
    # torchvision's default (count_include_pad=True) would give 4/9 in the corners.
    assert torch.nn.functional.avg_pool2d(x, 3, 1, 1)[0, 0, 0, 0] == pytest.approx(4 / 9)
    spike = torch.zeros(1, 1, 5, 5)
    spike[0, 0, 2, 2] = 9.0
    model = inc.FIDInceptionV3()
    assert model.Mixed_7c.pool(spike)[0, 0, 1:4, 1:4].eq(9.0).all()  # max pool in the last block
    assert model.Mixed_7b.pool(spike)[0, 0, 1:4, 1:4].eq(1.0).all()  # average pool in Mixed_7b
    assert model.Mixed_6b.pool is inc._tf_avg_pool and model.Mixed_5d.pool is inc._tf_avg_pool


def test_preprocessing_matches_pytorch_fid_conventions():
    rng = np.random.default_rng(0)
    grey = rng.integers(0, 256, size=(1, 1, 32, 32), dtype=np.uint8)
    x = inc.preprocess(inc.to_unit_rgb(torch.from_numpy(grey)))
    assert x.shape == (1, 3, 299, 299)
    assert torch.equal(x[:, 0], x[:, 1]) and torch.equal(x[:, 1], x[:, 2])  # grey repeated to RGB
    # Bilinear, half-pixel centres (align_corners=False): PIL's float bilinear upscale is independent.
    pil = np.asarray(Image.fromarray(grey[0, 0].astype(np.float32) / 255, mode="F").resize((299, 299), Image.BILINEAR))
    np.testing.assert_allclose(x[0, 0].numpy(), 2 * pil - 1, atol=1e-5)
    assert x.min() >= -1 and x.max() <= 1
    # Scaling: 0 -> -1, 255 -> +1, applied after resizing (a constant image stays constant).
    for value, expected in ((0, -1.0), (255, 1.0), (51, 2 * 51 / 255 - 1)):
        const = inc.preprocess(inc.to_unit_rgb(torch.full((1, 3, 20, 20), value, dtype=torch.uint8)))
        assert torch.allclose(const, torch.full_like(const, expected), atol=1e-6)

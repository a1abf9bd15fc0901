"""The JPEG round trips of the K-means study (scripts/kmeans_cifar10.py)."""

import io

import numpy as np
import torch
from PIL import Image

from tests.scripts import load_script


def _script():
    return load_script("kmeans_cifar10")


def _textured_images(n: int = 8, seed: int = 0) -> torch.Tensor:
    """uint8 (n, 3, 32, 32): smooth colour ramps plus noise, then one JPEG q75 round trip (like our
    CIFAR-10 copy: every file is libjpeg quality 75, 4:2:0)."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 200, 32)[None, :, None] + np.linspace(0, 40, 32)[:, None, None]
    out = []
    for _ in range(n):
        image = np.clip(ramp + rng.normal(0, 30, (32, 32, 3)), 0, 255).astype(np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG", quality=75)
        out.append(np.asarray(Image.open(buffer).convert("RGB")))
    return torch.from_numpy(np.stack(out)).permute(0, 3, 1, 2).contiguous()


def _mae(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.float() - b.float()).abs().mean())


def test_shifted_round_trip_keeps_the_image_in_place():
    images = _textured_images()
    near_lossless = _script().jpeg_roundtrip(images, quality=100, shift=4)
    assert near_lossless.shape == images.shape and near_lossless.dtype == torch.uint8
    # A crop off by one pixel would differ by the noise's size (tens of levels), not by rounding.
    assert _mae(near_lossless, images) < 2.0
    assert _mae(near_lossless[..., 1:], images[..., :-1]) > 10.0


def test_a_shifted_grid_removes_far_more_than_the_images_own_grid():
    images = _textured_images()
    same_grid = _script().jpeg_roundtrip(images, quality=75)
    shifted = _script().jpeg_roundtrip(images, quality=75, shift=4)
    # At the grid the images were encoded on, quality 75 again is nearly idempotent.
    assert _mae(same_grid, images) < 0.5 * _mae(shifted, images)


def test_export_writes_every_image_degraded_as_png_under_the_same_path(tmp_path):
    import zipfile

    images = _textured_images(4).permute(0, 2, 3, 1).numpy()
    source = tmp_path / "tiny-cifar.zip"
    names = ["tiny/train/cat/0000.jpg", "tiny/train/dog/0000.jpg", "tiny/test/cat/0000.jpg", "tiny/test/dog/0000.jpg"]
    with zipfile.ZipFile(source, "w") as z:
        for name, image in zip(names, images):
            buffer = io.BytesIO()
            Image.fromarray(image).save(buffer, format="JPEG", quality=75)
            z.writestr(name, buffer.getvalue())
        z.writestr("tiny/README.txt", "not an image")
    script = _script()
    target = tmp_path / "out.zip"
    assert script.export_variant("regrid75", source, target) == 4
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target) as out:
        assert sorted(out.namelist()) == sorted(n.replace(".jpg", ".png") for n in names)
        for name in names:
            original = np.asarray(Image.open(io.BytesIO(src.read(name))).convert("RGB"))
            written = np.asarray(Image.open(io.BytesIO(out.read(name.replace(".jpg", ".png")))))
            expected = script.jpeg_roundtrip(torch.from_numpy(original.copy()).permute(2, 0, 1)[None], 75, 4)
            assert np.array_equal(written, expected[0].permute(1, 2, 0).numpy())
    assert not (tmp_path / "out.zip.partial").exists()


def test_a_two_generation_variant_applies_both_round_trips_in_turn():
    images = _textured_images(4)
    script = _script()
    twice = script.degrade(images, 75, (4, 2))
    assert torch.equal(twice, script.jpeg_roundtrip(script.jpeg_roundtrip(images, 75, 4), 75, 2))
    assert torch.equal(script.degrade(images, 75, 4), script.jpeg_roundtrip(images, 75, 4))

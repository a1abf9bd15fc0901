"""Forgetting objects (§6.3.1): boxes -> feature positions, the classifier, and the drop hook."""

import json

import numpy as np
import pytest
import torch

from dcgan import DcganError
from dcgan.core.run import load_generator
from dcgan.experiments.forgetting import (
    box_mask,
    drop_feature_maps,
    fit_classifier,
    forget_layer,
    load_boxes,
    maps_to_drop,
    training_data,
)
from dcgan.sampling import seeded_z


def test_box_mask_uses_receptive_field_centres():
    # 16 px image, 8x8 map: position j covers pixels [2j, 2j+2), centre 2j+1.
    mask = box_mask([[4, 2, 9, 6]], resolution=16, size=8)
    expected = np.zeros((8, 8), bool)
    expected[1:3, 2:5] = True  # rows: centres 3, 5 in [2, 6); cols: centres 5, 7, 9 -> 5, 7 in [4, 9)
    expected[1:3, 4] = False
    assert (mask == expected).all()
    # a box smaller than a cell still marks the cell under its centre
    tiny = box_mask([[6.2, 6.2, 6.8, 6.8]], resolution=16, size=8)
    assert tiny.sum() == 1 and tiny[3, 3]


def _second_layer_output(generator, z):
    seen = []
    handle = generator.blocks[-1].register_forward_pre_hook(lambda _m, inputs: seen.append(inputs[0].clone()))
    try:
        with torch.no_grad():
            generator(z)
    finally:
        handle.remove()
    return seen[0]


def test_drop_zeroes_exactly_those_channels_and_is_removed(tiny_run):
    generator, cfg = load_generator(tiny_run)
    z = seeded_z(0, 4, cfg.model.z_dim, cfg.model.z_dist)
    layer = forget_layer(generator)
    assert layer is generator.blocks[-2]
    reference = _second_layer_output(generator, z)
    active = [c for c in range(reference.shape[1]) if reference[:, c].abs().sum() > 0]
    dropped = active[: max(1, len(active) // 2)]
    kept = [c for c in range(reference.shape[1]) if c not in dropped]
    hooks_before = len(layer._forward_hooks)
    with drop_feature_maps(layer, dropped):
        assert len(layer._forward_hooks) == hooks_before + 1
        inside = _second_layer_output(generator, z)
        with torch.no_grad():
            images_dropped = generator(z)
    assert (inside[:, dropped] == 0).all()
    assert torch.equal(inside[:, kept], reference[:, kept])
    assert len(layer._forward_hooks) == hooks_before
    assert torch.equal(_second_layer_output(generator, z), reference)
    with torch.no_grad():
        assert not torch.equal(generator(z), images_dropped)


def test_drop_hook_is_removed_on_error(tiny_run):
    generator, _ = load_generator(tiny_run)
    layer = forget_layer(generator)
    with pytest.raises(RuntimeError):
        with drop_feature_maps(layer, [0]):
            raise RuntimeError("boom")
    assert len(layer._forward_hooks) == 0


def test_classifier_finds_the_planted_object_maps():
    # 6 channels on a 4x4 map; channels 1 and 4 fire inside the boxes, the rest is noise.
    rng = np.random.default_rng(0)
    acts = torch.from_numpy(rng.random((20, 6, 4, 4)).astype(np.float32))
    masks = []
    for i in range(20):
        m = np.zeros((4, 4), bool)
        m[i % 3 : i % 3 + 2, 1:3] = True
        masks.append(m)
        acts[i, [1, 4]] += torch.from_numpy(m.astype(np.float32)) * 2
    x, y = training_data(acts, masks, 1.0, np.random.default_rng(1))
    assert y.sum() == 20 * 4 and (y == 0).sum() == 20 * 4
    clf = fit_classifier(x, y)
    assert clf.score(x, y) > 0.95
    dropped = maps_to_drop(clf.coef_)
    assert 1 in dropped and 4 in dropped
    assert maps_to_drop(np.array([[0.5, -0.1, 0.0, 2.0]])) == [0, 3]


def test_load_boxes_reads_sheet_indices_and_seeds(tmp_path):
    spec = {"sheet": {"seed": 2, "n": 16}, "resolution": 16,
            "boxes": {"5": [[0, 0, 4, 4]], "7": []}, "seed_boxes": {"99": [[1, 1, 3, 3]]}}
    path = tmp_path / "boxes.json"
    path.write_text(json.dumps(spec))
    boxed = load_boxes(path, 8, "normal", 16)
    sheet = seeded_z(2, 16, 8, "normal")
    assert torch.equal(boxed.z, torch.stack([sheet[5], sheet[7], seeded_z(99, 1, 8, "normal")[0]]))
    assert boxed.boxes == [[[0, 0, 4, 4]], [], [[1, 1, 3, 3]]]
    for bad in ({**spec, "boxes": {"5": [[0, 0, 20, 4]]}}, {**spec, "boxes": {"99": []}},
                {**spec, "resolution": 32}, {"boxes": {"1": [[0, 0, 1, 1]]}}):
        path.write_text(json.dumps(bad))
        with pytest.raises(DcganError):
            load_boxes(path, 8, "normal", 16)

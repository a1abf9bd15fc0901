"""How long a run trains (training/length.py): max_steps > kimg > epochs > auto with a floor."""

from __future__ import annotations

import pytest

from dcgan import DcganError
from dcgan.config import resolve_config
from dcgan.training.length import plan_length


def _train(**values):
    return resolve_config({}, {f"train.{k}": v for k, v in values.items()}).train


def test_auto_gives_a_small_folder_enough_steps_to_make_faces():
    # 2,000 photos at batch 128: 15 batches an epoch, so 5 epochs would be 75 steps
    length = plan_length(_train(), batches_per_epoch=15)
    assert length.steps >= 1500 and length.steps == 1563  # the 200k-image floor
    assert "min_kimg" in length.why and length.images == 1563 * 128


def test_auto_keeps_five_epochs_of_a_large_dataset():
    length = plan_length(_train(), batches_per_epoch=468)  # Fashion-MNIST's 60,000 at batch 128
    assert length.steps == 5 * 468 and length.why.startswith("auto: 5 epochs")


def test_explicit_settings_win_in_order():
    assert plan_length(_train(epochs=2), 15).steps == 30  # epochs are exact when given
    assert plan_length(_train(epochs=2, kimg=12.8), 15).steps == 100  # kimg over epochs
    assert plan_length(_train(epochs=2, kimg=12.8, max_steps=7), 15).steps == 7  # max_steps over both
    assert plan_length(_train(min_kimg=0), 15).steps == 75  # no floor: the paper-style 5 epochs


def test_kimg_counts_every_image_d_sees():
    # k = 2 D steps a G step: each G step shows D two real batches
    assert plan_length(_train(kimg=25.6, d_steps=2), 100).steps == 100
    assert plan_length(_train(kimg=25.6), 100, world_size=2).steps == 100  # two processes share the images


@pytest.mark.parametrize("key", ["epochs", "kimg", "max_steps", "min_kimg"])
def test_negative_lengths_are_refused_by_name(key):
    with pytest.raises(DcganError, match=f"train.{key}"):
        _train(**{key: -1})

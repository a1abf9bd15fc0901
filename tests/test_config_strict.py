"""Issue #18: a saved config (config.json, checkpoint) with a key this version does not know is
refused, naming the dotted key, as ``--set`` and ``--config`` refuse it; nothing is dropped silently."""

import json

import pytest

from dcgan import DcganError, config
from dcgan.cli import main
from dcgan.config import config_from_dict, read_config_file, resolve_config


def _upgrade():
    try:  # the checkpoint module is moving from training/ to core/
        from dcgan.core.checkpoint import upgrade
    except ImportError:
        from dcgan.core.checkpoint import upgrade
    return upgrade


def test_unknown_key_is_refused_with_a_suggestion():
    with pytest.raises(DcganError) as info:
        config_from_dict({"train": {"batchsize": 64}})
    msg = str(info.value)
    assert "'train.batchsize'" in msg and "did you mean 'train.batch_size'?" in msg and "\n" not in msg


def test_unknown_section_is_refused_naming_the_dotted_key():
    with pytest.raises(DcganError, match=r"'optim\.lr'"):
        config_from_dict({"optim": {"lr": 1e-3}})
    with pytest.raises(DcganError, match=r"did you mean 'train\.lr_g'\?"):
        config_from_dict({"trian": {"lr_g": 1e-3}})


def test_a_wrongly_typed_saved_value_is_refused_not_replaced_by_the_default():
    with pytest.raises(DcganError, match=r"train\.batch_size"):
        config_from_dict({"train": {"batch_size": "sixty-four"}})


def test_set_file_and_saved_config_give_the_same_error(tmp_path):
    messages = []
    for build in (
        lambda: config_from_dict({"train": {"batchsize": 64}}),
        lambda: resolve_config({}, {"train.batchsize": "64"}),
        lambda: resolve_config(read_config_file(_write(tmp_path / "c.json", {"train": {"batchsize": 64}})), {}),
        lambda: resolve_config(read_config_file(_write(tmp_path / "c.yaml", None, "train:\n  batchsize: 64\n")), {}),
    ):
        with pytest.raises(DcganError) as info:
            build()
        messages.append(str(info.value))
    assert len(set(messages)) == 1, messages
    assert messages[0] == "config: unknown key 'train.batchsize'; did you mean 'train.batch_size'?"


def test_cli_set_unknown_key_is_one_line_exit_2(capsys):
    assert main(["train", "--dry-run", "--set", "train.batchsize=64"]) == 2
    err = capsys.readouterr().err
    assert "train.batchsize" in err and "train.batch_size" in err and err.count("\n") == 1, err


def test_no_close_match_lists_the_section_or_the_sections():
    with pytest.raises(DcganError, match=r"unknown key 'train\.zzzzzz'.*batch_size"):
        config_from_dict({"train": {"zzzzzz": 1}})
    with pytest.raises(DcganError, match=r"unknown key 'qqq\.zzzzzz'.*model, data, train"):
        config_from_dict({"qqq": {"zzzzzz": 1}})


def test_current_and_version_1_checkpoint_configs_still_load():
    cfg = resolve_config({}, {"preset": "paper", "model.resolution": 64})
    assert config_from_dict(json.loads(cfg.to_json())) == cfg
    v1 = json.loads(cfg.to_json())
    del v1["model"]["project_bn"], v1["model"]["bn_eps"]  # version 1 predates both keys
    state = _upgrade()({"version": 1, "config": v1})
    again = config_from_dict(state["config"])
    assert again.model.project_bn == "channel" and again.model.bn_eps == 1e-5 and again.model.resolution == 64


def test_legacy_keys_are_accepted_and_ignored(monkeypatch):
    assert config.LEGACY_KEYS == frozenset()  # git history: no field ever removed or renamed
    monkeypatch.setattr(config, "LEGACY_KEYS", frozenset({"train.old_knob"}))
    cfg = config_from_dict({"train": {"old_knob": 3, "batch_size": 32}})
    assert cfg.train.batch_size == 32
    with pytest.raises(DcganError, match="old_knob"):  # only saved configs carry legacy keys
        resolve_config({}, {"train.old_knob": "3"})


def _write(path, tree, text=None):
    path.write_text(text if text is not None else json.dumps(tree))
    return path


def _numeric_keys():
    import dataclasses

    from dcgan.config import Config

    cfg, keys = Config(), []
    for section in ("model", "data", "train"):
        for f in dataclasses.fields(getattr(cfg, section)):
            if isinstance(getattr(getattr(cfg, section), f.name), (int, float)) and not isinstance(
                    getattr(getattr(cfg, section), f.name), bool):
                keys.append(f"{section}.{f.name}")
    return keys


@pytest.mark.parametrize("key", _numeric_keys())
@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e999", "abc", ""])
def test_every_numeric_option_refuses_non_numbers_and_non_finite_values_by_name(key, value):
    """Issue #40: `--set train.lr_g=inf` passed --dry-run; now every number is refused at parse time."""
    with pytest.raises(DcganError, match=key.replace(".", r"\.")):
        resolve_config({}, {key: value})

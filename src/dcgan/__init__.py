"""dcgan: a faithful, fast reproduction of Radford, Metz & Chintala (2015), "DCGAN".

Submodules mirror the paper: ``models`` (§3), ``training`` (§4), ``data``,
``evaluation`` (§5 and sample quality), ``experiments`` (§6), ``dedup`` (§4.1.1).

For notebooks (``dcgan.api``, docs/api.md)::

    import dcgan
    model = dcgan.load("runs/main")        # a run directory, checkpoint .pt or exported .safetensors
    images = model.generate(16, seed=0)    # uint8 (16, H, W, C), as ``dcgan sample --n 16 --seed 0``
    result = dcgan.train({"train.epochs": 1})

``load``, ``train`` and ``Model`` are imported on first use (PEP 562), so ``import dcgan`` stays
light (no torch) and the package root stays at the bottom of the import layers.
"""

__version__ = "0.1.0"

__all__ = ["DcganError", "Model", "load", "train"]

_API_NAMES = ("Model", "load", "train")


class DcganError(Exception):
    """A user-facing error: bad option, bad file, bad input. The CLI prints it without a traceback."""


def __getattr__(name: str):
    """``dcgan.load`` / ``dcgan.train`` / ``dcgan.Model``: imported from ``dcgan.api`` when first asked for."""
    if name in _API_NAMES:
        from dcgan import api  # the one deferred import outside the CLI (tests/test_layering.py allows it)

        return getattr(api, name)
    raise AttributeError(f"module 'dcgan' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API_NAMES))

"""Argument types shared by every command, so a value is checked the same way everywhere: a bad
one is refused by argparse itself with one line naming the option, and exit status 2.

    p.add_argument("--n", type=count)          # 1, 2, ...
    p.add_argument("--seed", type=nonnegative) # 0, 1, ... (0 also means "all" / "auto" where documented)
    p.add_argument("--port", type=port)        # 0 (any free port) .. 65535
"""

from __future__ import annotations

import argparse
import math


def _number(text: str, kind: type, what: str):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not {what}") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"'{text}' is not a finite number")
    return value


def count(text: str) -> int:
    """An integer >= 1 (a number of images, steps, draws ...)."""
    value = _number(text, int, "an integer")
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: must be at least 1")
    return value


def nonnegative(text: str) -> int:
    """An integer >= 0 (seeds; sizes where 0 means "all" or "automatic")."""
    value = _number(text, int, "an integer")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value}: must be 0 or more")
    return value


def port(text: str) -> int:
    """A TCP port: 0 (the system picks a free one) to 65535."""
    value = _number(text, int, "a port number")
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value}: a TCP port is 0 (any free port) to 65535")
    return value


def positive_float(text: str) -> float:
    value = _number(text, float, "a number")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value}: must be greater than 0")
    return value


def nonnegative_float(text: str) -> float:
    value = _number(text, float, "a number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value}: must be 0 or more")
    return value


def finite_float(text: str) -> float:
    return _number(text, float, "a number")

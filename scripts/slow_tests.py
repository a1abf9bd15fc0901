"""Refresh tests/slow_tests.txt, the tests outside the fast tier (``pytest -m "not slow"``).

    python -m pytest -q --durations=0 -p no:cacheprovider > durations.log
    python scripts/slow_tests.py durations.log [--budget 45]

A test is listed when its call + setup time is among the slowest, chosen greedily (fastest
first are kept) so that the tests left in the fast tier add up to ``--budget`` percent of the
whole suite's measured time: ratios, not seconds, so a log made on a busy machine serves too.
Session fixtures (a tiny trained run) are paid by the first test that asks for them, so the
fast tier's time includes them. Tests marked ``@pytest.mark.slow`` in code stay slow either way.
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^\s*([0-9.]+)s (call|setup|teardown)\s+(\S+)")


def durations(log: str) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    for line in log.splitlines():
        match = LINE.match(line)
        if match:
            seconds, _, test = match.groups()
            total[test.split("[")[0]] += float(seconds)  # parametrised cases go together
    return dict(total)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("log", help="output of pytest --durations=0")
    parser.add_argument("--budget", type=float, default=45.0, help="percent of the suite's time the fast tier may take")
    parser.add_argument("--out", default=str(ROOT / "tests" / "slow_tests.txt"))
    args = parser.parse_args(argv)
    times = durations(Path(args.log).read_text())
    if not times:
        parser.error(f"{args.log}: no '--durations' lines found (run pytest with --durations=0)")
    whole = sum(times.values())
    fast, used = [], 0.0
    for test, seconds in sorted(times.items(), key=lambda kv: kv[1]):
        if used + seconds > whole * args.budget / 100:
            break
        fast.append(test)
        used += seconds
    slow = sorted(set(times) - set(fast))
    header = ("# Tests outside the fast tier (pytest -m 'not slow'), one test function a line.\n"
              f"# Made by scripts/slow_tests.py from measured durations: the fast tier is {len(fast)} tests, "
              f"{100 * used / whole:.0f}% of the suite's time.\n")
    Path(args.out).write_text(header + "".join(f"{t}\n" for t in slow))
    print(f"{len(slow)} slow, {len(fast)} fast ({100 * used / whole:.0f}% of {whole:.0f} s measured) -> {args.out}")


if __name__ == "__main__":
    main()

"""Every figure on the README and the docs pages has one source: a value in a results file.

A quoted figure is wrapped in two HTML comments (invisible on the rendered page)::

    Fréchet distance <!--fig results/main_job.json metrics.fid .2f-->20.13<!--/fig-->

``FILE`` is relative to the repository root; ``KEY`` a dotted path into its JSON (integers index
lists, ``name=value`` picks the list item whose ``name`` is ``value``); ``FORMAT`` a Python
format spec (``.2f``, ``,``, ``.1%``), ``s`` for text, or ``min`` for seconds as "9 min 51 s".
``@date``, ``@cpu`` and ``@command`` are where, when and how ``FILE`` was measured: its own
``machine`` record (``cpu``, ``flags``, ``date``) and ``command``, else its entry in
``results/provenance.json``. Every file a page quotes must have all three.

    python scripts/figures.py           # check: exit 1 naming every figure that disagrees with its file
    python scripts/figures.py --write   # rewrite the figures from their files (after a rerun)

A whole table a results script wrote as markdown is included the same way, and must equal it::

    <!--include results/precision_equivalence.md-->
    ...the file's text...
    <!--/include-->

``tests/test_figures.py`` runs the check, so a figure cannot go stale silently.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["README.md", "docs/*.md"]
MARKER = re.compile(r"<!--fig (?P<file>\S+) (?P<key>\S+) (?P<fmt>\S*?)-->(?P<value>.*?)<!--/fig-->")
INCLUDE = re.compile(r"<!--include (?P<file>\S+)-->\n(?P<value>.*?)<!--/include-->", re.DOTALL)


def lookup(data: Any, key: str) -> Any:
    for part in key.split("."):
        if isinstance(data, list):
            if "=" in part:
                name, wanted = part.split("=", 1)
                matches = [item for item in data if str(item.get(name)) == wanted]
                if len(matches) != 1:
                    raise KeyError(f"{len(matches)} items with {name}={wanted}")
                data = matches[0]
            else:
                data = data[int(part)]
        else:
            data = data[part]
    return data


PROVENANCE = "results/provenance.json"


def provenance(root: Path, file: str, data: Any, cache: dict) -> dict[str, str]:
    """date, cpu and command of a results file (its own records first, then provenance.json)."""
    own: dict[str, str] = {}
    if isinstance(data, dict):
        machine = data.get("machine") or {}
        if machine.get("date"):
            own["date"] = machine["date"]
        if machine.get("cpu"):
            flags = machine.get("flags") or []
            own["cpu"] = machine["cpu"] + (f" ({', '.join(flags)})" if flags else "")
        command = data.get("command") or (data.get("meta") or {}).get("command")
        if isinstance(command, str):
            own["command"] = command
    if PROVENANCE not in cache:
        path = root / PROVENANCE
        cache[PROVENANCE] = json.loads(path.read_text()) if path.is_file() else {}
    listed = cache[PROVENANCE].get(file, {})
    merged = {**listed, **own}
    missing = [k for k in ("date", "cpu", "command") if not merged.get(k)]
    if missing:
        raise KeyError(f"no {', '.join(missing)} for {file} (give it a machine record or an entry in {PROVENANCE})")
    return merged


def render(value: Any, fmt: str) -> str:
    if fmt == "min":
        minutes, seconds = divmod(round(float(value)), 60)
        return f"{minutes} min {seconds:02d} s"
    if fmt in ("", "s"):
        return str(value)
    return format(value, fmt)


def pages(root: Path = ROOT) -> list[Path]:
    return sorted(p for pattern in PAGES for p in root.glob(pattern))


def figures(text: str):
    """(match, file, key, format, quoted value) for every marked figure of a page."""
    for m in MARKER.finditer(text):
        yield m, m["file"], m["key"], m["fmt"], m["value"]


def expected(root: Path, file: str, key: str, fmt: str, cache: dict) -> str:
    if file not in cache:
        cache[file] = json.loads((root / file).read_text())
    where = provenance(root, file, cache[file], cache)  # every quoted file must say where and when
    if key.startswith("@"):
        return render(where[key[1:]], fmt)
    return render(lookup(cache[file], key), fmt)


def check(root: Path = ROOT) -> list[str]:
    """One line per figure that disagrees with (or cannot be read from) its results file."""
    problems, cache = [], {}
    for page in pages(root):
        text = page.read_text()
        for m, file, key, fmt, quoted in figures(text):
            line = text.count("\n", 0, m.start()) + 1
            where = f"{page.relative_to(root)}:{line}"
            try:
                want = expected(root, file, key, fmt, cache)
            except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
                problems.append(f"{where}: {file} {key}: cannot read ({type(exc).__name__}: {exc})")
                continue
            if quoted != want:
                problems.append(f"{where}: quotes {quoted!r}, {file} {key} gives {want!r}")
        for m in INCLUDE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            source = root / m["file"]
            if not source.is_file():
                problems.append(f"{page.relative_to(root)}:{line}: includes {m['file']}, which does not exist")
            elif m["value"] != source.read_text():
                problems.append(f"{page.relative_to(root)}:{line}: the included text differs from {m['file']}")
    return problems


def write(root: Path = ROOT) -> int:
    """Rewrite every figure from its file; the number of figures changed."""
    changed, cache = 0, {}
    for page in pages(root):
        text = page.read_text()

        def fresh(m: re.Match) -> str:
            nonlocal changed
            try:
                want = expected(root, m["file"], m["key"], m["fmt"], cache)
            except (OSError, ValueError, KeyError, IndexError, TypeError):
                return m[0]  # left as it is; check() names it
            changed += want != m["value"]
            return f"<!--fig {m['file']} {m['key']} {m['fmt']}-->{want}<!--/fig-->"

        def included(m: re.Match) -> str:
            nonlocal changed
            if not (root / m["file"]).is_file():
                return m[0]
            want = (root / m["file"]).read_text()
            changed += want != m["value"]
            return f"<!--include {m['file']}-->\n{want}<!--/include-->"

        new = INCLUDE.sub(included, MARKER.sub(fresh, text))
        if new != text:
            page.write_text(new)
    return changed


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--write", action="store_true", help="rewrite the figures from their results files")
    args = p.parse_args()
    if args.write:
        print(f"{write()} figures changed", file=sys.stderr)
    problems = check()
    for line in problems:
        print(line)
    count = sum(len(list(figures(p.read_text()))) for p in pages())
    print(f"{count} figures, {len(problems)} disagree with their results files", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())

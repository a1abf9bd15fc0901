"""The package's import graph: layers only import downwards, no module imports itself round a
cycle, and only the CLI (and the root's lazy API hook, LAZY_HOOKS) defers library imports into functions.

The layers, lowest first (docs/code-map.md). A package may import its own modules and any
package of a lower layer, never one of the same or a higher layer:

    0  atomic                                 whole-or-nothing file writes (imports nothing of dcgan)
    0  dcgan (DcganError), config, images     plain values and pictures
    1  data                                   readers, uint8 images
    2  sampling                               z, generating from a G
    3  models                                 the networks
    4  core                                   run layout, checkpoints, opening a run, device
    5  evaluation, dedup                      measuring (§5, quality) and §4.1.1
    6  training                               the loop (its in-training Fréchet distance is evaluation's)
    7  experiments                            §6
    8  interop, serve, report                 other formats, the explorer, the HTML report
    9  api                                    dcgan.load / dcgan.train for notebooks (docs/api.md)
   10  cli                                    argument parsing only
   11  __main__                               python -m dcgan

One exception, ``LAZY_HOOKS``: the package root (layer 0) re-exports ``load``, ``train`` and
``Model`` from ``dcgan.api`` through a module-level ``__getattr__`` (PEP 562), importing it inside
that function on first use. ``import dcgan`` (which every module does, for ``DcganError``) thus
loads nothing above layer 0 and no torch; only a caller who asks for ``dcgan.load`` pays for it.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
LAYERS = [
    {"atomic"}, {"dcgan", "config", "images"}, {"data"}, {"sampling"}, {"models"}, {"core"}, {"evaluation", "dedup"},
    {"training"}, {"experiments"}, {"interop", "serve", "report", "pretrained"},  # pretrained: publishing (names resolve in core/)
    {"api"},  # the notebook API: a facade over core, sampling, evaluation and training, like the CLI's commands
    {"cli"}, {"__main__"},
]
# (module, imported module) pairs allowed to go upwards because the import sits inside a function
# and runs only on first use: dcgan/__init__.py's ``__getattr__`` hook for ``dcgan.load`` & co. A
# module-level import of the same name stays an error (the checks below ask for ``local``).
LAZY_HOOKS = {("dcgan", "dcgan.api")}
RANK = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "dcgan"


def imports(path: Path) -> list[tuple[str, bool, int]]:
    """(imported dcgan module, inside a function?, line) for every import in ``path``."""
    tree = ast.parse(path.read_text())
    in_function = {id(node) for fn in ast.walk(tree) if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for node in ast.walk(fn) if node is not fn}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] if node.module != "dcgan" else [f"dcgan.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            if name == "dcgan" or name.startswith("dcgan."):
                found.append((name, id(node) in in_function, node.lineno))
    return found


@functools.cache
def graph() -> dict[str, list[tuple[str, bool, int]]]:
    return {module_name(p): imports(p) for p in sorted((SRC / "dcgan").rglob("*.py"))}


def resolve(target: str, modules: set[str]) -> str:
    """``from dcgan.x import y``: y may be a module (dcgan.x.y) or a name in dcgan.x."""
    while target not in modules and "." in target:
        target = target.rsplit(".", 1)[0]
    return target


def test_every_package_has_a_layer():
    packages = {package_of(m) for m in graph()}
    assert packages - set(RANK) == set(), "add the new package to LAYERS (and docs/code-map.md)"


def test_no_module_imports_its_own_or_a_higher_layer():
    wrong = []
    g = graph()
    for module, found in g.items():
        here = package_of(module)
        for target, local, line in found:
            if local and (module, target) in LAZY_HOOKS:
                continue
            there = package_of(resolve(target, set(g)))
            if there != here and RANK[there] >= RANK[here] and there != "dcgan":
                wrong.append(f"{module}:{line} imports {target} ({there}, layer {RANK[there]} >= {here}'s {RANK[here]})")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    g = graph()
    modules = set(g)
    edges = {m: sorted({resolve(t, modules) for t, _, _ in found} - {m}) for m, found in g.items()}
    # A package's __init__ re-exporting its modules is not a cycle with those modules.
    edges = {m: [t for t in ts if not m.startswith(t + ".")] for m, ts in edges.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(node, path):
        state[node] = 1
        for nxt in edges.get(node, []):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert not cycles, "\n".join(cycles)


def test_only_the_cli_imports_the_library_inside_functions():
    """Deferred imports hide the dependency graph; the CLI defers them so ``dcgan --help`` and each
    command load only what they use."""
    hidden = [f"{m}:{line} imports {t}" for m, found in graph().items() for t, local, line in found
              if local and package_of(m) not in ("cli", "__main__") and (m, t) not in LAZY_HOOKS]
    assert not hidden, "\n".join(hidden)


def test_the_lazy_hooks_are_real_and_deferred():
    """Every ``LAZY_HOOKS`` entry is an import the checker sees, inside a function (else the
    exemption would be stale, or cover a module-level import the rules forbid)."""
    g = graph()
    for module, target in LAZY_HOOKS:
        found = [local for t, local, _ in g[module] if t == target]
        assert found, f"{module} no longer imports {target}: drop it from LAZY_HOOKS"
        assert all(found), f"{module} imports {target} at module level: only a deferred import is allowed"


@pytest.mark.parametrize("probe", ["dcgan.core.run", "dcgan.evaluation.classify.experiment", "dcgan.training.loop"])
def test_the_checker_sees_real_imports(probe):
    """The test above must be able to fail: it finds the imports these modules are known to make."""
    assert graph()[probe], f"no dcgan imports found in {probe}: the parser is broken"

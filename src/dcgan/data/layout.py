"""Split and class labels from the layout of a tree of image files (a folder or a zip).

Split: if any path has a component named ``train``/``test``/``val``/``valid``/``validation``/
``extra``, the split is chosen by that component (``cifar10-jpg/train/cat/0001.jpg`` is in
``train``); a tree without such components is one set, available as split ``train`` only.
Labels: below the split (or the tree's common root), if every image lies in a first-level
sub-folder and there are at least two of them, the sub-folder name is the class; class
indices follow the sorted names (CIFAR-10's class folders sort into its official order).
Split ``all`` is every image: all split folders together, or the whole of a tree without them
(so ``data.split=all`` works across sources with and without splits).
"""

from __future__ import annotations

from dcgan import DcganError

SPLIT_NAMES = ("train", "test", "val", "valid", "validation", "extra")


def select_split(paths: list[str], split: str, where: str) -> list[tuple[str, tuple[str, ...]]]:
    """``paths`` (posix, relative) -> ``[(path, parts below the split/common root)]`` for ``split``."""
    parts = [tuple(c for c in p.split("/") if c) for p in paths]  # str ops: pathlib costs seconds on 60k names
    has_split = [next((i for i, c in enumerate(pp[:-1]) if c.lower() in SPLIT_NAMES), -1) for pp in parts]
    if any(i >= 0 for i in has_split):
        kept = [(p, pp[i + 1 :]) for p, pp, i in zip(paths, parts, has_split)
                if i >= 0 and (pp[i].lower() == split or split == "all")]
        if not kept:
            found = sorted({pp[i].lower() for pp, i in zip(parts, has_split) if i >= 0})
            raise DcganError(f"'{where}' has no '{split}' split (found split folders: {', '.join(found)})")
        return kept
    if split not in ("train", "all"):
        raise DcganError(
            f"'{where}' has no split folders (train/test/...), so it is one set: use split 'train' (or 'all'), "
            f"not '{split}'"
        )
    common = _common_dirs(parts)
    return [(p, pp[common:]) for p, pp in zip(paths, parts)]


def _common_dirs(parts: list[tuple[str, ...]]) -> int:
    if not parts:
        return 0
    n = min(len(pp) for pp in parts) - 1  # never strip the file name
    first = parts[0]
    k = 0
    while k < n and all(pp[k] == first[k] for pp in parts):
        k += 1
    return k


def class_labels(rel_parts: list[tuple[str, ...]]) -> tuple[list[int], list[str] | None]:
    """Labels from first-level sub-folders, or all -1 when the images are not grouped into >= 2 folders."""
    if not rel_parts or any(len(pp) < 2 for pp in rel_parts):
        return [-1] * len(rel_parts), None
    names = sorted({pp[0] for pp in rel_parts})
    if len(names) < 2:
        return [-1] * len(rel_parts), None
    index = {n: i for i, n in enumerate(names)}
    return [index[pp[0]] for pp in rel_parts], names

"""Streamed datasets (folders, zips of large images, LSUN lmdb): decoded per item, worker-safe.

Bad input policy: an item whose bytes do not decode (truncated, corrupt, not an image) is
*replaced* by the next decodable item (index + 1, + 2, ..., wrapping around), so a batch keeps
its size and an epoch never crashes. ``dcgan data prepare`` drops such items instead.

Reporting: the first ``WARN_FIRST`` corrupt items are named, one line each, as a
``CorruptImageWarning`` (so warning filters and ``pytest.warns`` apply) issued with
``warnings.warn_explicit`` at location ``dcgan:0``: the default display is then the single line
``dcgan:0: CorruptImageWarning: skipping corrupt image ...``, without the source line of whatever
code indexed the dataset. Every corrupt item is also recorded in a small table in shared memory,
which DataLoader worker processes (fresh ones every epoch) inherit: the limit on named items and
the count hold for the whole run, not per worker and epoch, and the main process can summarise
them (``report_skipped(dataset)``, through keep-list subsets and multi-source datasets too).
The table holds ``SHARED_CAPACITY`` distinct items; past that the count is reported as a lower
bound. Updates are not locked: two workers recording new corrupt items at the same instant can
lose one entry (it is recorded again when next met) or name one item more than ``WARN_FIRST``.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import sys
import warnings

import torch

from dcgan import DcganError
from dcgan.data.decode import CorruptImage, decode_all, decode_image
from dcgan.data.types import ImageDataset, InMemoryImages

WARN_FIRST = 5  # corrupt items named individually; after that only the count grows
MAX_CONSECUTIVE_BAD = 1000  # this many undecodable items in a row means the data is not images at all
SHARED_CAPACITY = 4096  # distinct corrupt items the cross-process table records (then: "at least")
_NAMED, _COUNT = 0, 1  # slots of the shared table before its item indices
_OBJECT_REPR = re.compile(r"\s*<[\w.]+ object at 0x[0-9a-fA-F]+>")  # PIL: "cannot identify image file <_io.BytesIO ...>"


class CorruptImageWarning(UserWarning):
    pass


class StreamedImages(ImageDataset):
    """Subclasses implement ``__len__``, ``read_bytes(i) -> bytes``, ``item_name(i) -> str``, ``label(i)``."""

    resolution: int
    channels: int

    def __init__(self, resolution: int, channels: int, description: str = "", class_names: list[str] | None = None):
        self.resolution, self.channels = resolution, channels
        self.description, self.class_names = description, class_names
        self.skipped: dict[int, str] = {}  # index -> reason, in this process
        self._shared = _shared_table()  # [named, count, index, ...]: all processes (see the module docstring)

    def read_bytes(self, index: int) -> bytes:  # pragma: no cover - abstract
        raise NotImplementedError

    def item_name(self, index: int) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def label(self, index: int) -> int:
        return -1

    def decode(self, index: int) -> torch.Tensor:
        """The image at ``index``, or ``CorruptImage`` (no replacement)."""
        try:
            data = self.read_bytes(index)
        except (OSError, KeyError, ValueError) as exc:
            raise CorruptImage(f"unreadable: {exc}") from None
        return decode_image(data, self.resolution, self.channels)

    def __getitem__(self, index: int):
        n = len(self)
        if not -n <= index < n:
            raise IndexError(index)
        index %= n
        for attempt in range(min(n, MAX_CONSECUTIVE_BAD)):
            i = (index + attempt) % n
            try:
                return self.decode(i), self.label(i)
            except CorruptImage as exc:
                self._note_bad(i, str(exc))
        raise DcganError(
            f"{self.description}: {min(n, MAX_CONSECUTIVE_BAD)} consecutive items from #{index} do not decode as "
            f"images (first: {self.item_name(index)}: {self.skipped.get(index, '?')})"
        )

    def _note_bad(self, index: int, reason: str) -> None:
        if index in self.skipped:
            return
        reason = _OBJECT_REPR.sub("", reason)
        self.skipped[index] = reason
        table = self._shared
        count = int(table[_COUNT])
        if count and bool((table[2 : 2 + min(count, SHARED_CAPACITY)] == index).any()):
            return  # already met, by this process earlier or by another worker (an earlier epoch)
        if count < SHARED_CAPACITY:
            table[2 + count] = index
        table[_COUNT] = count + 1
        named = int(table[_NAMED])
        if named < WARN_FIRST:
            table[_NAMED] = named + 1
            more = " (further ones are counted, not named)" if named + 1 == WARN_FIRST else ""
            warnings.warn_explicit(
                f"skipping corrupt image {self.item_name(index)} ({reason}); using the next image instead{more}",
                CorruptImageWarning, filename="dcgan", lineno=0,
            )

    def corrupt_count(self) -> int:
        """Distinct corrupt items met so far by this process and its DataLoader workers (a lower bound
        past ``SHARED_CAPACITY``)."""
        return max(min(int(self._shared[_COUNT]), SHARED_CAPACITY), len(self.skipped))

    def corrupt_indices(self) -> list[int]:
        """The corrupt items met (all processes' first ones in the order met, then this process's others)."""
        recorded = self._shared[2 : 2 + min(int(self._shared[_COUNT]), SHARED_CAPACITY)].tolist()
        seen = set(recorded)
        return recorded + [i for i in self.skipped if i not in seen]

    def skipped_report(self) -> str:
        """``N corrupt image(s) skipped ...: first names`` (all processes), for the end of a run."""
        n, indices = self.corrupt_count(), self.corrupt_indices()
        if not n:
            return "no corrupt images skipped"
        names = ", ".join(self.item_name(i) for i in indices[:WARN_FIRST])
        rest = f" and {n - WARN_FIRST} more" if n > WARN_FIRST else ""
        bound = "at least " if n >= SHARED_CAPACITY else ""
        return f"{bound}{n} corrupt image(s) skipped, each replaced by the next decodable one: {names}{rest}"


def _shared_table() -> torch.Tensor:
    table = torch.zeros(2 + SHARED_CAPACITY, dtype=torch.int64)
    try:
        table.share_memory_()  # inherited by forked workers, passed by handle to spawned ones
    except RuntimeError:  # no shared memory here: counts stay per process, as without workers
        pass
    return table


def streamed_parts(dataset) -> list[StreamedImages]:
    """The streamed datasets inside ``dataset``: itself, a ``Subset``'s (keep list) or a multi-source one's."""
    if isinstance(dataset, StreamedImages):
        return [dataset]
    parts: list[StreamedImages] = []
    inner = getattr(dataset, "datasets", None)
    for d in list(inner) if isinstance(inner, (list, tuple)) else [getattr(dataset, "dataset", None)]:
        if d is not None and d is not dataset:
            parts += [p for p in streamed_parts(d) if all(p is not q for q in parts)]
    return parts


def report_skipped(dataset, file=None) -> int:
    """One line on stderr (or ``file``) per streamed source that replaced corrupt images, counting
    them over this process and its DataLoader workers; silent when there were none. Returns the
    total. A training run calls it once, after its last step."""
    total = 0
    for part in streamed_parts(dataset):
        n = part.corrupt_count()
        if n:
            total += n
            print(f"warning: {part.description or 'dataset'}: {part.skipped_report()}", file=file or sys.stderr)
    return total


def in_memory_limit_bytes() -> int:
    """Decoded size under which folders and zips are decoded once into memory ($DCGAN_IN_MEMORY_MB, 4 GiB)."""
    return int(float(os.environ.get("DCGAN_IN_MEMORY_MB", "4096")) * 2**20)


_STREAM_ONLY = contextvars.ContextVar("stream_only", default=False)


@contextlib.contextmanager
def stream_only():
    """Within it, folders and zips open streamed whatever their size: ``dcgan data prepare`` reads
    each file itself so that it can name and drop the ones that do not decode."""
    token = _STREAM_ONLY.set(True)
    try:
        yield
    finally:
        _STREAM_ONLY.reset(token)


def fits_in_memory(count: int, resolution: int, channels: int) -> bool:
    return not _STREAM_ONLY.get() and count * channels * resolution * resolution <= in_memory_limit_bytes()


def decode_in_memory(streamed: StreamedImages) -> InMemoryImages:
    """Every item of ``streamed`` decoded once (a small folder or zip: a few thousand photos decode
    in seconds, where streaming would decode every batch again at every step). Corrupt items are
    dropped with one warning naming the first few; none decoding at all is an error."""
    n = len(streamed)
    images, good, bad = decode_all((streamed.read_bytes(i) for i in range(n)), n, streamed.resolution, streamed.channels)
    where = streamed.description.split(" split=")[0]
    if bad:
        named = ", ".join(f"{streamed.item_name(i)} ({why})" for i, why in list(bad.items())[:WARN_FIRST])
        warnings.warn(f"{where}: dropped {len(bad)} corrupt image(s): {named}", CorruptImageWarning, stacklevel=2)
    if not good:
        raise DcganError(f"{where}: none of its {n} images decode")
    labels = torch.tensor([streamed.label(i) for i in good], dtype=torch.long) if streamed.class_names else None
    dropped = f", {len(bad)} corrupt dropped" if bad else ""
    description = streamed.description.replace(", streamed)", f"{dropped}, decoded in memory at {streamed.resolution}px)")
    return InMemoryImages(images, labels, description, streamed.class_names)

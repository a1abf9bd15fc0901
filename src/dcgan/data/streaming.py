"""Streamed datasets (folders, zips of large images, LSUN lmdb): decoded per item, worker-safe.

Bad input policy: an item whose bytes do not decode (truncated, corrupt, not an image) is
*replaced* by the next decodable item (index + 1, + 2, ..., wrapping around), so a batch keeps
its size and an epoch never crashes. Each replaced item is counted in ``skipped`` and the first
few are named in a warning (``warnings.warn``, once per item and process; DataLoader workers
count their own share). ``dcgan data prepare`` drops such items instead of replacing them.
"""

from __future__ import annotations

import sys
import warnings

import torch

from dcgan import DcganError
from dcgan.data.decode import CorruptImage, decode_image
from dcgan.data.types import ImageDataset

WARN_FIRST = 5  # corrupt items named individually; after that only the count grows
MAX_CONSECUTIVE_BAD = 1000  # this many undecodable items in a row means the data is not images at all


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
        self.skipped[index] = reason
        if len(self.skipped) <= WARN_FIRST:
            more = " (further ones are counted, not named)" if len(self.skipped) == WARN_FIRST else ""
            warnings.warn(
                f"skipping corrupt image {self.item_name(index)} ({reason}); using the next image instead{more}",
                CorruptImageWarning,
                stacklevel=3,
            )

    def skipped_report(self) -> str:
        names = ", ".join(self.item_name(i) for i in list(self.skipped)[:WARN_FIRST])
        return f"{len(self.skipped)} corrupt image(s) skipped" + (f": {names}" if names else "")


def report_skipped(dataset) -> None:
    """Print the skipped-image count of a streamed dataset (main process share) to stderr."""
    if isinstance(dataset, StreamedImages) and dataset.skipped:
        print(f"warning: {dataset.skipped_report()}", file=sys.stderr)

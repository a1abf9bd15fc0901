"""Seeded, resumable batch streams.

The order of epoch ``e`` is a permutation drawn from ``seed`` and ``e`` alone, so a run that
resumes at batch cursor ``c`` sees exactly the batches an uninterrupted run would. Batches
are full (``drop_last``): BatchNorm statistics and a compiled step both want a fixed size.
Under DDP each rank takes a strided share of the same permutation (each image once an epoch).
In-memory datasets are gathered by indexing in the main process (no worker processes, which
cost more than they save on a 2-core machine); others go through a ``DataLoader``.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from dcgan import DcganError
from dcgan.data.types import ImageDataset, InMemoryImages


def check_batch_size(n_images: int, batch_size: int, world_size: int = 1, description: str = "") -> None:
    """Refuse (``DcganError``, naming ``train.batch_size``) a batch that the data cannot fill even once:
    batches are full (``drop_last``) and under DDP each of ``world_size`` processes takes its share."""
    per_rank = n_images // world_size
    if batch_size <= per_rank:
        return
    of = f" of {description}" if description else ""
    if world_size > 1:
        where = f"each process's share of the dataset ({n_images} images{of} over {world_size} processes: {per_rank} each)"
    else:
        where = f"the dataset ({n_images} images{of})"
    raise DcganError(f"train.batch_size={batch_size} is larger than {where}: use at most {per_rank} (batches are full)")


class BatchStream:
    def __init__(
        self,
        dataset: ImageDataset,
        batch_size: int,
        seed: int,
        rank: int = 0,
        world_size: int = 1,
        num_workers: int = 0,
    ):
        self.dataset, self.batch_size, self.seed = dataset, batch_size, seed
        self.rank, self.world_size, self.num_workers = rank, world_size, num_workers
        check_batch_size(len(dataset), batch_size, world_size, getattr(dataset, "description", ""))
        self.batches_per_epoch = len(dataset) // world_size // batch_size

    def epoch_indices(self, epoch: int) -> torch.Tensor:
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        perm = torch.randperm(len(self.dataset), generator=g)
        mine = perm[self.rank :: self.world_size]
        return mine[: self.batches_per_epoch * self.batch_size]

    def batches(self, cursor: int = 0) -> Iterator[tuple[int, torch.Tensor, torch.Tensor]]:
        """Yield ``(cursor, uint8 images, labels)`` forever from batch number ``cursor`` on."""
        while True:
            epoch, offset = divmod(cursor, self.batches_per_epoch)
            idx = self.epoch_indices(epoch).view(self.batches_per_epoch, self.batch_size)[offset:]
            if isinstance(self.dataset, InMemoryImages):
                labels_all = self.dataset.labels
                for row in idx:
                    labels = labels_all[row] if labels_all is not None else torch.full((len(row),), -1)
                    yield cursor, self.dataset.images[row], labels
                    cursor += 1
            else:
                loader = torch.utils.data.DataLoader(
                    self.dataset,
                    batch_sampler=[row.tolist() for row in idx],
                    num_workers=self.num_workers,
                    persistent_workers=False,
                )
                for images, labels in loader:
                    yield cursor, images, torch.as_tensor(labels)
                    cursor += 1

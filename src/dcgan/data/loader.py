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

from dcgan.data.types import ImageDataset, InMemoryImages


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
        per_rank = len(dataset) // world_size
        self.batches_per_epoch = per_rank // batch_size
        if self.batches_per_epoch < 1:
            raise ValueError(
                f"dataset of {len(dataset)} images is smaller than one batch of {batch_size} x {world_size} process(es)"
            )

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

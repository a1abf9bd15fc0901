import torch

from dcgan.data.loader import BatchStream
from dcgan.data.types import InMemoryImages


def _dataset(n=50):
    return InMemoryImages(torch.arange(n, dtype=torch.uint8).view(n, 1, 1, 1).expand(n, 1, 2, 2).contiguous(),
                          torch.arange(n))


def test_each_image_once_per_epoch_and_seeded():
    ds = _dataset()
    stream = BatchStream(ds, batch_size=8, seed=1)
    assert stream.batches_per_epoch == 6
    it = stream.batches()
    seen = torch.cat([next(it)[2] for _ in range(6)])
    assert len(set(seen.tolist())) == 48  # drop_last: 2 of 50 skipped this epoch
    again = torch.cat([b[2] for _, b in zip(range(6), BatchStream(ds, 8, seed=1).batches())])
    assert torch.equal(seen, again)
    other = torch.cat([b[2] for _, b in zip(range(6), BatchStream(ds, 8, seed=2).batches())])
    assert not torch.equal(seen, other)


def test_resume_from_cursor_matches():
    stream = BatchStream(_dataset(), batch_size=8, seed=0)
    full = [b[2] for _, b in zip(range(15), stream.batches())]
    resumed = [b[2] for _, b in zip(range(6), stream.batches(cursor=9))]
    for a, b in zip(full[9:], resumed):
        assert torch.equal(a, b)


def test_ranks_partition_an_epoch():
    ds = _dataset(64)
    parts = [torch.cat([b[2] for _, b in zip(range(4), BatchStream(ds, 8, 0, rank=r, world_size=2).batches())])
             for r in range(2)]
    assert set(parts[0].tolist()).isdisjoint(parts[1].tolist())
    assert len(parts[0]) + len(parts[1]) == 64

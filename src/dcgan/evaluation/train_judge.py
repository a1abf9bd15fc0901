"""Train the face attribute judge (``evaluation.judge``) on real labelled faces, seeded.

Data: UTKFace through the registry (``utkface``: ``../shared/datasets/utkface-64.zip`` by default),
split ``train`` to fit and split ``test`` held out (the reader's fixed ~10% chosen by a hash of
each file name, so the held-out faces never depend on the seed or on listing order). Images at
32x32 (64 -> 32 bicubic antialiased, the package's resize policy), scaled to [-1, 1].

Recipe: Adam (lr 1e-3, betas 0.9/0.999), batch 128, ``epochs`` (default 4), loss = cross-entropy
of the gender head + cross-entropy of the age-group head; each batch flips a random half of its
images left-right (gender and age do not depend on which way a face looks). torch seed
``seed``; data order and flips from their own generator seeded ``seed + 1``. The held-out
metrics are accuracies, with the majority-class rate beside each for scale.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
import torch.nn.functional as F

from dcgan import DcganError
from dcgan.data import open_dataset
from dcgan.data.registry import DATASETS, named_path
from dcgan.evaluation.judge import HEADS, INPUT_SIZE, FaceJudge, judge_input, judge_probs


def labelled_faces(data: str, split: str, path: str = "", limit: int = 0, seed: int = 0):
    """uint8 images (N, 3, 32, 32) and {head: labels} for the faces of ``split`` with both labels known.
    A bare path is read as UTKFace (``utkface:PATH``): the judge exists to read its file-name labels."""
    if data not in DATASETS and named_path(data, path)[0] not in DATASETS:
        data = f"utkface:{data}"
    dataset = open_dataset(data, resolution=INPUT_SIZE, channels=3, split=split, path=path)
    attributes = getattr(dataset, "attributes", None) or {}
    missing = [h for h in HEADS if h not in attributes]
    if missing:
        raise DcganError(f"data '{data}' has no attribute(s) {', '.join(missing)}: the judge needs labelled faces "
                         "(UTKFace names <age>_<gender>_<race>_<datetime>.jpg)")
    known = torch.stack([attributes[h] >= 0 for h in HEADS]).all(0)
    index = known.nonzero().flatten()
    if limit and limit < len(index):
        index = index[torch.randperm(len(index), generator=torch.Generator().manual_seed(seed))[:limit].sort().values]
    if len(index) == 0:
        raise DcganError(f"data '{data}' split '{split}' has no face with gender and age labels")
    return dataset.images[index], {h: attributes[h][index] for h in HEADS}


def held_out_metrics(judge: FaceJudge, images: torch.Tensor, labels: dict[str, torch.Tensor]) -> dict:
    probs = judge_probs(judge, images)
    out: dict = {"images": int(len(images))}
    for head, classes in HEADS.items():
        pred = probs[head].argmax(1)
        counts = torch.bincount(labels[head], minlength=len(classes))
        out[f"{head}_accuracy"] = round(float((pred == labels[head]).float().mean()), 4)
        out[f"{head}_majority_rate"] = round(float(counts.max()) / len(images), 4)
        out[f"{head}_counts"] = {c: int(n) for c, n in zip(classes, counts)}
    young, old = HEADS["age_group"].index("young"), HEADS["age_group"].index("old")
    extreme = (labels["age_group"] == young) | (labels["age_group"] == old)
    if extreme.any():
        says_old = probs["age_group"][extreme, old] > probs["age_group"][extreme, young]
        out["young_vs_old_accuracy"] = round(float((says_old == (labels["age_group"][extreme] == old)).float().mean()), 4)
        out["young_vs_old_images"] = int(extreme.sum())
    both = (probs["gender"].argmax(1) == labels["gender"]) & (probs["age_group"].argmax(1) == labels["age_group"])
    out["both_accuracy"] = round(float(both.float().mean()), 4)
    return out


def train_judge(data: str = "utkface", path: str = "", epochs: int = 4, batch_size: int = 128, lr: float = 1e-3,
                seed: int = 0, limit: int = 0, width: int = 32,
                log: Callable[[str], None] = lambda _msg: None) -> tuple[FaceJudge, dict, dict]:
    """Fit on split ``train``; return (judge in eval mode, held-out metrics on split ``test``, settings)."""
    start = time.perf_counter()
    torch.manual_seed(seed)
    train_images, train_labels = labelled_faces(data, "train", path, limit, seed)
    test_images, test_labels = labelled_faces(data, "test", path)
    inputs = judge_input(train_images)
    judge = FaceJudge(width)
    opt = torch.optim.Adam(judge.parameters(), lr=lr)
    rng = torch.Generator().manual_seed(seed + 1)
    for epoch in range(epochs):
        judge.train()
        order = torch.randperm(len(inputs), generator=rng)
        total, tick = 0.0, time.perf_counter()
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size]
            x = inputs[idx]
            flip = torch.rand(len(idx), generator=rng) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(3), x)
            logits = judge(x)
            loss = sum(F.cross_entropy(logits[h], train_labels[h][idx]) for h in HEADS)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        log(f"judge epoch {epoch + 1}/{epochs}: train loss {total / len(order):.4f} ({time.perf_counter() - tick:.0f} s)")
    judge.eval()
    metrics = held_out_metrics(judge, test_images, test_labels)
    metrics["train_images"] = int(len(train_images))
    settings = {"data": data, "path": path, "epochs": epochs, "batch_size": batch_size, "lr": lr, "seed": seed,
                "limit": limit, "width": width, "input_size": INPUT_SIZE, "train_split": "train", "held_out_split": "test",
                "seconds": round(time.perf_counter() - start, 1), "torch": str(torch.__version__)}
    return judge, metrics, settings

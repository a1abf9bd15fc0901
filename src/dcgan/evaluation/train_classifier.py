"""Train the shipped Fashion-MNIST feature network (``features/classifier.py``), seeded.

    python -m dcgan.evaluation.train_classifier            # writes dcgan/assets/fashion_cnn.{pt,json}

Recipe: Fashion-MNIST train split (60,000 images, 28x28 -> 32x32 bicubic as the package loads
it), scaled to [-1, 1], no augmentation; Adam (lr 1e-3, betas 0.9/0.999), batch 128, 2 epochs,
cross-entropy; torch seed 0, data order from its own seeded generator, CPU, 2 threads.
About 3 minutes on 2 idle CPU cores (the shipped weights took 10 minutes on a shared, loaded
machine; test accuracy 89.3%). With the same torch version and thread count the weights
are bit-identical (the SHA-256 printed at the end must equal ``WEIGHTS_SHA256``); elsewhere
they differ in the last bits and the test accuracy agrees to within a few tenths of a percent.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from dcgan.data import open_dataset
from dcgan.data.registry import FASHION_MNIST_ROOT
from dcgan.evaluation.features.classifier import (
    INPUT_SIZE,
    MANIFEST_NAME,
    FashionCNN,
    classifier_input,
    packaged_weights,
    predict,
    sha256_file,
)


def fit(model: torch.nn.Module, inputs: torch.Tensor, labels: torch.Tensor, epochs: int, batch_size: int = 128,
        lr: float = 1e-3, seed: int = 0, flip: bool = False, log=print) -> torch.nn.Module:
    """Cross-entropy with Adam over ``epochs`` seeded passes (``flip``: mirror half of each batch)."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    order_rng = torch.Generator().manual_seed(seed + 1)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(inputs), generator=order_rng)
        total, start = 0.0, time.perf_counter()
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size]
            x = inputs[idx]
            if flip:
                mirrored = torch.rand(len(idx), generator=order_rng) < 0.5
                x = torch.where(mirrored[:, None, None, None], x.flip(3), x)
            loss = F.cross_entropy(model(x), labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        log(f"epoch {epoch + 1}/{epochs}: train loss {total / len(order):.4f} ({time.perf_counter() - start:.0f} s)")
    return model.eval()


def train_fashion_cnn(
    data_path: str = FASHION_MNIST_ROOT, epochs: int = 2, batch_size: int = 128, lr: float = 1e-3, seed: int = 0,
    limit: int = 0, log=print,
) -> tuple[FashionCNN, float]:
    """Train on the train split, return (model in eval mode, test accuracy in [0, 1])."""
    torch.manual_seed(seed)
    train = open_dataset("fashion-mnist", resolution=INPUT_SIZE, channels=1, split="train", path=data_path)
    test = open_dataset("fashion-mnist", resolution=INPUT_SIZE, channels=1, split="test", path=data_path)
    images, labels = train.images, train.labels
    if limit:
        images, labels = images[:limit], labels[:limit]
    model = fit(FashionCNN(), classifier_input(images), labels, epochs, batch_size, lr, seed, log=log)
    model.eval()
    accuracy = float((predict(model, test.images) == test.labels.numpy()).mean())
    return model, accuracy


def save_weights(model: torch.nn.Module, path: Path, dtype: torch.dtype | None = None) -> str:
    """Write the state dict byte-reproducibly (the zip's internal folder name is fixed by
    saving to a buffer, not derived from the file name) and return its SHA-256. ``dtype``
    stores floating tensors in it (half precision halves a shipped file)."""
    buffer = io.BytesIO()
    state = {k: (v.to(dtype) if dtype is not None and v.is_floating_point() else v).contiguous()
             for k, v in model.state_dict().items()}
    torch.save(state, buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return sha256_file(path)


def add_training_arguments(p: argparse.ArgumentParser, packaged: Path, epochs: int) -> None:
    """The options every shipped feature network's trainer takes (this one, train_general_features)."""
    p.add_argument("--out", default=str(packaged), help="weights file (default: the packaged asset)")
    p.add_argument("--epochs", type=int, default=epochs)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads (bit-reproducibility depends on it)")
    p.add_argument("--limit", type=int, default=0, help="use N images only (smoke tests)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m dcgan.evaluation.train_classifier", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=FASHION_MNIST_ROOT, help="Fashion-MNIST IDX folder")
    add_training_arguments(p, packaged_weights(), epochs=2)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    model, accuracy = train_fashion_cnn(args.data, args.epochs, seed=args.seed, limit=args.limit,
                                        log=lambda s: print(s, file=sys.stderr))
    out = Path(args.out)
    digest = save_weights(model, out)
    manifest = {
        "weights": out.name,
        "sha256": digest,
        "architecture": "FashionCNN (dcgan.evaluation.features.classifier): 3 conv + 2 linear, 128-d penultimate",
        "input": f"grey {INPUT_SIZE}x{INPUT_SIZE} in [-1, 1] (Fashion-MNIST 28x28 -> {INPUT_SIZE} bicubic antialiased)",
        "train_data": f"Fashion-MNIST train split ({args.limit or 60000} images), {args.data}",
        "test_accuracy": round(accuracy, 4),
        "test_images": 10000,
        "epochs": args.epochs,
        "seed": args.seed,
        "threads": args.threads,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "seconds": round(time.perf_counter() - start, 1),
        "command": f"python -m dcgan.evaluation.train_classifier --epochs {args.epochs} --seed {args.seed} "
        f"--threads {args.threads}" + (f" --limit {args.limit}" if args.limit else ""),
    }
    (out.parent / (MANIFEST_NAME if out.name == "fashion_cnn.pt" else out.stem + ".json")).write_text(
        json.dumps(manifest, indent=2) + "\n"
    )
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

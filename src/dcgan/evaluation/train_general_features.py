"""Train the shipped general feature network (``features/general.py``, ``tiny-imagenet-cnn``), seeded.

    python -m dcgan.evaluation.train_general_features --data ../shared/datasets/tiny-imagenet-32.zip
    # writes dcgan/assets/tiny_imagenet_cnn.{pt,json}

Recipe: Tiny ImageNet at 32x32 (100,000 images, 200 classes from the zip's class folders), a
seeded 10% held out for the reported accuracy, the rest scaled to [-1, 1] with random
left-right flips; Adam (lr 1e-3), batch 128, ``--epochs`` epochs, cross-entropy; torch seed 0,
CPU, ``--threads`` threads. Weights are stored in half precision (features move by about 1e-3
of their scale; a Fréchet distance by far less than its sampling spread) to keep the shipped
file small. With the same torch version and thread count the file is bit-identical.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from dcgan.data import open_dataset
from dcgan.evaluation.features.classifier import INPUT_SIZE
from dcgan.evaluation.features.general import MANIFEST_NAME, TinyImageNetCNN, general_input, packaged_weights
from dcgan.evaluation.train_classifier import add_training_arguments, fit, save_weights

HELD_OUT = 0.1


@torch.no_grad()
def accuracy(model: TinyImageNetCNN, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000) -> float:
    predicted = torch.cat([model(general_input(images[i:i + batch_size])).argmax(1) for i in range(0, len(images), batch_size)])
    return float((predicted == labels).float().mean())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m dcgan.evaluation.train_general_features", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="Tiny ImageNet 32x32: a zip or folder of <class>/<n>.jpg")
    add_training_arguments(p, packaged_weights(), epochs=6)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    torch.manual_seed(args.seed)
    data = open_dataset(args.data, resolution=INPUT_SIZE, channels=3)
    if data.labels is None or not data.class_names:
        raise SystemExit(f"{args.data}: no class folders, so nothing to learn from")
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(args.seed))
    if args.limit:
        order = order[: args.limit]
    n_held = int(len(order) * HELD_OUT)
    held, train = order[:n_held], order[n_held:]
    log = lambda s: print(s, file=sys.stderr)  # noqa: E731
    model = TinyImageNetCNN(num_classes=len(data.class_names))
    fit(model, general_input(data.images[train]), data.labels[train], args.epochs, seed=args.seed, flip=True, log=log)
    held_accuracy = accuracy(model, data.images[held], data.labels[held])
    out = Path(args.out)
    digest = save_weights(model, out, dtype=torch.float16)
    manifest = {
        "weights": out.name, "sha256": digest,
        "architecture": "TinyImageNetCNN (dcgan.evaluation.features.general): FeatureCNN 64-128-256, 256-d penultimate",
        "input": f"RGB {INPUT_SIZE}x{INPUT_SIZE} in [-1, 1] (other sizes resized bicubic antialiased, grey repeated)",
        "train_data": f"{args.data}: {len(train)} images, {len(data.class_names)} classes",
        "held_out_accuracy": round(held_accuracy, 4), "held_out_images": int(n_held), "chance": round(1 / len(data.class_names), 4),
        "epochs": args.epochs, "seed": args.seed, "threads": args.threads, "torch": torch.__version__,
        "stored_as": "float16", "seconds": round(time.perf_counter() - start, 1),
        "command": f"python -m dcgan.evaluation.train_general_features --data {args.data} --epochs {args.epochs} "
        f"--seed {args.seed} --threads {args.threads}" + (f" --limit {args.limit}" if args.limit else ""),
    }
    out.with_name(MANIFEST_NAME if out.name == packaged_weights().name else out.stem + ".json").write_text(
        json.dumps(manifest, indent=2) + "\n")
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

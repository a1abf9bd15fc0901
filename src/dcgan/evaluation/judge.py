"""The face attribute judge: a small CNN trained on *real* labelled faces (UTKFace), separate from
G and D, that turns the paper's Figures 7-8 (§6.3.2) into numbers (``experiments.face_scoring``).

Heads: gender (male, female) and age group (young < 30, middle 30-49, old >= 50; the bins of
``data.utkface.age_group``). Input: RGB 32x32 in [-1, 1]; any square uint8 image is brought to
32x32 by the package's one resize policy (``data.transforms``: bicubic antialiased), so a 64x64
real face and a 64x64 sample are judged the same way. Architecture (``FaceJudge``)::

    3x32x32 -> conv4x4/2(32) LReLU        -> 32x16x16
            -> conv4x4/2(64) BN LReLU     -> 64x8x8
            -> conv4x4/2(128) BN LReLU    -> 128x4x4
            -> flatten 2048 -> linear(128) ReLU -> dropout(0.3)
            -> gender logits (2), age-group logits (3)

Checkpoint (``torch.load(..., weights_only=True)``): ``{"state_dict", "heads", "input_size",
"metrics", "settings", "version"}``; written by ``train_judge`` (``dcgan faces judge``).
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from dcgan import DcganError
from dcgan.core.checkpoint import load_reason, torch_load_safely
from dcgan.data.transforms import prepare_images
from dcgan.data.types import to_model_range
from dcgan.data.utkface import AGE_GROUPS, GENDERS

INPUT_SIZE = 32
HEADS = {"gender": GENDERS, "age_group": AGE_GROUPS}
JUDGE_VERSION = 1


class FaceJudge(nn.Module):
    """(N, 3, 32, 32) in [-1, 1] -> {"gender": (N, 2), "age_group": (N, 3)} logits."""

    def __init__(self, width: int = 32):
        super().__init__()
        w = width
        self.body = nn.Sequential(
            nn.Conv2d(3, w, 4, 2, 1), nn.LeakyReLU(0.2),  # w x 16 x 16
            nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2),  # 2w x 8 x 8
            nn.Conv2d(2 * w, 4 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(4 * w), nn.LeakyReLU(0.2),  # 4w x 4 x 4
            nn.Flatten(), nn.Linear(4 * w * 16, 128), nn.ReLU(), nn.Dropout(0.3),
        )
        self.heads = nn.ModuleDict({name: nn.Linear(128, len(classes)) for name, classes in HEADS.items()})

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        if x.shape[1:] != (3, INPUT_SIZE, INPUT_SIZE):
            raise ValueError(f"FaceJudge expects (N, 3, {INPUT_SIZE}, {INPUT_SIZE}), got {tuple(x.shape)}")
        h = self.body(x)
        return {name: head(h) for name, head in self.heads.items()}


def judge_input(images_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 (N, C, H, W), square, 1 or 3 channels -> float (N, 3, 32, 32) in [-1, 1]."""
    return to_model_range(prepare_images(images_uint8, INPUT_SIZE, 3))


@torch.no_grad()
def judge_probs(judge: FaceJudge, images_uint8: torch.Tensor, batch_size: int = 500) -> dict[str, torch.Tensor]:
    """Class probabilities per head: {"gender": (N, 2), "age_group": (N, 3)} (rows sum to 1)."""
    judge.eval()
    parts: dict[str, list[torch.Tensor]] = {name: [] for name in HEADS}
    for i in range(0, len(images_uint8), batch_size):
        logits = judge(judge_input(images_uint8[i : i + batch_size]))
        for name in HEADS:
            parts[name].append(F.softmax(logits[name].float(), dim=1))
    if not len(images_uint8):
        return {name: torch.zeros(0, len(c)) for name, c in HEADS.items()}
    return {name: torch.cat(p) for name, p in parts.items()}


def predicted(probs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Most probable class index per head."""
    return {name: p.argmax(1) for name, p in probs.items()}


def class_index(head: str, value: str | int) -> int:
    """('gender', 'female') -> 1; integers pass through (checked)."""
    if head not in HEADS:
        raise DcganError(f"the judge has no head '{head}' (heads: {', '.join(HEADS)})")
    classes = HEADS[head]
    if isinstance(value, int) or str(value).isdigit():
        index = int(value)
    elif value in classes:
        index = classes.index(value)
    else:
        raise DcganError(f"judge head '{head}' has classes {', '.join(classes)}, not '{value}'")
    if not 0 <= index < len(classes):
        raise DcganError(f"judge head '{head}' has {len(classes)} classes, not index {index}")
    return index


def save_judge(judge: FaceJudge, path: str | Path, metrics: dict, settings: dict) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": {k: v.contiguous() for k, v in judge.state_dict().items()},
                "heads": {k: list(v) for k, v in HEADS.items()}, "input_size": INPUT_SIZE,
                "width": int(judge.body[0].out_channels), "metrics": metrics, "settings": settings,
                "version": JUDGE_VERSION}, path)
    return path


def load_judge(path: str | Path) -> tuple[FaceJudge, dict]:
    """A judge checkpoint -> (model in eval mode, the checkpoint's metrics and settings)."""
    path = Path(path)
    if path.is_dir():
        path = path / "judge.pt"
    if not path.is_file():
        raise DcganError(f"judge checkpoint '{path}' does not exist (train one: dcgan faces judge --out DIR)")
    state = torch_load_safely(path, "judge checkpoint")
    try:
        judge = FaceJudge(width=int(state.get("width", 32)))
        judge.load_state_dict(state["state_dict"])
    except Exception as exc:  # noqa: BLE001 - any mismatched file is a user error
        raise DcganError(f"judge checkpoint '{path}' could not be loaded: {load_reason(exc)}") from None
    if state.get("heads") != {k: list(v) for k, v in HEADS.items()}:
        raise DcganError(f"judge checkpoint '{path}' has heads {state.get('heads')}, expected {HEADS}")
    return judge.eval(), {"metrics": state.get("metrics", {}), "settings": state.get("settings", {}), "path": str(path)}

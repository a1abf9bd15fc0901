"""Result tables shaped like the paper's Tables 1-2: markdown for people, JSON for machines.

Columns: model | accuracy (all labels) | accuracy with N labels per class, mean ± std over R draws |
feature dimension (Table 1's "# feature units") | chosen C | extraction and classifier seconds.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Row:
    method: str  # key: dcgan | random | pixels | kmeans | cnn
    model: str  # the table's wording
    feature_dim: int | None = None
    accuracy: float | None = None
    C: float | None = None
    few_label: list[float] = field(default_factory=list)
    few_label_C: list[float] = field(default_factory=list)
    val_scores: dict[str, float] = field(default_factory=dict)
    extract_seconds: float = 0.0
    classifier_seconds: float = 0.0

    @property
    def few_label_mean(self) -> float | None:
        return sum(self.few_label) / len(self.few_label) if self.few_label else None

    @property
    def few_label_std(self) -> float | None:
        if not self.few_label:
            return None
        mean = self.few_label_mean
        return (sum((a - mean) ** 2 for a in self.few_label) / len(self.few_label)) ** 0.5

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["few_label_mean"], out["few_label_std"] = self.few_label_mean, self.few_label_std
        return out


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def grid_edge_choices(rows: list[Row], grid) -> list[str]:
    """Methods whose chosen C (all labels or any draw) is the smallest or largest C tried.

    The validation optimum may then lie outside the grid, so the row may understate the method.
    """
    if not grid:
        return []
    edges = {min(grid), max(grid)}
    return [row.method for row in rows if any(c in edges for c in [row.C, *row.few_label_C] if c is not None)]


def markdown(rows: list[Row], meta: dict[str, Any]) -> str:
    n, r = meta.get("labels_per_class", 0), meta.get("draws", 0)
    few = f"accuracy ({n} per class, {r} draws)" if n and r else "accuracy (few labels)"
    lines = [
        f"| model | accuracy | {few} | # features | C | extraction (s) | classifier (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        few_cell = "—" if row.few_label_mean is None else f"{_pct(row.few_label_mean)} (±{100 * row.few_label_std:.1f}%)"
        if row.few_label and len(row.few_label) != r:
            few_cell += f" [{len(row.few_label)} draw{'s' if len(row.few_label) > 1 else ''}]"
        dim = "—" if row.feature_dim is None else str(row.feature_dim)
        c = "—" if row.C is None else f"{row.C:g}"
        extract = "—" if row.feature_dim is None else f"{row.extract_seconds:.1f}"
        lines.append(f"| {row.model} | {_pct(row.accuracy)} | {few_cell} | {dim} | {c} | {extract} | "
                     f"{row.classifier_seconds:.1f} |")
    notes = [
        "",
        f"Data: {meta.get('data')} ({meta.get('n_train')} train images, of which {meta.get('n_val')} validation; "
        f"{meta.get('n_test')} test), at {meta.get('resolution')}px x {meta.get('channels')} channel(s).",
        f"Checkpoint: {meta.get('checkpoint')} (trained on {meta.get('trained_on')}, step {meta.get('step')}).",
        "C chosen on the validation split carved from the training set; the test set only scores the chosen model.",
    ]
    grid = meta.get("settings", {}).get("c_grid")
    at_edge = grid_edge_choices(rows, grid)
    if at_edge:
        notes.append(f"C grid {', '.join(f'{c:g}' for c in grid)}; chosen at its edge for: {', '.join(at_edge)} "
                     "(the optimum may lie outside the grid: widen --c-grid).")
    return "\n".join(lines + notes) + "\n"


def write_table(rows: list[Row], meta: dict[str, Any], out_dir: str | Path) -> tuple[Path, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    md, js = out_dir / "table.md", out_dir / "table.json"
    md.write_text(markdown(rows, meta))
    js.write_text(json.dumps({"meta": meta, "rows": [row.to_dict() for row in rows]}, indent=2))
    return md, js

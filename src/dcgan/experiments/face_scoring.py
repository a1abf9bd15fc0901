"""Figures 7-8 (paper §6.3.2) as numbers: face vector arithmetic scored by the attribute judge.

1. **Exemplars picked automatically**: a numbered sheet (``sheets.sheet_z(seed, n)``; sample ``i`` is
   the token ``seed:i`` that ``dcgan explore arith`` takes) is judged; a concept such as
   ``old_man`` (gender male, age group old) scores each sample by the product of the judge's
   probabilities of its classes, and its *pool* is the ``pool`` most confident samples. A concept
   may instead be given by eye (sheet tokens), as before; the judge still reports its confidence.
2. **Draws**: draw ``r`` takes 3 exemplars per concept from its pool at random (numpy seeded
   ``seed + r``, without replacement).
3. **Methods**, on the same draw (``arithmetic.combine``/``neighbours``, not re-implemented):
   ``mean3`` the paper's: Y = expression over the 3-exemplar mean z's, decoded with its 8
   U(-0.25, 0.25) neighbours (9 images); ``single`` the same with the first exemplar of each
   concept (9 images); ``pixel`` the expression over the concepts' mean decoded images in [-1, 1],
   clipped (1 image); ``random`` z's drawn from the prior and rescaled to the norms of the 9
   ``mean3`` cells (9 images, chance).
4. **Score**: an image succeeds when the judge's most probable class is the target's on every
   target head (e.g. female *and* old). A draw's score is its fraction of successful images; a
   method's ``success`` is the mean over draws, with a 95% percentile bootstrap interval over
   draws (2,000 resamples, seeded), because images of one draw share exemplars and are not
   independent. Draws are only as varied as the pools: with a pool of 3 every draw is the same.
5. **The images themselves** go to ``arithmetic_images.npz`` (uint8 NHWC under ``arr_0``, with
   ``expression``, ``method`` and ``draw`` arrays beside it, one entry per image), so a reader can
   score them with a classifier of their own instead of trusting ours.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from dcgan import DcganError
from dcgan.core.run import Networks
from dcgan.data.types import to_model_range, to_uint8
from dcgan.evaluation.judge import HEADS, FaceJudge, class_index, judge_probs
from dcgan.experiments.arithmetic import NOISE, combine, neighbours, parse_expression
from dcgan.experiments.common import display_scale, grid_array, hstack, save_image, titled, upscale, vstack
from dcgan.experiments.sheets import expand_tokens, resolve_z, sheet_z
from dcgan.sampling import generate, save_npz, seeded_z

METHODS = ("mean3", "single", "pixel", "random")
CONCEPTS: dict[str, dict[str, str]] = {
    "old_man": {"gender": "male", "age_group": "old"},
    "young_man": {"gender": "male", "age_group": "young"},
    "old_woman": {"gender": "female", "age_group": "old"},
    "young_woman": {"gender": "female", "age_group": "young"},
}


@dataclass
class Expression:
    name: str
    expr: str
    target: dict[str, str]
    about: str = ""


EXPRESSIONS = [
    Expression("age", "old_man - young_man + young_woman", {"gender": "female", "age_group": "old"},
               "the age direction (old - young, on men) added to young women: old women?"),
    Expression("gender", "old_woman - old_man + young_man", {"gender": "female", "age_group": "young"},
                "the gender direction (woman - man, on old faces) added to young men: young women?"),
]
BOOTSTRAP = 2000
LEVEL = 0.95


@dataclass
class Pool:
    """A concept's candidate exemplars: z (k, D), their sheet tokens and judge confidences."""

    z: torch.Tensor
    tokens: list[str]
    confidence: list[float]
    picked: str = "judge"
    conditions: dict[str, str] = field(default_factory=dict)


def concept_confidence(probs: dict[str, torch.Tensor], conditions: dict[str, str]) -> torch.Tensor:
    """Product over the concept's heads of P(class); (N,)."""
    out = torch.ones(len(next(iter(probs.values()))))
    for head, value in conditions.items():
        out = out * probs[head][:, class_index(head, value)]
    return out


def carries(probs: dict[str, torch.Tensor], target: dict[str, str]) -> torch.Tensor:
    """Bool (N,): the judge's most probable class equals the target's on every target head."""
    ok = torch.ones(len(next(iter(probs.values()))), dtype=torch.bool)
    for head, value in target.items():
        ok &= probs[head].argmax(1) == class_index(head, value)
    return ok


def judge_sheet(nets: Networks, judge: FaceJudge, seed: int, n: int, bn: str = "running") -> tuple[torch.Tensor, dict]:
    """The sheet's z (n, D) and the judge's probabilities of its decoded samples."""
    z = sheet_z(seed, n, nets.z_dim, nets.z_dist)
    return z, judge_probs(judge, generate(nets.generator, z, bn=bn))


def pick_pools(z: torch.Tensor, probs: dict[str, torch.Tensor], concepts: dict[str, dict[str, str]], seed: int,
               pool: int) -> dict[str, Pool]:
    """The ``pool`` most confident sheet samples per concept (ties broken by index)."""
    if pool < 3:
        raise DcganError(f"--pool must be >= 3 (three exemplars a draw), got {pool}")
    out = {}
    for name, conditions in concepts.items():
        conf = concept_confidence(probs, conditions)
        order = torch.argsort(-conf, stable=True)[:pool]
        out[name] = Pool(z[order], [f"{seed}:{int(i)}" for i in order], [round(float(conf[i]), 4) for i in order],
                         "judge", conditions)
    return out


def by_eye_pool(nets: Networks, judge: FaceJudge, tokens: str, conditions: dict[str, str], sheet_seed: int,
                sheet_n: int, bn: str = "running") -> Pool:
    names = expand_tokens([tokens])
    z = resolve_z(names, nets.z_dim, nets.z_dist, sheet_seed, sheet_n)
    if len(z) < 3:
        raise DcganError(f"a by-eye concept needs at least 3 exemplars, got {len(z)} ({tokens})")
    conf = concept_confidence(judge_probs(judge, generate(nets.generator, z, bn=bn)), conditions)
    return Pool(z, names, [round(float(c), 4) for c in conf], "by eye", conditions)


def bootstrap_interval(values: np.ndarray, seed: int, resamples: int = BOOTSTRAP, level: float = LEVEL) -> list[float]:
    """Percentile bootstrap interval of the mean of ``values`` (one value per draw)."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        return [float("nan"), float("nan")]
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), (resamples, len(values)))].mean(1)
    lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return [round(float(lo), 4), round(float(hi), 4)]


def _draw(pools: dict[str, Pool], names: list[str], rng: np.random.Generator) -> dict[str, list[int]]:
    return {name: [int(i) for i in rng.choice(len(pools[name].z), 3, replace=False)] for name in names}


def draw_images(nets: Networks, terms, exemplars: dict[str, torch.Tensor], seed: int, noise: float = NOISE,
                bn: str = "running") -> dict[str, torch.Tensor]:
    """One draw's images per method (uint8): mean3 (9), single (9), pixel (1), random (9)."""
    g = nets.generator
    y = combine(terms, {k: v.mean(0) for k, v in exemplars.items()})
    cells = neighbours(y, noise, seed)
    single = neighbours(combine(terms, {k: v[0] for k, v in exemplars.items()}), noise, seed)
    decoded = {k: to_model_range(generate(g, v, bn=bn)).mean(0) for k, v in exemplars.items()}
    pixel = to_uint8(combine(terms, decoded)[None])
    prior = seeded_z(seed + 7_919, len(cells), nets.z_dim, nets.z_dist)
    random = prior / prior.norm(dim=1, keepdim=True) * cells.norm(dim=1, keepdim=True)
    return {"mean3": generate(g, cells, bn=bn), "single": generate(g, single, bn=bn), "pixel": pixel,
            "random": generate(g, random, bn=bn)}


def score_expression(nets: Networks, judge: FaceJudge, expression: Expression, pools: dict[str, Pool], draws: int,
                     seed: int, noise: float = NOISE, bn: str = "running",
                     keep: list[tuple[str, int, torch.Tensor]] | None = None) -> tuple[dict, dict[str, torch.Tensor]]:
    """Per method: success (mean over draws), interval, draws, images; plus draw 0's images for figures.
    ``keep``, when given, receives every scored image batch as ``(method, draw, uint8 NCHW)``."""
    terms = parse_expression(expression.expr)
    names = list(dict.fromkeys(n for _, n in terms))
    missing = [n for n in names if n not in pools]
    if missing:
        raise DcganError(f"expression '{expression.expr}' uses concept(s) without exemplars: {', '.join(missing)}")
    per_draw: dict[str, list[float]] = {m: [] for m in METHODS}
    counts = {m: [0, 0] for m in METHODS}
    first: dict[str, torch.Tensor] = {}
    chosen = []
    for r in range(draws):
        rng = np.random.default_rng(seed + r)
        picks = _draw(pools, names, rng)
        exemplars = {n: pools[n].z[torch.tensor(i)] for n, i in picks.items()}
        chosen.append({n: [pools[n].tokens[k] for k in i] for n, i in picks.items()})
        images = draw_images(nets, terms, exemplars, seed + r, noise, bn)
        for method, imgs in images.items():
            if keep is not None:
                keep.append((method, r, imgs))
            ok = carries(judge_probs(judge, imgs), expression.target)
            per_draw[method].append(float(ok.float().mean()))
            counts[method][0] += int(ok.sum())
            counts[method][1] += len(ok)
        if r == 0:
            first = {**images, "exemplars": exemplars}
    methods = {}
    for i, m in enumerate(METHODS):
        values = np.asarray(per_draw[m])
        methods[m] = {"success": round(float(values.mean()), 4), "interval": bootstrap_interval(values, seed + 101 * i),
                      "draws": draws, "images": counts[m][1], "successes": counts[m][0]}
    result = {"expression": expression.expr, "target": expression.target, "about": expression.about,
              "methods": methods, "exemplars_per_draw": chosen}
    return result, first


def expression_figure(nets: Networks, result: dict, first: dict, out: Path) -> Path:
    """Draw 0: concept exemplars | mean3 3x3 | single 3x3 | pixel | random 3x3, titled with success rates."""
    scale = display_scale(nets.config.model.resolution)
    m = result["methods"]

    def caption(method):
        lo, hi = m[method]["interval"]
        return f"{method} {m[method]['success']:.2f} [{lo:.2f}, {hi:.2f}]"

    panels = [titled(grid_array(first[k], nrow=3, scale=scale), caption(k)) for k in ("mean3", "single")]
    panels.append(titled(grid_array(upscale(first["pixel"], 3), nrow=1, scale=scale), caption("pixel")))
    panels.append(titled(grid_array(first["random"], nrow=3, scale=scale), caption("random")))
    rows = [titled(grid_array(generate(nets.generator, z), nrow=len(z), scale=scale), name)
            for name, z in first["exemplars"].items()]
    figure = titled(vstack([hstack(rows, gap=12), hstack(panels, gap=12)], gap=8),
                    f"{result['expression']}  (target {', '.join(result['target'].values())}; draw 0 shown)", height=18)
    return save_image(figure, out)


def markdown_table(results: dict, judge_metrics: dict) -> str:
    lines = ["| expression | target | " + " | ".join(METHODS) + " | draws |",
             "|---|---|" + "---|" * len(METHODS) + "---|"]
    for res in results.values():
        cells = [f"{res['methods'][m]['success']:.2f} [{res['methods'][m]['interval'][0]:.2f}, "
                 f"{res['methods'][m]['interval'][1]:.2f}]" for m in METHODS]
        draws = res["methods"]["mean3"]["draws"]
        lines.append(f"| `{res['expression']}` | {' & '.join(res['target'].values())} | " + " | ".join(cells) + f" | {draws} |")
    acc = judge_metrics or {}
    lines += ["", "Success: fraction of images the judge reads as the target (every target head), mean over "
              "draws; [95% bootstrap interval over draws]. mean3/single/random: 9 images a draw; pixel: 1.",
              f"Judge held-out accuracy on real faces: gender {acc.get('gender_accuracy', 'n/a')} "
              f"(majority {acc.get('gender_majority_rate', 'n/a')}), age group {acc.get('age_group_accuracy', 'n/a')} "
              f"(majority {acc.get('age_group_majority_rate', 'n/a')}), young vs old {acc.get('young_vs_old_accuracy', 'n/a')}, "
              f"{acc.get('images', 'n/a')} held-out faces."]
    return "\n".join(lines) + "\n"


def save_arithmetic_images(path: Path, scored: dict[str, list[tuple[str, int, torch.Tensor]]]) -> Path:
    """Every scored image, uint8 NHWC under ``arr_0``; ``expression``, ``method``, ``draw`` per image."""
    images, expression, method, draw = [], [], [], []
    for name, batches in scored.items():
        for m, r, imgs in batches:
            images.append(imgs)
            expression += [name] * len(imgs)
            method += [m] * len(imgs)
            draw += [r] * len(imgs)
    return save_npz(torch.cat(images), path, compressed=True, expression=np.array(expression), method=np.array(method),
                    draw=np.array(draw, dtype=np.int64))


def score_arithmetic(nets: Networks, judge: FaceJudge, out_dir: Path, judge_meta: dict | None = None,
                     expressions: list[Expression] | None = None, sheet_seed: int = 0, sheet_n: int = 512,
                     pool: int = 12, draws: int = 20, seed: int = 0, by_eye: dict[str, str] | None = None,
                     bn: str = "running") -> dict:
    """Write ``arithmetic.json``, ``table.md``, ``pools.png``, ``arith_<name>.png`` and
    ``arithmetic_images.npz`` into ``out_dir``."""
    expressions = expressions or EXPRESSIONS
    out_dir.mkdir(parents=True, exist_ok=True)
    z, probs = judge_sheet(nets, judge, sheet_seed, sheet_n, bn)
    pools = pick_pools(z, probs, CONCEPTS, sheet_seed, pool)
    for name, tokens in (by_eye or {}).items():
        if name not in CONCEPTS:
            raise DcganError(f"by-eye concept '{name}' is not one of {', '.join(CONCEPTS)}")
        pools[name] = by_eye_pool(nets, judge, tokens, CONCEPTS[name], sheet_seed, sheet_n, bn)
    scale = display_scale(nets.config.model.resolution)
    save_image(vstack([titled(grid_array(generate(nets.generator, p.z), nrow=len(p.z), scale=scale),
                              f"{name} ({p.picked}; confidence {p.confidence[0]:.2f}..{p.confidence[-1]:.2f})")
                       for name, p in pools.items()], gap=6), out_dir / "pools.png")
    results, files = {}, ["arithmetic.json", "table.md", "pools.png", "arithmetic_images.npz"]
    scored: dict[str, list[tuple[str, int, torch.Tensor]]] = {}
    for i, e in enumerate(expressions):
        scored[e.name] = []
        result, first = score_expression(nets, judge, e, pools, draws, seed + 1000 * i, bn=bn, keep=scored[e.name])
        results[e.name] = result
        expression_figure(nets, result, first, out_dir / f"arith_{e.name}.png")
        files.append(f"arith_{e.name}.png")
    save_arithmetic_images(out_dir / "arithmetic_images.npz", scored)
    sheet_rates = {head: {c: round(float((probs[head].argmax(1) == k).float().mean()), 4) for k, c in enumerate(classes)}
                   for head, classes in HEADS.items()}
    summary = {
        "experiment": "face_arithmetic",
        "checkpoint": str(nets.checkpoint),
        "judge": judge_meta or {},
        "sheet": {"seed": sheet_seed, "n": sheet_n, "judge_class_rates": sheet_rates},
        "pools": {n: {"picked": p.picked, "conditions": p.conditions, "tokens": p.tokens, "confidence": p.confidence}
                  for n, p in pools.items()},
        "settings": {"pool": pool, "draws": draws, "seed": seed, "noise": NOISE, "bn": bn,
                     "interval": f"{int(LEVEL * 100)}% percentile bootstrap over draws, {BOOTSTRAP} resamples",
                     "success": "image counts when the judge's argmax equals the target class on every target head"},
        "expressions": results,
        "files": files,
    }
    (out_dir / "arithmetic.json").write_text(json.dumps(summary, indent=2) + "\n")
    (out_dir / "table.md").write_text(markdown_table(results, (judge_meta or {}).get("metrics", {})))
    return summary

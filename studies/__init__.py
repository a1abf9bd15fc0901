"""Studies: trainings over variants and seeds whose measured results go to ``results/``.

``benchmarks/`` holds speed measurements; a study here trains (or reuses) runs and tabulates
what they measure. ``common.train_or_resume`` is the one way a study gets a run.
"""

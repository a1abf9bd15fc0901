"""Evaluation: sample quality (Fréchet distance, KID, precision/recall, density/coverage, the
authors' nearest-neighbour distance) in named feature spaces (``features/``), and the §5
representation protocol (``classify/``).

Entry points: ``evaluate.evaluate_samples`` (``dcgan evaluate``), ``metrics.METRICS`` (the
registry), ``during_training.FrechetDuringTraining`` (``train.eval_every``).
"""

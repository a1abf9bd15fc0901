"""A run directory as one static HTML page (``dcgan report``): settings, samples over training,
curves, and whatever evaluations and experiments have been run on it. See ``layout`` for where
each command's outputs go."""

from dcgan.report.build import build_report

__all__ = ["build_report"]

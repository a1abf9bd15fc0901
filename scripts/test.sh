#!/usr/bin/env bash
# Install everything, then run the lint gate and the test suite. .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
.venv/bin/ruff check src tests benchmarks scripts studies
.venv/bin/python -m pytest -q "$@"

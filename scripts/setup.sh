#!/usr/bin/env bash
# Install everything the project needs, idempotently: Debian's Fashion-MNIST (the default data),
# a virtual environment in .venv, torch==2.13.0 FIRST (the CPU build here; installing the project
# first would pull a multi-GB CUDA build), then the project with its dev tools.
# Usage: bash scripts/setup.sh [--browser]   (--browser also installs Chromium for the report test)
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

apt_install() {
  if command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
  else
    echo "setup: apt-get not found; install $* yourself" >&2
  fi
}

if [ ! -d /usr/share/datasets/fashion-mnist ]; then
  echo "setup: installing Debian package dataset-fashion-mnist" >&2
  apt_install dataset-fashion-mnist
fi
if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "setup: installing Debian chromium (headless browser test of the report)" >&2
  apt_install chromium || echo "setup: chromium could not be installed; the browser test will be skipped" >&2
fi

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
if ! .venv/bin/python -c "import torch" >/dev/null 2>&1; then
  echo "setup: installing torch==2.13.0" >&2
  .venv/bin/pip install -q torch==2.13.0
fi
# Quiet unless it fails; a failed install stops here with pip's own message.
if ! log=$(.venv/bin/pip install -q -e ".[dev]" 2>&1); then
  echo "$log" >&2
  echo "setup: pip install -e .[dev] failed" >&2
  exit 1
fi
.venv/bin/python -c "import dcgan, torch; print(f'setup: dcgan {dcgan.__version__}, torch {torch.__version__} ready in .venv')" >&2

#!/usr/bin/env bash
# Set up (scripts/setup.sh, Chromium included), then lint and run the whole test suite: both
# tiers (a plain `pytest` runs the fast one only, see pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
source .venv/bin/activate
ruff check .
ruff format --check .
pytest -q -m "slow or not slow" "$@"

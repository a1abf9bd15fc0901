#!/usr/bin/env bash
# Run tests N times back to back and count the failures: the check that a test (or the code under
# it) does not fail by chance. A flaky test makes CI reject good work at random.
#
#   bash scripts/stress_tests.sh                         # the distributed tests, 20 times, cores kept busy
#   N=50 LOAD=0 bash scripts/stress_tests.sh             # no extra load (e.g. beside a training run)
#   N=20 bash scripts/stress_tests.sh tests/training/test_stop.py
#   N=2 SUITE=1 bash scripts/stress_tests.sh             # the whole suite, twice (the distributed tests inside it)
#
# LOAD busy processes (default: one per core) keep the CPU saturated while the tests run, as a
# loaded CI machine would; they are stopped when the script ends. Each failing run's log is kept in
# $LOGS (default runs/stress/). Prints "stress: F failed of N" and exits non-zero when F > 0.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-20}
LOAD=${LOAD:-$(nproc)}
LOGS=${LOGS:-runs/stress}
PY=${PY:-.venv/bin/python}
if [[ "${SUITE:-0}" == 1 ]]; then TESTS=(tests); else TESTS=("${@:-tests/training/test_distributed.py}"); fi
mkdir -p "$LOGS"

busy=()
stop_load() { for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap stop_load EXIT
for ((i = 0; i < LOAD; i++)); do
  # bounded: a busy loop that outlives this script by accident stops by itself after 3 hours
  timeout 10800 "$PY" -c "while True: pass" & busy+=($!)
done

failed=0
for ((run = 1; run <= N; run++)); do
  log="$LOGS/run_$(printf %03d "$run").log"
  start=$(date +%s)
  if "$PY" -m pytest -q -p no:cacheprovider "${TESTS[@]}" >"$log" 2>&1; then
    echo "stress: run $run/$N passed ($(( $(date +%s) - start )) s): $(tail -n 1 "$log")"
    rm -f "$log"
  else
    failed=$((failed + 1))
    echo "stress: run $run/$N FAILED ($(( $(date +%s) - start )) s), log kept: $log: $(tail -n 1 "$log")"
  fi
done
echo "stress: $failed failed of $N (${TESTS[*]}, load $LOAD busy processes)"
[[ $failed == 0 ]]

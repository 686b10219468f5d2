#!/usr/bin/env bash
# Configures and builds e2m (Release) into ./build with two jobs. Used by run-main.sh and run-tests.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${E2M_JOBS:-2}
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" > build.log 2>&1 || { cat build.log; exit 1; }
cmake --build build -j"$JOBS" 2>&1 | tee -a build.log | grep -E "error|warning|Built target e2m$|^\[100%\]" || true
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "build failed (see build.log)"; exit 1; }

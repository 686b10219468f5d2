#!/usr/bin/env bash
# Installs the dependencies, builds e2m with its tests, and runs the whole suite through CTest; then
# the sanitizer jobs (ASan + UBSan, TSan), each in a build folder of its own (scripts/sanitize.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash install.sh
bash scripts/build.sh -DE2M_BUILD_TESTS=ON
(cd build && ctest --output-on-failure -j"${E2M_JOBS:-2}" --timeout 900)
bash scripts/sanitize.sh address
bash scripts/sanitize.sh thread

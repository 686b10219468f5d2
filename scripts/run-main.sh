#!/usr/bin/env bash
# The main job, end to end on this machine with no microphone and no third-party music:
# install, build, import the shared motion datasets, export and draw clips, analyse the demo track,
# then train a small model and generate a dance and a text-driven motion as BVH.
set -euo pipefail
cd "$(dirname "$0")/.."
bash install.sh
bash scripts/build.sh -DE2M_BUILD_TESTS=OFF
E2M=./build/e2m
DATA=${E2M_SHARED_DATA:-../shared/data}
OUT=${E2M_OUT:-out}
mkdir -p "$OUT"
"$E2M" --help
exec bash scripts/main-job.sh "$E2M" "$DATA" "$OUT"

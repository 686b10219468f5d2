#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan + UBSan) into ./build-fuzz and runs each one for a
# while on a copy of its seed corpus; prints executions, speed, corpus growth and crashes per target.
#
#   scripts/fuzz.sh [seconds per target, default 60] [target...]     (default: every target)
#   scripts/fuzz.sh 600 fuzz_bvh fuzz_npy
#
# Exits non-zero when any target crashed; the inputs are listed, and one reruns with
#   LSAN_OPTIONS=suppressions=fuzz/lsan.supp build-fuzz/fuzz/<target> <file>
# Runs, logs and their grown corpora are kept under build-fuzz/fuzz-runs/<target>/.
# E2M_FUZZ_JOBS sets the build's parallel jobs (default 1); E2M_FUZZ_ARGS adds libFuzzer flags.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

SECONDS_PER_TARGET=${1:-60}
shift $(($# > 0 ? 1 : 0))
case "$SECONDS_PER_TARGET" in
  '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [seconds per target] [target...]" >&2; exit 2 ;;
esac

BUILD=build-fuzz
JOBS=${E2M_FUZZ_JOBS:-1}

if [ $# -gt 0 ]; then
  TARGETS=("$@")
else
  TARGETS=()
  for src in fuzz/fuzz_*.cpp; do
    t=$(basename "$src" .cpp)
    # The presets target exists only where the preset reader does (see fuzz/CMakeLists.txt).
    [ "$t" = fuzz_presets ] && [ ! -f src/live/preset.h ] && continue
    TARGETS+=("$t")
  done
fi

if ! command -v clang++-14 > /dev/null; then
  echo "fuzz: clang++-14 not found; run ./install.sh (it installs clang-14 and libclang-rt-14-dev)" >&2
  exit 2
fi

# Configure once; later runs only rebuild what changed.
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  mkdir -p "$BUILD"
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$BUILD" -DE2M_FUZZ=ON -DE2M_BUILD_TESTS=OFF -DE2M_WERROR=OFF \
    > "$BUILD/fuzz-configure.log" 2>&1 || { cat "$BUILD/fuzz-configure.log"; exit 2; }
fi
echo "fuzz: building ${TARGETS[*]} (-j$JOBS)"
if ! cmake --build "$BUILD" -j"$JOBS" --target "${TARGETS[@]}" > "$BUILD/fuzz-build.log" 2>&1; then
  grep -E "error|Error" "$BUILD/fuzz-build.log" | head -20
  echo "fuzz: build failed (see $BUILD/fuzz-build.log)" >&2
  exit 2
fi

RUNS=$BUILD/fuzz-runs
# Scratch files of the targets (parsers that read paths) stay inside the build folder.
export TMPDIR=$PWD/$RUNS/tmp
mkdir -p "$TMPDIR"
# Stack traces for UB reports; leaks are checked by libFuzzer itself per input, less the known ones
# in LibTorch (fuzz/lsan.supp says which and why).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/fuzz/lsan.supp}

# The final "stat::name: value" line of a libFuzzer log.
fuzz_stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }

failed=0
SUMMARY=()
for t in "${TARGETS[@]}"; do
  dir=$RUNS/$t
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  [ -d "fuzz/corpus/$t" ] && cp -r "fuzz/corpus/$t/." "$dir/corpus/"
  seeds=$(find "$dir/corpus" -type f | wc -l)
  echo "fuzz: $t for ${SECONDS_PER_TARGET}s ($seeds seeds)"
  # -timeout: an input that takes this long is a hang (a finding); -rss_limit_mb: LibTorch targets
  # start at several hundred MB under ASan.
  # shellcheck disable=SC2086
  "$BUILD/fuzz/$t" "$dir/corpus" -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$dir/artifacts/" ${E2M_FUZZ_ARGS:-} > "$dir/log" 2>&1
  rc=$?
  execs=$(fuzz_stat number_of_executed_units "$dir/log")
  rate=$(fuzz_stat average_exec_per_sec "$dir/log")
  added=$(fuzz_stat new_units_added "$dir/log")
  files=$(find "$dir/corpus" -type f | wc -l)
  kb=$(find "$dir/corpus" -type f -printf '%s\n' | awk '{s += $1} END {printf "%d", (s + 1023) / 1024}')
  mapfile -t found < <(find "$dir/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
    -o -name 'oom-*' \) | sort)
  if [ ${#found[@]} -eq 0 ] && [ "$rc" -ne 0 ]; then
    found=("(exit status $rc without an artifact; see $dir/log)")
  fi
  [ ${#found[@]} -gt 0 ] && failed=1
  SUMMARY+=("$(printf '%-22s %12s %9s %7s %9s %6s  %s' "$t" "${execs:-?}" "${rate:-?}" "$files" "${kb}K" \
    "${added:-?}" "${#found[@]}")")
  for f in "${found[@]}"; do SUMMARY+=("    $f"); done
done

echo
printf '%-22s %12s %9s %7s %9s %6s  %s\n' target executions execs/s corpus size new crashes
printf '%s\n' "${SUMMARY[@]}"
if [ $failed -ne 0 ]; then
  echo "fuzz: crashes found (logs in $RUNS/<target>/log)"
  exit 1
fi
echo "fuzz: no crashes"

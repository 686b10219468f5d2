#!/usr/bin/env bash
# The sanitizer jobs of CI (run-tests.sh runs both after the main suite). Each has a build folder of its
# own and builds only the test executables it runs:
#
#   scripts/sanitize.sh address   ASan + UBSan (build-asan): the unit tests of motion, io, audio and
#                                 live (the live engine's parts, the mixer, presets, MIDI, the clock).
#   scripts/sanitize.sh thread    TSan (build-tsan): the threads of the live show: audio capture and
#                                 its JACK supervisor, feature, generator, cue worker, mixer, output
#                                 clock, command server, MIDI, and the monitor's tests when built (test_ui).
#
# The cut: the live engine end to end (test_net: the engine, its drills and the network) runs under
# TSan only; under ASan too it would add 5 minutes to CI. test_model, test_train, test_eval and the e2m
# binary (test_app) are left out. Their code is
# LibTorch's (uninstrumented: ASan sees little of it) and they are what costs: torch headers make each
# of their files take a minute to compile, and training runs for minutes. Our parsers in model/ and
# train/ (config, model file, tokenizers, run files) run under ASan + UBSan in the fuzz targets
# (scripts/fuzz.sh). Measured on the CI's 2 cores, see the closing note of issue 16.
#
# Reports: UB stops the test that hit it; ASan and TSan reports fail the test (TSan exits 66).
# tests/tsan.supp and fuzz/lsan.supp list what is suppressed (third-party frames only) and why.
# E2M_JOBS sets the parallel jobs (default 2); extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:-}
shift || true
case "$kind" in
  address) build=build-asan targets=(test_motion test_io test_audio test_live) ;;
  thread) build=build-tsan targets=(test_audio test_live test_net) ;;
  *)
    echo "usage: scripts/sanitize.sh address|thread [ctest arguments]" >&2
    exit 2
    ;;
esac
JOBS=${E2M_JOBS:-2}
mkdir -p "$build"

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DE2M_BUILD_TESTS=ON -DE2M_SANITIZE="$kind" \
  > "$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
# The monitor's tests, where this checkout has them.
if [ "$kind" = thread ] && cmake --build "$build" --target help | grep -q '\btest_ui\b'; then
  targets+=(test_ui)
fi
start=$(date +%s)
if ! cmake --build "$build" -j"$JOBS" --target "${targets[@]}" > "$build/build.log" 2>&1; then
  grep -E "error|Error" "$build/build.log" | head -30
  echo "sanitize $kind: build failed (see $build/build.log)"
  exit 1
fi
built=$(date +%s)
echo "sanitize $kind: built ${targets[*]} in $((built - start)) s"

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/fuzz/lsan.supp
export TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp second_deadlock_stack=1"
# Mesa's llvmpipe renders on worker threads that it synchronises with futexes TSan cannot see, so the
# monitor test under Xvfb reported Mesa destroying a mutex its own worker had used (all frames inside
# swrast_dri.so). With no worker threads llvmpipe renders on the caller's thread; our own threads are
# checked as before. The main and ASan jobs keep Mesa's threads.
[ "$kind" = thread ] && export LP_NUM_THREADS=0
# Test executables this job did not build are listed by CTest as *_NOT_BUILT; app_help needs e2m.
status=0
(cd "$build" && ctest --output-on-failure -j"$JOBS" --timeout 900 -E "_NOT_BUILT|^app_" "$@") || status=$?
echo "sanitize $kind: tests ran in $(($(date +%s) - built)) s"
exit $status

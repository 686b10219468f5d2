#!/usr/bin/env bash
# Installs everything e2m needs to build, test and run on Debian 12. Idempotent: fast when all is there.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  libopenblas0-openmp libtorch-dev libgloo-dev
  portaudio19-dev libasound2-dev libjack-jackd2-dev librtmidi-dev libaubio-dev liblo-dev liblo-tools
  ableton-link-dev libasio-dev
  libimgui-dev libglfw3-dev libgl-dev
  libconcurrentqueue-dev libreaderwriterqueue-dev
  catch2 libcxxopts-dev nlohmann-json3-dev libstb-dev zlib1g-dev
  clang-14 libclang-rt-14-dev
  libsndfile1-dev libsamplerate0-dev libsoxr-dev libicu-dev
  jackd2 jack-tools python3 python3-numpy xvfb iproute2
  libglx-mesa0 libgl1-mesa-dri libx11-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# jackd2 asks about realtime priority; answer once, non-interactively.
echo "jackd2 jackd/tweak_rt_limits boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install: done"

#!/usr/bin/env bash
# The end-to-end path that exists today, step by step (called by run-main.sh with the binary,
# the shared data folder and the output folder). Each step prints what it wrote.
set -euo pipefail
E2M=${1:-./build/e2m}
DATA=${2:-../shared/data}
OUT=${3:-out}
STEPS=${E2M_MAIN_STEPS:-300}
mkdir -p "$OUT"
step() { printf '\n== %s\n' "$*"; }

step "import the motion datasets"
"$E2M" import bandai "$DATA/bandai" -o "$OUT/bandai.e2md"
"$E2M" import tang "$DATA/tang-dance" -o "$OUT/tang.e2md"

step "export one Bandai and one Tang clip back to BVH and draw them"
"$E2M" export "$OUT/bandai.e2md" --clip dataset-2_wave-both-hands_active_001 -o "$OUT/bandai_wave.bvh"
"$E2M" render "$OUT/bandai_wave.bvh" -o "$OUT/bandai_wave.png"
"$E2M" export "$OUT/tang.e2md" --index 0 -o "$OUT/tang_clip.bvh"
"$E2M" render "$OUT/tang_clip.bvh" -o "$OUT/tang_clip.png"

step "synthesise the demo track (drums, bass, chords) and analyse it at 30 fps"
"$E2M" features synth --write-wav "$OUT/demo.wav"
"$E2M" features "$OUT/demo.wav" -o "$OUT/demo_features.npy"

step "train small models ($STEPS steps each) to show the pipeline; the committed models/ are the real runs (training/*.json)"
"$E2M" train vae --tiny -d "$OUT/bandai.e2md,$OUT/tang.e2md" -o "$OUT/vae.e2mm" --steps "$STEPS" --warmup 20 --lr 1e-3 --threads 2
"$E2M" train text2motion --tiny -d "$OUT/bandai.e2md" --vae "$OUT/vae.e2mm" -o "$OUT/text2motion.e2mm" --steps "$STEPS" --warmup 20 --lr 1e-3 --threads 2
"$E2M" train music2dance --tiny -d "$OUT/tang.e2md" --vae "$OUT/vae.e2mm" -o "$OUT/music2dance.e2mm" --steps "$STEPS" --warmup 20 --lr 1e-3 --threads 2

step "generate with the default models (models/): a sentence to BVH, the demo track to a dance"
"$E2M" text "a person waves both hands energetically" -o "$OUT/text_wave.bvh" --frames 120
"$E2M" render "$OUT/text_wave.bvh" -o "$OUT/text_wave.png"
"$E2M" dance "$OUT/demo.wav" --genre waltz -o "$OUT/dance_demo.bvh"
"$E2M" render "$OUT/dance_demo.bvh" -o "$OUT/dance_demo.png"

step "live: 20 s of the demo track danced and streamed (VMC 127.0.0.1:39539, VJ OSC 127.0.0.1:7000)"
"$E2M" live --headless --duration 20 --vmc 127.0.0.1:39539 --osc 127.0.0.1:7000 --command-port 0 < /dev/null

step "benchmark"
"$E2M" bench --quick

step "done: results in $OUT/"
ls -la "$OUT"

#!/usr/bin/env python3
"""Convert AIST++ motion pickles to .npy files that `e2m import aist` reads.

AIST++ ships each sequence as a Python pickle (motions/<name>.pkl) holding a dict with
  smpl_poses   (N, 72) float: SMPL axis-angle rotations of 24 joints, 60 fps
  smpl_trans   (N, 3)  float: root translation, in the scaled units of the capture
  smpl_scaling (1,)    float: divide the translation by this to get metres
C++ cannot read pickles, so this writes <out>/<name>.npy, float64, shape (N, 75):
columns 0..71 the poses unchanged, columns 72..74 smpl_trans / smpl_scaling (metres).

Needs only python3 and numpy (Debian: python3-numpy).

usage: aist_pkl_to_npy.py MOTIONS_DIR_OR_PKL... -o OUT_DIR
"""
import argparse
import os
import pickle
import sys

import numpy as np


def convert(pkl_path, out_dir):
    with open(pkl_path, "rb") as f:
        data = pickle.load(f)
    for key in ("smpl_poses", "smpl_trans"):
        if key not in data:
            raise ValueError(f"{pkl_path}: missing key '{key}' (not an AIST++ motion pickle?)")
    poses = np.asarray(data["smpl_poses"], dtype=np.float64)
    trans = np.asarray(data["smpl_trans"], dtype=np.float64)
    scaling = np.asarray(data.get("smpl_scaling", [1.0]), dtype=np.float64).reshape(-1)
    if poses.ndim != 2 or poses.shape[1] != 72:
        raise ValueError(f"{pkl_path}: smpl_poses has shape {poses.shape}, expected (N, 72)")
    if trans.shape != (poses.shape[0], 3):
        raise ValueError(f"{pkl_path}: smpl_trans has shape {trans.shape}, expected ({poses.shape[0]}, 3)")
    if scaling.size < 1 or not np.isfinite(scaling[0]) or scaling[0] <= 0:
        raise ValueError(f"{pkl_path}: smpl_scaling must be a positive number")
    out = np.concatenate([poses, trans / scaling[0]], axis=1)
    name = os.path.splitext(os.path.basename(pkl_path))[0]
    path = os.path.join(out_dir, name + ".npy")
    np.save(path, out)
    return path, out.shape[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+", help="AIST++ .pkl files or folders holding them")
    ap.add_argument("-o", "--out", required=True, help="output folder for the .npy files")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    files = []
    for p in args.inputs:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, n) for n in os.listdir(p) if n.endswith(".pkl"))
        else:
            files.append(p)
    failed = 0
    for i, f in enumerate(files):
        try:
            path, n = convert(f, args.out)
            print(f"[{i + 1}/{len(files)}] {path}: {n} frames")
        except Exception as e:  # one bad file must not stop the rest
            failed += 1
            print(f"[{i + 1}/{len(files)}] rejected {f}: {e}", file=sys.stderr)
    print(f"converted {len(files) - failed} of {len(files)} files")
    return 1 if failed and failed == len(files) else 0


if __name__ == "__main__":
    sys.exit(main())

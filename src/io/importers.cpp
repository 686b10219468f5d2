// What every importer shares: the final 30 fps / floor step, dataset kind detection and dispatch.
#include "io/importers.h"

#include <cctype>
#include <cmath>

#include "motion/error.h"
#include "motion/ops.h"
#include "motion/rotation.h"

namespace e2m::io {

namespace fs = std::filesystem;

void finish_clip(motion::Clip& clip) {
  const std::string& name = clip.meta.name;
  if (clip.frames() < 2)
    throw Error(name + ": clip has " + std::to_string(clip.frames()) + " frames (need at least 2)");
  if (!(clip.fps > 0)) throw Error(name + ": frame rate must be positive");
  for (int t = 0; t < clip.frames(); ++t) {
    const auto& r = clip.root[t];
    if (!std::isfinite(r.x) || !std::isfinite(r.y) || !std::isfinite(r.z))
      throw Error(name + ": frame " + std::to_string(t) + ": root position is not finite");
  }
  for (auto& q : clip.rot) {
    if (!std::isfinite(q.w) || !std::isfinite(q.x) || !std::isfinite(q.y) || !std::isfinite(q.z))
      throw Error(name + ": a rotation is not finite");
    q = motion::normalized(q);
  }
  if (std::abs(clip.fps - kDatasetFps) > 1e-6) {
    motion::ClipMeta meta = clip.meta;
    clip = motion::resample(clip, kDatasetFps);
    clip.meta = std::move(meta);
  }
  clip.fps = kDatasetFps;
  motion::place_on_floor(clip);
}

void keep_clip(ImportResult& res, const ImportOptions& opt, motion::Clip&& clip, Split split) {
  if (opt.on_clip) {
    try {
      opt.on_clip(std::move(clip), split);
    } catch (const std::exception& e) {
      throw ImportAborted(e.what());
    }
    return;
  }
  res.dataset.split.push_back(split);
  res.dataset.clips.push_back(std::move(clip));
}

namespace {

bool is_bvh_file(const fs::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".bvh" && fs::is_regular_file(path);
}

}  // namespace

std::string detect_dataset_kind(const fs::path& folder) {
  if (is_bvh_file(folder)) return "bvh";
  if (!fs::is_directory(folder)) return "";
  bool bvh = false, npy = false;
  for (const auto& e : fs::directory_iterator(folder)) {
    const std::string n = e.path().filename().string();
    if (e.is_directory()) {
      if (n.starts_with("dataset-") && fs::exists(e.path() / "cfg")) return "bandai";
      if (n.starts_with("DANCE_")) return "tang";
      if (n == "new_joints" || n == "new_joint_vecs") return "humanml3d";
      if (n == "cfg" && folder.filename().string().starts_with("dataset-")) return "bandai";
    } else {
      if (n.starts_with("new_joints_") || n.starts_with("new_joint_vecs_")) return "humanml3d";
      if (n.starts_with("dataset-") && n.ends_with(".bvh")) return "bandai";
      if (n.ends_with(".bvh")) bvh = true;
      if (n.ends_with(".npy") || n.ends_with(".pkl")) npy = true;
    }
  }
  if (folder.filename().string().starts_with("DANCE_")) return "tang";
  if (bvh) return "bvh";
  if (npy) return "aist";
  return "";
}

ImportResult import_dataset(const std::string& kind, const fs::path& folder, const ImportOptions& opt) {
  if (!fs::exists(folder)) throw Error(folder.string() + ": no such file or folder");
  if (kind == "bvh" && is_bvh_file(folder)) return import_bvh_folder(folder, opt);
  if (!fs::is_directory(folder))
    throw Error(folder.string() + ": not a folder" + (kind == "bvh" ? " or a .bvh file" : ""));
  if (kind == "bandai") return import_bandai(folder, opt);
  if (kind == "tang") return import_tang(folder, opt);
  if (kind == "humanml3d" || kind == "kit") return import_humanml3d(folder, opt);
  if (kind == "aist") return import_aist(folder, opt);
  if (kind == "bvh") return import_bvh_folder(folder, opt);
  throw Error("unknown dataset kind '" + kind + "' (expected bandai, tang, humanml3d, aist or bvh)");
}

}  // namespace e2m::io

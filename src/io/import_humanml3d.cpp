// HumanML3D / KIT-ML importer: joint positions (new_joints, or decoded from new_joint_vecs) fitted
// onto the canonical skeleton, captions from texts/<id>.txt, splits from the dataset's own lists.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "io/humanml3d.h"
#include "io/importers.h"
#include "io/npy.h"
#include "motion/error.h"
#include "motion/fit_positions.h"

namespace e2m::io {

namespace fs = std::filesystem;

namespace {

constexpr double kHumanMl3dFps = 20.0;
constexpr double kKitFps = 12.5;

struct Caption {
  std::string text;
  double start = 0, end = 0;  // seconds; 0, 0 = the whole clip
};

std::vector<Caption> read_texts(const fs::path& path) {
  std::vector<Caption> out;
  std::ifstream in(path);
  if (!in) return out;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> parts;
    std::stringstream ss(line);
    for (std::string p; std::getline(ss, p, '#');) parts.push_back(p);
    if (parts.empty() || parts[0].empty())
      throw Error(path.string() + ":" + std::to_string(lineno) + ": expected 'caption#tokens#start#end'");
    Caption c;
    c.text = parts[0];
    auto num = [&](size_t i) {
      if (i >= parts.size() || parts[i].empty()) return 0.0;
      try {
        double v = std::stod(parts[i]);
        return std::isfinite(v) ? v : 0.0;  // HumanML3D writes "nan" for "whole clip" in places
      } catch (const std::exception&) {
        throw Error(path.string() + ":" + std::to_string(lineno) + ": field " + std::to_string(i + 1) +
                    " must be a time in seconds, got '" + parts[i] + "'");
      }
    };
    c.start = num(2);
    c.end = num(3);
    out.push_back(std::move(c));
  }
  return out;
}

std::set<std::string> read_id_list(const fs::path& path) {
  std::set<std::string> ids;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) ids.insert(line);
  }
  return ids;
}

struct Source {
  fs::path joints, vecs;
};

// Where each id's files are: new_joints/<id>.npy or the flat sample names new_joints_<id>.npy.
std::map<std::string, Source> find_sources(const fs::path& folder) {
  std::map<std::string, Source> out;
  auto scan = [&](const fs::path& dir, const std::string& prefix, bool joints) {
    if (!fs::is_directory(dir)) return;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() != ".npy") continue;
      std::string stem = e.path().stem().string();
      if (!prefix.empty()) {
        if (!stem.starts_with(prefix)) continue;
        stem = stem.substr(prefix.size());
      }
      (joints ? out[stem].joints : out[stem].vecs) = e.path();
    }
  };
  scan(folder / "new_joints", "", true);
  scan(folder / "new_joint_vecs", "", false);
  scan(folder, "new_joints_", true);
  scan(folder, "new_joint_vecs_", false);
  return out;
}

std::vector<motion::Vec3> load_positions(const Source& src, int& joints) {
  if (!src.joints.empty()) {
    auto a = read_npy(src.joints);
    if (a.ndim() != 3 || a.shape[2] != 3 || (a.shape[1] != 22 && a.shape[1] != 21))
      throw Error(src.joints.string() + ": expected shape (frames, 22 or 21, 3)");
    joints = static_cast<int>(a.shape[1]);
    std::vector<motion::Vec3> pos(a.shape[0] * a.shape[1]);
    for (size_t i = 0; i < pos.size(); ++i) pos[i] = {a.data[3 * i], a.data[3 * i + 1], a.data[3 * i + 2]};
    return pos;
  }
  RicMotion m = read_ric_positions(src.vecs);
  joints = m.joints;
  return m.pos;
}

}  // namespace

ImportResult import_humanml3d(const fs::path& folder, const ImportOptions& opt) {
  ImportResult res;
  res.dataset.name = "humanml3d";
  auto sources = find_sources(folder);
  if (sources.empty())
    throw Error(folder.string() + ": no new_joints/ or new_joint_vecs/ files (HumanML3D layout expected)");
  const std::set<std::string> train = read_id_list(folder / "train.txt");
  const std::set<std::string> val = read_id_list(folder / "val.txt");
  const std::set<std::string> test = read_id_list(folder / "test.txt");
  const bool have_lists = !train.empty() || !val.empty() || !test.empty();
  if (!have_lists) res.warnings.push_back("no train/val/test lists: hash split used");

  std::vector<std::pair<std::string, Source>> items(sources.begin(), sources.end());
  if (opt.max_items > 0 && static_cast<int>(items.size()) > opt.max_items) items.resize(opt.max_items);
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& [id, src] = items[i];
    if (opt.progress) opt.progress(static_cast<int>(i), static_cast<int>(items.size()), id);
    const std::string item = (src.joints.empty() ? src.vecs : src.joints).string();
    try {
      int joints = 0;
      const std::vector<motion::Vec3> pos = load_positions(src, joints);
      const bool kit = joints == 21;
      const double fps = kit ? kKitFps : kHumanMl3dFps;
      const auto layout = kit ? motion::kit_layout() : motion::humanml3d_layout();
      const int frames = static_cast<int>(pos.size() / joints);

      Split split = split_for(id, opt.validation_percent);
      if (have_lists) {
        if (train.count(id))
          split = Split::Train;
        else if (val.count(id))
          split = Split::Validation;
        else if (test.count(id))
          split = Split::Test;
        else
          res.warnings.push_back(id + ": in no split list, hash split used");
      }

      const fs::path text_path = folder / "texts" / (id + ".txt");
      const std::vector<Caption> caps = read_texts(text_path);
      if (caps.empty())
        res.warnings.push_back(id + ": no captions (" + text_path.string() + " missing or empty)");
      // Captions for the whole clip, and captions tied to a time range: each range becomes its own
      // clip, as HumanML3D's loaders do.
      std::map<std::pair<double, double>, std::vector<std::string>> ranges;
      for (const auto& c : caps) ranges[{c.start, c.end}].push_back(c.text);
      if (!ranges.count({0.0, 0.0})) ranges[{0.0, 0.0}];  // the whole motion always becomes a clip

      for (const auto& [range, texts] : ranges) {
        const auto [s, e] = range;
        int f0 = 0, f1 = frames;
        std::string name = id;
        if (!(s == 0 && e == 0)) {
          f0 = std::clamp(static_cast<int>(std::lround(s * fps)), 0, frames);
          f1 = std::clamp(static_cast<int>(std::lround(e * fps)), 0, frames);
          std::ostringstream n;
          n << id << "@" << s << "-" << e;
          name = n.str();
          if (f1 - f0 < 2) {
            res.rejected.push_back({item + " " + name, "caption time range holds fewer than 2 frames"});
            continue;
          }
        }
        std::vector<motion::Vec3> part(pos.begin() + static_cast<ptrdiff_t>(f0) * joints,
                                       pos.begin() + static_cast<ptrdiff_t>(f1) * joints);
        motion::Clip clip = motion::fit_positions(part, layout, fps);
        clip.meta.name = name;
        clip.meta.dataset = kit ? "kit" : "humanml3d";
        clip.meta.source = item;
        clip.meta.captions = texts;
        finish_clip(clip);
        keep_clip(res, opt, std::move(clip), split);
      }
    } catch (const Error& e) {
      res.rejected.push_back({item, e.what()});
    }
  }
  return res;
}

}  // namespace e2m::io

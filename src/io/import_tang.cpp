// Tang, Jia & Mao 2018 importer: DANCE_<C|R|T|W>_<n>/ folders with 23 marker positions at 25 fps,
// the song and the music frame range the dance covers; markers are fitted onto the canonical skeleton.
#include <algorithm>
#include <cmath>

#include "io/captions.h"
#include "io/importers.h"
#include "io/json_util.h"
#include "motion/error.h"
#include "motion/fit_positions.h"

namespace e2m::io {

namespace fs = std::filesystem;

namespace {

constexpr double kTangFps = 25.0;
constexpr int kTangMarkers = 23;
// Positions are centimetres, Y up, each frame relative to its "center" (the body's world position).
constexpr double kTangUnit = 0.01;

std::string tang_genre(const std::string& folder_name) {
  // DANCE_<letter>_<n>
  if (folder_name.size() < 8 || !folder_name.starts_with("DANCE_") || folder_name[7] != '_') return "";
  switch (folder_name[6]) {
    case 'C':
      return "cha-cha";
    case 'R':
      return "rumba";
    case 'T':
      return "tango";
    case 'W':
      return "waltz";
    default:
      return "";
  }
}

fs::path first_existing(const fs::path& dir, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (fs::exists(dir / n)) return dir / n;
  return {};
}

motion::Clip import_one(const fs::path& dir, const ImportOptions& opt, std::vector<std::string>& warnings) {
  const std::string name = dir.filename().string();
  const std::string genre = tang_genre(name);
  if (genre.empty()) throw Error(dir.string() + ": folder name is not DANCE_<C|R|T|W>_<n> (genre unknown)");
  const fs::path skel_path = first_existing(dir, {"skeletons.json", "skeletons.json.gz"});
  if (skel_path.empty()) throw Error(dir.string() + ": no skeletons.json or skeletons.json.gz");
  const fs::path audio = first_existing(dir, {"audio.mp3", "audio.ogg", "audio.wav"});
  if (audio.empty()) throw Error(dir.string() + ": no audio.mp3 or audio.ogg");
  const fs::path config_path = dir / "config.json";
  if (!fs::exists(config_path)) throw Error(dir.string() + ": no config.json");

  const Json config = read_json(config_path);
  const std::string cw = config_path.string();
  const int64_t start = require_int(config, "start_position", cw);
  const int64_t end = require_int(config, "end_position", cw);
  if (start < 0 || end <= start)
    throw Error(cw + ": start_position/end_position must satisfy 0 <= start < end");

  const Json skel = read_json(skel_path);
  const std::string sw = skel_path.string();
  const Json& frames_json = require_array(skel, "skeletons", sw);
  const Json& centers = require_array(skel, "center", sw);
  int64_t length = get_int(skel, "length", static_cast<int64_t>(frames_json.size()), sw);
  if (length != static_cast<int64_t>(frames_json.size()))
    throw Error(sw + ": 'length' is " + std::to_string(length) + " but 'skeletons' holds " +
                std::to_string(frames_json.size()) + " frames");
  if (centers.size() != frames_json.size())
    throw Error(sw + ": 'center' holds " + std::to_string(centers.size()) + " frames, 'skeletons' " +
                std::to_string(frames_json.size()));
  // The dance covers music frames start..end, but end - start runs a few frames past the motion:
  // the motion's own length wins, and a motion longer than the range is cut to it.
  if (length > end - start) {
    warnings.push_back(name + ": " + std::to_string(length) + " motion frames exceed the music range " +
                       std::to_string(start) + ".." + std::to_string(end) + "; cut to the range");
    length = end - start;
  }
  std::vector<motion::Vec3> pos;
  pos.reserve(static_cast<size_t>(length) * kTangMarkers);
  auto vec3 = [&](const Json& v, const std::string& where) -> motion::Vec3 {
    if (!v.is_array() || v.size() != 3 || !v[0].is_number() || !v[1].is_number() || !v[2].is_number())
      throw Error(where + ": expected [x, y, z] numbers");
    return {v[0].get<double>(), v[1].get<double>(), v[2].get<double>()};
  };
  for (int64_t t = 0; t < length; ++t) {
    const std::string where = sw + ": frame " + std::to_string(t);
    const motion::Vec3 c = vec3(centers[t], where + " center");
    const Json& f = frames_json[t];
    if (!f.is_array() || f.size() != kTangMarkers)
      throw Error(where + ": expected " + std::to_string(kTangMarkers) + " joints");
    for (int m = 0; m < kTangMarkers; ++m) pos.push_back((vec3(f[m], where) + c) * kTangUnit);
  }
  motion::FitReport report;
  motion::Clip clip = motion::fit_positions(pos, motion::tang_layout(), kTangFps, &report);
  if (report.mean_angle_deg > 15)
    warnings.push_back(name + ": loose fit (mean bone angle error " + std::to_string(report.mean_angle_deg) +
                       " deg)");
  clip.meta.name = name;
  clip.meta.dataset = "tang";
  clip.meta.source = skel_path.string();
  clip.meta.genre = genre;
  clip.meta.audio = fs::absolute(audio).lexically_normal().string();
  clip.meta.audio_offset = static_cast<double>(start) / kTangFps;
  clip.meta.captions = dance_captions(genre, clip.meta.name, opt.captions_per_clip);
  finish_clip(clip);
  return clip;
}

}  // namespace

ImportResult import_tang(const fs::path& folder, const ImportOptions& opt) {
  ImportResult res;
  res.dataset.name = "tang";
  std::vector<fs::path> dirs;
  if (folder.filename().string().starts_with("DANCE_")) {
    dirs.push_back(folder);
  } else {
    for (const auto& e : fs::directory_iterator(folder))
      if (e.is_directory() && e.path().filename().string().starts_with("DANCE_")) dirs.push_back(e.path());
  }
  if (dirs.empty()) throw Error(folder.string() + ": no DANCE_<C|R|T|W>_<n> folders");
  std::sort(dirs.begin(), dirs.end());
  if (opt.max_items > 0 && static_cast<int>(dirs.size()) > opt.max_items) dirs.resize(opt.max_items);
  for (size_t i = 0; i < dirs.size(); ++i) {
    if (opt.progress)
      opt.progress(static_cast<int>(i), static_cast<int>(dirs.size()), dirs[i].filename().string());
    try {
      motion::Clip clip = import_one(dirs[i], opt, res.warnings);
      const Split split = split_for(clip.meta.name, opt.validation_percent);
      keep_clip(res, opt, std::move(clip), split);
    } catch (const Error& e) {
      res.rejected.push_back({dirs[i].string(), e.what()});
    }
  }
  return res;
}

}  // namespace e2m::io

// AIST++ importer: reads the .npy files written by training/aist_pkl_to_npy.py (SMPL axis-angle
// poses + root translation in metres, 60 fps) and maps SMPL joints 0..21 onto the canonical skeleton.
#include <algorithm>
#include <cctype>
#include <map>

#include "io/captions.h"
#include "io/importers.h"
#include "io/npy.h"
#include "motion/error.h"
#include "motion/rotation.h"

namespace e2m::io {

namespace fs = std::filesystem;

namespace {

constexpr double kAistFps = 60.0;
constexpr int kAistColumns = 75;  // 24 x 3 axis-angle + 3 translation
// SMPL rotates the body about the rest pelvis joint J0 and then adds smpl_trans, so the pelvis
// stands at trans + J0. J0 of the neutral SMPL body (metres); shape-dependent by about 1 cm, and
// the vertical part is replaced by place_on_floor anyway.
constexpr motion::Vec3 kSmplPelvisRest{-0.0018, -0.2233, 0.0282};

}  // namespace

std::string aist_genre(const std::string& sequence_name) {
  static const std::map<std::string, std::string> kGenres = {
      {"gBR", "break"},       {"gPO", "pop"},        {"gLO", "lock"},  {"gMH", "middle hip-hop"},
      {"gLH", "LA hip-hop"},  {"gHO", "house"},      {"gWA", "waack"}, {"gKR", "krump"},
      {"gJS", "street jazz"}, {"gJB", "ballet jazz"}};
  auto it = kGenres.find(sequence_name.substr(0, 3));
  return it == kGenres.end() ? "" : it->second;
}

std::string aist_music(const std::string& sequence_name) {
  // Fields are separated by '_'; the music id is the one starting with 'm' followed by the genre.
  size_t start = 0;
  while (start <= sequence_name.size()) {
    size_t end = sequence_name.find('_', start);
    if (end == std::string::npos) end = sequence_name.size();
    std::string part = sequence_name.substr(start, end - start);
    if (part.size() >= 3 && part[0] == 'm' && std::isupper(static_cast<unsigned char>(part[1]))) return part;
    start = end + 1;
  }
  return "";
}

ImportResult import_aist(const fs::path& folder, const ImportOptions& opt) {
  ImportResult res;
  res.dataset.name = "aist";
  std::vector<fs::path> files;
  bool pickles = false;
  for (const auto& e : fs::directory_iterator(folder)) {
    if (e.path().extension() == ".npy") files.push_back(e.path());
    if (e.path().extension() == ".pkl") pickles = true;
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    if (pickles)
      throw Error(folder.string() +
                  ": holds AIST++ .pkl files; convert them first: python3 training/aist_pkl_to_npy.py " +
                  folder.string() + " -o <out folder>, then import <out folder>");
    throw Error(folder.string() + ": no .npy files (expected the output of training/aist_pkl_to_npy.py)");
  }
  if (opt.max_items > 0 && static_cast<int>(files.size()) > opt.max_items) files.resize(opt.max_items);
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& f = files[i];
    const std::string name = f.stem().string();
    if (opt.progress) opt.progress(static_cast<int>(i), static_cast<int>(files.size()), name);
    try {
      auto a = read_npy(f);
      if (a.ndim() != 2 || a.shape[1] != kAistColumns)
        throw Error(f.string() + ": shape must be (frames, 75) = 72 SMPL axis-angle values + 3 translation");
      const int n = static_cast<int>(a.shape[0]);
      motion::Clip clip;
      clip.fps = kAistFps;
      clip.resize(n);
      for (int t = 0; t < n; ++t) {
        const double* row = a.data.data() + static_cast<size_t>(t) * kAistColumns;
        // SMPL joints 0..21 are the canonical joints in the same order; both rest poses have every
        // local frame aligned with the world axes, so the axis-angle values carry over unchanged.
        for (int j = 0; j < motion::kNumJoints; ++j)
          clip.q(t, j) = motion::quat_from_rotvec({row[3 * j], row[3 * j + 1], row[3 * j + 2]});
        clip.root[t] = motion::Vec3{row[72], row[73], row[74]} + kSmplPelvisRest;
      }
      clip.meta.name = name;
      clip.meta.dataset = "aist";
      clip.meta.source = f.string();
      clip.meta.genre = aist_genre(name);
      const std::string music = aist_music(name);
      // The music lives beside the AIST++ annotations as <music id>.wav; the reference is relative
      // to where the user keeps it, so store the id as the audio name.
      if (!music.empty()) clip.meta.audio = music + ".wav";
      clip.meta.captions =
          dance_captions(clip.meta.genre.empty() ? "dance" : clip.meta.genre, name, opt.captions_per_clip);
      if (clip.meta.genre.empty()) res.warnings.push_back(name + ": unknown genre code");
      finish_clip(clip);
      keep_clip(res, opt, std::move(clip), split_for(name, opt.validation_percent));
    } catch (const Error& e) {
      res.rejected.push_back({f.string(), e.what()});
    }
  }
  return res;
}

}  // namespace e2m::io

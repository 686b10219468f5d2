// Training data from dataset caches: feature encoding, statistics and window sampling; see data.h.
#include "train/data.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>

#include "audio/features.h"
#include "model/cue_caption.h"
#include "motion/error.h"
#include "motion/features.h"

namespace e2m::train {
namespace {

constexpr int kMotionDim = motion::kFeatureDim;
constexpr int kAudioDim = audio::kAudioFeatureDim;

std::string safe_name(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  return out;
}

// Audio features aligned with the clip's frames: frame k of the clip plays at audio_offset + k / fps.
std::vector<float> clip_audio(const motion::Clip& clip, const std::filesystem::path& cache_dir,
                              bool use_cache) {
  const size_t want = static_cast<size_t>(clip.frames()) * kAudioDim;
  const std::filesystem::path side = cache_dir / (safe_name(clip.meta.name) + ".f32");
  if (use_cache && !cache_dir.empty() && std::filesystem::exists(side) &&
      std::filesystem::file_size(side) == want * sizeof(float)) {
    std::vector<float> data(want);
    std::ifstream in(side, std::ios::binary);
    in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(want * sizeof(float)));
    if (in) return data;
  }
  audio::FeatureFrames f =
      audio::extract_features_file(clip.meta.audio, clip.meta.audio_offset, clip.duration());
  std::vector<float> data(want, 0.0f);
  const int have = std::min(f.frames, clip.frames());
  std::copy(f.data.begin(), f.data.begin() + static_cast<std::ptrdiff_t>(have) * kAudioDim, data.begin());
  // A non-finite feature would poison the statistics and every batch that touches it.
  for (float& v : data)
    if (!std::isfinite(v)) v = 0.0f;
  // The audio may end a little before the motion: hold its last frame.
  for (int k = std::max(have, 1); k < clip.frames() && have > 0; ++k)
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(have - 1) * kAudioDim, kAudioDim,
                data.begin() + static_cast<std::ptrdiff_t>(k) * kAudioDim);
  if (use_cache && !cache_dir.empty()) {
    std::filesystem::create_directories(cache_dir);
    std::ofstream out(side, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(want * sizeof(float)));
  }
  return data;
}

// Copies frames [start, start + n) of a (frames x dim) array into dst, repeating the first / last
// frame outside the clip.
void copy_frames(const std::vector<float>& src, int frames, int dim, int start, int n, float* dst) {
  for (int k = 0; k < n; ++k) {
    const int f = std::clamp(start + k, 0, frames - 1);
    std::copy_n(src.data() + static_cast<size_t>(f) * dim, dim, dst + static_cast<size_t>(k) * dim);
  }
}

// A frame before the clip's first, standing still: frame 0 with every velocity zeroed. Live and
// offline generation start from the same (MusicToDance::start_features).
void stand_still(float* row) {
  row[motion::kFeatRootVel] = row[motion::kFeatRootVel + 1] = row[motion::kFeatYawVel] = 0.0f;
  std::fill(row + motion::kFeatVel, row + motion::kFeatContact, 0.0f);
}

// Motion history: like copy_frames, with the frames before the clip standing still.
void copy_history(const std::vector<float>& src, int frames, int start, int n, float* dst) {
  copy_frames(src, frames, kMotionDim, start, n, dst);
  for (int k = 0; k < n && start + k < 0; ++k) stand_still(dst + static_cast<size_t>(k) * kMotionDim);
}

// A held history: its last frame, standing still, in every one of its n rows.
void hold_history(int n, float* dst) {
  float* last = dst + static_cast<size_t>(n - 1) * kMotionDim;
  stand_still(last);
  for (int k = 0; k < n - 1; ++k) std::copy_n(last, kMotionDim, dst + static_cast<size_t>(k) * kMotionDim);
}

}  // namespace

TrainingData TrainingData::load(const std::vector<std::filesystem::path>& caches, const DataOptions& opt) {
  std::vector<io::Dataset> sets;
  std::vector<std::filesystem::path> audio_dirs;
  for (const auto& path : caches) {
    sets.push_back(io::read_dataset(path));
    audio_dirs.push_back(path.string() + ".audio");
  }
  return from_datasets(sets, opt, audio_dirs);
}

TrainingData TrainingData::from_datasets(const std::vector<io::Dataset>& datasets, const DataOptions& opt,
                                         const std::vector<std::filesystem::path>& audio_cache_dirs) {
  TrainingData data;
  for (size_t d = 0; d < datasets.size(); ++d) {
    const io::Dataset& ds = datasets[d];
    const std::filesystem::path audio_dir = d < audio_cache_dirs.size() ? audio_cache_dirs[d] : "";
    for (size_t c = 0; c < ds.clips.size(); ++c) {
      const motion::Clip& clip = ds.clips[c];
      if (clip.frames() < opt.min_frames) continue;
      if (opt.need_captions && clip.meta.captions.empty()) continue;
      if (opt.need_audio && clip.meta.audio.empty()) continue;
      ClipData cd;
      cd.name = clip.meta.name;
      cd.split = c < ds.split.size() ? ds.split[c] : io::split_for(clip.meta.name);
      cd.frames = clip.frames();
      cd.motion = motion::encode_features(clip);
      cd.captions = clip.meta.captions;
      for (const auto& caption : cd.captions)
        for (auto& form : model::cue_forms(caption, clip.meta.content))
          if (std::find(cd.cues.begin(), cd.cues.end(), form) == cd.cues.end())
            cd.cues.push_back(std::move(form));
      cd.content = clip.meta.content;
      cd.style = clip.meta.style;
      cd.genre = clip.meta.genre;
      if (opt.need_audio) cd.audio = clip_audio(clip, audio_dir, opt.cache_audio);
      data.clips_.push_back(std::move(cd));
    }
  }
  if (data.clips_.empty()) {
    std::string what = "no usable clips in the dataset cache(s)";
    if (opt.need_captions) what += " (text2motion needs clips with captions)";
    if (opt.need_audio) what += " (music2dance needs clips with audio)";
    throw Error(what);
  }
  return data;
}

std::vector<int> TrainingData::indices(io::Split split) const {
  std::vector<int> out;
  for (size_t i = 0; i < clips_.size(); ++i)
    if (clips_[i].split == split) out.push_back(static_cast<int>(i));
  return out;
}

std::vector<std::string> TrainingData::train_captions() const {
  std::vector<std::string> out;
  for (const auto& c : clips_)
    if (c.split == io::Split::Train) out.insert(out.end(), c.captions.begin(), c.captions.end());
  return out;
}

model::Normalization TrainingData::motion_stats() const {
  std::vector<int> idx = indices(io::Split::Train);
  if (idx.empty()) idx = indices(io::Split::Validation);
  std::vector<float> rows;
  for (int i : idx) rows.insert(rows.end(), clips_[i].motion.begin(), clips_[i].motion.end());
  return model::Normalization::compute(
      rows.data(), static_cast<int64_t>(rows.size() / kMotionDim), kMotionDim,
      {std::begin(motion::kFeatureGroups), std::end(motion::kFeatureGroups)});
}

std::vector<float> TrainingData::start_frame() const {
  std::vector<int> idx = indices(io::Split::Train);
  if (idx.empty()) idx = indices(io::Split::Validation);
  const ClipData& c = clips_[static_cast<size_t>(idx.front())];
  std::vector<float> row(c.motion.begin(), c.motion.begin() + kMotionDim);
  stand_still(row.data());
  return row;
}

model::Normalization TrainingData::audio_stats() const {
  std::vector<int> idx = indices(io::Split::Train);
  if (idx.empty()) idx = indices(io::Split::Validation);
  std::vector<float> rows;
  for (int i : idx) rows.insert(rows.end(), clips_[i].audio.begin(), clips_[i].audio.end());
  if (rows.empty()) return {};
  return model::Normalization::compute(
      rows.data(), static_cast<int64_t>(rows.size() / kAudioDim), kAudioDim,
      {std::begin(audio::kAudioFeatureGroups), std::end(audio::kAudioFeatureGroups)});
}

WindowSampler::WindowSampler(const TrainingData& data, std::vector<int> clip_indices,
                             model::Normalization motion_norm, model::Normalization audio_norm)
    : data_(&data),
      clips_(std::move(clip_indices)),
      motion_norm_(std::move(motion_norm)),
      audio_norm_(std::move(audio_norm)) {
  auto group = [&](int i) {
    const ClipData& c = data.clips()[static_cast<size_t>(i)];
    return c.content.empty() && c.style.empty() ? c.genre : c.content + "/" + c.style;
  };
  std::map<std::string, double> group_frames;
  for (int i : clips_) group_frames[group(i)] += data.clips()[static_cast<size_t>(i)].frames;
  for (int i : clips_)
    weights_.push_back(static_cast<double>(data.clips()[static_cast<size_t>(i)].frames) /
                       group_frames[group(i)]);
}

const std::string& WindowSampler::pick_caption(const ClipData& c, std::mt19937& rng) const {
  static const std::string kNone;
  if (c.captions.empty()) return kNone;
  const auto& pool =
      cue_rate_ > 0 && !c.cues.empty() && std::bernoulli_distribution(cue_rate_)(rng) ? c.cues : c.captions;
  return pool[std::uniform_int_distribution<size_t>(0, pool.size() - 1)(rng)];
}

Batch WindowSampler::motion_windows(int batch, int frames, std::mt19937& rng, bool from_start) const {
  if (clips_.empty()) throw Error("window sampler: no clips to sample from");
  std::discrete_distribution<int> pick(weights_.begin(), weights_.end());
  std::vector<float> buf(static_cast<size_t>(batch) * frames * kMotionDim);
  Batch out;
  for (int b = 0; b < batch; ++b) {
    const ClipData& c = data_->clips()[static_cast<size_t>(clips_[static_cast<size_t>(pick(rng))])];
    const int start =
        c.frames > frames && !from_start ? std::uniform_int_distribution<int>(0, c.frames - frames)(rng) : 0;
    copy_frames(c.motion, c.frames, kMotionDim, start, frames,
                buf.data() + static_cast<size_t>(b) * frames * kMotionDim);
    out.captions.push_back(pick_caption(c, rng));
  }
  out.motion = motion_norm_.normalize(torch::from_blob(buf.data(), {batch, frames, kMotionDim}).clone());
  return out;
}

Batch WindowSampler::music_windows(int batch, const model::ModelConfig& config, std::mt19937& rng,
                                   int early_chunks) const {
  if (clips_.empty()) throw Error("window sampler: no clips to sample from");
  const int aw = config.music.audio_window, mw = config.music.motion_window,
            chunk = config.music.chunk_frames, k = early_chunks, early_aw = aw + (k - 1) * chunk;
  if (k < 0 || k * chunk > mw)
    throw Error("window sampler: " + std::to_string(k) + " rollout chunks do not fit the motion window");
  std::discrete_distribution<int> pick(weights_.begin(), weights_.end());
  std::vector<float> target(static_cast<size_t>(batch) * chunk * kMotionDim);
  std::vector<float> prev(static_cast<size_t>(batch) * mw * kMotionDim);
  std::vector<float> aud(static_cast<size_t>(batch) * aw * kAudioDim);
  std::vector<float> early_prev(k > 0 ? prev.size() : 0),
      early_aud(k > 0 ? static_cast<size_t>(batch) * early_aw * kAudioDim : 0);
  Batch out;
  out.genre = torch::zeros({batch, config.genre_count()});
  out.beats = torch::zeros({batch, chunk});
  auto beats = out.beats.accessor<float, 2>();
  for (int b = 0; b < batch; ++b) {
    const ClipData& c = data_->clips()[static_cast<size_t>(clips_[static_cast<size_t>(pick(rng))])];
    // "now" = t: the chunk t+1..t+chunk lies inside the clip; history before frame 0 repeats frame 0.
    const int t = std::uniform_int_distribution<int>(0, std::max(0, c.frames - 1 - chunk))(rng);
    copy_frames(c.motion, c.frames, kMotionDim, t + 1, chunk,
                target.data() + static_cast<size_t>(b) * chunk * kMotionDim);
    float* history = prev.data() + static_cast<size_t>(b) * mw * kMotionDim;
    copy_history(c.motion, c.frames, t - mw + 1, mw, history);
    if (k == 0 && hold_history_ > 0 && std::bernoulli_distribution(hold_history_)(rng))
      hold_history(mw, history);
    copy_frames(c.audio, c.frames, kAudioDim, t - aw + 1, aw,
                aud.data() + static_cast<size_t>(b) * aw * kAudioDim);
    if (k > 0) {
      copy_history(c.motion, c.frames, t - k * chunk - mw + 1, mw,
                   early_prev.data() + static_cast<size_t>(b) * mw * kMotionDim);
      copy_frames(c.audio, c.frames, kAudioDim, t - chunk - early_aw + 1, early_aw,
                  early_aud.data() + static_cast<size_t>(b) * early_aw * kAudioDim);
    }
    for (int f = 0; f < chunk; ++f) {
      const int at = std::min(t + 1 + f, c.frames - 1);
      beats[b][f] = c.audio[static_cast<size_t>(at) * kAudioDim + audio::kFeatBeat];
    }
    int g = -1;
    for (size_t i = 0; i < config.music.genres.size(); ++i)
      if (config.music.genres[i] == c.genre) g = static_cast<int>(i);
    if (g >= 0) out.genre[b][g] = 1.0f;
  }
  out.motion = motion_norm_.normalize(torch::from_blob(target.data(), {batch, chunk, kMotionDim}).clone());
  out.prev_motion = motion_norm_.normalize(torch::from_blob(prev.data(), {batch, mw, kMotionDim}).clone());
  out.audio = audio_norm_.normalize(torch::from_blob(aud.data(), {batch, aw, kAudioDim}).clone());
  if (k > 0) {
    out.early_prev_motion =
        motion_norm_.normalize(torch::from_blob(early_prev.data(), {batch, mw, kMotionDim}).clone());
    out.early_audio =
        audio_norm_.normalize(torch::from_blob(early_aud.data(), {batch, early_aw, kAudioDim}).clone());
  }
  return out;
}

}  // namespace e2m::train

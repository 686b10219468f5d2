// Inference API: model loading with warm-up, text -> clip, music -> dance chunks (causal) and offline dance.
#include "model/inference.h"

#include <ATen/CPUGeneratorImpl.h>
#include <malloc.h>

#include <algorithm>
#include <cstring>

#include "model/cue_caption.h"
#include "model/text_tokenizer.h"
#include "motion/error.h"
#include "motion/features.h"

namespace e2m::model {

namespace {

void check_exists(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path))
    throw Error(path.string() + ": model file not found (make one with 'e2m train', see training/README.md)");
}

// Shared by the inference classes: runtime settings, threads, read the file, then set_model
// (which puts the model in eval mode and warms it up).
template <class Api, class Loader>
void load_into(Api& api, const std::filesystem::path& path, int threads, Loader loader) {
  configure_cpu_runtime();
  check_exists(path);
  if (threads > 0) torch::set_num_threads(threads);
  ModelMeta meta;
  auto model = loader(path, &meta);
  api.set_model(model, std::move(meta));
}

std::vector<float> to_vector(const torch::Tensor& t) {
  auto c = t.contiguous().to(torch::kFloat);
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

}  // namespace

void configure_cpu_runtime() {
  at::globalContext().setUserEnabledMkldnn(false);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

std::vector<float> rest_features(int frames) { return motion::encode_features(motion::Clip::rest(frames)); }

// ---- TextToMotion ----

void TextToMotion::load(const std::filesystem::path& path, int threads) {
  load_into(*this, path, threads, load_text2motion);
}

void TextToMotion::set_model(Text2Motion model, ModelMeta meta) {
  model_ = std::move(model);
  model_->eval();
  meta_ = std::move(meta);
  frontend_ = nullptr;
  // The own encoder's vocabulary travels in the model file, so the tokenizer comes with it. CLIP
  // needs the user's TorchScript file and BPE vocabulary: the caller sets that frontend.
  if (meta_.config.text.encoder == "own" && !meta_.text_vocab.is_null()) {
    auto tokenizer = std::make_shared<TextTokenizer>(TextTokenizer::from_json(meta_.text_vocab));
    const int max_tokens = meta_.config.text.max_tokens;
    frontend_ = [tokenizer, max_tokens](const std::string& text) {
      return make_text_input({tokenizer->encode(text, max_tokens)}, max_tokens);
    };
  }
  warm_up();
}

void TextToMotion::warm_up() {
  TextInput in;
  if (meta_.config.text.encoder == "clip") {
    in.features = torch::zeros({1, 1, meta_.config.text.clip_dim});
    in.pad_mask = torch::zeros({1, 1}, torch::kBool);
  } else {
    in.ids = torch::full({1, 1}, 2, torch::kLong);
    in.pad_mask = torch::zeros({1, 1}, torch::kBool);
  }
  generate_features(in, std::min(120, meta_.config.text.max_frames));
}

std::vector<float> TextToMotion::generate_features(const TextInput& input, int frames, uint64_t seed) {
  if (!model_) throw Error("text2motion: no model loaded");
  torch::InferenceMode guard;
  auto z = model_->latent(input, frames);
  if (seed != 0 && meta_.config.text.sample_noise > 0) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    z = z + meta_.config.text.sample_noise * at::randn(z.sizes(), gen, z.options());
  }
  auto y = model_->decoder(z).slice(1, 0, frames);
  return to_vector(meta_.motion_norm.denormalize(y));
}

motion::Clip TextToMotion::generate(const TextInput& input, int frames, uint64_t seed) {
  auto feats = generate_features(input, frames, seed);
  return motion::decode_features(feats.data(), frames, meta_.config.fps);
}

motion::Clip TextToMotion::generate(const std::string& text, int frames, uint64_t seed) {
  if (!frontend_)
    throw Error(
        "text2motion: this model has no text tokenizer (no vocabulary in the file, or a CLIP "
        "model whose encoder was not given)");
  motion::Clip clip = generate(frontend_(caption_for_cue(text)), frames, seed);
  clip.meta.captions = {text};
  clip.meta.name = "text2motion";
  return clip;
}

int64_t TextToMotion::parameter_count() const { return model_ ? model::parameter_count(*model_) : 0; }

// ---- MusicToDance ----

void MusicToDance::load(const std::filesystem::path& path, int threads) {
  load_into(*this, path, threads, load_music2dance);
}

void MusicToDance::set_model(Music2Dance model, ModelMeta meta) {
  model_ = std::move(model);
  model_->eval();
  meta_ = std::move(meta);
  audio_cache_ = FrameCache(meta_.config.music.audio_receptive());
  motion_cache_ = FrameCache(meta_.config.music.motion_receptive());
  audio_norm_ = NormalizationTensors(meta_.audio_norm, kAudioDim);
  motion_norm_ = NormalizationTensors(meta_.motion_norm, kMotionDim);
  reset(meta_.config.music.genres.front());
  warm_up();
}

void MusicToDance::warm_up() {
  std::vector<float> audio(static_cast<size_t>(audio_window()) * kAudioDim, 0.0f);
  std::vector<float> out(static_cast<size_t>(chunk_frames()) * kMotionDim);
  for (int i = 0; i < 2; ++i) next_chunk(audio.data(), history_.data(), out.data());
}

std::vector<float> MusicToDance::start_features(int frames) const {
  if (meta_.start_frame.size() == static_cast<size_t>(kMotionDim)) {
    std::vector<float> out;
    for (int f = 0; f < frames; ++f)
      out.insert(out.end(), meta_.start_frame.begin(), meta_.start_frame.end());
    return out;
  }
  std::vector<float> row = meta_.motion_norm.mean;
  if (row.size() != static_cast<size_t>(kMotionDim)) return rest_features(frames);  // no statistics stored
  // Standing still: no root or joint velocity; the 6D rotations are the data's mean, which decoding
  // turns back into proper rotations (Gram-Schmidt).
  row[motion::kFeatRootVel] = row[motion::kFeatRootVel + 1] = row[motion::kFeatYawVel] = 0.0f;
  std::fill(row.begin() + motion::kFeatVel, row.begin() + motion::kFeatContact, 0.0f);
  if (row[motion::kFeatRootY] <= 0.1f)
    row[motion::kFeatRootY] = static_cast<float>(motion::rest_pelvis_height());
  std::vector<float> out;
  for (int f = 0; f < frames; ++f) out.insert(out.end(), row.begin(), row.end());
  return out;
}

void MusicToDance::reset(const std::string& genre, const motion::Clip* initial) {
  if (!model_) throw Error("music2dance: no model loaded");
  genre_ = model_->genre_onehot(genre);
  audio_cache_.clear();
  motion_cache_.clear();
  const int m = motion_window();
  std::vector<float> init =
      initial && initial->frames() > 0 ? motion::encode_features(*initial) : start_features(m);
  const int n = static_cast<int>(init.size() / kMotionDim);
  history_.assign(static_cast<size_t>(m) * kMotionDim, 0.0f);
  for (int r = 0; r < m; ++r) {
    const int src = std::max(0, n - m + r);  // the last m frames, the first one repeated in front
    std::memcpy(&history_[static_cast<size_t>(r) * kMotionDim], &init[static_cast<size_t>(src) * kMotionDim],
                sizeof(float) * kMotionDim);
  }
}

void MusicToDance::next_chunk(const float* audio_feats, const float* prev_motion, float* out) {
  if (!model_) throw Error("music2dance: no model loaded");
  torch::InferenceMode guard;
  auto y = model_->decode_motion(model_->decode_query(encoded_audio(audio_feats), output_query(prev_motion)));
  auto raw = motion_norm_.denormalize(y).contiguous();
  std::memcpy(out, raw.data_ptr<float>(), sizeof(float) * chunk_frames() * kMotionDim);
}

torch::Tensor MusicToDance::encoded_audio(const float* audio_feats) {
  auto a = torch::from_blob(const_cast<float*>(audio_feats), {1, audio_window(), kAudioDim}, torch::kFloat);
  auto normalised = audio_norm_.normalize(a);
  if (!meta_.config.music.streaming) return model_->encode_audio(normalised, genre_);
  auto frames =
      audio_cache_.frames(audio_feats, audio_window(), kAudioDim, normalised,
                          [&](const torch::Tensor& x) { return model_->adapter->frame_features(x, genre_); });
  return model_->qa->encode(model_->adapter->from_frames(frames));
}

torch::Tensor MusicToDance::output_query(const float* prev_motion) {
  auto p = torch::from_blob(const_cast<float*>(prev_motion), {1, motion_window(), kMotionDim}, torch::kFloat);
  auto normalised = motion_norm_.normalize(p);
  if (!meta_.config.music.streaming) return model_->provider(normalised);
  auto frames =
      motion_cache_.frames(prev_motion, motion_window(), kMotionDim, normalised,
                           [&](const torch::Tensor& x) { return model_->provider->frame_features(x); });
  return model_->provider->from_frames(frames);
}

void MusicToDance::next_chunk(std::span<const float> audio_feats, std::span<const float> prev_motion,
                              std::span<float> out) {
  auto check = [](const char* what, size_t got, size_t want) {
    if (got != want)
      throw Error(std::string("music2dance: ") + what + " holds " + std::to_string(got) +
                  " values, expected " + std::to_string(want));
  };
  check("audio window", audio_feats.size(), static_cast<size_t>(audio_window()) * kAudioDim);
  check("motion history", prev_motion.size(), static_cast<size_t>(motion_window()) * kMotionDim);
  check("output chunk", out.size(), static_cast<size_t>(chunk_frames()) * kMotionDim);
  next_chunk(audio_feats.data(), prev_motion.data(), out.data());
}

void MusicToDance::set_genre(const std::string& genre) {
  if (!model_) throw Error("music2dance: no model loaded");
  genre_ = model_->genre_onehot(genre);
  audio_cache_.clear();  // the genre is part of every audio feature frame
}

std::vector<float> MusicToDance::next_chunk(const float* audio_feats, const float* prev_motion) {
  std::vector<float> out(static_cast<size_t>(chunk_frames()) * kMotionDim);
  next_chunk(audio_feats, prev_motion, out.data());
  return out;
}

std::vector<float> MusicToDance::next_chunk(const float* audio_feats) {
  auto out = next_chunk(audio_feats, history_.data());
  push_history(out.data());
  return out;
}

void MusicToDance::push_history(const float* chunk) {
  // Slide the fixed-size history: drop the oldest chunk, append the new one.
  const size_t shift = static_cast<size_t>(chunk_frames()) * kMotionDim;
  if (shift >= history_.size()) {
    std::memcpy(history_.data(), chunk + (shift - history_.size()), sizeof(float) * history_.size());
  } else {
    std::memmove(history_.data(), history_.data() + shift, sizeof(float) * (history_.size() - shift));
    std::memcpy(history_.data() + (history_.size() - shift), chunk, sizeof(float) * shift);
  }
}

torch::Tensor MusicToDance::audio_windows(const audio::FeatureFrames& feats, int first, int count) const {
  const int c = chunk_frames(), w = audio_window(), n = feats.frames;
  // Chunk k makes frames k*c .. k*c+c-1 from audio up to frame k*c-1 ("now"); before the start the
  // first frame repeats, as training pads its windows. Every window only looks back, as live.
  auto windows = torch::zeros({count, w, kAudioDim});
  auto acc = windows.accessor<float, 3>();
  for (int k = 0; k < count; ++k) {
    const int now = (first + k) * c - 1;
    for (int r = 0; r < w; ++r) {
      const int f = std::max(0, now - (w - 1) + r);
      if (f >= n) continue;
      for (int d = 0; d < kAudioDim; ++d) acc[k][r][d] = feats.data[static_cast<size_t>(f) * kAudioDim + d];
    }
  }
  return windows;
}

std::vector<float> MusicToDance::dance_features(const audio::FeatureFrames& feats, const std::string& genre,
                                                const motion::Clip* initial) {
  if (!model_) throw Error("music2dance: no model loaded");
  if (feats.frames <= 0) return {};
  if (static_cast<int64_t>(feats.data.size()) != static_cast<int64_t>(feats.frames) * kAudioDim)
    throw Error("music2dance: feature frames hold " + std::to_string(feats.data.size()) +
                " values, expected " + std::to_string(feats.frames) + " x 39");
  reset(genre, initial);
  const int c = chunk_frames(), n = feats.frames;
  const int chunks = (n + c - 1) / c;
  std::vector<float> out(static_cast<size_t>(chunks) * c * kMotionDim);
  torch::InferenceMode guard;
  // The audio half of the network does not depend on the generated motion: batch it, a slice of
  // chunks at a time so memory stays bounded for a song of any length (all at once, a 4-minute song
  // held ~1 GB of attention maps).
  for (int first = 0; first < chunks; first += kEncodeSlice) {
    const int count = std::min(kEncodeSlice, chunks - first);
    auto encoded = model_->encode_audio(audio_norm_.normalize(audio_windows(feats, first, count)),
                                        genre_.expand({count, -1}));
    for (int k = 0; k < count; ++k) {
      auto y = model_->decode_motion(
          model_->decode_query(encoded.slice(0, k, k + 1), output_query(history_.data())));
      auto raw = motion_norm_.denormalize(y).contiguous();
      float* dst = &out[static_cast<size_t>(first + k) * c * kMotionDim];
      std::memcpy(dst, raw.data_ptr<float>(), sizeof(float) * c * kMotionDim);
      push_history(dst);
    }
  }
  out.resize(static_cast<size_t>(n) * kMotionDim);
  return out;
}

motion::Clip MusicToDance::dance(const audio::FeatureFrames& feats, const std::string& genre,
                                 const motion::Clip* initial) {
  auto f = dance_features(feats, genre, initial);
  motion::Clip clip = motion::decode_features(f.data(), feats.frames, meta_.config.fps);
  clip.meta.name = "music2dance";
  clip.meta.genre = genre;
  return clip;
}

int64_t MusicToDance::parameter_count() const { return model_ ? model::parameter_count(*model_) : 0; }

}  // namespace e2m::model

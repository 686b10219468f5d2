// The streaming music2dance (DESIGN 4.3): per-frame adapter features computed once per frame live,
// equal to the whole-window computation training uses.
// LibTorch first: glog, which it brings in, defines CHECK too, and Catch's must be the one that stands.
// clang-format off
#include <torch/torch.h>
#include <catch2/catch.hpp>
// clang-format on

#include <random>
#include <vector>

#include "model/config.h"
#include "model/frame_cache.h"
#include "model/inference.h"
#include "model/model_file.h"
#include "model/modules.h"
#include "motion/error.h"

using namespace e2m;
using namespace e2m::model;

namespace {

ModelConfig streaming_config() {
  auto c = ModelConfig::tiny(ModelKind::Music2Dance);
  c.music.streaming = true;
  c.music.audio_window = 24;
  c.music.motion_window = 24;
  return c;
}

std::vector<float> random_rows(int rows, int dim, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(rows) * dim);
  for (auto& x : v) x = u(rng);
  return v;
}

// The chunk computed from the whole windows, as training computes it, with no cache involved.
std::vector<float> whole_window_chunk(MusicToDance& dance, Music2Dance& net, const float* audio,
                                      const float* motion, const std::string& genre) {
  torch::InferenceMode guard;
  const auto& c = dance.meta().config.music;
  auto a = torch::from_blob(const_cast<float*>(audio), {1, c.audio_window, kAudioDim});
  auto p = torch::from_blob(const_cast<float*>(motion), {1, c.motion_window, kMotionDim});
  auto y = net->forward(dance.meta().audio_norm.normalize(a), net->genre_onehot(genre),
                        dance.meta().motion_norm.normalize(p));
  auto raw = dance.meta().motion_norm.denormalize(y).contiguous();
  return {raw.data_ptr<float>(), raw.data_ptr<float>() + raw.numel()};
}

float max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  float worst = 0.0f;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

}  // namespace

TEST_CASE("a valid conv block's output frame depends on its receptive field only", "[model][streaming]") {
  ResConv1d valid(4, 3, TimePad::valid);
  torch::NoGradGuard ng;
  auto x = torch::randn({1, 4, 12});
  auto y = valid(x);
  REQUIRE(y.size(2) == 12 - 4);
  // Output frame i sees input frames i .. i + 4: the last 5 input frames alone give the last output.
  CHECK(torch::allclose(valid(x.narrow(2, 7, 5)), y.narrow(2, 7, 1), 1e-6, 1e-6));
  auto z = x.clone();
  z.narrow(2, 0, 3).add_(5.0f);  // frames 0..2 reach output frames 0..2 only
  auto w = valid(z);
  CHECK(torch::equal(w.narrow(2, 3, 5), y.narrow(2, 3, 5)));
  CHECK_FALSE(torch::equal(w.narrow(2, 0, 3), y.narrow(2, 0, 3)));
}

TEST_CASE("streaming adapters: per-frame features, then the window's codes", "[model][streaming]") {
  auto c = streaming_config();
  Music2Dance m(c);
  m->eval();
  torch::NoGradGuard ng;
  auto audio = torch::randn({2, c.music.audio_window, kAudioDim});
  auto genre = torch::zeros({2, c.genre_count()});
  genre.index_put_({torch::indexing::Slice(), 1}, 1.0);
  auto prev = torch::randn({2, c.music.motion_window, kMotionDim});
  const int af = c.music.audio_window - c.music.audio_receptive() + 1;
  const int mf = c.music.motion_window - c.music.motion_receptive() + 1;
  CHECK(m->adapter->frame_features(audio, genre).sizes().vec() ==
        std::vector<int64_t>{2, af, c.music.conv_channels});
  CHECK(m->provider->frame_features(prev).sizes().vec() ==
        std::vector<int64_t>{2, mf, c.music.motion_channels});
  CHECK(m->forward(audio, genre, prev).sizes().vec() == std::vector<int64_t>{2, 8, kMotionDim});
  // No GRU and no attention block: the streaming model has none of their parameters.
  for (const auto& p : m->named_parameters()) {
    CHECK(p.key().find("gru") == std::string::npos);
    CHECK(p.key().find("provider.attention") == std::string::npos);
  }
  Music2Dance windowed(ModelConfig::tiny(ModelKind::Music2Dance));
  CHECK_THROWS_AS(windowed->adapter->frame_features(audio, genre), Error);
}

TEST_CASE("live streaming music2dance computes each frame once and matches the whole window",
          "[model][streaming]") {
  torch::manual_seed(5);
  std::mt19937 rng(11);
  auto c = streaming_config();
  Music2Dance net(c);
  MusicToDance dance;
  ModelMeta meta = bare_meta(c);  // with statistics, so the cached normalisation is checked too
  const auto stats_audio = random_rows(50, kAudioDim, rng), stats_motion = random_rows(50, kMotionDim, rng);
  meta.audio_norm = Normalization::compute(stats_audio.data(), 50, kAudioDim);
  meta.motion_norm = Normalization::compute(stats_motion.data(), 50, kMotionDim);
  dance.set_model(net, meta);
  const int w = c.music.audio_window, chunk = c.music.chunk_frames, chunks = 8;
  const int features = w - c.music.audio_receptive() + 1;
  // A song's feature stream and a played-motion stream; each chunk's windows end 8 frames later.
  const auto song = random_rows(w + chunks * chunk, kAudioDim, rng);
  const auto played = random_rows(c.music.motion_window + chunks * chunk, kMotionDim, rng);
  dance.reset("waltz");
  const int64_t motion_before = dance.motion_frames_computed();  // set_model's warm-up computed some
  std::vector<float> out(static_cast<size_t>(chunk) * kMotionDim);
  for (int k = 0; k < chunks; ++k) {
    const float* a = &song[static_cast<size_t>(k) * chunk * kAudioDim];
    const float* p = &played[static_cast<size_t>(k) * chunk * kMotionDim];
    const int64_t before = dance.audio_frames_computed();
    dance.next_chunk(a, p, out.data());
    CHECK(dance.audio_frames_computed() - before == (k == 0 ? features : chunk));
    CHECK(max_difference(out, whole_window_chunk(dance, net, a, p, "waltz")) < 1e-5f);
  }
  CHECK(dance.motion_frames_computed() - motion_before ==
        c.music.motion_window - c.music.motion_receptive() + 1 + (chunks - 1) * chunk);

  SECTION("a window that is not the last one shifted is computed whole") {
    const auto other = random_rows(w, kAudioDim, rng);
    const int64_t before = dance.audio_frames_computed();
    dance.next_chunk(other.data(), played.data(), out.data());
    CHECK(dance.audio_frames_computed() - before == features);
    CHECK(max_difference(out, whole_window_chunk(dance, net, other.data(), played.data(), "waltz")) < 1e-5f);
  }
  SECTION("a genre change recomputes the audio features with the new genre") {
    const float* a = &song[static_cast<size_t>(chunks - 1) * chunk * kAudioDim];
    const float* p = &played[static_cast<size_t>(chunks - 1) * chunk * kMotionDim];
    dance.set_genre("house");
    const int64_t before = dance.audio_frames_computed();
    dance.next_chunk(a, p, out.data());
    CHECK(dance.audio_frames_computed() - before == features);
    CHECK(max_difference(out, whole_window_chunk(dance, net, a, p, "house")) < 1e-5f);
  }
}

TEST_CASE("offline streaming dance equals the live one, and windowed models bypass the caches",
          "[model][streaming]") {
  torch::manual_seed(6);
  std::mt19937 rng(12);
  auto c = streaming_config();
  MusicToDance dance;
  dance.set_model(Music2Dance(c), bare_meta(c));
  audio::FeatureFrames feats;
  feats.frames = 48;
  feats.data = random_rows(feats.frames, kAudioDim, rng);
  const auto offline = dance.dance_features(feats, "waltz");
  // Live, the audio before the first frame is the first frame repeated, as offline pads it.
  dance.reset("waltz");
  const int w = c.music.audio_window, chunk = c.music.chunk_frames;
  std::vector<float> window(static_cast<size_t>(w) * kAudioDim);
  for (int k = 0; k * chunk < feats.frames; ++k) {
    for (int r = 0; r < w; ++r) {
      const int f = std::max(0, k * chunk - w + r);
      std::copy_n(&feats.data[static_cast<size_t>(f) * kAudioDim], kAudioDim,
                  &window[static_cast<size_t>(r) * kAudioDim]);
    }
    const auto live = dance.next_chunk(window.data());
    const std::vector<float> same(offline.begin() + static_cast<size_t>(k) * chunk * kMotionDim,
                                  offline.begin() + static_cast<size_t>(k + 1) * chunk * kMotionDim);
    CHECK(max_difference(live, same) < 1e-4f);
  }

  auto windowed_config = ModelConfig::tiny(ModelKind::Music2Dance);
  MusicToDance windowed;
  windowed.set_model(Music2Dance(windowed_config), bare_meta(windowed_config));
  windowed.dance_features(feats, "waltz");
  CHECK(windowed.audio_frames_computed() == 0);
  CHECK(windowed.motion_frames_computed() == 0);
}

TEST_CASE("streaming config: windows shorter than the receptive fields are named",
          "[model][streaming][config]") {
  auto c = streaming_config();
  c.music.audio_window = c.music.audio_receptive() - 1;
  CHECK_THROWS_WITH(c.validate(),
                    Catch::Contains("music.audio_window/motion_window") && Catch::Contains("receptive"));
  auto d = streaming_config();
  auto back = config_from_json(config_to_json(d));
  CHECK(back.music.streaming);
  CHECK_FALSE(config_from_json(config_to_json(ModelConfig::tiny(ModelKind::Music2Dance))).music.streaming);
}

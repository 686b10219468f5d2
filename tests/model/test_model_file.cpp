// Model files (save/load identical outputs, one clear error per bad file) and the inference API.
// LibTorch first: glog, which it brings in, defines CHECK too, and Catch's must be the one that stands.
// clang-format off
#include <torch/torch.h>
#include <catch2/catch.hpp>
// clang-format on

#include <unistd.h>

#include <fstream>

#include "model/inference.h"
#include "model/model_file.h"
#include "model/text_tokenizer.h"
#include "motion/error.h"
#include "motion/features.h"
#include "test_support.h"

using namespace e2m;
using namespace e2m::model;

namespace {

void write_bytes(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

ModelMeta meta_for(const ModelConfig& c) {
  ModelMeta meta;
  meta.config = c;
  auto rest = motion::encode_features(motion::Clip::rest(8));
  meta.motion_norm = Normalization::compute(rest.data(), 8, kMotionDim);
  for (auto& s : meta.motion_norm.std) s += 0.5f;  // keep every dimension scaled
  meta.audio_norm.mean.assign(kAudioDim, 0.25f);
  meta.audio_norm.std.assign(kAudioDim, 2.0f);
  meta.extra = {{"note", "test"}};
  return meta;
}

TextInput ids_input(std::vector<int64_t> ids) {
  return make_text_input({std::move(ids)}, ModelConfig::tiny(ModelKind::Text2Motion).text.max_tokens);
}

long rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * sysconf(_SC_PAGESIZE);
}

}  // namespace

TEST_CASE("text2motion save/load gives identical outputs and keeps meta", "[model][file]") {
  torch::manual_seed(5);
  auto dir = test::temp_dir("model-file");
  auto c = ModelConfig::tiny(ModelKind::Text2Motion);
  Text2Motion m(c);
  m->eval();
  auto meta = meta_for(c);
  meta.text_vocab = TextTokenizer::train({"a person waves", "a person walks forward"}, 40).to_json();
  save_model(dir / "t.e2mm", meta, *m);
  ModelMeta back;
  Text2Motion loaded = load_text2motion(dir / "t.e2mm", &back);
  auto in = ids_input({5, 7, 9, 2});
  torch::NoGradGuard ng;
  CHECK(torch::equal(m->forward(in, 24), loaded->forward(in, 24)));
  CHECK(config_to_json(back.config) == config_to_json(c));
  CHECK(back.motion_norm.mean == meta.motion_norm.mean);
  CHECK(back.audio_norm.std == meta.audio_norm.std);
  CHECK(back.text_vocab == meta.text_vocab);
  CHECK(back.extra["note"] == "test");
  CHECK(parameter_count(*loaded) == parameter_count(*m));
}

TEST_CASE("music2dance and VAE save/load give identical outputs", "[model][file]") {
  torch::manual_seed(6);
  auto dir = test::temp_dir("model-file");
  auto c = ModelConfig::tiny(ModelKind::Music2Dance);
  Music2Dance m(c);
  m->eval();
  save_model(dir / "m.e2mm", meta_for(c), *m);
  auto loaded = load_music2dance(dir / "m.e2mm");
  auto audio = torch::randn({2, c.music.audio_window, kAudioDim});
  auto genre = m->genre_onehot("tango").expand({2, -1});
  auto prev = torch::randn({2, c.music.motion_window, kMotionDim});
  torch::NoGradGuard ng;
  CHECK(torch::equal(m->forward(audio, genre, prev), loaded->forward(audio, genre, prev)));

  auto v = ModelConfig::tiny(ModelKind::Vae);
  MotionVae vae(v);
  vae->eval();
  save_model(dir / "v.e2mm", meta_for(v), *vae);
  auto vloaded = load_vae(dir / "v.e2mm");
  auto x = torch::randn({1, 16, kMotionDim});
  CHECK(torch::equal(vae->forward(x).recon, vloaded->forward(x).recon));
}

TEST_CASE("normalisation floors a near-constant column's std at a tenth of its group's", "[model][norm]") {
  // Column 0 hardly moves (std 1e-4), columns 1-3 move with std ~1; all four are one group; column 4
  // stands alone.
  std::vector<float> rows;
  for (int r = 0; r < 200; ++r) {
    const float s = r % 2 ? 1.0f : -1.0f;
    rows.insert(rows.end(), {1e-4f * s, s, -s, s, 1e-4f * s});
  }
  auto n = Normalization::compute(rows.data(), 200, 5, {{0, 4}});
  CHECK(n.std[1] == Approx(1.0));
  CHECK(n.std[0] == Approx(0.1f * (1e-4f + 3.0f) / 4.0f).epsilon(1e-4));  // floored, not 1e-4
  CHECK(n.std[4] == Approx(1e-4).epsilon(1e-3));                          // no group: its own std
  CHECK_THROWS_AS(Normalization::compute(rows.data(), 200, 5, {{3, 9}}), Error);
}

TEST_CASE("a music model file keeps its start frame and generation starts from it", "[model][file]") {
  auto dir = test::temp_dir("model-start");
  auto c = ModelConfig::tiny(ModelKind::Music2Dance);
  Music2Dance m(c);
  ModelMeta meta = meta_for(c);
  meta.start_frame.assign(kMotionDim, 0.25f);
  meta.start_frame[motion::kFeatRootY] = 0.9f;
  save_model(dir / "m.e2mm", meta, *m);
  MusicToDance dance;
  dance.load(dir / "m.e2mm");
  CHECK(dance.meta().start_frame == meta.start_frame);
  const auto start = dance.start_features(3);
  CHECK(std::vector<float>(start.begin() + 2 * kMotionDim, start.end()) == meta.start_frame);
  std::filesystem::remove_all(dir);
}

TEST_CASE("bad model files give one clear error each", "[model][file]") {
  auto dir = test::temp_dir("model-file");
  auto c = ModelConfig::tiny(ModelKind::Text2Motion);
  Text2Motion m(c);
  const auto good = dir / "good.e2mm";
  save_model(good, meta_for(c), *m);
  const std::string bytes = test::read_file(good);

  CHECK_THROWS_WITH(load_text2motion(dir / "absent.e2mm"),
                    Catch::Contains("absent.e2mm") && Catch::Contains("cannot open"));

  write_bytes(dir / "foreign.e2mm", "PK\x03\x04 this is a zip file, not a model");
  CHECK_THROWS_WITH(load_text2motion(dir / "foreign.e2mm"),
                    Catch::Contains("foreign.e2mm: not an e2m model file (bad magic)"));

  std::string newer = bytes;
  newer[4] = 7;
  write_bytes(dir / "newer.e2mm", newer);
  CHECK_THROWS_WITH(load_text2motion(dir / "newer.e2mm"),
                    Catch::Contains("newer.e2mm") && Catch::Contains("version 7 is newer"));

  write_bytes(dir / "cut-header.e2mm", bytes.substr(0, 40));
  CHECK_THROWS_WITH(load_text2motion(dir / "cut-header.e2mm"), Catch::Contains("cut-header.e2mm: truncated"));
  write_bytes(dir / "cut-weights.e2mm", bytes.substr(0, bytes.size() - 100));
  CHECK_THROWS_WITH(load_text2motion(dir / "cut-weights.e2mm"),
                    Catch::Contains("cut-weights.e2mm: truncated"));
  write_bytes(dir / "trailing.e2mm", bytes + "xx");
  CHECK_THROWS_WITH(load_text2motion(dir / "trailing.e2mm"), Catch::Contains("unexpected bytes"));

  CHECK_THROWS_WITH(load_music2dance(good),
                    Catch::Contains("is a text2motion model, expected a music2dance model"));

  // Header config that does not match the stored tensors.
  auto other = c;
  other.qa.ff = 48;
  save_model(dir / "shape.e2mm", meta_for(other), *m);
  CHECK_THROWS_WITH(load_text2motion(dir / "shape.e2mm"),
                    Catch::Contains("shape.e2mm: tensor '") && Catch::Contains("has shape"));

  // A header whose config is invalid.
  std::string broken = bytes;
  const std::string key = "\"max_frames\":48";
  auto at = broken.find(key);
  REQUIRE(at != std::string::npos);
  broken.replace(at, key.size(), "\"max_frames\":47");
  write_bytes(dir / "config.e2mm", broken);
  CHECK_THROWS_WITH(load_text2motion(dir / "config.e2mm"),
                    Catch::Contains("config.e2mm") && Catch::Contains("text.max_frames"));

  // The inference API names the path of a missing file.
  TextToMotion t2m;
  CHECK_THROWS_WITH(t2m.load(dir / "nowhere.e2mm"), Catch::Contains("nowhere.e2mm: model file not found"));
}

TEST_CASE("TextToMotion generates a clip from a sentence with the file's own tokenizer",
          "[model][inference]") {
  auto dir = test::temp_dir("model-file");
  auto c = ModelConfig::tiny(ModelKind::Text2Motion);
  c.text.sample_noise = 0.5;
  auto meta = meta_for(c);
  meta.text_vocab =
      TextTokenizer::train({"a person waves", "a person walks forward", "wave hands"}, 40).to_json();
  Text2Motion m(c);
  save_model(dir / "t2m.e2mm", meta, *m);
  TextToMotion t2m;
  t2m.load(dir / "t2m.e2mm", 1);
  auto clip = t2m.generate("a person wavs", 20);  // a typo still tokenizes
  CHECK(clip.frames() == 20);
  CHECK(clip.meta.captions.at(0) == "a person wavs");
  auto in = ids_input({4, 5, 6, 2});
  auto a = t2m.generate_features(in, 16);
  CHECK(a.size() == 16u * kMotionDim);
  CHECK(a == t2m.generate_features(in, 16));      // seed 0: deterministic
  CHECK(a != t2m.generate_features(in, 16, 42));  // a seed samples
  CHECK(t2m.generate_features(in, 16, 42) == t2m.generate_features(in, 16, 42));
  CHECK(t2m.parameter_count() == parameter_count(*m));
}

TEST_CASE("MusicToDance: chunks, offline dance and flat memory over 1000 calls", "[model][inference]") {
  auto c = ModelConfig::tiny(ModelKind::Music2Dance);
  MusicToDance dance;
  dance.set_model(Music2Dance(c), meta_for(c));
  dance.reset("rumba");
  CHECK_THROWS_AS(dance.reset("polka"), Error);
  std::vector<float> audio(c.music.audio_window * kAudioDim, 0.1f);
  auto prev = rest_features(c.music.motion_window);
  auto chunk = dance.next_chunk(audio.data(), prev.data());
  CHECK(chunk.size() == static_cast<size_t>(c.music.chunk_frames) * kMotionDim);
  CHECK(chunk == dance.next_chunk(audio.data(), prev.data()));  // a function of its inputs

  audio::FeatureFrames feats;
  feats.frames = 45;
  feats.data.assign(45 * kAudioDim, 0.2f);
  auto clip = dance.dance(feats, "waltz");
  CHECK(clip.frames() == 45);
  CHECK(clip.meta.genre == "waltz");

  // A song longer than one batch of encoded chunks: offline equals the live path chunk by chunk.
  feats.frames = 300;
  feats.data.resize(300 * kAudioDim);
  for (size_t i = 0; i < feats.data.size(); ++i)
    feats.data[i] = static_cast<float>((i * 7919) % 1000) / 500.0f - 1.0f;
  const auto offline = dance.dance_features(feats, "waltz");
  dance.reset("waltz");
  const int cf = c.music.chunk_frames, aw = c.music.audio_window;
  for (int k = 0; k * cf < 300; ++k) {
    std::vector<float> window(static_cast<size_t>(aw) * kAudioDim);
    for (int r = 0; r < aw; ++r) {
      const int f = std::max(0, k * cf - 1 - (aw - 1) + r);
      std::copy_n(&feats.data[static_cast<size_t>(f) * kAudioDim], kAudioDim,
                  &window[static_cast<size_t>(r) * kAudioDim]);
    }
    const auto live = dance.next_chunk(window.data());
    for (int i = 0; i < cf * kMotionDim && k * cf * kMotionDim + i < static_cast<int>(offline.size());
         i += 37)
      REQUIRE(live[static_cast<size_t>(i)] ==
              Approx(offline[static_cast<size_t>(k * cf * kMotionDim + i)]).margin(1e-4));
  }

  std::vector<float> out(chunk.size());
  for (int i = 0; i < 50; ++i) dance.next_chunk(audio.data(), prev.data(), out.data());
  const long before = rss_bytes();
  for (int i = 0; i < 500; ++i) {  // 1000 calls through both entry points
    audio[i % audio.size()] = static_cast<float>(i % 7);
    dance.next_chunk(audio.data(), prev.data(), out.data());
    dance.next_chunk(audio.data());
  }
  const long growth = rss_bytes() - before;
  INFO("RSS growth over 1000 calls: " << growth << " bytes");
  CHECK(growth < 4L * 1024 * 1024);
}

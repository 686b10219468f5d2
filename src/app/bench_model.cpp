// `e2m bench` model section: text2motion and music2dance latency at paper-default sizes, parameter counts.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>

#include "app/bench.h"
#include "model/inference.h"
#include "model/modules.h"

namespace e2m::app {

namespace {

template <class F>
double median_ms(int runs, F&& f) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// Where one live chunk's time goes: each stage of the paper-size music2dance on its own, in the order
// next_chunk runs them (normalised random inputs; the stages' outputs feed the next).
void bench_music_stages(const model::ModelConfig& cfg, int runs, BenchReport& report) {
  using namespace e2m::model;
  Music2Dance m(cfg);  // outside inference mode: its parameters keep their version counters
  m->eval();
  torch::InferenceMode guard;
  const auto audio = torch::randn({1, cfg.music.audio_window, kAudioDim});
  const auto prev = torch::randn({1, cfg.music.motion_window, kMotionDim});
  const auto genre = m->genre_onehot(cfg.music.genres.front());
  const auto adapted = m->adapter(audio, genre);
  const auto encoded = m->qa->encode(adapted);
  const auto query = m->provider(prev);
  const auto decoded = m->qa->decode(encoded, query);
  const auto codes = m->out(decoded);
  const std::vector<std::pair<std::string, std::function<void()>>> stages = {
      {"audio adapter (convs + GRU)", [&] { m->adapter(audio, genre); }},
      {"QA encode (eq. 8 + self layers)", [&] { m->qa->encode(adapted); }},
      {"motion query provider", [&] { m->provider(prev); }},
      {"QA decode (cross layers)", [&] { m->qa->decode(encoded, query); }},
      {"output adapter", [&] { m->out(decoded); }},
      {"VAE decoder", [&] { m->decoder(codes); }}};
  for (size_t i = 0; i < stages.size(); ++i)
    report.push_back({"model", "music2dance_stage_" + std::to_string(i + 1),
                      median_ms(runs, stages[i].second), "ms", stages[i].first});
}

}  // namespace

void bench_model(const BenchOptions& opt, BenchReport& report) {
  if (!opt.only.empty() && opt.only != "model") return;
  const int threads = std::max(1, opt.threads);
  torch::set_num_threads(threads);
  model::configure_cpu_runtime();
  torch::manual_seed(0);
  const int runs = opt.quick ? 3 : 20;
  const std::string ctx = std::to_string(threads) + " thread(s), random weights, paper-default sizes";
  std::fprintf(stderr, "bench model: %s, median of %d runs...\n", ctx.c_str(), runs);

  // text2motion: one forward pass for 120 frames (15 latent codes through the VAE decoder).
  using namespace e2m::model;
  auto tcfg = ModelConfig::defaults(ModelKind::Text2Motion);
  TextToMotion t2m;
  t2m.set_model(Text2Motion(tcfg), bare_meta(tcfg));  // warms up
  TextInput in;
  in.ids = torch::randint(3, tcfg.text.vocab_size, {1, 12}, torch::kLong);
  in.pad_mask = torch::zeros({1, 12}, torch::kBool);
  const double text_ms = median_ms(runs, [&] { t2m.generate_features(in, 120); });
  report.push_back({"model", "text2motion_120_frames", text_ms, "ms",
                    "target < 20 ms on 2 cores; paper 90.4 ms on RTX 3090; " + ctx});

  // music2dance: 240 frames = 30 chunks of 8, each from the previous chunk's output.
  auto mcfg = ModelConfig::defaults(ModelKind::Music2Dance);
  MusicToDance m2d;
  m2d.set_model(Music2Dance(mcfg), bare_meta(mcfg));
  std::vector<float> audio(static_cast<size_t>(mcfg.music.audio_window) * kAudioDim);
  for (size_t i = 0; i < audio.size(); ++i) audio[i] = static_cast<float>((i * 7919) % 100) / 100.0f;
  const int chunks = 240 / mcfg.music.chunk_frames;
  const double live_ms = median_ms(runs, [&] {
    m2d.reset(mcfg.music.genres.front());
    for (int c = 0; c < chunks; ++c) m2d.next_chunk(audio.data());
  });
  report.push_back({"model", "music2dance_240_frames_live", live_ms, "ms",
                    std::to_string(chunks) + " causal chunks of " + std::to_string(mcfg.music.chunk_frames) +
                        " frames, one call each; target < 20 ms; paper 38.4 ms on RTX 3090; " + ctx});
  audio::FeatureFrames feats;
  feats.frames = 240;
  feats.data.resize(240 * kAudioDim);
  for (size_t i = 0; i < feats.data.size(); ++i)
    feats.data[i] = static_cast<float>((i * 104729) % 100) / 100.0f;
  const double offline_ms = median_ms(runs, [&] { m2d.dance_features(feats, mcfg.music.genres.front()); });
  report.push_back({"model", "music2dance_240_frames_offline", offline_ms, "ms",
                    "same causal model, audio half batched over the 30 chunks; " + ctx});
  report.push_back(
      {"model", "music2dance_chunk", live_ms / chunks, "ms", "one live chunk (8 frames = 267 ms of motion)"});
  bench_music_stages(mcfg, runs, report);

  report.push_back({"model", "params_text2motion", static_cast<double>(t2m.parameter_count()), "count",
                    "own text encoder, vocab " + std::to_string(tcfg.text.vocab_size)});
  report.push_back({"model", "params_music2dance", static_cast<double>(m2d.parameter_count()), "count", ""});
  MotionVae vae(tcfg);
  report.push_back({"model", "params_vae", static_cast<double>(parameter_count(*vae)), "count",
                    "encoder + decoder; the decoder is shared by both generators"});
}

}  // namespace e2m::app

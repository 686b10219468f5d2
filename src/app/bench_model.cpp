// `e2m bench` model section: text2motion and music2dance latency at paper-default sizes, parameter counts.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>

#include "app/bench.h"
#include "app/default_models.h"
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

// Where one live chunk's time goes: each stage of the music2dance on its own, in the order
// next_chunk runs them (normalised random inputs; the stages' outputs feed the next).
void bench_music_stages(const std::string& prefix, const model::ModelConfig& cfg, int runs,
                        BenchReport& report) {
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
  std::function<void()> adapt = [&] { m->adapter(audio, genre); };
  std::function<void()> provide = [&] { m->provider(prev); };
  if (cfg.music.streaming) {  // live computes the chunk's new feature frames and reuses the rest
    const auto& mc = cfg.music;
    const auto audio_frames = m->adapter->frame_features(audio, genre);
    const auto motion_frames = m->provider->frame_features(prev);
    const auto fresh_audio = audio.narrow(1, mc.audio_window - (mc.chunk_frames + mc.audio_receptive() - 1),
                                          mc.chunk_frames + mc.audio_receptive() - 1);
    const auto fresh_motion = prev.narrow(1, mc.motion_window - (mc.chunk_frames + mc.motion_receptive() - 1),
                                          mc.chunk_frames + mc.motion_receptive() - 1);
    adapt = [&, audio_frames, fresh_audio] {
      m->adapter->frame_features(fresh_audio, genre);
      m->adapter->from_frames(audio_frames);
    };
    provide = [&, motion_frames, fresh_motion] {
      m->provider->frame_features(fresh_motion);
      m->provider->from_frames(motion_frames);
    };
  }
  const std::vector<std::pair<std::string, std::function<void()>>> stages = {
      {cfg.music.streaming ? "audio adapter (streaming: the chunk's new frames)"
                           : "audio adapter (convs + GRU)",
       adapt},
      {"QA encode (eq. 8 + self layers)", [&] { m->qa->encode(adapted); }},
      {cfg.music.streaming ? "motion query provider (streaming: the chunk's new frames)"
                           : "motion query provider",
       provide},
      {"QA decode (cross layers)", [&] { m->qa->decode(encoded, query); }},
      {"output adapter", [&] { m->out(decoded); }},
      {"VAE decoder", [&] { m->decoder(codes); }}};
  for (size_t i = 0; i < stages.size(); ++i)
    report.push_back({"model", prefix + "_stage_" + std::to_string(i + 1), median_ms(runs, stages[i].second),
                      "ms", stages[i].first});
}

// 240 frames chunk by chunk exactly as live (each chunk from the previous one's output), the same
// offline, one chunk's time, the stage breakdown and the parameter count, named <prefix>_...
void bench_music(const std::string& prefix, const std::string& what, model::MusicToDance& m2d, int runs,
                 BenchReport& report) {
  using namespace e2m::model;
  const ModelConfig& cfg = m2d.meta().config;
  const std::string ctx = std::to_string(torch::get_num_threads()) + " thread(s), " + what;
  // A feature stream as live sees it: each chunk's audio window is the last one moved on by a chunk.
  const int chunk = cfg.music.chunk_frames, chunks = 240 / chunk;
  std::vector<float> stream(static_cast<size_t>(cfg.music.audio_window + 240) * kAudioDim);
  for (size_t i = 0; i < stream.size(); ++i) stream[i] = static_cast<float>((i * 7919) % 100) / 100.0f;
  const double live_ms = median_ms(runs, [&] {
    m2d.reset(cfg.music.genres.front());
    for (int c = 0; c < chunks; ++c) m2d.next_chunk(&stream[static_cast<size_t>(c) * chunk * kAudioDim]);
  });
  const std::string shape = std::to_string(cfg.qa.latent_codes) + " codes, chunks of " +
                            std::to_string(chunk) +
                            (cfg.qa.paper_attention ? ", eq. 8 literal" : ", Perceiver eq. 8") +
                            (cfg.music.streaming ? ", streaming adapters" : "");
  report.push_back({"model", prefix + "_240_frames_live", live_ms, "ms",
                    std::to_string(chunks) + " causal chunks, one call each (" + shape +
                        "); paper 38.4 ms on RTX 3090; " + ctx});
  audio::FeatureFrames feats;
  feats.frames = 240;
  feats.data.resize(240 * kAudioDim);
  for (size_t i = 0; i < feats.data.size(); ++i)
    feats.data[i] = static_cast<float>((i * 104729) % 100) / 100.0f;
  const double offline_ms = median_ms(runs, [&] { m2d.dance_features(feats, cfg.music.genres.front()); });
  report.push_back({"model", prefix + "_240_frames_offline", offline_ms, "ms",
                    "same causal model, audio half batched over the chunks; " + ctx});
  report.push_back({"model", prefix + "_chunk", live_ms / chunks, "ms",
                    "one live chunk (" + std::to_string(chunk) + " frames = " +
                        std::to_string(std::lround(chunk * 1000.0 / cfg.fps)) + " ms of motion)"});
  bench_music_stages(prefix, cfg, runs, report);
  report.push_back({"model", "params_" + prefix, static_cast<double>(m2d.parameter_count()), "count", shape});
}

void bench_music(const std::string& prefix, const std::string& what, model::Music2Dance net,
                 const model::ModelMeta& meta, int runs, BenchReport& report) {
  model::MusicToDance m2d;
  m2d.set_model(std::move(net), meta);
  bench_music(prefix, what, m2d, runs, report);
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

  bench_music("music2dance", "paper-default sizes, random weights",
              Music2Dance(ModelConfig::defaults(ModelKind::Music2Dance)),
              bare_meta(ModelConfig::defaults(ModelKind::Music2Dance)), runs, report);
  const auto live_model = default_model(kDefaultMusicModel);
  ModelConfig streaming = ModelConfig::defaults(ModelKind::Music2Dance);
  if (std::filesystem::exists(live_model)) {
    MusicToDance shipped;
    shipped.load(live_model, threads);
    bench_music("music2dance_default", "the default model " + live_model.string(), shipped, runs, report);
    streaming = shipped.meta().config;
  } else {
    std::fprintf(stderr, "bench model: no %s, only the paper-size music2dance is measured\n",
                 live_model.string().c_str());
  }
  // The other live design beside it (models/README.md, the ablation): the same sizes with the
  // streaming adapters, which compute only each chunk's new frames.
  streaming.music.streaming = !streaming.music.streaming;
  bench_music(streaming.music.streaming ? "music2dance_streaming" : "music2dance_windowed",
              "the default model's sizes, random weights", Music2Dance(streaming), bare_meta(streaming), runs,
              report);
  report.push_back({"model", "params_text2motion", static_cast<double>(t2m.parameter_count()), "count",
                    "own text encoder, vocab " + std::to_string(tcfg.text.vocab_size)});
  MotionVae vae(tcfg);
  report.push_back({"model", "params_vae", static_cast<double>(parameter_count(*vae)), "count",
                    "encoder + decoder; the decoder is shared by both generators"});
}

}  // namespace e2m::app

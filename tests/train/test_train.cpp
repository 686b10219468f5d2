// Tests of the training loops on a tiny synthetic dataset the tests build: loss reduction, VAE
// against the mean-pose baseline, checkpoint/resume, logs and plots, run files.
// LibTorch first: glog, which it brings in, defines CHECK too, and Catch's must be the one that stands.
// clang-format off
#include "train/trainer.h"
// clang-format on

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

#include "audio/audio_file.h"
#include "audio/demo_track.h"
#include "audio/features.h"
#include "io/dataset_cache.h"
#include "model/cue_caption.h"
#include "model/inference.h"
#include "model/model_file.h"
#include "model/text_tokenizer.h"
#include "motion/error.h"
#include "motion/features.h"
#include "motion/rotation.h"
#include "test_support.h"
#include "tiny_run.h"
#include "train/data.h"
#include "train/log.h"
#include "train/progress.h"
#include "train/run_file.h"

using namespace e2m;

namespace {

constexpr double kPi = 3.14159265358979323846;

// A clip of one of four actions with per-clip variation (speed, amplitude, phase).
motion::Clip action_clip(const std::string& action, int variant, int frames = 72) {
  motion::Clip c = motion::Clip::rest(frames);
  const double speed = 1.0 + 0.15 * variant, amp = 0.8 + 0.1 * variant, phase = 0.7 * variant;
  const motion::Vec3 x{1, 0, 0}, z{0, 0, 1};
  for (int f = 0; f < frames; ++f) {
    const double t = f / 30.0, s = std::sin(2 * kPi * speed * t + phase);
    if (action == "wave") {
      c.q(f, motion::kRightShoulder) = motion::quat_from_axis_angle(z, -1.2);
      c.q(f, motion::kRightElbow) = motion::quat_from_axis_angle(z, -0.8 - 0.6 * amp * s);
    } else if (action == "walk") {
      c.root[f].z += 1.1 * speed * t;
      c.q(f, motion::kLeftHip) = motion::quat_from_axis_angle(x, 0.5 * amp * s);
      c.q(f, motion::kRightHip) = motion::quat_from_axis_angle(x, -0.5 * amp * s);
      c.q(f, motion::kLeftKnee) = motion::quat_from_axis_angle(x, 0.4 * amp * std::max(0.0, -s));
      c.q(f, motion::kRightKnee) = motion::quat_from_axis_angle(x, 0.4 * amp * std::max(0.0, s));
    } else if (action == "bow") {
      c.q(f, motion::kSpine1) =
          motion::quat_from_axis_angle(x, 0.5 * amp * (1 - std::cos(2 * kPi * 0.5 * speed * t)));
      c.q(f, motion::kNeck) =
          motion::quat_from_axis_angle(x, 0.2 * amp * (1 - std::cos(2 * kPi * 0.5 * speed * t)));
    } else {  // jump
      c.root[f].y += 0.25 * amp * std::max(0.0, s);
      c.q(f, motion::kLeftKnee) = motion::quat_from_axis_angle(x, 0.6 * amp * std::max(0.0, -s));
      c.q(f, motion::kRightKnee) = motion::quat_from_axis_angle(x, 0.6 * amp * std::max(0.0, -s));
    }
  }
  c.meta.name = action + "_" + std::to_string(variant);
  c.meta.dataset = "synthetic";
  c.meta.content = action;
  const std::map<std::string, std::vector<std::string>> captions = {
      {"wave", {"a person waves the right hand", "someone waves hello", "waving with the right arm"}},
      {"walk", {"a person walks forward", "someone walks ahead", "walking forward steadily"}},
      {"bow", {"a person bows", "someone bows politely", "bowing forward"}},
      {"jump", {"a person jumps in place", "someone jumps up", "jumping up and down"}}};
  c.meta.captions = captions.at(action);
  return c;
}

// Four actions x four variants; variant 3 of each is held out.
std::filesystem::path synthetic_cache(const std::string& name) {
  const auto dir = test::temp_dir("train-" + name);
  io::Dataset ds;
  ds.name = "synthetic";
  for (const std::string action : {"wave", "walk", "bow", "jump"}) {
    for (int v = 0; v < 4; ++v) {
      ds.clips.push_back(action_clip(action, v));
      ds.split.push_back(v == 3 ? io::Split::Validation : io::Split::Train);
    }
  }
  const auto path = dir / "synthetic.e2md";
  io::write_dataset(ds, path);
  return path;
}

train::TrainOptions tiny_options(model::ModelKind kind, const std::filesystem::path& cache,
                                 const std::string& name) {
  const auto dir = test::temp_dir("train-" + name);
  std::filesystem::remove_all(dir / "run");
  std::filesystem::remove(dir / "model.e2mm");
  train::TrainOptions o = test::tiny_run(kind, {cache}, dir / "model.e2mm", dir / "run");
  o.batch = 8;
  o.window = 32;
  o.warmup = 10;
  o.seed = 5;
  o.checkpoint_every = 100;
  o.val_every = 50;
  o.log_every = 10;
  o.val_batches = 2;
  return o;
}

// Trains a tiny VAE for vae_steps, then returns text2motion options that start from its decoder.
train::TrainOptions text2motion_options(const std::filesystem::path& cache, const std::string& name,
                                        int vae_steps, train::TrainOptions* vae_options = nullptr) {
  train::TrainOptions v = tiny_options(model::ModelKind::Vae, cache, name + "-vae");
  v.steps = vae_steps;
  train::run_training(v);
  if (vae_options) *vae_options = v;
  train::TrainOptions o = tiny_options(model::ModelKind::Text2Motion, cache, name);
  o.config.text.vocab_size = 256;
  o.config.text.max_tokens = 16;
  o.vae = v.out;
  return o;
}

}  // namespace

TEST_CASE("vae training cuts the loss and beats the mean-pose baseline on validation clips", "[train][vae]") {
  const auto cache = synthetic_cache("vae");
  train::TrainOptions o = tiny_options(model::ModelKind::Vae, cache, "vae");
  o.steps = 300;
  const train::TrainResult r = train::run_training(o);
  INFO("train loss " << r.first_loss << " -> " << r.last_loss);
  // The bound leaves margin for other CPUs and thread counts (measured figures in the report).
  CHECK(r.last_loss * 3 < r.first_loss);
  REQUIRE(r.last_val);
  CHECK(*r.last_val < *r.first_val);
  REQUIRE(std::filesystem::exists(o.out));

  const train::TrainingData data = train::TrainingData::load({cache}, {});
  const train::ReconstructionScore s = train::vae_reconstruction(o.out, data, io::Split::Validation, 16, 32);
  INFO("feature mse " << s.vae_feature_mse << " vs mean pose " << s.mean_feature_mse << "; position error "
                      << s.vae_position_m << " m vs " << s.mean_position_m << " m");
  CHECK(s.vae_feature_mse < 0.5 * s.mean_feature_mse);
  CHECK(s.vae_position_m < s.mean_position_m);

  // The model file carries the statistics and a loadable VAE.
  model::ModelMeta meta;
  model::MotionVae vae = model::load_vae(o.out, &meta);
  CHECK(meta.motion_norm.mean.size() == 269);
  CHECK(meta.extra.value("steps", 0) == 300);

  // CSV log and loss plot.
  const auto rows = train::read_log(r.log);
  REQUIRE(rows.size() == 30);
  CHECK(rows.front().step == 10);
  CHECK(rows.back().step == 300);
  CHECK(rows.back().val_loss.has_value());
  CHECK_FALSE(rows.front().val_loss.has_value());
  std::ifstream png(r.plot, std::ios::binary);
  char magic[8] = {};
  png.read(magic, 8);
  CHECK(std::string(magic + 1, 3) == "PNG");
}

// Text fully determines the target here: each clip is one 48-frame window (the tiny model's
// longest) and its captions name the action and the variant's speed, so a text2motion model can
// learn it exactly; then generated motion must be nearest to the clip its caption describes.
TEST_CASE("text2motion training with a pretrained VAE decoder learns captions and keeps the VAE statistics",
          "[train][text2motion]") {
  const auto dir = test::temp_dir("train-t2m-data");
  const std::vector<std::string> actions = {"wave", "walk", "bow", "jump"};
  const std::vector<std::string> speeds = {"slowly", "calmly", "briskly", "quickly"};
  io::Dataset ds;
  ds.name = "synthetic";
  for (const auto& action : actions) {
    for (int v = 0; v < 4; ++v) {
      motion::Clip c = action_clip(action, v, 48);
      for (auto& caption : c.meta.captions) caption += " " + speeds[static_cast<size_t>(v)];
      ds.clips.push_back(c);
      ds.split.push_back(v == 3 ? io::Split::Validation : io::Split::Train);
    }
  }
  const auto cache = dir / "synthetic.e2md";
  io::write_dataset(ds, cache);

  train::TrainOptions v;
  train::TrainOptions o = text2motion_options(cache, "t2m", 60, &v);
  o.window = 48;
  o.steps = 500;
  o.log_every = 50;  // last_loss: the mean of the last 50 steps
  o.text_dropout = 0;
  const train::TrainResult r = train::run_training(o);
  INFO("text2motion train loss " << r.first_loss << " -> " << r.last_loss);
  // Measured 1.95 -> 0.63 (3.1x in 500 steps; deterministic on CPU); 1.8x leaves margin for
  // other CPUs' rounding.
  CHECK(r.last_loss * 1.8 < r.first_loss);

  model::ModelMeta meta;
  model::Text2Motion t2m = model::load_text2motion(o.out, &meta);
  t2m->eval();
  const model::TextTokenizer tok = model::TextTokenizer::from_json(meta.text_vocab);
  CHECK(tok.vocab_size() <= 256);
  CHECK(tok.pieces("a person walks forward").size() >= 4);
  // The VAE's statistics were kept (the decoder works in the VAE's normalised space).
  model::ModelMeta vae_meta = model::read_model_meta(v.out);
  CHECK(meta.motion_norm.mean == vae_meta.motion_norm.mean);
  CHECK(meta.extra.value("pretrained_decoder", false));

  // A training caption should generate motion nearest (normalised feature MSE) to its own clip
  // among the four actions of that speed: measured 9 of 12; chance is 3, and 7 or more happens by
  // chance with probability 1.4%.
  torch::NoGradGuard no_grad;
  auto target = [&](size_t clip) {
    const auto f = motion::encode_features(ds.clips[clip]);
    return meta.motion_norm.normalize(torch::from_blob(const_cast<float*>(f.data()), {1, 48, 269}).clone());
  };
  int correct = 0, total = 0;
  for (int speed = 0; speed < 3; ++speed) {
    for (size_t a = 0; a < actions.size(); ++a) {
      const size_t clip = a * 4 + static_cast<size_t>(speed);
      const auto in = model::make_text_input({tok.encode(ds.clips[clip].meta.captions.front(), 16)}, 16);
      const torch::Tensor gen = t2m->forward(in, 48);
      size_t best = 0;
      double best_mse = 1e30;
      for (size_t b = 0; b < actions.size(); ++b) {
        const double mse = (gen - target(b * 4 + static_cast<size_t>(speed))).pow(2).mean().item<double>();
        if (mse < best_mse) best_mse = mse, best = b;
      }
      correct += best == a;
      ++total;
    }
  }
  WARN("text2motion " << r.first_loss << " -> " << r.last_loss << ", captions matched " << correct << "/"
                      << total);
  CHECK(correct >= 7);
}

namespace {

// A short run of a variant: its loss stays finite and falls by more than 1.35x (the full run below
// falls 4.5x in 300 steps).
void check_short_run(const train::TrainOptions& o, const std::string& what) {
  const train::TrainResult r = train::run_training(o);
  WARN(what << ": train loss " << r.first_loss << " -> " << r.last_loss);
  CHECK(std::isfinite(r.last_loss));
  CHECK(r.last_loss * 1.35 < r.first_loss);
}

}  // namespace

TEST_CASE("music2dance training on synthetic audio stays finite and caches its audio features",
          "[train][music2dance]") {
  const auto dir = test::temp_dir("train-m2d");
  const auto wav = dir / "demo.wav";
  audio::write_wav(wav, audio::demo_track(22050, 6.0), 22050);
  io::Dataset ds;
  ds.name = "synthetic-dance";
  for (int v = 0; v < 4; ++v) {
    motion::Clip c = action_clip(v % 2 ? "jump" : "wave", v, 150);
    c.meta.audio = wav.string();
    c.meta.audio_offset = 0.5 * v;
    c.meta.genre = v % 2 ? "house" : "waltz";
    ds.clips.push_back(c);
    ds.split.push_back(v == 3 ? io::Split::Validation : io::Split::Train);
  }
  io::write_dataset(ds, dir / "dance.e2md");
  train::TrainOptions o = tiny_options(model::ModelKind::Music2Dance, dir / "dance.e2md", "m2d");
  o.steps = 300;
  o.log_every = 50;
  const train::TrainResult r = train::run_training(o);
  // Before the replicate-padding fix this run reached NaN within 14-135 steps.
  WARN("music2dance train loss " << r.first_loss << " -> " << r.last_loss);
  CHECK(std::isfinite(r.first_loss));
  CHECK(std::isfinite(r.last_loss));
  // Measured 3.131 -> 0.689 with rollout, the seam term and FK in 10 cm units (4.5x in 300 steps,
  // deterministic on CPU); 1.35x leaves margin.
  CHECK(r.last_loss * 1.35 < r.first_loss);
  // Audio features were cached beside the dataset cache.
  CHECK(std::filesystem::exists(dir / "dance.e2md.audio"));
  model::ModelMeta meta = model::read_model_meta(o.out);
  CHECK(meta.audio_norm.mean.size() == 39);
  CHECK(meta.start_frame.size() == static_cast<size_t>(motion::kFeatureDim));

  // Rollout windows: the early history and audio are the same windows one chunk earlier.
  train::DataOptions dopt;
  dopt.need_audio = true;
  const auto data = train::TrainingData::load({dir / "dance.e2md"}, dopt);
  train::WindowSampler sampler(data, data.indices(io::Split::Train), {}, {});
  std::mt19937 rng(9);
  const auto b = sampler.music_windows(16, o.config, rng, 1);
  const int mw = o.config.music.motion_window, aw = o.config.music.audio_window,
            ch = o.config.music.chunk_frames;
  CHECK(torch::equal(b.early_prev_motion.slice(1, ch), b.prev_motion.slice(1, 0, mw - ch)));
  CHECK(torch::equal(b.early_audio.slice(1, ch), b.audio.slice(1, 0, aw - ch)));
  // Three chunks of rollout: the real history three chunks earlier, and the audio of the three steps
  // from there (audio_window + 2 chunks, ending one chunk before "now").
  model::ModelConfig wide = o.config;
  wide.music.motion_window = wide.music.audio_window = 40;
  const auto b3 = sampler.music_windows(16, wide, rng, 3);
  REQUIRE(b3.early_audio.size(1) == 40 + 2 * ch);
  CHECK(torch::equal(b3.early_prev_motion.slice(1, 3 * ch), b3.prev_motion.slice(1, 0, 40 - 3 * ch)));
  CHECK(torch::equal(b3.early_audio.slice(1, 3 * ch), b3.audio.slice(1, 0, 40 - ch)));
  CHECK_THROWS_WITH(sampler.music_windows(2, wide, rng, 6), Catch::Contains("do not fit"));

  {  // Held histories: the window's last real pose, standing still, in every row.
    constexpr int kAudioDim = audio::kAudioFeatureDim;
    train::WindowSampler held(data, data.indices(io::Split::Train), {}, {});
    held.set_hold_history(1.0);
    for (unsigned seed = 1; seed <= 6; ++seed) {
      std::mt19937 rng_real(seed), rng_held(seed);  // one window each: the same clip and "now"
      const auto real = sampler.music_windows(1, o.config, rng_real);
      const auto h = held.music_windows(1, o.config, rng_held);
      CHECK(torch::equal(h.motion, real.motion));
      CHECK(torch::equal(h.audio, real.audio));
      auto last = real.prev_motion.select(1, mw - 1).clone();  // (1, 269)
      CHECK(last.slice(1, motion::kFeatVel, motion::kFeatContact).abs().sum().item<float>() > 0);
      last.slice(1, motion::kFeatVel, motion::kFeatContact).zero_();
      last.slice(1, motion::kFeatRootVel, motion::kFeatRootVel + 2).zero_();
      last.slice(1, motion::kFeatYawVel, motion::kFeatYawVel + 1).zero_();
      CHECK(torch::equal(h.prev_motion, last.unsqueeze(1).expand({1, mw, -1})));
      // The beat flags are the beat clock's over the chunk's own frames (found by its motion and by
      // the audio frame before it, "now": the synthetic dances repeat their moves).
      const float* now_audio = real.audio.data_ptr<float>() + static_cast<size_t>(aw - 1) * kAudioDim;
      int found = 0;
      for (const auto& clip : data.clips()) {
        for (int f = 1; f + ch <= clip.frames; ++f) {
          const auto m = clip.motion.begin() + static_cast<std::ptrdiff_t>(f) * model::kMotionDim;
          const auto a = clip.audio.begin() + static_cast<std::ptrdiff_t>(f - 1) * kAudioDim;
          if (!std::equal(m, m + ch * model::kMotionDim, real.motion.data_ptr<float>()) ||
              !std::equal(a, a + kAudioDim, now_audio))
            continue;
          ++found;
          for (int k = 0; k < ch; ++k)
            CHECK(real.beats[0][k].item<float>() ==
                  clip.audio[static_cast<size_t>(f + k) * kAudioDim + audio::kFeatBeat]);
        }
      }
      CHECK(found == 1);
      // Rollout windows keep their real history: the model plays its last chunks from it.
      std::mt19937 rng_roll(seed);
      const auto r1 = held.music_windows(1, o.config, rng_roll, 1);
      CHECK(torch::equal(r1.early_prev_motion.slice(1, ch), r1.prev_motion.slice(1, 0, mw - ch)));
    }
    train::TrainOptions oh = tiny_options(model::ModelKind::Music2Dance, dir / "dance.e2md", "m2d-hold");
    oh.hold_history = 1.5;
    CHECK_THROWS_WITH(train::run_training(oh), Catch::Contains("--hold-history"));
  }

  SECTION("rolling out two chunks, the whole history") {
    train::TrainOptions orc = tiny_options(model::ModelKind::Music2Dance, dir / "dance.e2md", "m2d-rollout");
    orc.rollout = 1.0;
    orc.rollout_chunks = 2;
    orc.steps = 150;
    check_short_run(orc, "music2dance, 2 chunks of rollout on every step");
    orc.rollout_chunks = 3;  // 24 frames of a 16-frame history
    CHECK_THROWS_WITH(train::run_training(orc), Catch::Contains("--rollout-chunks"));
  }

  SECTION("held histories on half the windows, with the beat term") {
    train::TrainOptions ob = tiny_options(model::ModelKind::Music2Dance, dir / "dance.e2md", "m2d-beat");
    ob.hold_history = 0.5;
    ob.config.loss.beat = 8;
    ob.steps = 150;
    check_short_run(ob, "music2dance, held histories and the beat term");
    CHECK(model::read_model_meta(ob.out).config.loss.beat == 8);
  }

  SECTION("with the streaming adapters, saved and loaded as streaming") {
    train::TrainOptions os = tiny_options(model::ModelKind::Music2Dance, dir / "dance.e2md", "m2d-stream");
    os.config.music.streaming = true;
    os.steps = 150;
    check_short_run(os, "music2dance with streaming adapters");
    model::MusicToDance m2d;
    m2d.load(os.out, 1);
    REQUIRE(m2d.meta().config.music.streaming);
    std::vector<float> feats(static_cast<size_t>(m2d.audio_window()) * model::kAudioDim, 0.1f);
    m2d.reset("waltz");
    const auto out = m2d.next_chunk(feats.data());
    CHECK(std::all_of(out.begin(), out.end(), [](float v) { return std::isfinite(v); }));
    CHECK(m2d.audio_frames_computed() > 0);
  }

  SECTION("with the played frames' codes as decoding context") {
    train::TrainOptions oc = tiny_options(model::ModelKind::Music2Dance, dir / "dance.e2md", "m2d-context");
    oc.config.music.context_codes = 2;
    oc.steps = 150;
    check_short_run(oc, "music2dance with context codes");
    model::MusicToDance m2d;
    m2d.load(oc.out, 1);
    CHECK(m2d.meta().config.music.context_codes == 2);
    std::vector<float> feats(static_cast<size_t>(m2d.audio_window()) * model::kAudioDim, 0.1f);
    const auto out = m2d.next_chunk(feats.data());
    CHECK(out.size() == static_cast<size_t>(m2d.chunk_frames()) * model::kMotionDim);
    CHECK(std::all_of(out.begin(), out.end(), [](float v) { return std::isfinite(v); }));
  }
}

TEST_CASE("training resumed from a checkpoint continues with the same losses", "[train][resume]") {
  const auto cache = synthetic_cache("resume");
  train::TrainOptions full = tiny_options(model::ModelKind::Vae, cache, "resume-full");
  full.steps = 40;
  full.checkpoint_every = 20;
  full.val_every = 20;
  train::run_training(full);

  train::TrainOptions part = tiny_options(model::ModelKind::Vae, cache, "resume-part");
  part.steps = 40;
  part.checkpoint_every = 20;
  part.val_every = 20;
  part.stop_at = 20;
  const train::TrainResult first = train::run_training(part);
  CHECK(first.end_step == 20);
  CHECK_FALSE(std::filesystem::exists(part.out));  // interrupted runs write no final model
  part.stop_at = 0;
  part.resume = true;
  const train::TrainResult second = train::run_training(part);
  CHECK(second.start_step == 20);
  CHECK(second.end_step == 40);
  CHECK(std::filesystem::exists(part.out));

  const auto a = train::read_log(full.run_dir / "log.csv");
  const auto b = train::read_log(part.run_dir / "log.csv");
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].step == b[i].step);
    CHECK(b[i].train_loss == Approx(a[i].train_loss).epsilon(1e-4));
    CHECK(a[i].val_loss.has_value() == b[i].val_loss.has_value());
    if (a[i].val_loss && b[i].val_loss) CHECK(*b[i].val_loss == Approx(*a[i].val_loss).epsilon(1e-4));
  }
}

TEST_CASE("fine-tuning starts from a model file's weights with the run's loss weights", "[train][init]") {
  const auto cache = synthetic_cache("init");
  train::TrainOptions base = tiny_options(model::ModelKind::Vae, cache, "init-base");
  base.steps = 60;
  const train::TrainResult trained = train::run_training(base);

  train::TrainOptions fresh = tiny_options(model::ModelKind::Vae, cache, "init-fresh");
  fresh.steps = 1;
  const train::TrainResult untrained = train::run_training(fresh);

  train::TrainOptions ft = tiny_options(model::ModelKind::Vae, cache, "init-ft");
  ft.steps = 1;
  ft.init = base.out;
  ft.config.loss.kl = 0;
  const train::TrainResult tuned = train::run_training(ft);
  WARN("first loss: fresh " << untrained.first_loss << ", fine-tuned " << tuned.first_loss
                            << " (base ended at " << trained.last_loss << ")");
  // The trained weights carry over: the first step starts where the base run ended, not afresh.
  CHECK(tuned.start_step == 0);
  CHECK(tuned.first_loss < 0.5 * untrained.first_loss);
  const model::ModelMeta from = model::read_model_meta(base.out), to = model::read_model_meta(ft.out);
  CHECK(to.config.loss.kl == 0);
  CHECK(from.config.loss.kl > 0);
  CHECK(to.motion_norm.mean == from.motion_norm.mean);
  CHECK(to.extra.value("init", "") == base.out.filename().string());

  train::TrainOptions other = ft;
  other.config.vae.hidden *= 2;
  CHECK_THROWS_WITH(train::run_training(other), Catch::Contains("other model sizes"));
  train::TrainOptions kind = tiny_options(model::ModelKind::Text2Motion, cache, "init-kind");
  kind.init = base.out;
  CHECK_THROWS_WITH(train::run_training(kind), Catch::Contains("is a vae model"));
}

TEST_CASE("training reports missing data and bad options clearly", "[train]") {
  train::TrainOptions o;
  o.out = test::temp_dir("train-bad") / "m.e2mm";
  CHECK_THROWS_AS(train::run_training(o), Error);  // no dataset
  o.datasets = {test::temp_dir("train-bad") / "absent.e2md"};
  CHECK_THROWS_AS(train::run_training(o), Error);
  o.datasets = {synthetic_cache("bad")};
  o.window = 30;
  CHECK_THROWS_AS(train::run_training(o), Error);  // not a multiple of 8
  o.window = 32;
  o.device = "tpu";
  CHECK_THROWS_AS(train::run_training(o), Error);
  // The latent term needs the pretrained VAE's encoder.
  train::TrainOptions t = tiny_options(model::ModelKind::Text2Motion, synthetic_cache("bad"), "bad-latent");
  t.config.loss.latent = 1.0;
  t.steps = 2;
  CHECK_THROWS_WITH(train::run_training(t), Catch::Contains("--vae"));
}

TEST_CASE("the latent term trains a generator against the pretrained VAE encoder", "[train][latent]") {
  const auto cache = synthetic_cache("latent");
  train::TrainOptions o = text2motion_options(cache, "latent", 20);
  // The latent term first rises while the decoder adapts to the text path, then falls (measured):
  // 300 steps, not 100, to see the fall.
  o.steps = 300;
  train::TrainOptions plain = o;
  plain.out = test::temp_dir("train-latent-plain") / "model.e2mm";
  plain.run_dir = test::temp_dir("train-latent-plain") / "run";
  o.config.loss.latent = 1.0;
  const train::TrainResult with = train::run_training(o);
  const train::TrainResult without = train::run_training(plain);
  // Same seed and batches: the first loss differs by exactly the latent term, which is positive.
  CHECK(with.first_loss > without.first_loss);
  CHECK(std::isfinite(with.last_loss));
  CHECK(with.last_loss < with.first_loss);
  CHECK(without.last_loss < without.first_loss);
}

TEST_CASE("run files set the kind, sizes and training options", "[train][run_file]") {
  train::TrainOptions o;
  train::apply_run_json(nlohmann::json::parse(R"({
      "kind": "text2motion", "preset": "tiny", "model": {"qa": {"dim": 24}},
      "data": ["a.e2md", "b.e2md"], "vae": "vae.e2mm", "init": "from.e2mm", "out": "t.e2mm",
      "train": {"steps": 123, "batch": 4, "lr": 0.001, "seed": 9, "rollout_chunks": 3,
                "hold_history": 0.25}})"),
                        o, "test");
  CHECK(o.kind == model::ModelKind::Text2Motion);
  CHECK(o.config.qa.dim == 24);
  CHECK(o.config.qa.latent_codes == model::ModelConfig::tiny(model::ModelKind::Text2Motion).qa.latent_codes);
  CHECK(o.datasets.size() == 2);
  CHECK(o.steps == 123);
  CHECK(o.batch == 4);
  CHECK(o.seed == 9);
  CHECK(o.vae == "vae.e2mm");
  CHECK(o.init == "from.e2mm");
  CHECK(o.rollout_chunks == 3);
  CHECK(o.hold_history == 0.25);
  CHECK_THROWS_AS(train::apply_run_json(nlohmann::json::parse(R"({"train": {"stpes": 3}})"), o, "test"),
                  Error);
  CHECK_THROWS_AS(train::apply_run_json(nlohmann::json::parse(R"({"train": {"steps": "many"}})"), o, "test"),
                  Error);
  CHECK_THROWS_AS(train::apply_run_json(nlohmann::json::parse(R"({"kind": "poetry"})"), o, "test"), Error);
}

TEST_CASE("every run file in training/ reads", "[train][run_file]") {
  const auto dir = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "training";
  int files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    INFO(e.path().string());
    train::TrainOptions o;
    CHECK_NOTHROW(train::apply_run_file(e.path(), o));
    CHECK_FALSE(o.datasets.empty());
    CHECK_FALSE(o.out.empty());
    CHECK((!o.init.empty() || !o.vae.empty() || o.kind == model::ModelKind::Vae));
    ++files;
  }
  CHECK(files >= 5);
}

TEST_CASE("progress bar shows done/total, loss, rate and ETA", "[train][progress]") {
  const std::string line = train::ProgressBar::render(50, 200, 10.0, 0, "loss 0.5", 10);
  CHECK(line.find("50/200") != std::string::npos);
  CHECK(line.find("loss 0.5") != std::string::npos);
  CHECK(line.find("5.00 it/s") != std::string::npos);
  CHECK(line.find("ETA 00:30") != std::string::npos);
  CHECK(line.rfind("[###.......]", 0) == 0);
  CHECK(train::ProgressBar::format_duration(3725) == "1:02:05");
}

TEST_CASE("csv log keeps earlier rows on resume and the plot handles log scales", "[train][log]") {
  const auto dir = test::temp_dir("train-log");
  {
    train::CsvLog log(dir / "log.csv", false, 0);
    for (int s = 1; s <= 5; ++s)
      log.write({s * 10, 10.0 / s, s == 5 ? std::optional<double>(3.0) : std::nullopt, 1e-3, s * 1.0});
  }
  {
    train::CsvLog log(dir / "log.csv", true, 30);
    log.write({40, 0.01, 0.02, 1e-3, 4.0});
  }
  const auto rows = train::read_log(dir / "log.csv");
  REQUIRE(rows.size() == 4);
  CHECK(rows[2].step == 30);
  CHECK(rows[3].train_loss == Approx(0.01));
  CHECK(*rows[3].val_loss == Approx(0.02));
  train::write_loss_plot(rows, dir / "loss.png", 320, 200);
  CHECK(std::filesystem::file_size(dir / "loss.png") > 100);
  std::ofstream(dir / "bad.csv") << "step,train_loss,val_loss,lr,seconds\n1,x,,0,0\n";
  CHECK_THROWS_AS(train::read_log(dir / "bad.csv"), Error);
}

namespace {

// A standing clip whose pelvis height marks where a window came from (features are not normalised).
motion::Clip marked_clip(const std::string& content, int frames, double height, double rise_per_frame = 0) {
  motion::Clip c = motion::Clip::rest(frames);
  for (int f = 0; f < frames; ++f) c.root[f].y = height + rise_per_frame * f;
  c.meta.name = content + "_" + std::to_string(frames) + "_" + std::to_string(height);
  c.meta.content = content;
  c.meta.style = "normal";
  c.meta.captions = {"a person does " + content};
  return c;
}

train::TrainingData marked_data(const std::vector<motion::Clip>& clips) {
  io::Dataset ds;
  ds.name = "marked";
  ds.clips = clips;
  ds.split.assign(clips.size(), io::Split::Train);
  return train::TrainingData::from_datasets({ds}, {});
}

}  // namespace

TEST_CASE("windows are drawn equally often per content and style, not per frame", "[train][data]") {
  // One long walk (1800 frames) against two short bows (100 frames each): by length the walk would
  // get 90% of the windows.
  const auto data = marked_data(
      {marked_clip("walk", 1800, 1.0), marked_clip("bow", 100, 0.7), marked_clip("bow", 100, 0.7)});
  train::WindowSampler sampler(data, data.indices(io::Split::Train), {});
  std::mt19937 rng(3);
  const auto b = sampler.motion_windows(2000, 16, rng);
  const double walk =
      (b.motion.select(2, motion::kFeatRootY).select(1, 0) > 0.85).to(torch::kFloat).mean().item<double>();
  CHECK(walk == Approx(0.5).margin(0.05));
}

TEST_CASE("text windows start at the clip's first frame, as generation does", "[train][data]") {
  const auto data = marked_data({marked_clip("wave", 300, 0.9, 0.001)});
  train::WindowSampler sampler(data, data.indices(io::Split::Train), {});
  std::mt19937 rng(4);
  const auto from_start = sampler.motion_windows(64, 40, rng, true);
  CHECK(from_start.motion.select(2, motion::kFeatRootY).select(1, 0).min().item<float>() == Approx(0.9f));
  const auto anywhere = sampler.motion_windows(64, 40, rng);
  CHECK(anywhere.motion.select(2, motion::kFeatRootY).select(1, 0).max().item<float>() > 0.95f);
}

TEST_CASE("cue forms turn a caption into what a performer types", "[train][data][cues]") {
  const auto forms = model::cue_forms("A person waves the right hand energetically.", "wave-right-hand");
  const std::vector<std::string> want = {"wave", "wave your right hand", "wave your right hand energetically",
                                         "wave right hand"};
  CHECK(forms == want);
  const auto bye = model::cue_forms("a person waves goodbye with one hand like an old person", "bye");
  CHECK(std::find(bye.begin(), bye.end(), "wave goodbye with one hand") != bye.end());
  CHECK(std::find(bye.begin(), bye.end(), "bye") != bye.end());
  const auto turn = model::cue_forms("a person walks and turn left in a masculine way", "walk-turn-left");
  CHECK(std::find(turn.begin(), turn.end(), "walk and turn left") != turn.end());
  CHECK(model::cue_forms("someone dashes forward", "")[0] == "dash");
  CHECK(model::cue_forms("a person carries a box", "")[0] == "carry");
  CHECK(model::cue_forms("", "").empty());
}

TEST_CASE("text windows take cue forms at the cue rate and sentences otherwise", "[train][data][cues]") {
  const auto data = marked_data({marked_clip("wave", 100, 0.9)});
  REQUIRE(data.clips()[0].cues == std::vector<std::string>{"do", "do wave", "wave"});
  train::WindowSampler sampler(data, data.indices(io::Split::Train), {});
  auto sentences = [](const train::Batch& b) {
    return std::count(b.captions.begin(), b.captions.end(), "a person does wave");
  };
  std::mt19937 rng(5);
  CHECK(sentences(sampler.motion_windows(200, 8, rng)) == 200);
  sampler.set_cue_rate(0.5);
  const auto half = sampler.motion_windows(2000, 8, rng);
  CHECK(sentences(half) == Approx(1000).margin(100));
  CHECK(std::count(half.captions.begin(), half.captions.end(), "wave") > 200);
  sampler.set_cue_rate(1.0);
  CHECK(sentences(sampler.motion_windows(200, 8, rng)) == 0);
  sampler.set_cue_rate(0);
  CHECK(sentences(sampler.motion_windows(200, 8, rng)) == 200);
}

TEST_CASE("the music start frame is a real first pose standing still", "[train][data]") {
  motion::Clip c = marked_clip("cha-cha", 60, 0.9);
  for (int f = 0; f < 60; ++f) c.root[f].z = 0.05 * f;  // moving from the first frame on
  const auto data = marked_data({c});
  const auto row = data.start_frame();
  const auto first = motion::encode_features(c);
  CHECK(row[motion::kFeatRootY] == Approx(first[motion::kFeatRootY]));
  CHECK(std::equal(row.begin() + motion::kFeatRot, row.begin() + motion::kFeatVel,
                   first.begin() + motion::kFeatRot));
  CHECK(row[motion::kFeatRootVel + 1] == 0.0f);
  for (int d = motion::kFeatVel; d < motion::kFeatContact; ++d) CHECK(row[d] == 0.0f);
}

// Shapes of every module, causality of the music path, losses and config JSON.
// LibTorch first: glog, which it brings in, defines CHECK too, and Catch's must be the one that stands.
// clang-format off
#include <torch/torch.h>
#include <catch2/catch.hpp>
// clang-format on

#include "model/config.h"
#include "model/inference.h"
#include "model/losses.h"
#include "model/modules.h"
#include "motion/error.h"
#include "motion/features.h"
#include "motion/fk.h"
#include "motion/rotation.h"

using namespace e2m;
using namespace e2m::model;

namespace {

TextInput random_ids(const ModelConfig& c, int batch, int length) {
  TextInput in;
  in.ids = torch::randint(3, c.text.vocab_size, {batch, length}, torch::kLong);
  in.pad_mask = torch::zeros({batch, length}, torch::kBool);
  return in;
}

}  // namespace

TEST_CASE("text2motion modules produce the documented shapes", "[model]") {
  torch::manual_seed(1);
  auto c = ModelConfig::tiny(ModelKind::Text2Motion);
  Text2Motion m(c);
  m->eval();
  auto in = random_ids(c, 2, 5);
  auto adapted = m->adapter(in);
  CHECK(adapted.sizes().vec() == std::vector<int64_t>{2, c.qa.latent_codes, c.qa.dim});
  auto lat = m->qa->encode(adapted);
  CHECK(lat.sizes().vec() == std::vector<int64_t>{2, c.qa.latent_codes, c.qa.dim});
  CHECK(m->latent(in, 20).sizes().vec() == std::vector<int64_t>{2, 3, c.vae.latent});
  CHECK(m->forward(in, 20).sizes().vec() == std::vector<int64_t>{2, 20, kMotionDim});
  CHECK(m->forward(in, c.text.max_frames).sizes().vec() ==
        std::vector<int64_t>{2, c.text.max_frames, kMotionDim});
  CHECK_THROWS_AS(m->forward(in, c.text.max_frames + 1), Error);
  CHECK_THROWS_AS(m->forward(random_ids(c, 1, c.text.max_tokens + 1), 8), Error);
}

TEST_CASE("text adapter takes CLIP token features and the Perceiver-style attention variant", "[model]") {
  auto c = ModelConfig::tiny(ModelKind::Text2Motion);
  c.text.encoder = "clip";
  c.qa.paper_attention = false;
  Text2Motion m(c);
  m->eval();
  TextInput in;
  in.features = torch::randn({3, 7, c.text.clip_dim});
  in.pad_mask = torch::zeros({3, 7}, torch::kBool);
  in.pad_mask.index_put_({0, torch::indexing::Slice(4, 7)}, true);
  CHECK(m->forward(in, 16).sizes().vec() == std::vector<int64_t>{3, 16, kMotionDim});
  CHECK_THROWS_AS(m->forward(random_ids(c, 1, 4), 8), Error);  // ids given to a CLIP model
}

TEST_CASE("inference reuses eq. 8's attention weights and follows parameter changes", "[model]") {
  torch::manual_seed(4);
  auto c = ModelConfig::tiny(ModelKind::Music2Dance);
  c.qa.latent_codes = 12;
  c.qa.heads = 4;
  c.qa.dropout = 0.0;  // train mode then computes the same function through torch's attention
  QueryAwareAutoencoder qa(c.qa);
  auto adapted = torch::randn({3, c.qa.latent_codes, c.qa.dim});
  torch::NoGradGuard no_grad;
  auto reference = [&] {
    qa->train();
    auto r = qa->encode(adapted);
    qa->eval();
    return r;
  };
  qa->eval();
  const auto first = qa->encode(adapted);  // fills the cache
  CHECK(torch::allclose(first, reference(), 1e-5, 1e-5));
  CHECK(torch::equal(qa->encode(adapted), first));  // from the cache
  // One batch row gives that row's result.
  CHECK(torch::allclose(qa->encode(adapted.slice(0, 1, 2)), first.slice(0, 1, 2), 1e-5, 1e-5));
  // An in-place change of the latent query (an optimiser step, loading weights) is seen.
  qa->named_parameters()["latent_query"].add_(0.5);
  const auto changed = qa->encode(adapted);
  CHECK_FALSE(torch::allclose(changed, first, 1e-3, 1e-3));
  CHECK(torch::allclose(changed, reference(), 1e-5, 1e-5));
  qa->named_parameters()["in_attn.in_proj_weight"].mul_(1.5);
  CHECK(torch::allclose(qa->encode(adapted), reference(), 1e-5, 1e-5));
}

TEST_CASE("padding tokens do not change the text adapter's output", "[model]") {
  auto c = ModelConfig::tiny(ModelKind::Text2Motion);
  Text2Motion m(c);
  m->eval();
  auto in = random_ids(c, 1, 4);
  TextInput padded;
  padded.ids = torch::cat({in.ids, torch::zeros({1, 3}, torch::kLong)}, 1);
  padded.pad_mask = padded.ids.eq(0);
  torch::NoGradGuard ng;
  CHECK(torch::allclose(m->adapter(in), m->adapter(padded), 1e-5, 1e-6));
}

TEST_CASE("music2dance modules produce the documented shapes", "[model]") {
  auto c = ModelConfig::tiny(ModelKind::Music2Dance);
  Music2Dance m(c);
  m->eval();
  auto audio = torch::randn({3, c.music.audio_window, kAudioDim});
  auto genre = torch::zeros({3, c.genre_count()});
  genre.index_put_({torch::indexing::Slice(), 2}, 1.0);
  auto prev = torch::randn({3, c.music.motion_window, kMotionDim});
  CHECK(m->adapter(audio, genre).sizes().vec() == std::vector<int64_t>{3, c.qa.latent_codes, c.qa.dim});
  CHECK(m->encode_audio(audio, genre).sizes().vec() == std::vector<int64_t>{3, c.qa.latent_codes, c.qa.dim});
  CHECK(m->provider(prev).sizes().vec() == std::vector<int64_t>{3, 1, c.qa.dim});
  CHECK(m->latent(audio, genre, prev).sizes().vec() == std::vector<int64_t>{3, 1, c.vae.latent});
  CHECK(m->forward(audio, genre, prev).sizes().vec() == std::vector<int64_t>{3, 8, kMotionDim});
  CHECK(m->genre_onehot("waltz").sum().item<float>() == 1.0f);
  CHECK_THROWS_WITH(m->genre_onehot("polka"), Catch::Contains("unknown genre 'polka'"));
  CHECK_THROWS_AS(m->forward(torch::randn({1, c.music.audio_window + 1, kAudioDim}), genre.slice(0, 0, 1),
                             prev.slice(0, 0, 1)),
                  Error);

  c.music.bidirectional = true;
  c.music.chunk_frames = 16;
  Music2Dance bi(c);
  CHECK(bi->forward(audio, genre, prev).sizes().vec() == std::vector<int64_t>{3, 16, kMotionDim});
}

TEST_CASE("music2dance decodes its chunk with the played frames' codes as left context", "[model]") {
  torch::manual_seed(7);  // fixed weights and inputs: the checks below compare outputs
  auto c = ModelConfig::tiny(ModelKind::Music2Dance);
  c.music.context_codes = 2;  // 16 played frames: the whole tiny motion window
  Music2Dance m(c);
  m->eval();
  torch::NoGradGuard ng;
  auto audio = torch::randn({2, c.music.audio_window, kAudioDim});
  auto genre = torch::zeros({2, c.genre_count()});
  genre.index_put_({torch::indexing::Slice(), 0}, 1.0);
  auto prev = torch::randn({2, c.music.motion_window, kMotionDim});
  CHECK(m->provider(prev).sizes().vec() == std::vector<int64_t>{2, 3, c.qa.dim});
  const auto z = m->latent(audio, genre, prev);
  REQUIRE(z.sizes().vec() == std::vector<int64_t>{2, 3, c.vae.latent});
  const auto chunk = m->forward(audio, genre, prev);
  REQUIRE(chunk.sizes().vec() == std::vector<int64_t>{2, 8, kMotionDim});
  // The chunk is the last 8 frames of the three codes decoded as one window ...
  CHECK(torch::allclose(chunk, m->decoder(z).slice(1, 16), 1e-5, 1e-6));
  // ... so the context codes shape it: other codes before the same chunk code give other frames,
  // and so does the chunk code decoded alone (an untrained network's codes are all alike, so
  // distinct random codes are used here).
  const auto codes = torch::randn({2, 3, c.vae.latent});
  auto other = codes.clone();
  other.slice(1, 0, 2).normal_();
  CHECK_FALSE(torch::allclose(m->decode_motion(codes), m->decode_motion(other), 1e-3, 1e-3));
  CHECK_FALSE(torch::allclose(m->decode_motion(codes), m->decoder(codes.slice(1, 2)), 1e-3, 1e-3));

  c.music.context_codes = 3;  // 24 frames of context from a 16-frame window
  CHECK_THROWS_WITH(c.validate(), Catch::Contains("music.context_codes"));
  c.music.context_codes = 2;
  CHECK(config_from_json(config_to_json(c)).music.context_codes == 2);
  auto old_file = config_to_json(c);
  old_file["music"].erase("context_codes");
  CHECK(config_from_json(old_file).music.context_codes == 0);  // files from before decode alone
}

TEST_CASE("motion VAE downsamples time by 8 and decodes back", "[model]") {
  auto c = ModelConfig::tiny(ModelKind::Vae);
  MotionVae vae(c);
  auto x = torch::randn({2, 32, kMotionDim});
  vae->train();
  auto out = vae->forward(x);
  CHECK(out.recon.sizes().vec() == std::vector<int64_t>{2, 32, kMotionDim});
  CHECK(out.mu.sizes().vec() == std::vector<int64_t>{2, 4, c.vae.latent});
  CHECK(out.logvar.sizes().vec() == std::vector<int64_t>{2, 4, c.vae.latent});
  CHECK(vae->decoder(torch::randn({1, 1, c.vae.latent})).sizes().vec() ==
        std::vector<int64_t>{1, 8, kMotionDim});
  CHECK_THROWS_AS(vae->forward(torch::randn({1, 30, kMotionDim})), Error);
  // Eval mode uses the mean: deterministic.
  vae->eval();
  CHECK(torch::equal(vae->forward(x).recon, vae->forward(x).recon));
}

TEST_CASE("copy_decoder moves pretrained VAE decoder weights into a generator", "[model]") {
  auto c = ModelConfig::tiny(ModelKind::Text2Motion);
  MotionVae vae(c);
  Text2Motion t2m(c);
  auto z = torch::randn({1, 2, c.vae.latent});
  torch::NoGradGuard ng;
  CHECK_FALSE(torch::equal(vae->decoder(z), t2m->decoder(z)));
  copy_decoder(vae->decoder, t2m->decoder);
  CHECK(torch::equal(vae->decoder(z), t2m->decoder(z)));
  auto other = c;
  other.vae.hidden = 24;
  MotionVae wrong(other);
  CHECK_THROWS_AS(copy_decoder(wrong->decoder, t2m->decoder), Error);
}

TEST_CASE("causal residual conv: output at t ignores inputs after t", "[model]") {
  ResConv1d causal(4, 3, TimePad::causal), centred(4, 3, TimePad::centred);
  auto x = torch::randn({1, 4, 12});
  auto y = x.clone();
  y.index_put_({torch::indexing::Slice(), torch::indexing::Slice(), torch::indexing::Slice(7, 12)},
               torch::randn({1, 4, 5}));
  torch::NoGradGuard ng;
  auto past = torch::indexing::Slice(0, 7);
  auto a = causal(x), b = causal(y);
  CHECK(torch::equal(a.index({0, torch::indexing::Slice(), past}),
                     b.index({0, torch::indexing::Slice(), past})));
  // The centred (VAE) block does look ahead, so the check above can tell the two apart.
  CHECK_FALSE(torch::equal(centred(x).index({0, torch::indexing::Slice(), past}),
                           centred(y).index({0, torch::indexing::Slice(), past})));
}

TEST_CASE("music2dance is causal: changing future audio leaves earlier chunks bit-identical", "[model]") {
  torch::manual_seed(3);
  auto c = ModelConfig::tiny(ModelKind::Music2Dance);
  MusicToDance dance;
  dance.set_model(Music2Dance(c), bare_meta(c));
  audio::FeatureFrames feats;
  feats.frames = 64;
  feats.data.resize(64 * kAudioDim);
  for (auto& v : feats.data) v = static_cast<float>(std::rand() % 1000) / 500.0f - 1.0f;
  auto changed = feats;
  const int cut = 40;  // chunk 5 makes frames 40..47 from audio up to frame 39
  for (int f = cut; f < 64; ++f)
    for (int d = 0; d < kAudioDim; ++d) changed.data[f * kAudioDim + d] += 3.0f;
  auto a = dance.dance_features(feats, "waltz");
  auto b = dance.dance_features(changed, "waltz");
  REQUIRE(a.size() == b.size());
  const size_t past = static_cast<size_t>(cut) * kMotionDim;
  CHECK(std::equal(a.begin(), a.begin() + past, b.begin()));
  CHECK_FALSE(std::equal(a.begin() + past, a.end(), b.begin() + past));  // the future did change

  // Live path: the chunk is a function of the audio window ending at "now" and the history only;
  // the offline path computes the same numbers.
  dance.reset("waltz");
  std::vector<float> window(c.music.audio_window * kAudioDim, 0.0f);
  auto first = dance.next_chunk(window.data());
  for (size_t i = 0; i < first.size(); ++i) REQUIRE(std::abs(first[i] - a[i]) < 1e-4f);
}

TEST_CASE("velocity-aware loss follows eq. 16-18", "[model][loss]") {
  auto t = torch::randn({2, 6, 5});
  CHECK(velocity_aware_loss(t, t, 0.5).item<float>() == 0.0f);
  // A constant offset has no velocity error: only the position term remains.
  CHECK(velocity_aware_loss(t + 1.0, t, 0.7).item<float>() == Approx(1.0).epsilon(1e-5));
  // One frame off by 1 in one dimension: |d|^2 = 1 summed; velocity differences +1 and -1 each
  // counted by eq. 16 and eq. 17: 2 * alpha * 2.
  auto g = t.clone();
  g.index_put_({0, 3, 2}, g.index({0, 3, 2}) + 1.0);
  const double alpha = 0.25;
  CHECK(velocity_aware_loss(g, t, alpha).item<float>() ==
        Approx((1.0 + 2 * alpha * 2) / t.numel()).epsilon(1e-4));
}

TEST_CASE("VAE loss: zero KL for the prior, reconstruction is the MSE", "[model][loss]") {
  VaeOutput out{torch::ones({1, 8, 3}), torch::zeros({1, 1, 4}), torch::zeros({1, 1, 4})};
  auto p = vae_loss(out, torch::zeros({1, 8, 3}), 0.1);
  CHECK(p.kl.item<float>() == Approx(0.0).margin(1e-7));
  CHECK(p.recon.item<float>() == Approx(1.0));
  out.mu = torch::ones({1, 1, 4});
  CHECK(vae_loss(out, torch::zeros({1, 8, 3}), 0.1).kl.item<float>() == Approx(0.5));
}

TEST_CASE("torch FK matches the motion library's FK on encoded features", "[model][loss]") {
  motion::Clip clip = motion::Clip::rest(5);
  for (int f = 0; f < 5; ++f) {
    clip.root[f] = {0.1 * f, 0.9 + 0.01 * f, -0.2 * f};
    for (int j = 0; j < motion::kNumJoints; ++j)
      clip.q(f, j) = motion::quat_from_axis_angle(motion::normalized(motion::Vec3{0.3 + j, 1.0, 0.5 * f - 1}),
                                                  0.1 * j + 0.05 * f);
  }
  auto feats = motion::encode_features(clip);
  auto raw = torch::from_blob(feats.data(), {1, 5, kMotionDim}, torch::kFloat).clone();
  auto pos = fk_positions(raw);
  REQUIRE(pos.sizes().vec() == std::vector<int64_t>{1, 5, 22, 3});
  // Position features are joints relative to the pelvis in the heading frame.
  for (int f = 0; f < 5; ++f)
    for (int j = 1; j < motion::kNumJoints; ++j)
      for (int k = 0; k < 3; ++k) {
        double expected =
            feats[f * kMotionDim + motion::kFeatPos + (j - 1) * 3 + k] + (k == 1 ? clip.root[f].y : 0.0);
        REQUIRE(pos.index({0, f, j, k}).item<float>() == Approx(expected).margin(1e-4));
      }
  CHECK(fk_position_loss(raw, raw).item<float>() == 0.0f);
}

TEST_CASE("the FK loss counts a 10 cm joint error like a one-std feature error", "[model][loss]") {
  auto target =
      torch::from_blob(motion::encode_features(motion::Clip::rest(4)).data(), {1, 4, kMotionDim}).clone();
  auto pred = target.clone();
  pred.select(-1, motion::kFeatRootY).add_(0.05);  // every joint 5 cm higher
  CHECK(fk_position_loss(pred, target).item<float>() == Approx(0.25).epsilon(1e-4));
}

namespace {

// A clip whose pelvis turns and travels: world joint positions need the heading and root integration.
motion::Clip turning_walk(int frames) {
  motion::Clip c = motion::Clip::rest(frames);
  for (int f = 0; f < frames; ++f) {
    c.root[f] = {0.02 * f, 0.93 + 0.01 * std::sin(0.3 * f), 0.03 * f};
    c.q(f, 0) = motion::quat_yaw(0.05 * f);
    c.q(f, motion::kLeftHip) = motion::quat_from_axis_angle({1, 0, 0}, 0.4 * std::sin(0.2 * f));
  }
  return c;
}

}  // namespace

TEST_CASE("world joint positions follow the decoded root path and heading", "[model][loss]") {
  motion::Clip clip = turning_walk(20);
  auto feats = motion::encode_features(clip);
  auto raw = torch::from_blob(feats.data(), {1, 20, kMotionDim}).clone();
  auto world = world_joint_positions(raw, 30);
  const auto decoded = motion::fk_all(motion::decode_features(feats.data(), 20));
  for (int f = 0; f < 20; ++f)
    for (int j : {0, int(motion::kLeftFoot), int(motion::kRightWrist)}) {
      CHECK(world.index({0, f, j, 0}).item<float>() == Approx(decoded[f][j].x).margin(1e-4));
      CHECK(world.index({0, f, j, 1}).item<float>() == Approx(decoded[f][j].y).margin(1e-4));
      CHECK(world.index({0, f, j, 2}).item<float>() == Approx(decoded[f][j].z).margin(1e-4));
    }
}

TEST_CASE("foot contact loss acts on the channels decoding reads, where the target has contact",
          "[model][loss]") {
  // Feet planted in the target; the prediction glides the whole body at 1.5 m/s.
  motion::Clip planted = motion::Clip::rest(6);
  auto tf = motion::encode_features(planted);
  auto target = torch::from_blob(tf.data(), {1, 6, kMotionDim}).clone();
  target.slice(-1, motion::kFeatContact, motion::kFeatContact + 4).fill_(1.0);
  auto gliding = target.clone();
  gliding.select(-1, motion::kFeatRootVel + 1).slice(1, 1).fill_(1.5);
  // The joint-velocity channels, which decoding never reads, say the feet are still: the loss must see the
  // glide.
  CHECK(foot_contact_loss(gliding, target).item<float>() == Approx(4.0).epsilon(1e-4));  // (1.5 / 0.75)^2
  // The reverse: velocity channels claim motion but the decoded feet stand still.
  auto noisy = target.clone();
  noisy.slice(-1, motion::kFeatVel, motion::kFeatContact).fill_(2.0);
  CHECK(foot_contact_loss(noisy, target).item<float>() == Approx(0.0).margin(1e-6));
  // No contact in the target: nothing to penalise.
  auto free = target.clone();
  free.slice(-1, motion::kFeatContact, motion::kFeatContact + 4).fill_(0.0);
  CHECK(foot_contact_loss(gliding, free).item<float>() == 0.0f);
}

TEST_CASE("the seam term wants the chunk to step from the played frame at the real speed", "[model][loss]") {
  motion::Clip walk = turning_walk(3);
  auto f = motion::encode_features(walk);
  auto row = [&](int k) { return torch::from_blob(f.data() + k * kMotionDim, {1, 1, kMotionDim}).clone(); };
  // Played frame 0, predicted frame 1, as the real data steps: no penalty.
  CHECK(seam_loss(row(1), row(0), row(1), row(0)).item<float>() == Approx(0).margin(1e-6));
  // Standing still on the played frame while the real dance moves on: penalised.
  CHECK(seam_loss(row(0), row(0), row(2), row(0)).item<float>() > 0.01f);
  // A prediction that jumps 10 cm up from what was played.
  auto jump = row(1).clone();
  jump.select(-1, motion::kFeatRootY).add_(0.1);
  CHECK(seam_loss(jump, row(1), row(1), row(1)).item<float>() == Approx(1.0).epsilon(1e-4));
}

TEST_CASE("the speed envelope asks how fast the joints move, not which way", "[model][loss]") {
  motion::Clip still = motion::Clip::rest(6);
  auto sf = motion::encode_features(still);
  auto standing = torch::from_blob(sf.data(), {1, 6, kMotionDim}).clone();
  auto gliding = [&](int channel, double speed) {
    auto g = standing.clone();
    g.select(-1, channel).slice(1, 1).fill_(speed);
    return g;
  };
  const auto forward = gliding(motion::kFeatRootVel + 1, 1.5), sideways = gliding(motion::kFeatRootVel, -1.5);
  CHECK(speed_envelope_loss(forward, forward).item<float>() == Approx(0).margin(1e-6));
  // Every joint moves at 1.5 m/s in the target and stands in the prediction: (1.5 / 1 m/s)^2.
  CHECK(speed_envelope_loss(standing, forward).item<float>() == Approx(2.25).epsilon(1e-3));
  // The same speed the other way costs nothing: an unsure model is not pushed to stand still.
  CHECK(speed_envelope_loss(sideways, forward).item<float>() == Approx(0).margin(1e-4));
  CHECK(fk_position_loss(sideways, forward).item<float>() ==
        Approx(0).margin(1e-4));  // FK is heading-relative
  // Standing exactly still gives a finite gradient; creeping forward, the gradient says: faster.
  auto still_pred = standing.clone().requires_grad_(true);
  speed_envelope_loss(still_pred, forward).backward();
  CHECK(torch::isfinite(still_pred.grad()).all().item<bool>());
  auto creeping = gliding(motion::kFeatRootVel + 1, 0.01).requires_grad_(true);
  speed_envelope_loss(creeping, forward).backward();
  CHECK(creeping.grad().select(-1, motion::kFeatRootVel + 1).slice(1, 1).max().item<float>() < 0);
}

TEST_CASE("the beat term wants the joints' speed to dip where the beat lands", "[model][loss]") {
  // 8 played frames, then an 8-frame chunk, gliding forward: frame f's root speed is speeds[f].
  motion::Clip still = motion::Clip::rest(16);
  auto sf = motion::encode_features(still);
  const auto standing = torch::from_blob(sf.data(), {1, 16, kMotionDim}).clone();
  auto gliding = [&](std::vector<float> speeds) {
    auto g = standing.clone();
    for (int f = 1; f < 16; ++f) g[0][f][motion::kFeatRootVel + 1] = speeds[static_cast<size_t>(f)];
    return g;
  };
  auto beat_at = [](int k) {
    auto b = torch::zeros({1, 8});
    b[0][k] = 1.0f;
    return b;
  };
  // A broad dip (1 -> 0.6 -> 0.2 -> 0.6 -> 1 m/s) centred on chunk frame 3 (frame 11).
  std::vector<float> speeds(16, 1.0f);
  speeds[10] = speeds[12] = 0.6f;
  speeds[11] = 0.2f;
  const auto dip = gliding(speeds);
  // On the beat, the smoothed speed two frames either side is faster by more than the margin.
  CHECK(beat_dip_loss(dip, beat_at(3)).item<float>() == Approx(0).margin(1e-5));
  // The beat three frames after the dip: the speed two frames before it is lower. Costs.
  CHECK(beat_dip_loss(dip, beat_at(6)).item<float>() > kBeatDipMargin);
  // A one-frame dip does not survive the smoothing the Beat Align Score applies: it still costs.
  std::vector<float> spike(16, 1.0f);
  spike[11] = 0.8f;
  CHECK(beat_dip_loss(gliding(spike), beat_at(3)).item<float>() > 0);
  // No beat in the chunk: nothing to ask.
  CHECK(beat_dip_loss(dip, torch::zeros({1, 8})).item<float>() == 0.0f);
  // Standing still on the beat costs the margin on both sides, and the gradient is finite.
  auto still_pred = standing.clone().requires_grad_(true);
  auto loss = beat_dip_loss(still_pred, beat_at(3));
  CHECK(loss.item<float>() == Approx(2 * kBeatDipMargin).epsilon(1e-3));
  loss.backward();
  CHECK(torch::isfinite(still_pred.grad()).all().item<bool>());
  CHECK_THROWS_WITH(beat_dip_loss(standing.slice(1, 0, 8), beat_at(3)), Catch::Contains("played frame"));
}

TEST_CASE("motion loss backpropagates into every generator stage", "[model][loss]") {
  auto c = ModelConfig::tiny(ModelKind::Text2Motion);
  Text2Motion m(c);
  m->train();
  auto in = random_ids(c, 2, 5);
  auto pred = m->forward(in, 16);
  auto target = torch::randn({2, 16, kMotionDim});
  Normalization norm =
      Normalization::compute(motion::encode_features(motion::Clip::rest(4)).data(), 4, kMotionDim);
  auto parts = motion_loss(pred, target, norm, c.loss);
  parts.total.backward();
  CHECK(std::isfinite(parts.total.item<float>()));
  CHECK(m->output_query.grad().defined());
  CHECK(m->output_query.grad().abs().sum().item<float>() > 0);
  for (const auto& p : m->adapter->parameters()) {
    if (p.grad().defined() && p.grad().abs().sum().item<float>() > 0) return;
  }
  FAIL("no gradient reached the text adapter");
}

TEST_CASE("model config survives JSON and names bad fields", "[model][config]") {
  auto c = ModelConfig::defaults(ModelKind::Music2Dance);
  c.music.genres = {"waltz", "tango"};
  c.qa.dim = 64;
  auto back = config_from_json(config_to_json(c));
  CHECK(config_to_json(back) == config_to_json(c));
  CHECK(back.kind == ModelKind::Music2Dance);
  CHECK(back.qa.latent_codes == 256);
  auto j = config_to_json(c);
  j["qa"]["dim"] = "wide";
  CHECK_THROWS_WITH(config_from_json(j), Catch::Contains("qa.dim"));
  j = config_to_json(c);
  j["music"]["chunk_frames"] = 12;
  CHECK_THROWS_WITH(config_from_json(j), Catch::Contains("music.chunk_frames"));
  CHECK_THROWS_WITH(parse_kind("video2motion"), Catch::Contains("video2motion"));
  // Paper defaults.
  auto t = ModelConfig::defaults(ModelKind::Text2Motion);
  CHECK(t.qa.latent_codes == 128);
  CHECK(t.qa.self_layers == 4);
  CHECK(t.qa.cross_layers == 2);
  CHECK(c.qa.self_layers == 2);
}

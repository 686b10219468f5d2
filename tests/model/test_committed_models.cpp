// The models committed under models/: each loads and does its job on data it never trained on. A smoke
// check; `e2m eval` and models/README.md give the full figures.
// LibTorch first: glog, which it brings in, defines CHECK too, and Catch's must be the one that stands.
// clang-format off
#include <torch/torch.h>
// clang-format on

#include <cstdio>

#include "io/importers.h"
#include "model/model_file.h"
#include "motion/features.h"
#include "test_support.h"

using namespace e2m;
namespace fs = std::filesystem;

namespace {

fs::path repo_models() { return fs::path(__FILE__).parent_path().parent_path().parent_path() / "models"; }

// The Bandai takes the import puts in validation (the split the VAE never trained on).
std::vector<motion::Clip> bandai_validation_clips() {
  std::vector<motion::Clip> out;
  io::ImportOptions opt;
  opt.on_clip = [&](motion::Clip&& c, io::Split s) {
    if (s == io::Split::Validation) out.push_back(std::move(c));
  };
  io::import_bandai(test::shared_data() / "bandai", opt);
  return out;
}

}  // namespace

TEST_CASE("committed models: the Bandai motion VAE rebuilds held-out takes far closer than their mean pose",
          "[model][committed]") {
  E2M_SKIP_UNLESS_EXISTS(test::shared_data() / "bandai");
  const fs::path file = repo_models() / "vae_bandai.e2mm";
  REQUIRE(fs::exists(file));
  model::ModelMeta meta;
  model::MotionVae vae = model::load_vae(file, &meta);
  vae->eval();
  torch::NoGradGuard no_grad;
  const auto clips = bandai_validation_clips();
  REQUIRE(clips.size() >= 10);
  constexpr int kWindow = 64;  // the training window
  double err = 0, base = 0;
  int windows = 0;
  for (const auto& clip : clips) {
    const std::vector<float> rows = motion::encode_features(clip);
    for (int t0 = 0; t0 + kWindow <= clip.frames(); t0 += kWindow) {
      const auto x = meta.motion_norm.normalize(
          torch::from_blob(const_cast<float*>(rows.data()) + size_t(t0) * motion::kFeatureDim,
                           {1, kWindow, motion::kFeatureDim}, torch::kFloat)
              .clone());
      const auto recon = vae->forward(x).recon;
      err += (recon - x).pow(2).mean().item<double>();
      base += x.pow(2).mean().item<double>();  // the training mean pose, in normalised units
      ++windows;
    }
  }
  REQUIRE(windows > 20);
  err /= windows;
  base /= windows;
  std::printf(
      "vae_bandai on %zu held-out takes (%d windows of %d frames): reconstruction MSE %.4f, "
      "mean pose %.4f (normalised units)\n",
      clips.size(), windows, kWindow, err, base);
  CHECK(err < 0.5 * base);
}

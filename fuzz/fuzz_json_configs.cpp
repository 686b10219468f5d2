// Fuzzes the JSON (and CSV) files a user writes by hand: model configs, training run files and the
// labels file of a BVH folder import. The first byte picks the reader, the rest is the file.
#include "fuzz_support.h"
#include "io/bvh.h"
#include "io/importers.h"
#include "io/json_util.h"
#include "model/config.h"
#include "train/run_file.h"

using namespace e2m;

namespace {

const fuzz::Scratch& scratch() {
  static const fuzz::Scratch s("fuzz_json_configs");
  return s;
}

void model_config(std::string_view text) {
  model::ModelConfig c;
  if (!fuzz::accepts([&] { c = model::load_config_file(scratch().write("config.json", text)); })) return;
  // An accepted config is valid and survives a round trip through its own JSON.
  c.validate();
  const nlohmann::json j = model::config_to_json(c);
  E2M_FUZZ_CHECK(model::config_to_json(model::config_from_json(j)) == j);
}

void run_file(std::string_view text) {
  train::TrainOptions o;
  if (!fuzz::accepts([&] { train::apply_run_file(scratch().write("run.json", text), o); })) return;
  o.config.validate();
  E2M_FUZZ_CHECK(o.config.kind == o.kind);
}

// The labels reader lives inside the importer; a folder with one small canonical BVH file lets the
// labels reach what uses them (captions from the content and style labels, the audio path).
void labels(std::string_view text, const char* file_name) {
  static const std::filesystem::path folder = [] {
    std::filesystem::path f = scratch().dir() / "bvh";
    std::filesystem::create_directories(f);
    io::write_bvh(io::clip_to_bvh(motion::Clip::rest(2)), f / "walk_happy.bvh");
    return f;
  }();
  io::ImportOptions opt;
  opt.labels = scratch().write(file_name, text);
  opt.captions_per_clip = 4;
  io::ImportResult r;
  if (!fuzz::accepts([&] { r = io::import_bvh_folder(folder, opt); })) return;
  E2M_FUZZ_CHECK(r.dataset.clips.size() + r.rejected.size() >= 1);
  for (const auto& clip : r.dataset.clips) E2M_FUZZ_CHECK(clip.frames() > 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text = fuzz::bytes_of(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      model_config(text);
      break;
    case 1:
      run_file(text);
      break;
    case 2:
      labels(text, "labels.json");
      break;
    default:
      labels(text, "labels.csv");
      break;
  }
  return 0;
}

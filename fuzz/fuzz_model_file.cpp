// Fuzzes the model file reader (.e2mm): header, config, normalisation statistics and the vocabulary a
// text model carries.
//
// The weights blob goes to LibTorch's archive loader, a TorchScript module import that parses the
// Python source and pickle inside the archive. LibTorch 1.13 (Debian 12) crashes there on corrupt
// archives (a SEGV in ScriptTypeParser::parseClassConstant for a class attribute without a type,
// reads past a tensor's storage for sizes/strides the pickle makes up), which no check of ours can
// catch, so that part runs only with E2M_FUZZ_WEIGHTS=1 in the environment (fuzz/libtorch-1.13/ holds
// one model file of each kind, to check a newer LibTorch against). The weights then go into
// a small stand-in module so that seed files stay a few KB; load_weights checks names and shapes
// against whatever module it gets.
#include <torch/torch.h>

#include <cstdlib>
#include <string>

#include "fuzz_support.h"
#include "model/model_file.h"
#include "model/text_tokenizer.h"

using namespace e2m;

namespace {

const fuzz::Scratch& scratch() {
  static const fuzz::Scratch s("fuzz_model_file");
  return s;
}

// What inference does with a header it accepted, short of building the network.
void use_meta(const model::ModelMeta& meta) {
  meta.config.validate();  // read_model_meta promises a valid config
  const model::ModelConfig again = model::config_from_json(model::config_to_json(meta.config));
  E2M_FUZZ_CHECK(model::config_to_json(again) == model::config_to_json(meta.config));
  meta.motion_norm.mean_tensor(meta.config.motion_dim);
  meta.motion_norm.std_tensor(meta.config.motion_dim);
  meta.audio_norm.mean_tensor(meta.config.audio_dim);
  meta.audio_norm.std_tensor(meta.config.audio_dim);
  if (meta.config.text.encoder == "own" && !meta.text_vocab.is_null()) {
    fuzz::accepts([&] {
      const auto tok = model::TextTokenizer::from_json(meta.text_vocab);
      tok.encode("a person waves both hands", meta.config.text.max_tokens);
    });
  }
}

// Set once before the first input (LLVMFuzzerInitialize).
bool fuzz_weights = false;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // One intra-op thread: the fuzzer runs one input at a time and thread start-up would dominate.
  torch::set_num_threads(1);
  const char* env = std::getenv("E2M_FUZZ_WEIGHTS");
  fuzz_weights = env && std::string(env) == "1";
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = scratch().write("input.e2mm", fuzz::bytes_of(data, size));
  model::ModelMeta meta;
  if (!fuzz::accepts([&] { meta = model::read_model_meta(path); })) return 0;
  use_meta(meta);
  if (!fuzz_weights) return 0;
  torch::nn::Linear stand_in(2, 2);
  fuzz::accepts([&] { model::load_weights(path, meta.config.kind, *stand_in); });
  return 0;
}

// CLIP TorchScript text encoder; see clip_encoder.h.
#include "model/clip_encoder.h"

#include <algorithm>

#include "motion/error.h"

namespace e2m::model {
namespace {

torch::Tensor call_module(const torch::jit::Module& parent, const char* name, const torch::Tensor& x) {
  torch::jit::Module sub = parent.attr(name).toModule();
  return sub.forward({x}).toTensor();
}

}  // namespace

ClipTextEncoder::ClipTextEncoder(const std::filesystem::path& torchscript_file) : path_(torchscript_file) {
  if (!std::filesystem::exists(path_))
    throw Error(path_.string() + ": CLIP TorchScript file not found (e.g. ViT-B-32.pt from openai/CLIP)");
  try {
    module_ = torch::jit::load(path_.string(), torch::kCPU);
  } catch (const std::exception& e) {
    std::string why = e.what();
    why = why.substr(0, why.find('\n'));
    throw Error(path_.string() + ": not a TorchScript archive (" + why + ")");
  }
  if (!module_.find_method("encode_text"))
    throw Error(path_.string() + ": the TorchScript module has no method encode_text (expected a CLIP model)");
  module_.to(torch::kFloat32);
  module_.eval();
  has_token_features_ = module_.hasattr("token_embedding") && module_.hasattr("positional_embedding") &&
                        module_.hasattr("transformer") && module_.hasattr("ln_final") &&
                        module_.hasattr("text_projection");
}

torch::Tensor ClipTextEncoder::encode_text(const torch::Tensor& tokens) {
  if (tokens.dim() != 2 || tokens.scalar_type() != torch::kInt64)
    throw Error(path_.string() + ": encode_text expects token ids (B, 77) int64");
  torch::NoGradGuard no_grad;
  torch::jit::Method method = module_.get_method("encode_text");
  try {
    return method({tokens}).toTensor().to(torch::kFloat32);
  } catch (const std::exception& e) {
    std::string why = e.what();
    throw Error(path_.string() + ": encode_text failed: " + why.substr(0, why.find('\n')));
  }
}

torch::Tensor ClipTextEncoder::token_features(const torch::Tensor& tokens) {
  if (!has_token_features_)
    throw Error(path_.string() + ": the CLIP module has no token_embedding/transformer/ln_final submodules");
  torch::NoGradGuard no_grad;
  // The body of CLIP's encode_text, without the pooling at <|endoftext|>.
  torch::Tensor x = call_module(module_, "token_embedding", tokens).to(torch::kFloat32);
  x = x + module_.attr("positional_embedding").toTensor().to(torch::kFloat32);
  x = call_module(module_, "transformer", x.permute({1, 0, 2})).permute({1, 0, 2});
  x = call_module(module_, "ln_final", x);
  return torch::matmul(x, module_.attr("text_projection").toTensor().to(torch::kFloat32));
}

TextInput ClipTextEncoder::text_input(const std::vector<std::string>& texts, int max_tokens) {
  if (!tokenizer_) throw Error("CLIP text encoder: no tokenizer set (the BPE vocabulary is needed)");
  const auto b = static_cast<int64_t>(texts.size());
  torch::Tensor tokens = torch::zeros({b, kClipContextLength}, torch::kInt64);
  std::vector<int64_t> lengths;
  for (int64_t r = 0; r < b; ++r) {
    const std::vector<int64_t> ids = tokenizer_->tokenize(texts[static_cast<size_t>(r)]);
    const auto eot = std::find(ids.begin(), ids.end(), kClipEot);
    lengths.push_back(static_cast<int64_t>(eot - ids.begin()) + 1);
    tokens[r] = torch::tensor(ids, torch::kInt64);
  }
  TextInput in;
  in.pad_mask = torch::ones({b, max_tokens}, torch::kBool);
  if (has_token_features_) {
    torch::Tensor f = token_features(tokens);  // (B, 77, D)
    const int64_t keep = std::min<int64_t>(max_tokens, f.size(1));
    in.features = torch::zeros({b, max_tokens, f.size(2)});
    in.features.narrow(1, 0, keep).copy_(f.narrow(1, 0, keep));
    for (int64_t r = 0; r < b; ++r)
      in.pad_mask[r].narrow(0, 0, std::min(keep, lengths[static_cast<size_t>(r)])).fill_(false);
  } else {
    torch::Tensor pooled = encode_text(tokens);  // (B, D)
    in.features = torch::zeros({b, max_tokens, pooled.size(1)});
    in.features.select(1, 0).copy_(pooled);
    in.pad_mask.select(1, 0).fill_(false);
  }
  return in;
}

}  // namespace e2m::model

// Optional text encoder: the user's own OpenAI CLIP TorchScript file (e.g. ViT-B-32.pt from
// clip.load(..., jit=True)), run through torch::jit with CLIP's tokenizer (clip_tokenizer.h).
// e2m does not ship CLIP weights; the user supplies the file and the BPE vocabulary.
#pragma once
#include <torch/script.h>
#include <torch/torch.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "model/clip_tokenizer.h"
#include "model/modules.h"

namespace e2m::model {

class ClipTextEncoder {
 public:
  // Loads the TorchScript file (CPU, float32, eval). Throws e2m::Error when the file is missing,
  // is not a TorchScript archive, or has no `encode_text` method.
  explicit ClipTextEncoder(const std::filesystem::path& torchscript_file);

  // CLIP's encode_text on token ids (B, 77) int64 -> pooled text features (B, D) float.
  torch::Tensor encode_text(const torch::Tensor& tokens);

  // Per-token features (B, L, D) through the CLIP submodules (token_embedding, positional_embedding,
  // transformer, ln_final, text_projection) when the file has them; true when it does.
  bool has_token_features() const { return has_token_features_; }
  torch::Tensor token_features(const torch::Tensor& tokens);

  // The text adapter's input for `texts` (encoder "clip"): features (B, max_tokens, D) and the pad
  // mask. With token features, positions up to <|endoftext|> are kept; otherwise the pooled
  // encode_text vector is the only (first) token. Needs a tokenizer (set_tokenizer).
  TextInput text_input(const std::vector<std::string>& texts, int max_tokens);
  void set_tokenizer(std::shared_ptr<const ClipTokenizer> tokenizer) { tokenizer_ = std::move(tokenizer); }

 private:
  std::filesystem::path path_;
  torch::jit::Module module_;
  bool has_token_features_ = false;
  std::shared_ptr<const ClipTokenizer> tokenizer_;
};

}  // namespace e2m::model

// Tests of the CLIP TorchScript text encoder on small TorchScript modules the tests build and save.
#include <torch/script.h>

#include <fstream>

#include "model/clip_encoder.h"
#include "motion/error.h"
#include "test_support.h"

using namespace e2m::model;

namespace {

constexpr int kVocab = 49408, kWidth = 6, kEmbed = 4;

// A module with CLIP's text interface: encode_text pools token embeddings at the argmax token
// (<|endoftext|> has the largest id, as in CLIP) and projects them; its submodules mirror CLIP's.
torch::jit::Module clip_like(bool with_submodules) {
  torch::manual_seed(3);
  torch::jit::Module m("ClipLike");
  m.register_parameter("text_projection", torch::randn({kWidth, kEmbed}), false);
  m.register_parameter("positional_embedding", torch::randn({77, kWidth}) * 0.1, false);
  torch::jit::Module emb("TokenEmbedding");
  emb.register_parameter("weight", torch::randn({kVocab, kWidth}), false);
  emb.define(R"(
def forward(self, x):
    return torch.embedding(self.weight, x)
)");
  m.register_module("token_embedding", emb);
  if (with_submodules) {
    torch::jit::Module tr("Transformer");
    tr.define(R"(
def forward(self, x):
    return x * 2.0
)");
    torch::jit::Module ln("LnFinal");
    ln.define(R"(
def forward(self, x):
    return x + 1.0
)");
    m.register_module("transformer", tr);
    m.register_module("ln_final", ln);
  }
  m.define(R"(
def encode_text(self, text):
    x = self.token_embedding.forward(text) + self.positional_embedding
    x = x[torch.arange(x.shape[0]), text.argmax(dim=-1)]
    return torch.matmul(x, self.text_projection)
)");
  return m;
}

torch::Tensor tokens_of(std::vector<int64_t> ids) {
  ids.resize(77, 0);
  return torch::tensor(ids, torch::kInt64).unsqueeze(0);
}

}  // namespace

TEST_CASE("clip encoder runs encode_text of a TorchScript file", "[clip_encoder]") {
  const auto path = e2m::test::temp_dir("clip-encoder") / "cliplike.pt";
  torch::jit::Module m = clip_like(false);
  m.save(path.string());
  ClipTextEncoder enc(path);
  CHECK_FALSE(enc.has_token_features());
  const torch::Tensor tokens = tokens_of({49406, 320, 2368, 49407});
  const torch::Tensor got = enc.encode_text(tokens);
  REQUIRE(got.sizes() == torch::IntArrayRef({1, kEmbed}));
  // Expected: (embedding of <|endoftext|> + its position) x projection.
  const torch::Tensor weight = m.attr("token_embedding").toModule().attr("weight").toTensor();
  const torch::Tensor want =
      torch::matmul(weight[49407] + m.attr("positional_embedding").toTensor()[3], m.attr("text_projection").toTensor());
  CHECK(torch::allclose(got[0], want, 1e-5, 1e-5));
}

TEST_CASE("clip encoder computes per-token features through CLIP's submodules", "[clip_encoder]") {
  const auto path = e2m::test::temp_dir("clip-encoder") / "cliplike_full.pt";
  torch::jit::Module m = clip_like(true);
  m.save(path.string());
  ClipTextEncoder enc(path);
  REQUIRE(enc.has_token_features());
  const torch::Tensor tokens = tokens_of({49406, 320, 49407});
  const torch::Tensor f = enc.token_features(tokens);
  REQUIRE(f.sizes() == torch::IntArrayRef({1, 77, kEmbed}));
  const torch::Tensor weight = m.attr("token_embedding").toModule().attr("weight").toTensor();
  const torch::Tensor pos = m.attr("positional_embedding").toTensor();
  const torch::Tensor want = torch::matmul((weight[320] + pos[1]) * 2.0 + 1.0, m.attr("text_projection").toTensor());
  CHECK(torch::allclose(f[0][1], want, 1e-5, 1e-5));
}

TEST_CASE("clip encoder builds the adapter input from texts", "[clip_encoder]") {
  const auto bpe = e2m::test::shared_data() / "clip" / "bpe_simple_vocab_16e6.txt.gz";
  E2M_SKIP_UNLESS_EXISTS(bpe);
  const auto dir = e2m::test::temp_dir("clip-encoder");
  clip_like(true).save((dir / "full.pt").string());
  clip_like(false).save((dir / "pooled.pt").string());
  auto tok = std::make_shared<const ClipTokenizer>(bpe);

  ClipTextEncoder full(dir / "full.pt");
  full.set_tokenizer(tok);
  const TextInput a = full.text_input({"a photo of a cat", "a dog"}, 16);
  REQUIRE(a.features.sizes() == torch::IntArrayRef({2, 16, kEmbed}));
  // 7 and 4 tokens including the markers are real, the rest padding.
  CHECK(a.pad_mask[0].logical_not().sum().item<int64_t>() == 7);
  CHECK(a.pad_mask[1].logical_not().sum().item<int64_t>() == 4);

  ClipTextEncoder pooled(dir / "pooled.pt");
  pooled.set_tokenizer(tok);
  const TextInput b = pooled.text_input({"a photo of a cat"}, 16);
  CHECK(b.pad_mask[0].logical_not().sum().item<int64_t>() == 1);
  CHECK(torch::allclose(b.features[0][0], pooled.encode_text(torch::tensor(tok->tokenize("a photo of a cat")).unsqueeze(0))[0]));
}

TEST_CASE("clip encoder rejects a missing file, a non-TorchScript file and a module without encode_text",
          "[clip_encoder]") {
  const auto dir = e2m::test::temp_dir("clip-encoder");
  CHECK_THROWS_AS(ClipTextEncoder(dir / "absent.pt"), e2m::Error);
  std::ofstream(dir / "garbage.pt") << "this is not a zip archive";
  CHECK_THROWS_AS(ClipTextEncoder(dir / "garbage.pt"), e2m::Error);
  torch::jit::Module m("NoText");
  m.define(R"(
def forward(self, x):
    return x
)");
  m.save((dir / "notext.pt").string());
  try {
    ClipTextEncoder enc(dir / "notext.pt");
    FAIL("a module without encode_text was accepted");
  } catch (const e2m::Error& e) {
    CHECK(std::string(e.what()).find("encode_text") != std::string::npos);
  }
}

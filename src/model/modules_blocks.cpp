// Building blocks, input adapters, the query-aware autoencoder, output-query provider and output adapter.
#include <cmath>

#include "model/modules.h"
#include "motion/error.h"

namespace e2m::model {

namespace F = torch::nn::functional;

torch::Tensor sinusoidal_positions(int64_t length, int64_t dim) {
  auto pos = torch::arange(length, torch::kFloat).unsqueeze(1);
  auto i = torch::arange(0, dim, 2, torch::kFloat);
  auto div = torch::exp(i * (-std::log(10000.0) / static_cast<double>(dim)));
  auto table = torch::zeros({length, dim});
  table.index_put_({torch::indexing::Slice(), torch::indexing::Slice(0, torch::indexing::None, 2)},
                   torch::sin(pos * div));
  auto cos = torch::cos(pos * div);
  table.index_put_({torch::indexing::Slice(), torch::indexing::Slice(1, torch::indexing::None, 2)},
                   cos.index({torch::indexing::Slice(), torch::indexing::Slice(0, dim / 2)}));
  return table;
}

namespace {

// Replicate padding along time of (B, C, T); replicate keeps edges natural for short chunks.
// Built from narrow/expand/cat rather than F::pad(kReplicate): LibTorch 1.13's replication-pad
// backward gave run-to-run different, sometimes huge gradients on transposed inputs here.
torch::Tensor pad_time(const torch::Tensor& x, int left, int right) {
  if (left == 0 && right == 0) return x;
  std::vector<torch::Tensor> parts;
  const int64_t b = x.size(0), c = x.size(1), t = x.size(2);
  if (left > 0) parts.push_back(x.narrow(2, 0, 1).expand({b, c, left}));
  parts.push_back(x);
  if (right > 0) parts.push_back(x.narrow(2, t - 1, 1).expand({b, c, right}));
  return torch::cat(parts, 2);
}

// Linear over the time axis of (B, N, C): (B, N, C) -> (B, M, C).
torch::Tensor linear_over_time(torch::nn::Linear& lin, const torch::Tensor& x) {
  return lin(x.transpose(1, 2)).transpose(1, 2);
}

}  // namespace

// ---- ResConv1d ----

ResConv1dImpl::ResConv1dImpl(int channels, int kernel, TimePad pad)
    : pad_left_(pad == TimePad::causal    ? kernel - 1
                : pad == TimePad::centred ? (kernel - 1) / 2
                                          : 0),
      pad_right_(pad == TimePad::centred ? (kernel - 1) / 2 : 0),
      crop_(pad == TimePad::valid ? 2 * (kernel - 1) : 0) {
  conv1_ = register_module("conv1", torch::nn::Conv1d(torch::nn::Conv1dOptions(channels, channels, kernel)));
  conv2_ = register_module("conv2", torch::nn::Conv1d(torch::nn::Conv1dOptions(channels, channels, kernel)));
}

torch::Tensor ResConv1dImpl::forward(const torch::Tensor& x) {
  auto y = conv1_(pad_time(torch::gelu(x), pad_left_, pad_right_));
  y = conv2_(pad_time(torch::gelu(y), pad_left_, pad_right_));
  return (crop_ > 0 ? x.narrow(2, crop_, x.size(2) - crop_) : x) + y;
}

// ---- CrossLayer ----

CrossLayerImpl::CrossLayerImpl(int dim, int heads, int ff, double dropout, bool self_attention)
    : self_attention_(self_attention) {
  if (self_attention_) {
    self_attn_ = register_module(
        "self_attn",
        torch::nn::MultiheadAttention(torch::nn::MultiheadAttentionOptions(dim, heads).dropout(dropout)));
    norm0_ = register_module("norm0", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  }
  cross_attn_ = register_module(
      "cross_attn",
      torch::nn::MultiheadAttention(torch::nn::MultiheadAttentionOptions(dim, heads).dropout(dropout)));
  ff1_ = register_module("ff1", torch::nn::Linear(dim, ff));
  ff2_ = register_module("ff2", torch::nn::Linear(ff, dim));
  norm1_ = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  norm2_ = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  drop_ = register_module("drop", torch::nn::Dropout(dropout));
}

torch::Tensor CrossLayerImpl::forward(const torch::Tensor& queries, const torch::Tensor& memory) {
  auto q = queries.transpose(0, 1);  // (N, B, D): torch 1.13's attention is sequence-first
  auto m = memory.transpose(0, 1);
  if (self_attention_) {
    auto a = std::get<0>(self_attn_->forward(q, q, q, torch::Tensor(), /*need_weights=*/false));
    q = norm0_(q + drop_(a));
  }
  auto c = std::get<0>(cross_attn_->forward(q, m, m, torch::Tensor(), /*need_weights=*/false));
  q = norm1_(q + drop_(c));
  q = norm2_(q + drop_(ff2_(drop_(torch::gelu(ff1_(q))))));
  return q.transpose(0, 1);
}

// ---- SelfStack ----

SelfStackImpl::SelfStackImpl(int dim, int heads, int ff, int layers, double dropout) {
  for (int i = 0; i < layers; ++i) {
    layers_->push_back(
        torch::nn::TransformerEncoderLayer(torch::nn::TransformerEncoderLayerOptions(dim, heads)
                                               .dim_feedforward(ff)
                                               .dropout(dropout)
                                               .activation(torch::kGELU)));
  }
  register_module("layers", layers_);
}

torch::Tensor SelfStackImpl::forward(const torch::Tensor& x, const torch::Tensor& pad_mask) {
  if (layers_->size() == 0) return x;
  auto h = x.transpose(0, 1);
  for (const auto& layer : *layers_) {
    h = layer->as<torch::nn::TransformerEncoderLayer>()->forward(h, {}, pad_mask);
  }
  return h.transpose(0, 1);
}

// ---- TextInputAdapter ----

TextInputAdapterImpl::TextInputAdapterImpl(const ModelConfig& config)
    : cfg_(config.text), codes_(config.qa.latent_codes) {
  if (cfg_.encoder == "clip") {
    clip_proj_ = register_module("clip_proj", torch::nn::Linear(cfg_.clip_dim, cfg_.dim));
  } else {
    embed_ = register_module(
        "embed", torch::nn::Embedding(torch::nn::EmbeddingOptions(cfg_.vocab_size, cfg_.dim).padding_idx(0)));
  }
  positions_ = register_buffer("positions", sinusoidal_positions(cfg_.max_tokens, cfg_.dim));
  transformer_ = register_module("transformer",
                                 SelfStack(cfg_.dim, cfg_.heads, cfg_.ff, cfg_.layers, config.qa.dropout));
  to_codes_ = register_module("to_codes", torch::nn::Linear(cfg_.max_tokens, codes_));
  to_dim_ = register_module("to_dim", torch::nn::Linear(cfg_.dim, config.qa.dim));
}

torch::Tensor TextInputAdapterImpl::forward(const TextInput& text) {
  torch::Tensor x, mask;
  if (cfg_.encoder == "clip") {
    if (!text.features.defined() || text.features.dim() != 3 || text.features.size(2) != cfg_.clip_dim)
      throw Error("text input: expected CLIP token features (B, L, " + std::to_string(cfg_.clip_dim) + ")");
    x = clip_proj_(text.features);
    mask = text.pad_mask.defined() ? text.pad_mask
                                   : torch::zeros({x.size(0), x.size(1)}, x.options().dtype(torch::kBool));
  } else {
    if (!text.ids.defined() || text.ids.dim() != 2)
      throw Error("text input: expected token ids (B, L) for the own text encoder");
    x = embed_(text.ids);
    mask = text.pad_mask.defined() ? text.pad_mask : text.ids.eq(0);
  }
  const int64_t length = x.size(1);
  if (length > cfg_.max_tokens)
    throw Error("text input: " + std::to_string(length) + " tokens, the model takes at most " +
                std::to_string(cfg_.max_tokens));
  // A row that is all padding would make attention NaN; let it attend to its first token.
  mask = mask.clone();
  mask.index_put_({torch::indexing::Slice(), 0}, false);
  x = x + positions_.slice(0, 0, length).unsqueeze(0);
  x = transformer_(x, mask);
  x = x.masked_fill(mask.unsqueeze(-1), 0.0);
  if (length < cfg_.max_tokens) x = F::pad(x, F::PadFuncOptions({0, 0, 0, cfg_.max_tokens - length}));
  return to_dim_(linear_over_time(to_codes_, x));
}

// ---- MusicInputAdapter ----

MusicInputAdapterImpl::MusicInputAdapterImpl(const ModelConfig& config)
    : cfg_(config.music), kernel_(config.music.kernel) {
  const int in = config.audio_dim + config.genre_count();
  conv_in_ = register_module("conv_in",
                             torch::nn::Conv1d(torch::nn::Conv1dOptions(in, cfg_.conv_channels, kernel_)));
  for (int i = 0; i < cfg_.conv_blocks; ++i)
    blocks_->push_back(
        ResConv1d(cfg_.conv_channels, kernel_, cfg_.streaming ? TimePad::valid : TimePad::causal));
  register_module("blocks", blocks_);
  if (cfg_.streaming) {
    const int frames = cfg_.audio_window - cfg_.audio_receptive() + 1;
    to_codes_ = register_module("to_codes", torch::nn::Linear(frames, config.qa.latent_codes));
    to_dim_ = register_module("to_dim", torch::nn::Linear(cfg_.conv_channels, config.qa.dim));
    return;
  }
  gru_ = register_module("gru", torch::nn::GRU(torch::nn::GRUOptions(cfg_.conv_channels, cfg_.gru_hidden)
                                                   .batch_first(true)
                                                   .bidirectional(cfg_.bidirectional)));
  const int gru_out = cfg_.gru_hidden * (cfg_.bidirectional ? 2 : 1);
  to_codes_ = register_module("to_codes", torch::nn::Linear(cfg_.audio_window, config.qa.latent_codes));
  to_dim_ = register_module("to_dim", torch::nn::Linear(gru_out, config.qa.dim));
}

namespace {

// (B, T, audio) ++ genre one-hot broadcast over time -> (B, audio + genres, T).
torch::Tensor with_genre(const torch::Tensor& audio, const torch::Tensor& genre_onehot) {
  const int64_t b = audio.size(0), w = audio.size(1);
  auto g = genre_onehot.to(audio.dtype()).unsqueeze(1).expand({b, w, genre_onehot.size(1)});
  return torch::cat({audio, g}, 2).transpose(1, 2);
}

}  // namespace

torch::Tensor MusicInputAdapterImpl::frame_features(const torch::Tensor& audio,
                                                    const torch::Tensor& genre_onehot) {
  if (!cfg_.streaming) throw Error("music input: frame_features needs the streaming adapter");
  if (audio.dim() != 3 || audio.size(1) < cfg_.audio_receptive())
    throw Error("music input: expected at least " + std::to_string(cfg_.audio_receptive()) + " audio frames");
  auto x = conv_in_(with_genre(audio, genre_onehot));
  if (!blocks_->is_empty()) x = blocks_->forward(x);
  return torch::gelu(x).transpose(1, 2);  // (B, T - receptive + 1, C)
}

torch::Tensor MusicInputAdapterImpl::from_frames(const torch::Tensor& frames) {
  return to_dim_(linear_over_time(to_codes_, frames));
}

torch::Tensor MusicInputAdapterImpl::forward(const torch::Tensor& audio, const torch::Tensor& genre_onehot) {
  if (audio.dim() != 3 || audio.size(1) != cfg_.audio_window)
    throw Error("music input: expected audio features (B, " + std::to_string(cfg_.audio_window) + ", 39)");
  if (cfg_.streaming) return from_frames(frame_features(audio, genre_onehot));
  // Left padding only: frame t of every conv output sees frames <= t.
  auto x = conv_in_(pad_time(with_genre(audio, genre_onehot), kernel_ - 1, 0));
  if (!blocks_->is_empty()) x = blocks_->forward(x);
  x = torch::gelu(x).transpose(1, 2);  // (B, W, C)
  x = std::get<0>(gru_(x));
  return to_dim_(linear_over_time(to_codes_, x));
}

// ---- QueryAwareAutoencoder ----

QueryAwareAutoencoderImpl::QueryAwareAutoencoderImpl(const QaConfig& config) : cfg_(config) {
  latent_query_ = register_parameter("latent_query", torch::randn({cfg_.latent_codes, cfg_.dim}) * 0.02);
  positions_ = register_buffer("positions", sinusoidal_positions(cfg_.latent_codes, cfg_.dim));
  in_attn_ = register_module(
      "in_attn", torch::nn::MultiheadAttention(
                     torch::nn::MultiheadAttentionOptions(cfg_.dim, cfg_.heads).dropout(cfg_.dropout)));
  in_norm_ = register_module("in_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({cfg_.dim})));
  encoder_ =
      register_module("encoder", SelfStack(cfg_.dim, cfg_.heads, cfg_.ff, cfg_.self_layers, cfg_.dropout));
  for (int i = 0; i < cfg_.cross_layers; ++i)
    decoder_->push_back(CrossLayer(cfg_.dim, cfg_.heads, cfg_.ff, cfg_.dropout, /*self_attention=*/true));
  register_module("decoder", decoder_);
}

torch::Tensor QueryAwareAutoencoderImpl::encode(const torch::Tensor& adapted) {
  const int64_t b = adapted.size(0);
  auto q = (latent_query_ + positions_).unsqueeze(1).expand({cfg_.latent_codes, b, cfg_.dim});
  auto v = adapted.transpose(0, 1);
  torch::Tensor a;
  if (cfg_.paper_attention) {
    if (v.size(0) != cfg_.latent_codes)
      throw Error("query-aware autoencoder: adapted input has " + std::to_string(v.size(0)) +
                  " tokens, expected " + std::to_string(cfg_.latent_codes));
    a = paper_attention(q, v);  // eq. 8: Q, K = q_l, V = x_l
  } else {
    a = std::get<0>(in_attn_->forward(q, v, v, torch::Tensor(), /*need_weights=*/false));
  }
  auto x = in_norm_(q + a).transpose(0, 1);
  return encoder_(x);
}

torch::Tensor QueryAwareAutoencoderImpl::paper_attention(const torch::Tensor& q_seq,
                                                         const torch::Tensor& v_seq) {
  // Training (or any pass that records gradients) runs torch's attention unchanged.
  const bool may_cache = !is_training() && !torch::GradMode::is_enabled();
  if (!may_cache)
    return std::get<0>(in_attn_->forward(q_seq, q_seq, v_seq, torch::Tensor(), /*need_weights=*/false));
  const int64_t n = cfg_.latent_codes, d = cfg_.dim, heads = cfg_.heads, hd = d / heads, b = v_seq.size(1);
  const auto& w = in_attn_->in_proj_weight;
  const auto& bias = in_attn_->in_proj_bias;
  std::vector<int64_t> key = {latent_query_._version(),
                              w._version(),
                              bias._version(),
                              positions_._version(),
                              reinterpret_cast<int64_t>(latent_query_.data_ptr()),
                              reinterpret_cast<int64_t>(w.data_ptr()),
                              static_cast<int64_t>(w.device().type())};
  if (!cached_weights_.defined() || key != cache_key_) {
    const auto q0 = q_seq.select(1, 0);  // (n, d): the same for every batch row
    auto qp = F::linear(q0, w.slice(0, 0, d), bias.slice(0, 0, d)).view({n, heads, hd}).transpose(0, 1);
    auto kp =
        F::linear(q0, w.slice(0, d, 2 * d), bias.slice(0, d, 2 * d)).view({n, heads, hd}).transpose(0, 1);
    cached_weights_ =
        torch::softmax(torch::bmm(qp, kp.transpose(1, 2)) / std::sqrt(static_cast<double>(hd)), -1);
    cache_key_ = std::move(key);
  }
  // V projection per batch row and head: (n, b, d) -> (b * heads, n, hd).
  auto vp = F::linear(v_seq, w.slice(0, 2 * d, 3 * d), bias.slice(0, 2 * d, 3 * d))
                .view({n, b * heads, hd})
                .transpose(0, 1);
  auto att = cached_weights_.unsqueeze(0).expand({b, heads, n, n}).reshape({b * heads, n, n});
  auto o = torch::bmm(att, vp).transpose(0, 1).reshape({n, b, d});
  return in_attn_->out_proj(o);
}

torch::Tensor QueryAwareAutoencoderImpl::decode(const torch::Tensor& latent,
                                                const torch::Tensor& output_query) {
  auto q = output_query;
  for (const auto& layer : *decoder_) q = layer->as<CrossLayer>()->forward(q, latent);
  return q;
}

// ---- MotionQueryProvider ----

MotionQueryProviderImpl::MotionQueryProviderImpl(const ModelConfig& config)
    : streaming_(config.music.streaming), window_(config.music.motion_window) {
  const auto& m = config.music;
  conv_in_ = register_module(
      "conv_in", torch::nn::Conv1d(torch::nn::Conv1dOptions(config.motion_dim, m.motion_channels, 3)));
  for (int i = 0; i < m.motion_blocks; ++i)
    blocks_->push_back(ResConv1d(m.motion_channels, 3, streaming_ ? TimePad::valid : TimePad::causal));
  register_module("blocks", blocks_);
  const int codes = m.context_codes + m.chunk_frames / kTemporalDownsample;
  to_dim_ = register_module("to_dim", torch::nn::Linear(m.motion_channels, config.qa.dim));
  if (streaming_) {
    to_codes_ =
        register_module("to_codes", torch::nn::Linear(m.motion_window - m.motion_receptive() + 1, codes));
    return;
  }
  positions_ = register_buffer("positions", sinusoidal_positions(m.motion_window, m.motion_channels));
  attention_ = register_module(
      "attention", SelfStack(m.motion_channels, m.motion_heads, 2 * m.motion_channels, 1, config.qa.dropout));
  to_codes_ = register_module("to_codes", torch::nn::Linear(m.motion_window, codes));
}

torch::Tensor MotionQueryProviderImpl::frame_features(const torch::Tensor& prev_motion) {
  if (!streaming_) throw Error("music model: frame_features needs the streaming query provider");
  auto x = conv_in_(prev_motion.transpose(1, 2));
  if (!blocks_->is_empty()) x = blocks_->forward(x);
  return torch::gelu(x).transpose(1, 2);
}

torch::Tensor MotionQueryProviderImpl::from_frames(const torch::Tensor& frames) {
  return to_dim_(linear_over_time(to_codes_, frames));
}

torch::Tensor MotionQueryProviderImpl::forward(const torch::Tensor& prev_motion) {
  if (prev_motion.dim() != 3 || prev_motion.size(1) != window_)
    throw Error("music model: expected previous motion (B, " + std::to_string(window_) + ", 269)");
  if (streaming_) return from_frames(frame_features(prev_motion));
  auto x = conv_in_(pad_time(prev_motion.transpose(1, 2), 2, 0));
  if (!blocks_->is_empty()) x = blocks_->forward(x);
  x = torch::gelu(x).transpose(1, 2) + positions_.unsqueeze(0);
  x = attention_(x);
  return to_dim_(linear_over_time(to_codes_, x));
}

// ---- OutputAdapter ----

OutputAdapterImpl::OutputAdapterImpl(const ModelConfig& config) {
  l1_ = register_module("l1", torch::nn::Linear(config.qa.dim, config.out.hidden));
  l2_ = register_module("l2", torch::nn::Linear(config.out.hidden, config.out.hidden));
  l3_ = register_module("l3", torch::nn::Linear(config.out.hidden, config.vae.latent));
}

torch::Tensor OutputAdapterImpl::forward(const torch::Tensor& x) {
  return l3_(torch::gelu(l2_(torch::gelu(l1_(x)))));
}

}  // namespace e2m::model

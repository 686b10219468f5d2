// The Everything2Motion network as LibTorch modules (DESIGN.md 4.1, paper Method section).
// Layouts and the data flow are documented at the top of config.h: batch first, (B, T, C).
#pragma once
#include <torch/torch.h>

#include "model/config.h"

namespace e2m::model {

// Fixed sinusoidal positional table (length, dim), float.
torch::Tensor sinusoidal_positions(int64_t length, int64_t dim);

// Text given to the text input adapter: either token ids of the own encoder, or token features of
// an external encoder (CLIP). pad_mask is true at padding positions.
struct TextInput {
  torch::Tensor ids;       // (B, L) int64, 0 = padding; used when text.encoder == "own"
  torch::Tensor features;  // (B, L, text.clip_dim) float; used when text.encoder == "clip"
  torch::Tensor pad_mask;  // (B, L) bool, true = padding (at least one false per row)
};

// ---- building blocks ----

// How a conv block pads time: centred, causal (left only, so output frame t depends on input frames
// <= t) or none (valid: T - 2 (kernel - 1) frames out, output frame t from input frames t .. t + 2
// (kernel - 1), whatever the window around them).
enum class TimePad { centred, causal, valid };

// Residual 1D conv block over (B, C, T): conv-act-conv + skip (cropped to the output in valid mode).
class ResConv1dImpl : public torch::nn::Module {
 public:
  ResConv1dImpl(int channels, int kernel, TimePad pad);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int pad_left_, pad_right_, crop_;
  torch::nn::Conv1d conv1_{nullptr}, conv2_{nullptr};
};
TORCH_MODULE(ResConv1d);

// Transformer decoder-style layer: (optional self-attention over the queries), cross-attention
// queries -> memory, feed-forward; post-norm. Inputs (B, N, D).
class CrossLayerImpl : public torch::nn::Module {
 public:
  CrossLayerImpl(int dim, int heads, int ff, double dropout, bool self_attention);
  torch::Tensor forward(const torch::Tensor& queries, const torch::Tensor& memory);

 private:
  bool self_attention_;
  torch::nn::MultiheadAttention self_attn_{nullptr}, cross_attn_{nullptr};
  torch::nn::Linear ff1_{nullptr}, ff2_{nullptr};
  torch::nn::LayerNorm norm0_{nullptr}, norm1_{nullptr}, norm2_{nullptr};
  torch::nn::Dropout drop_{nullptr};
};
TORCH_MODULE(CrossLayer);

// Stack of transformer encoder layers (self-attention + FF, post-norm) on (B, N, D).
class SelfStackImpl : public torch::nn::Module {
 public:
  SelfStackImpl(int dim, int heads, int ff, int layers, double dropout);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& pad_mask = {});

 private:
  torch::nn::ModuleList layers_;
};
TORCH_MODULE(SelfStack);

// ---- input adapters ----

// Text: own embeddings (vocab_size x text.dim) or a linear from CLIP features, + sinusoidal
// positions, text.layers transformer layers, then a linear over tokens (max_tokens ->
// latent_codes) and channels (text.dim -> qa.dim): output (B, qa.latent_codes, qa.dim).
class TextInputAdapterImpl : public torch::nn::Module {
 public:
  explicit TextInputAdapterImpl(const ModelConfig& config);
  torch::Tensor forward(const TextInput& text);

 private:
  TextConfig cfg_;
  int codes_;
  torch::nn::Embedding embed_{nullptr};
  torch::nn::Linear clip_proj_{nullptr};
  torch::Tensor positions_;  // buffer (max_tokens, dim)
  SelfStack transformer_{nullptr};
  torch::nn::Linear to_codes_{nullptr}, to_dim_{nullptr};
};
TORCH_MODULE(TextInputAdapter);

// Music: audio (B, W, audio_dim) ++ genre one-hot (B, G) broadcast over time on channels -> causal
// conv in + music.conv_blocks causal residual conv blocks -> GRU (unidirectional unless
// music.bidirectional) -> linear over time (W -> latent_codes) and channels -> (B, codes, qa.dim).
// Streaming (music.streaming): causal convs without padding and no GRU; forward is
// from_frames(frame_features(...)).
class MusicInputAdapterImpl : public torch::nn::Module {
 public:
  explicit MusicInputAdapterImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& audio, const torch::Tensor& genre_onehot);
  // Streaming only: audio (B, T, 39) -> (B, T - audio_receptive + 1, conv_channels); feature frame
  // i depends on input frames i .. i + audio_receptive - 1 (and the genre) only.
  torch::Tensor frame_features(const torch::Tensor& audio, const torch::Tensor& genre_onehot);
  // Streaming only: the window's feature frames (B, audio_window - audio_receptive + 1, C) -> codes.
  torch::Tensor from_frames(const torch::Tensor& frames);

 private:
  MusicConfig cfg_;
  int kernel_;
  torch::nn::Conv1d conv_in_{nullptr};
  torch::nn::Sequential blocks_;
  torch::nn::GRU gru_{nullptr};
  torch::nn::Linear to_codes_{nullptr}, to_dim_{nullptr};
};
TORCH_MODULE(MusicInputAdapter);

// ---- query-aware autoencoder ----

// Latent query encoder (eq. 8-9) and output-query decoder (eq. 10).
class QueryAwareAutoencoderImpl : public torch::nn::Module {
 public:
  explicit QueryAwareAutoencoderImpl(const QaConfig& config);
  // adapted input (B, latent_codes, dim) -> L_m (B, latent_codes, dim)
  torch::Tensor encode(const torch::Tensor& adapted);
  // L_m (B, latent_codes, dim), output query O_q (B, n, dim) -> C_m (B, n, dim)
  torch::Tensor decode(const torch::Tensor& latent, const torch::Tensor& output_query);

 private:
  QaConfig cfg_;
  torch::Tensor latent_query_;  // parameter (latent_codes, dim)
  torch::Tensor positions_;     // buffer (latent_codes, dim)
  torch::nn::MultiheadAttention in_attn_{nullptr};
  // Eq. 8 with Q = K = the latent query: its attention weights (heads, codes, codes) depend on
  // parameters only, so inference computes them once. The key is the parameters' version
  // counters (bumped by every in-place change: optimiser steps, loading) and storage. Like the
  // inference classes, a module serves one caller at a time.
  torch::Tensor paper_attention(const torch::Tensor& q_seq, const torch::Tensor& v_seq);
  torch::Tensor cached_weights_;
  std::vector<int64_t> cache_key_;
  torch::nn::LayerNorm in_norm_{nullptr};
  SelfStack encoder_{nullptr};
  torch::nn::ModuleList decoder_;
};
TORCH_MODULE(QueryAwareAutoencoder);

// Music output-query provider: previous motion (B, M, motion_dim) -> causal residual convs ->
// self-attention block -> linear over time (M -> chunk / 8) -> (B, chunk / 8, qa.dim).
// Streaming (music.streaming): convs without padding and no self-attention block, as the audio
// adapter's.
class MotionQueryProviderImpl : public torch::nn::Module {
 public:
  explicit MotionQueryProviderImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& prev_motion);
  // Streaming only: (B, T, 269) -> (B, T - motion_receptive + 1, motion_channels).
  torch::Tensor frame_features(const torch::Tensor& prev_motion);
  // Streaming only: the window's feature frames -> output queries.
  torch::Tensor from_frames(const torch::Tensor& frames);

 private:
  bool streaming_;
  int window_;
  torch::nn::Conv1d conv_in_{nullptr};
  torch::nn::Sequential blocks_;
  torch::Tensor positions_;  // buffer (M, channels)
  SelfStack attention_{nullptr};
  torch::nn::Linear to_codes_{nullptr}, to_dim_{nullptr};
};
TORCH_MODULE(MotionQueryProvider);

// Output adapter (eq. 11): 3 linear layers, (B, n, qa.dim) -> (B, n, vae.latent).
class OutputAdapterImpl : public torch::nn::Module {
 public:
  explicit OutputAdapterImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Linear l1_{nullptr}, l2_{nullptr}, l3_{nullptr};
};
TORCH_MODULE(OutputAdapter);

// ---- motion VAE / prior motion distillation decoder ----

// Encoder: (B, T, motion_dim), T a multiple of 8 -> 3 conv layers of stride 2 (each followed by
// vae.res_blocks residual blocks) -> mu, logvar (B, T / 8, vae.latent).
class MotionVaeEncoderImpl : public torch::nn::Module {
 public:
  explicit MotionVaeEncoderImpl(const ModelConfig& config);
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& motion);

 private:
  torch::nn::Sequential body_;
  torch::nn::Conv1d mu_{nullptr}, logvar_{nullptr};
};
TORCH_MODULE(MotionVaeEncoder);

// Decoder, symmetric: (B, n, vae.latent) -> conv in -> 3 x (nearest upsample x2, conv, residual
// blocks) -> conv out -> (B, 8 n, motion_dim). Shared by the VAE, text2motion and music2dance.
class MotionVaeDecoderImpl : public torch::nn::Module {
 public:
  explicit MotionVaeDecoderImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& latent);

 private:
  torch::nn::Sequential body_;
};
TORCH_MODULE(MotionVaeDecoder);

struct VaeOutput {
  torch::Tensor recon;   // (B, T, motion_dim)
  torch::Tensor mu;      // (B, T / 8, latent)
  torch::Tensor logvar;  // (B, T / 8, latent)
};

class MotionVaeImpl : public torch::nn::Module {
 public:
  explicit MotionVaeImpl(const ModelConfig& config);
  // Training: reparameterised sample in train mode, the mean in eval mode.
  VaeOutput forward(const torch::Tensor& motion);
  MotionVaeEncoder encoder{nullptr};
  MotionVaeDecoder decoder{nullptr};
};
TORCH_MODULE(MotionVae);

// Copy the decoder weights of a (pretrained) VAE into a generator's decoder (the distillation
// step). Throws e2m::Error when the VAE sizes differ.
void copy_decoder(const MotionVaeDecoder& from, MotionVaeDecoder& to);

// ---- full generators ----

class Text2MotionImpl : public torch::nn::Module {
 public:
  explicit Text2MotionImpl(const ModelConfig& config);
  // Latent codes (B, ceil(frames / 8), vae.latent) before the VAE decoder.
  torch::Tensor latent(const TextInput& text, int frames);
  // Normalised motion features (B, frames, motion_dim).
  torch::Tensor forward(const TextInput& text, int frames);
  const ModelConfig& config() const { return cfg_; }

  TextInputAdapter adapter{nullptr};
  QueryAwareAutoencoder qa{nullptr};
  torch::Tensor output_query;  // parameter (text.max_frames / 8, qa.dim)
  OutputAdapter out{nullptr};
  MotionVaeDecoder decoder{nullptr};

 private:
  ModelConfig cfg_;
};
TORCH_MODULE(Text2Motion);

class Music2DanceImpl : public torch::nn::Module {
 public:
  explicit Music2DanceImpl(const ModelConfig& config);
  // audio (B, audio_window, audio_dim) and prev_motion (B, motion_window, motion_dim) normalised,
  // genre one-hot (B, genres) -> latent codes (B, context_codes + chunk / 8, vae.latent): the
  // context codes (the last played frames') first, then the chunk's.
  torch::Tensor latent(const torch::Tensor& audio, const torch::Tensor& genre_onehot,
                       const torch::Tensor& prev_motion);
  // -> next chunk, normalised motion features (B, chunk_frames, motion_dim).
  torch::Tensor forward(const torch::Tensor& audio, const torch::Tensor& genre_onehot,
                        const torch::Tensor& prev_motion);
  // latent's codes decoded as one window -> the chunk's frames (B, chunk_frames, motion_dim).
  torch::Tensor decode_motion(const torch::Tensor& latent);
  // The part that depends on audio only (offline generation batches it over all chunks):
  // (B, latent_codes, qa.dim).
  torch::Tensor encode_audio(const torch::Tensor& audio, const torch::Tensor& genre_onehot);
  // The part that depends on the previous motion, given encode_audio's result.
  torch::Tensor decode_chunk(const torch::Tensor& encoded_audio, const torch::Tensor& prev_motion);
  // Same from the output queries (provider's result) -> latent codes.
  torch::Tensor decode_query(const torch::Tensor& encoded_audio, const torch::Tensor& output_query);
  // One-hot (1, genres) for a genre name.
  torch::Tensor genre_onehot(std::string_view genre) const;
  const ModelConfig& config() const { return cfg_; }

  MusicInputAdapter adapter{nullptr};
  QueryAwareAutoencoder qa{nullptr};
  MotionQueryProvider provider{nullptr};
  OutputAdapter out{nullptr};
  MotionVaeDecoder decoder{nullptr};

 private:
  ModelConfig cfg_;
};
TORCH_MODULE(Music2Dance);

// Number of scalar parameters.
int64_t parameter_count(const torch::nn::Module& module);

}  // namespace e2m::model

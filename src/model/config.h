// Model configuration: every size of the Everything2Motion network, stored as JSON in each model file.
//
// Tensor layout conventions used by every module (batch first, time before channels):
//   motion features  (B, T, 269)  normalised with the model file's motion mean/std
//   audio features   (B, W, 39)   normalised with the model file's audio mean/std
//   VAE latent       (B, T / 8, vae.latent)  one latent code per 8 motion frames
//   adapted input, latent query, output query  (B, codes, qa.dim)
//
// Data flow (DESIGN.md 4.1):
//   text2motion: TextInput -> TextInputAdapter (B, text.latent_codes, dim) -> QA encoder ->
//     learnable output query of ceil(frames / 8) codes -> QA decoder -> OutputAdapter
//     (B, frames / 8, vae.latent) -> VAE decoder -> (B, frames, 269), cropped to `frames`.
//   music2dance: at frame t ("now"), audio frames t-W+1..t (W = music.audio_window) + genre ->
//     MusicInputAdapter (B, music.latent_codes, dim) -> QA encoder; motion frames t-M+1..t
//     (M = music.motion_window, the motion that was actually played) -> MotionQueryProvider
//     (B, chunk / 8, dim) -> QA decoder -> OutputAdapter (B, chunk / 8, vae.latent) -> VAE decoder
//     -> frames t+1..t+chunk (B, chunk, 269). Nothing after frame t is an input, so the model is
//     causal by construction; the next chunk then sees its own output as previous motion.
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace e2m::model {

inline constexpr int kMotionDim = 269;         // motion::kFeatureDim
inline constexpr int kAudioDim = 39;           // audio::kAudioFeatureDim
inline constexpr int kTemporalDownsample = 8;  // VAE: 3 stride-2 layers

enum class ModelKind { Vae, Text2Motion, Music2Dance };
std::string_view kind_name(ModelKind kind);   // "vae", "text2motion", "music2dance"
ModelKind parse_kind(std::string_view name);  // throws e2m::Error on an unknown name

// Motion VAE = Prior Motion Distillation decoder (paper eq. 12-15).
struct VaeConfig {
  int hidden = 256;    // channels of the conv layers
  int latent = 256;    // bottleneck channels (mu / logvar)
  int kernel = 3;      // temporal kernel of every conv
  int res_blocks = 1;  // residual conv blocks after each (down|up)sampling layer
};

// Query-aware autoencoder (paper eq. 6-10).
struct QaConfig {
  int latent_codes = 128;  // learnable latent query length (text 128, music 256)
  int dim = 128;           // feature width of queries and attention (paper 128)
  int heads = 4;
  int ff = 256;          // feed-forward width in the transformer layers
  int self_layers = 4;   // transformer encoder layers on the latent (text 4, music 2)
  int cross_layers = 2;  // output-query decoder layers (cross-attention to the latent)
  double dropout = 0.1;
  // Eq. 8 read literally: Q = K = latent query, V = adapted input (the adapters output exactly
  // latent_codes tokens so V lines up). false: Perceiver-style Q = latent query, K = V = input.
  bool paper_attention = true;
};

// Text input adapter: tokens -> embeddings (own encoder) or CLIP token features -> 2-layer
// transformer -> linear to the fixed shape (qa.latent_codes, qa.dim).
struct TextConfig {
  std::string encoder = "own";  // "own": subword/character n-gram embeddings trained from scratch;
                                // "clip": precomputed CLIP token features (TextInput::features)
  std::string clip_model;       // path of the user's CLIP TorchScript file when encoder == "clip"
  int vocab_size = 8192;        // rows of the embedding table (own encoder); id 0 is padding
  int max_tokens = 77;          // token sequence length (padded / truncated)
  int clip_dim = 512;           // width of CLIP token features
  int dim = 256;                // width of the text transformer
  int heads = 4;
  int ff = 512;
  int layers = 2;
  int max_frames = 200;       // longest clip text2motion generates (multiple of 8)
  double sample_noise = 0.0;  // std of Gaussian noise added to the output latent when seed != 0
};

// Music input adapter + motion output-query provider.
struct MusicConfig {
  int audio_window = 60;   // audio history frames ending at "now" (2 s at 30 fps)
  int motion_window = 60;  // previous motion frames ending at "now"
  int chunk_frames = 8;    // frames generated per call (multiple of 8)
  // Earlier latent codes decoded together with the chunk's as left context (DESIGN 4.3): the query
  // provider also predicts the codes of the last context_codes x 8 played frames, the VAE decoder
  // decodes them with the new codes as one window, and only the chunk's frames are kept. 0 decodes
  // each chunk's codes alone between the decoder's edge paddings (files without the field).
  int context_codes = 0;
  int conv_channels = 128;  // residual causal 1D conv blocks over audio frames
  int conv_blocks = 3;
  int kernel = 3;
  int gru_hidden = 128;
  bool bidirectional = false;  // GRU over the (past) window in both directions; causal either way
                               // because the window ends at "now", but costs more live
  int motion_channels = 128;   // motion encoder (output-query provider): residual convs
  int motion_blocks = 3;
  int motion_heads = 4;  // + one self-attention block
  // Streaming adapters (DESIGN 4.3): the audio adapter and the motion query provider become causal
  // convs without padding (no GRU, no self-attention block), so each frame's features depend on the
  // last receptive frames alone and a live caller computes only the frames that are new since its
  // last chunk. false (files without the field): convs + GRU and convs + attention over each window.
  bool streaming = false;
  // Input frames behind one feature frame of the streaming adapters.
  int audio_receptive() const { return 1 + (kernel - 1) * (1 + 2 * conv_blocks); }
  int motion_receptive() const { return 1 + 2 * (1 + 2 * motion_blocks); }
  std::vector<std::string> genres = {"cha-cha", "rumba",       "tango",          "waltz",           "break",
                                     "pop",     "lock",        "middle-hip-hop", "house",           "waack",
                                     "krump",   "street-jazz", "ballet-jazz",    "la-style-hip-hop"};
  int genre_index(std::string_view genre) const;  // throws e2m::Error listing the known genres
};

struct OutputAdapterConfig {
  int hidden = 256;  // 3 linear layers: dim -> hidden -> hidden -> vae.latent
};

// Loss weights (losses.h).
struct LossConfig {
  double alpha = 0.5;    // velocity terms of eq. 18
  double fk = 1.0;       // forward-kinematics position loss
  double contact = 0.5;  // foot-contact consistency
  double kl = 1e-4;      // KL weight of the VAE loss (eq. 15)
  double latent = 0.0;   // optional L2 to the VAE encoder's latent of the target
  double seam = 1.0;     // music: the step from the last played frame into the chunk (losses.h)
  double speed = 0.0;    // the joints' speed envelope against the real one (losses.h)
  double beat = 0.0;     // music: speed dips where the beat clock ticks (losses.h, beat_dip_loss)
};

struct ModelConfig {
  ModelKind kind = ModelKind::Text2Motion;
  int motion_dim = kMotionDim;
  int audio_dim = kAudioDim;
  int fps = 30;
  VaeConfig vae;
  QaConfig qa;
  TextConfig text;
  MusicConfig music;
  OutputAdapterConfig out;
  LossConfig loss;

  // Paper defaults for a kind (text: 128 codes x 128, 4 self + 2 cross layers; music: 256 x 128,
  // 2 self layers).
  static ModelConfig defaults(ModelKind kind);
  // Very small sizes for tests and smoke runs (same structure, seconds to train).
  static ModelConfig tiny(ModelKind kind);

  // Throws e2m::Error naming the field when a size is out of range or inconsistent.
  void validate() const;
  int genre_count() const { return static_cast<int>(music.genres.size()); }
  int codes_for_frames(int frames) const { return (frames + kTemporalDownsample - 1) / kTemporalDownsample; }
};

// JSON (de)serialisation. Missing fields take their defaults (older files stay readable); a field
// of the wrong type throws e2m::Error naming it ("config.qa.dim: expected an integer").
nlohmann::json config_to_json(const ModelConfig& config);
ModelConfig config_from_json(const nlohmann::json& j);
// Read a JSON config file (training runs keep theirs in training/).
ModelConfig load_config_file(const std::filesystem::path& path);

void to_json(nlohmann::json& j, const ModelConfig& c);
void from_json(const nlohmann::json& j, ModelConfig& c);

}  // namespace e2m::model

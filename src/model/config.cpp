// Model configuration: defaults, validation and JSON (de)serialisation.
#include "model/config.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "motion/error.h"

namespace e2m::model {

using nlohmann::json;

std::string_view kind_name(ModelKind kind) {
  switch (kind) {
    case ModelKind::Vae:
      return "vae";
    case ModelKind::Text2Motion:
      return "text2motion";
    case ModelKind::Music2Dance:
      return "music2dance";
  }
  return "?";
}

ModelKind parse_kind(std::string_view name) {
  if (name == "vae") return ModelKind::Vae;
  if (name == "text2motion") return ModelKind::Text2Motion;
  if (name == "music2dance") return ModelKind::Music2Dance;
  throw Error("model kind '" + std::string(name) + "': expected vae, text2motion or music2dance");
}

int MusicConfig::genre_index(std::string_view genre) const {
  for (size_t i = 0; i < genres.size(); ++i)
    if (genres[i] == genre) return static_cast<int>(i);
  std::string known;
  for (const auto& g : genres) known += (known.empty() ? "" : ", ") + g;
  throw Error("unknown genre '" + std::string(genre) + "' (this model knows: " + known + ")");
}

ModelConfig ModelConfig::defaults(ModelKind kind) {
  ModelConfig c;
  c.kind = kind;
  if (kind == ModelKind::Music2Dance) {
    c.qa.latent_codes = 256;
    c.qa.self_layers = 2;
    c.qa.cross_layers = 2;
  } else {
    c.qa.latent_codes = 128;
    c.qa.self_layers = 4;
    c.qa.cross_layers = 2;
  }
  return c;
}

ModelConfig ModelConfig::tiny(ModelKind kind) {
  ModelConfig c = defaults(kind);
  c.vae.hidden = 32;
  c.vae.latent = 16;
  c.vae.res_blocks = 1;
  c.qa.latent_codes = 8;
  c.qa.dim = 16;
  c.qa.heads = 2;
  c.qa.ff = 32;
  c.qa.self_layers = 1;
  c.qa.cross_layers = 1;
  c.qa.dropout = 0.0;
  c.text.vocab_size = 64;
  c.text.max_tokens = 12;
  c.text.clip_dim = 8;
  c.text.dim = 16;
  c.text.heads = 2;
  c.text.ff = 32;
  c.text.layers = 1;
  c.text.max_frames = 48;
  c.music.audio_window = 16;
  c.music.motion_window = 16;
  c.music.chunk_frames = 8;
  c.music.conv_channels = 16;
  c.music.conv_blocks = 1;
  c.music.gru_hidden = 16;
  c.music.motion_channels = 16;
  c.music.motion_blocks = 1;
  c.music.motion_heads = 2;
  c.out.hidden = 32;
  return c;
}

namespace {

void require(bool ok, const std::string& field, const std::string& expected) {
  if (!ok) throw Error("model config " + field + ": expected " + expected);
}

}  // namespace

void ModelConfig::validate() const {
  require(motion_dim == kMotionDim, "motion_dim", std::to_string(kMotionDim));
  require(audio_dim == kAudioDim, "audio_dim", std::to_string(kAudioDim));
  require(vae.hidden > 0 && vae.latent > 0, "vae.hidden/latent", "> 0");
  require(vae.kernel >= 1 && vae.kernel % 2 == 1, "vae.kernel", "an odd number >= 1");
  require(vae.res_blocks >= 0, "vae.res_blocks", ">= 0");
  require(qa.dim > 0 && qa.heads > 0 && qa.dim % qa.heads == 0, "qa.dim/heads", "dim > 0 divisible by heads");
  require(qa.latent_codes > 0, "qa.latent_codes", "> 0");
  require(qa.self_layers >= 0 && qa.cross_layers >= 1, "qa.self_layers/cross_layers", ">= 0 and >= 1");
  require(qa.ff > 0 && qa.dropout >= 0 && qa.dropout < 1, "qa.ff/dropout", "ff > 0, 0 <= dropout < 1");
  require(out.hidden > 0, "out.hidden", "> 0");
  if (kind == ModelKind::Text2Motion) {
    require(text.encoder == "own" || text.encoder == "clip", "text.encoder", "\"own\" or \"clip\"");
    require(text.vocab_size > 1 && text.max_tokens > 0 && text.clip_dim > 0,
            "text.vocab_size/max_tokens/clip_dim", "> 0");
    require(text.dim > 0 && text.heads > 0 && text.dim % text.heads == 0, "text.dim/heads",
            "dim > 0 divisible by heads");
    require(text.layers >= 0 && text.ff > 0, "text.layers/ff", ">= 0 / > 0");
    require(text.max_frames >= kTemporalDownsample && text.max_frames % kTemporalDownsample == 0,
            "text.max_frames", "a positive multiple of 8");
  }
  if (kind == ModelKind::Music2Dance) {
    require(music.audio_window > 0 && music.motion_window > 0, "music.audio_window/motion_window", "> 0");
    require(music.chunk_frames >= kTemporalDownsample && music.chunk_frames % kTemporalDownsample == 0,
            "music.chunk_frames", "a positive multiple of 8");
    require(music.context_codes >= 0 && music.context_codes * kTemporalDownsample <= music.motion_window,
            "music.context_codes", "0 .. motion_window / 8 (the context is decoded from played frames)");
    require(music.conv_channels > 0 && music.conv_blocks >= 0 && music.kernel >= 1, "music.conv_*",
            "channels > 0, blocks >= 0, kernel >= 1");
    require(music.gru_hidden > 0, "music.gru_hidden", "> 0");
    require(music.motion_channels > 0 && music.motion_heads > 0 &&
                music.motion_channels % music.motion_heads == 0 && music.motion_blocks >= 0,
            "music.motion_channels/heads/blocks", "channels > 0 divisible by heads");
    require(!music.genres.empty(), "music.genres", "at least one genre");
    require(!music.streaming || (music.audio_window >= music.audio_receptive() &&
                                 music.motion_window >= music.motion_receptive()),
            "music.audio_window/motion_window",
            "at least the streaming convs' receptive fields (audio " +
                std::to_string(music.audio_receptive()) + ", motion " +
                std::to_string(music.motion_receptive()) + " frames)");
  }
}

// ---- JSON ----

namespace {

// nlohmann converts a float to an integer type with a plain cast, undefined out of range: take only
// whole numbers the type holds ("dim": 128.0 in a hand-written file still means 128).
template <class T>
bool integer_fits(const json& v) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (v.is_number_float()) {
      const double d = v.get<double>(), top = std::ldexp(1.0, std::numeric_limits<T>::digits);
      return d == std::floor(d) && d < top && d >= (std::is_signed_v<T> ? -top : 0.0);
    }
  }
  return true;
}

template <class T>
void get(const json& j, const char* key, T& value, const std::string& path) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  bool ok = integer_fits<T>(*it);
  try {
    if (ok) value = it->get<T>();
  } catch (const json::exception&) {
    ok = false;
  }
  if (!ok) {
    throw Error("model config " + path + "." + key + ": expected a value of type " +
                (std::is_same_v<T, bool>          ? "boolean"
                 : std::is_integral_v<T>          ? "integer"
                 : std::is_floating_point_v<T>    ? "number"
                 : std::is_same_v<T, std::string> ? "string"
                                                  : "array of strings") +
                ", got " + it->dump());
  }
}

const json& section(const json& j, const char* key) {
  static const json kEmpty = json::object();
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return kEmpty;
  if (!it->is_object()) throw Error(std::string("model config ") + key + ": expected an object");
  return *it;
}

// Every stored field once: (section, key, member). "" is the top level. Used by both directions
// so a new field cannot be written without being read.
template <class Config, class F>
void for_each_field(Config& c, F&& f) {
  f("", "motion_dim", c.motion_dim);
  f("", "audio_dim", c.audio_dim);
  f("", "fps", c.fps);
  f("vae", "hidden", c.vae.hidden);
  f("vae", "latent", c.vae.latent);
  f("vae", "kernel", c.vae.kernel);
  f("vae", "res_blocks", c.vae.res_blocks);
  f("qa", "latent_codes", c.qa.latent_codes);
  f("qa", "dim", c.qa.dim);
  f("qa", "heads", c.qa.heads);
  f("qa", "ff", c.qa.ff);
  f("qa", "self_layers", c.qa.self_layers);
  f("qa", "cross_layers", c.qa.cross_layers);
  f("qa", "dropout", c.qa.dropout);
  f("qa", "paper_attention", c.qa.paper_attention);
  f("text", "encoder", c.text.encoder);
  f("text", "clip_model", c.text.clip_model);
  f("text", "vocab_size", c.text.vocab_size);
  f("text", "max_tokens", c.text.max_tokens);
  f("text", "clip_dim", c.text.clip_dim);
  f("text", "dim", c.text.dim);
  f("text", "heads", c.text.heads);
  f("text", "ff", c.text.ff);
  f("text", "layers", c.text.layers);
  f("text", "max_frames", c.text.max_frames);
  f("text", "sample_noise", c.text.sample_noise);
  f("music", "audio_window", c.music.audio_window);
  f("music", "motion_window", c.music.motion_window);
  f("music", "chunk_frames", c.music.chunk_frames);
  f("music", "context_codes", c.music.context_codes);
  f("music", "conv_channels", c.music.conv_channels);
  f("music", "conv_blocks", c.music.conv_blocks);
  f("music", "kernel", c.music.kernel);
  f("music", "gru_hidden", c.music.gru_hidden);
  f("music", "bidirectional", c.music.bidirectional);
  f("music", "motion_channels", c.music.motion_channels);
  f("music", "motion_blocks", c.music.motion_blocks);
  f("music", "motion_heads", c.music.motion_heads);
  f("music", "streaming", c.music.streaming);
  f("music", "genres", c.music.genres);
  f("out", "hidden", c.out.hidden);
  f("loss", "alpha", c.loss.alpha);
  f("loss", "fk", c.loss.fk);
  f("loss", "contact", c.loss.contact);
  f("loss", "kl", c.loss.kl);
  f("loss", "latent", c.loss.latent);
  f("loss", "seam", c.loss.seam);
  f("loss", "speed", c.loss.speed);
  f("loss", "beat", c.loss.beat);
}

}  // namespace

void to_json(json& j, const ModelConfig& c) {
  j = json{{"kind", std::string(kind_name(c.kind))}};
  for_each_field(c, [&j](const std::string& sec, const char* key, const auto& value) {
    (sec.empty() ? j : j[sec])[key] = value;
  });
}

void from_json(const json& j, ModelConfig& c) {
  if (!j.is_object()) throw Error("model config: expected a JSON object");
  std::string kind = std::string(kind_name(c.kind));
  get(j, "kind", kind, "config");
  c.kind = parse_kind(kind);
  for_each_field(c, [&j](const std::string& sec, const char* key, auto& value) {
    if (sec.empty())
      get(j, key, value, "config");
    else
      get(section(j, sec.c_str()), key, value, sec);
  });
}

json config_to_json(const ModelConfig& config) {
  json j;
  to_json(j, config);
  return j;
}

ModelConfig config_from_json(const json& j) {
  // Start from the kind's defaults so a partial file means "paper defaults except ...".
  ModelKind kind = ModelKind::Text2Motion;
  if (j.is_object() && j.contains("kind") && j["kind"].is_string())
    kind = parse_kind(j["kind"].get<std::string>());
  ModelConfig c = ModelConfig::defaults(kind);
  from_json(j, c);
  c.validate();
  return c;
}

ModelConfig load_config_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(path.string() + ": cannot open model config");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw Error(path.string() + ": invalid JSON (" + e.what() + ")");
  }
  try {
    return config_from_json(j);
  } catch (const Error& e) {
    throw Error(path.string() + ": " + e.what());
  }
}

}  // namespace e2m::model

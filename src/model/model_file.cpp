// Model files (.e2mm): versioned header + JSON + torch archive of the weights, with one clear error per
// problem.
#include "model/model_file.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "motion/error.h"

namespace e2m::model {

using nlohmann::json;

// ---- Normalization ----

torch::Tensor Normalization::mean_tensor(int dim) const {
  if (mean.empty()) return torch::zeros({dim});
  if (static_cast<int>(mean.size()) != dim)
    throw Error("normalisation: mean has " + std::to_string(mean.size()) + " values, expected " +
                std::to_string(dim));
  return torch::from_blob(const_cast<float*>(mean.data()), {dim}, torch::kFloat).clone();
}

torch::Tensor Normalization::std_tensor(int dim) const {
  if (std.empty()) return torch::ones({dim});
  if (static_cast<int>(std.size()) != dim)
    throw Error("normalisation: std has " + std::to_string(std.size()) + " values, expected " +
                std::to_string(dim));
  auto s = torch::from_blob(const_cast<float*>(std.data()), {dim}, torch::kFloat).clone();
  return torch::where(s < 1e-6, torch::ones_like(s), s);
}

torch::Tensor Normalization::normalize(const torch::Tensor& x) const {
  if (empty()) return x;
  const int dim = static_cast<int>(x.size(-1));
  return (x - mean_tensor(dim).to(x.options())) / std_tensor(dim).to(x.options());
}

torch::Tensor Normalization::denormalize(const torch::Tensor& x) const {
  if (empty()) return x;
  const int dim = static_cast<int>(x.size(-1));
  return x * std_tensor(dim).to(x.options()) + mean_tensor(dim).to(x.options());
}

NormalizationTensors::NormalizationTensors(const Normalization& n, int dim) {
  if (n.empty()) return;
  mean = n.mean_tensor(dim);
  std = n.std_tensor(dim);
}

Normalization Normalization::compute(const float* rows, int64_t count, int dim,
                                     const std::vector<std::pair<int, int>>& groups) {
  Normalization n;
  n.mean.assign(dim, 0.0f);
  n.std.assign(dim, 1.0f);
  if (count <= 0) return n;
  std::vector<double> sum(dim, 0.0), sq(dim, 0.0);
  for (int64_t r = 0; r < count; ++r)
    for (int d = 0; d < dim; ++d) sum[d] += rows[r * dim + d];
  for (int d = 0; d < dim; ++d) n.mean[d] = static_cast<float>(sum[d] / count);
  for (int64_t r = 0; r < count; ++r)
    for (int d = 0; d < dim; ++d) {
      double v = rows[r * dim + d] - n.mean[d];
      sq[d] += v * v;
    }
  for (int d = 0; d < dim; ++d) n.std[d] = static_cast<float>(std::sqrt(sq[d] / count));
  for (const auto& [begin, end] : groups) {
    if (begin < 0 || end > dim || begin >= end) throw Error("normalisation: bad column group");
    double mean_std = 0;
    for (int d = begin; d < end; ++d) mean_std += n.std[d];
    const float floor = kGroupStdFloor * static_cast<float>(mean_std / (end - begin));
    for (int d = begin; d < end; ++d) n.std[d] = std::max(n.std[d], floor);
  }
  return n;
}

// ---- file format ----

namespace {

json norm_to_json(const Normalization& n) { return json{{"mean", n.mean}, {"std", n.std}}; }

Normalization norm_from_json(const json& j, const std::string& where) {
  Normalization n;
  if (j.is_null()) return n;
  try {
    n.mean = j.at("mean").get<std::vector<float>>();
    n.std = j.at("std").get<std::vector<float>>();
  } catch (const json::exception&) {
    throw Error(where + ": expected {\"mean\": [numbers], \"std\": [numbers]}");
  }
  if (n.mean.size() != n.std.size()) throw Error(where + ": mean and std differ in length");
  return n;
}

std::string shape_string(c10::IntArrayRef sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}

std::string archive_key(std::string name) {
  for (auto& c : name)
    if (c == '.') c = '/';
  return name;
}

struct RawFile {
  ModelMeta meta;
  std::string blob;
};

template <class T>
T read_le(const std::string& bytes, size_t offset) {
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof(T));
  return v;
}

RawFile read_raw(const std::filesystem::path& path, bool want_blob) {
  const std::string name = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(name + ": cannot open model file (missing or unreadable)");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 4 || std::memcmp(bytes.data(), kModelFileMagic, 4) != 0)
    throw Error(name + ": not an e2m model file (bad magic)");
  if (bytes.size() < 16)
    throw Error(name + ": truncated model file (" + std::to_string(bytes.size()) + " bytes)");
  const auto version = read_le<uint32_t>(bytes, 4);
  if (version > kModelFileVersion)
    throw Error(name + ": model file format version " + std::to_string(version) +
                " is newer than this e2m reads (" + std::to_string(kModelFileVersion) + "); update e2m");
  if (version == 0) throw Error(name + ": model file format version 0 is not valid");
  const auto json_len = read_le<uint64_t>(bytes, 8);
  if (json_len > bytes.size() - 16)
    throw Error(name + ": truncated model file (header of " + std::to_string(json_len) + " bytes, file has " +
                std::to_string(bytes.size()) + ")");
  RawFile raw;
  json j;
  try {
    j = json::parse(bytes.begin() + 16, bytes.begin() + 16 + static_cast<std::ptrdiff_t>(json_len));
  } catch (const json::exception& e) {
    throw Error(name + ": corrupt model header (" + e.what() + ")");
  }
  try {
    if (!j.is_object() || !j.contains("config")) throw Error("header has no \"config\"");
    raw.meta.config = config_from_json(j["config"]);
    raw.meta.motion_norm = norm_from_json(j.value("motion_norm", json()), "motion_norm");
    raw.meta.audio_norm = norm_from_json(j.value("audio_norm", json()), "audio_norm");
    if (!raw.meta.motion_norm.empty() &&
        static_cast<int>(raw.meta.motion_norm.mean.size()) != raw.meta.config.motion_dim)
      throw Error("motion_norm: expected " + std::to_string(raw.meta.config.motion_dim) + " values");
    if (!raw.meta.audio_norm.empty() &&
        static_cast<int>(raw.meta.audio_norm.mean.size()) != raw.meta.config.audio_dim)
      throw Error("audio_norm: expected " + std::to_string(raw.meta.config.audio_dim) + " values");
    raw.meta.text_vocab = j.value("text_vocab", json());
    if (j.contains("start_frame") && !(j["start_frame"].is_array() && j["start_frame"].empty())) {
      if (!j["start_frame"].is_array() ||
          j["start_frame"].size() != static_cast<size_t>(raw.meta.config.motion_dim))
        throw Error("start_frame: expected " + std::to_string(raw.meta.config.motion_dim) + " values");
      for (const auto& v : j["start_frame"]) {
        if (!v.is_number()) throw Error("start_frame: expected numbers");
        raw.meta.start_frame.push_back(v.get<float>());
      }
    }
    raw.meta.extra = j.value("extra", json());
  } catch (const Error& e) {
    throw Error(name + ": " + e.what());
  }
  const size_t blob_at = 16 + json_len;
  if (bytes.size() < blob_at + 8) throw Error(name + ": truncated model file (no weights after the header)");
  const auto blob_len = read_le<uint64_t>(bytes, blob_at);
  if (blob_len > bytes.size() - blob_at - 8)
    throw Error(name + ": truncated model file (weights of " + std::to_string(blob_len) + " bytes, " +
                std::to_string(bytes.size() - blob_at - 8) + " present)");
  if (bytes.size() != blob_at + 8 + blob_len)
    throw Error(name + ": corrupt model file (" + std::to_string(bytes.size() - blob_at - 8 - blob_len) +
                " unexpected bytes after the weights)");
  if (want_blob) raw.blob = bytes.substr(blob_at + 8, blob_len);
  return raw;
}

template <class T>
void write_le(std::ostream& out, T v) {
  out.write(reinterpret_cast<const char*>(&v), sizeof(T));
}

}  // namespace

std::vector<std::pair<std::string, torch::Tensor>> named_tensors(const torch::nn::Module& module) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : module.named_parameters(true)) out.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers(true)) out.emplace_back(b.key(), b.value());
  return out;
}

void save_model(const std::filesystem::path& path, const ModelMeta& meta, const torch::nn::Module& module) {
  meta.config.validate();
  json shapes = json::object();
  torch::serialize::OutputArchive archive;
  for (const auto& [name, tensor] : named_tensors(module)) {
    shapes[name] = tensor.sizes().vec();
    archive.write(archive_key(name), tensor.detach().cpu().contiguous());
  }
  std::ostringstream blob;
  archive.save_to(blob);
  const std::string blob_str = blob.str();
  json j = {{"kind", std::string(kind_name(meta.config.kind))},
            {"config", config_to_json(meta.config)},
            {"motion_norm", norm_to_json(meta.motion_norm)},
            {"audio_norm", norm_to_json(meta.audio_norm)},
            {"text_vocab", meta.text_vocab},
            {"start_frame", meta.start_frame},
            {"extra", meta.extra},
            {"tensors", shapes}};
  const std::string header = j.dump();

  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path.string() + ": cannot write model file");
    out.write(kModelFileMagic, 4);
    write_le<uint32_t>(out, kModelFileVersion);
    write_le<uint64_t>(out, header.size());
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    write_le<uint64_t>(out, blob_str.size());
    out.write(blob_str.data(), static_cast<std::streamsize>(blob_str.size()));
    if (!out) throw Error(path.string() + ": write failed (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw Error(path.string() + ": cannot move the written file into place (" + ec.message() + ")");
}

ModelMeta read_model_meta(const std::filesystem::path& path) { return read_raw(path, false).meta; }

void load_weights(const std::filesystem::path& path, ModelKind expected_kind, torch::nn::Module& module) {
  const std::string name = path.string();
  RawFile raw = read_raw(path, true);
  if (raw.meta.config.kind != expected_kind)
    throw Error(name + ": is a " + std::string(kind_name(raw.meta.config.kind)) + " model, expected a " +
                std::string(kind_name(expected_kind)) + " model");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(raw.blob.data(), raw.blob.size());
  } catch (const c10::Error& e) {
    throw Error(name + ": corrupt weights (" + std::string(e.what_without_backtrace()) + ")");
  } catch (const std::exception& e) {
    // A damaged type name in the archive's pickle reaches LibTorch's TorchScript parser, whose
    // torch::jit::ErrorReport is no c10::Error. Its first line says what; the rest is source context.
    const std::string what = e.what();
    throw Error(name + ": corrupt weights (" + what.substr(0, what.find('\n')) + ")");
  }
  torch::NoGradGuard no_grad;
  const auto tensors = named_tensors(module);
  for (const auto& [key, target] : tensors) {
    torch::Tensor stored;
    bool found = false;
    try {
      found = archive.try_read(archive_key(key), stored);
    } catch (const c10::Error& e) {
      throw Error(name + ": corrupt weights at '" + key + "' (" + std::string(e.what_without_backtrace()) +
                  ")");
    }
    if (!found || !stored.defined())
      throw Error(name + ": tensor '" + key + "' is missing (the weights do not match the file's config)");
    if (!stored.sizes().equals(target.sizes()))
      throw Error(name + ": tensor '" + key + "' has shape " + shape_string(stored.sizes()) +
                  " in the file, the config builds " + shape_string(target.sizes()));
    auto t = target;
    t.copy_(stored);
  }
  // Tensors in the file that the module does not have mean another layout: refuse rather than guess.
  const auto keys = archive.keys();
  if (keys.size() != tensors.size())
    throw Error(name + ": the file holds " + std::to_string(keys.size()) + " tensors, the config builds " +
                std::to_string(tensors.size()));
}

namespace {

template <class Holder>
Holder load_as(const std::filesystem::path& path, ModelKind kind, ModelMeta* meta_out) {
  ModelMeta meta = read_model_meta(path);
  if (meta.config.kind != kind)
    throw Error(path.string() + ": is a " + std::string(kind_name(meta.config.kind)) + " model, expected a " +
                std::string(kind_name(kind)) + " model");
  Holder model(meta.config);
  load_weights(path, kind, *model);
  model->eval();
  if (meta_out) *meta_out = std::move(meta);
  return model;
}

}  // namespace

MotionVae load_vae(const std::filesystem::path& path, ModelMeta* meta) {
  return load_as<MotionVae>(path, ModelKind::Vae, meta);
}
Text2Motion load_text2motion(const std::filesystem::path& path, ModelMeta* meta) {
  return load_as<Text2Motion>(path, ModelKind::Text2Motion, meta);
}
Music2Dance load_music2dance(const std::filesystem::path& path, ModelMeta* meta) {
  return load_as<Music2Dance>(path, ModelKind::Music2Dance, meta);
}

}  // namespace e2m::model

// The dataset cache file: "E2MD" magic, version, a JSON clip table, then one float32 array block.
//
// Layout (little-endian):
//   bytes 0..3   "E2MD"
//   uint32       format version (kCacheVersion)
//   uint64       JSON header length H
//   H bytes      JSON: dataset name, floats per frame, array block size and checksum, clip table
//   zero padding up to a multiple of 16 bytes, so the array block can be mapped and read as floats
//   array block  per clip, frames x (root xyz + 22 x quaternion wxyz) float32, row-major
#include "io/dataset_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "motion/error.h"

namespace e2m::io {

namespace {

static_assert(std::endian::native == std::endian::little, "the cache format is little-endian");

constexpr char kMagic[4] = {'E', '2', 'M', 'D'};
constexpr size_t kFloatsPerFrame = 3 + 4 * motion::kNumJoints;
constexpr size_t kAlign = 16;
// A JSON clip table bigger than this is not something `e2m import` writes: treat it as corruption
// rather than trying to allocate it.
constexpr uint64_t kMaxHeaderBytes = uint64_t(1) << 31;

uint64_t fnv1a64(const void* data, size_t n, uint64_t h = 14695981039346656037ull) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

size_t padded(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

// Audio paths are stored relative to the cache file's folder (table field "audio_base": "cache"),
// so a cache moved or copied together with the data it points to keeps working on another machine.
// Caches written before that field existed hold their paths as they were given.
constexpr const char* kAudioBaseCache = "cache";

std::filesystem::path folder_of(const std::filesystem::path& cache) {
  return std::filesystem::absolute(cache).parent_path().lexically_normal();
}

std::string audio_for_table(const std::string& audio, const std::filesystem::path& cache) {
  if (audio.empty()) return audio;
  const auto abs = std::filesystem::absolute(audio).lexically_normal();
  const auto rel = abs.lexically_relative(folder_of(cache));  // empty when there is no relative path
  return rel.empty() ? abs.string() : rel.string();
}

std::string audio_from_table(const std::string& stored, const std::filesystem::path& cache) {
  if (stored.empty() || std::filesystem::path(stored).is_absolute()) return stored;
  return (folder_of(cache) / stored).lexically_normal().string();
}

nlohmann::json meta_to_json(const motion::ClipMeta& m) {
  nlohmann::json j;
  j["name"] = m.name;
  j["dataset"] = m.dataset;
  j["source"] = m.source;
  j["content"] = m.content;
  j["style"] = m.style;
  j["genre"] = m.genre;
  j["captions"] = m.captions;
  j["audio"] = m.audio;
  j["audio_offset"] = m.audio_offset;
  return j;
}

template <typename T>
T field(const nlohmann::json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) throw Error(where + ": missing field '" + key + "'");
  // nlohmann converts a float to an integer type with a plain cast, undefined beyond its range.
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    if (!it->is_number_integer()) throw Error(where + ": field '" + key + "' must be an integer");
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(where + ": field '" + key + "' has the wrong type (" + e.what() + ")");
  }
}

motion::ClipMeta meta_from_json(const nlohmann::json& j, const std::string& where) {
  motion::ClipMeta m;
  m.name = field<std::string>(j, "name", where);
  m.dataset = field<std::string>(j, "dataset", where);
  m.source = field<std::string>(j, "source", where);
  m.content = field<std::string>(j, "content", where);
  m.style = field<std::string>(j, "style", where);
  m.genre = field<std::string>(j, "genre", where);
  m.captions = field<std::vector<std::string>>(j, "captions", where);
  m.audio = field<std::string>(j, "audio", where);
  m.audio_offset = field<double>(j, "audio_offset", where);
  return m;
}

// The parsed fixed part and JSON table of a cache file; shared by the full and index-only readers.
struct Header {
  nlohmann::json table;
  uint64_t array_start = 0;  // byte offset of the array block
  uint64_t array_floats = 0;
};

Header read_header(std::ifstream& in, const std::filesystem::path& path) {
  const std::string f = path.string();
  in.seekg(0, std::ios::end);
  const uint64_t file_size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  char magic[4];
  uint32_t version = 0;
  uint64_t header_len = 0;
  if (file_size < 16)
    throw Error(f + ": truncated dataset cache (" + std::to_string(file_size) +
                " bytes, the fixed header alone is 16)");
  in.read(magic, 4);
  in.read(reinterpret_cast<char*>(&version), 4);
  in.read(reinterpret_cast<char*>(&header_len), 8);
  if (std::memcmp(magic, kMagic, 4) != 0)
    throw Error(f +
                ": not an e2m dataset cache (wrong magic; expected \"E2MD\", run 'e2m import' to make one)");
  if (version > kCacheVersion)
    throw Error(f + ": dataset cache version " + std::to_string(version) +
                " is newer than this build reads (" + std::to_string(kCacheVersion) +
                "); update e2m or re-import");
  if (version == 0) throw Error(f + ": dataset cache version 0 is invalid");
  if (header_len > kMaxHeaderBytes || 16 + header_len > file_size)
    throw Error(f + ": truncated dataset cache (clip table of " + std::to_string(header_len) +
                " bytes, file has " + std::to_string(file_size) + ")");
  std::string text(header_len, '\0');
  in.read(text.data(), static_cast<std::streamsize>(header_len));
  if (!in) throw Error(f + ": read error in the clip table");
  Header h;
  try {
    h.table = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(f + ": corrupt clip table (" + e.what() + ")");
  }
  h.array_start = padded(16 + header_len);
  h.array_floats = field<uint64_t>(h.table, "array_floats", f + ": clip table");
  const uint64_t fpf = field<uint64_t>(h.table, "floats_per_frame", f + ": clip table");
  if (fpf != kFloatsPerFrame)
    throw Error(f + ": clip table says " + std::to_string(fpf) + " floats per frame, expected " +
                std::to_string(kFloatsPerFrame) + " (22 joints)");
  // Compared in floats first: a corrupt count must not wrap the byte count below around.
  const uint64_t room = file_size > h.array_start ? file_size - h.array_start : 0;
  if (h.array_floats > room / sizeof(float))
    throw Error(f + ": truncated dataset cache (the clip table declares " + std::to_string(h.array_floats) +
                " floats, the file has room for " + std::to_string(room / sizeof(float)) + ")");
  const uint64_t need = h.array_start + h.array_floats * sizeof(float);
  if (file_size < need)
    throw Error(f + ": truncated dataset cache (" + std::to_string(file_size) +
                " bytes, the clip table needs " + std::to_string(need) + ")");
  if (file_size > need)
    throw Error(f + ": dataset cache has " + std::to_string(file_size - need) + " unexpected trailing bytes");
  return h;
}

// A read-only mapping of a whole file (the header checks have made sure it is `size` bytes long).
class MappedFile {
 public:
  MappedFile(const std::filesystem::path& path, uint64_t size) : size_(size) {
    if (size_ == 0) return;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(path.string() + ": cannot open dataset cache: " + std::strerror(errno));
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED)
      throw Error(path.string() + ": cannot map the dataset cache: " + std::strerror(errno));
    ::madvise(p, size_, MADV_SEQUENTIAL);
    data_ = static_cast<const char*>(p);
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const char* data() const { return data_; }

 private:
  const char* data_ = nullptr;
  uint64_t size_ = 0;
};

// Clip table entries: check every clip's slice lies inside the array block before touching it.
struct Entry {
  motion::ClipMeta meta;
  double fps = 30;
  uint64_t offset = 0;  // in floats from the array block start
  int frames = 0;
  Split split = Split::Train;
};

std::vector<Entry> read_entries(const Header& h, const std::filesystem::path& path, std::string* name) {
  const std::string f = path.string();
  if (name) *name = field<std::string>(h.table, "dataset", f + ": clip table");
  const auto base = h.table.find("audio_base");
  if (base != h.table.end() && !base->is_string())
    throw Error(f + ": clip table: field 'audio_base' must be a string");
  const bool audio_relative = base != h.table.end() && base->get<std::string>() == kAudioBaseCache;
  auto clips = h.table.find("clips");
  if (clips == h.table.end() || !clips->is_array()) throw Error(f + ": clip table has no 'clips' array");
  std::vector<Entry> out;
  out.reserve(clips->size());
  for (size_t i = 0; i < clips->size(); ++i) {
    const auto& c = (*clips)[i];
    const std::string where = f + ": clip " + std::to_string(i);
    Entry e;
    e.meta = meta_from_json(field<nlohmann::json>(c, "meta", where), where);
    if (audio_relative) e.meta.audio = audio_from_table(e.meta.audio, path);
    e.fps = field<double>(c, "fps", where);
    e.offset = field<uint64_t>(c, "offset", where);
    const int64_t frames = field<int64_t>(c, "frames", where);
    const int split = field<int>(c, "split", where);
    if (frames < 0 || frames > INT32_MAX)
      throw Error(where + " (" + e.meta.name + "): frame count " + std::to_string(frames) + " out of range");
    if (split < 0 || split > static_cast<int>(Split::Test))
      throw Error(where + " (" + e.meta.name + "): unknown split " + std::to_string(split));
    if (!(e.fps > 0)) throw Error(where + " (" + e.meta.name + "): fps must be positive");
    e.frames = static_cast<int>(frames);
    e.split = static_cast<Split>(split);
    if (e.offset > h.array_floats ||
        static_cast<uint64_t>(frames) > (h.array_floats - e.offset) / kFloatsPerFrame)
      throw Error(where + " (" + e.meta.name + "): frames lie outside the array block (corrupt clip table)");
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

uint64_t fnv1a(std::string_view s) { return fnv1a64(s.data(), s.size()); }

Split split_for(const std::string& clip_name, int validation_percent) {
  return static_cast<int>(fnv1a(clip_name) % 100) < validation_percent ? Split::Validation : Split::Train;
}

std::string_view split_name(Split s) {
  switch (s) {
    case Split::Train:
      return "train";
    case Split::Validation:
      return "validation";
    case Split::Test:
      return "test";
  }
  return "?";
}

DatasetWriter::DatasetWriter(std::filesystem::path path, std::string dataset_name)
    : path_(std::move(path)), name_(std::move(dataset_name)), checksum_(fnv1a64(nullptr, 0)) {
  block_path_ = path_;
  block_path_ += ".block.tmp";
  block_ = std::fopen(block_path_.c_str(), "w+b");  // read back by finish()
  if (!block_) throw Error(block_path_.string() + ": cannot open for writing: " + std::strerror(errno));
}

DatasetWriter::~DatasetWriter() {
  if (block_) std::fclose(block_);
  std::error_code ec;
  std::filesystem::remove(block_path_, ec);
}

void DatasetWriter::add(const motion::Clip& c, Split split) {
  const std::string f = path_.string();
  if (!block_) throw Error(f + ": the cache is already finished");
  if (c.rot.size() != static_cast<size_t>(c.frames()) * motion::kNumJoints)
    throw Error(f + ": clip '" + c.meta.name + "' has " + std::to_string(c.rot.size()) + " rotations for " +
                std::to_string(c.frames()) + " frames");
  nlohmann::json e;
  e["meta"] = meta_to_json(c.meta);
  e["meta"]["audio"] = audio_for_table(c.meta.audio, path_);
  e["fps"] = c.fps;
  e["frames"] = c.frames();
  e["offset"] = floats_;
  e["split"] = static_cast<int>(split);
  if (clips_ > 0) table_ += ',';
  table_ += e.dump();
  row_.resize(kFloatsPerFrame);
  for (int t = 0; t < c.frames(); ++t) {
    const auto& r = c.root[t];
    row_[0] = float(r.x), row_[1] = float(r.y), row_[2] = float(r.z);
    for (int j = 0; j < motion::kNumJoints; ++j) {
      const auto& q = c.q(t, j);
      float* out = row_.data() + 3 + 4 * j;
      out[0] = float(q.w), out[1] = float(q.x), out[2] = float(q.y), out[3] = float(q.z);
    }
    checksum_ = fnv1a64(row_.data(), kFloatsPerFrame * sizeof(float), checksum_);
    if (std::fwrite(row_.data(), sizeof(float), kFloatsPerFrame, block_) != kFloatsPerFrame)
      throw Error(block_path_.string() + ": write failed: " + std::strerror(errno));
  }
  floats_ += static_cast<uint64_t>(c.frames()) * kFloatsPerFrame;
  ++clips_;
}

namespace {

// Copies `n` bytes from `from` to the end of `to`.
void append_file(std::FILE* from, std::ofstream& to, uint64_t n, const std::string& what) {
  std::vector<char> buf(size_t(1) << 20);
  while (n > 0) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(n, buf.size()));
    if (std::fread(buf.data(), 1, want, from) != want)
      throw Error(what + ": cannot read the array block back");
    to.write(buf.data(), static_cast<std::streamsize>(want));
    n -= want;
  }
}

}  // namespace

void DatasetWriter::finish() {
  const std::string f = path_.string();
  if (!block_) throw Error(f + ": the cache is already finished");
  if (std::fflush(block_) != 0) throw Error(block_path_.string() + ": write failed: " + std::strerror(errno));
  // The table as nlohmann::json dumps it: keys in order, compact.
  const std::string text = "{\"array_floats\":" + std::to_string(floats_) +
                           ",\"array_fnv1a\":" + std::to_string(checksum_) +
                           ",\"audio_base\":" + nlohmann::json(kAudioBaseCache).dump() + ",\"clips\":[" +
                           table_ + "],\"dataset\":" + nlohmann::json(name_).dump() +
                           ",\"floats_per_frame\":" + std::to_string(kFloatsPerFrame) +
                           ",\"joints\":" + std::to_string(motion::kNumJoints) + ",\"layout\":" +
                           nlohmann::json(
                               "per frame: root x y z (metres), then 22 local rotations as "
                               "quaternions w x y z")
                               .dump() +
                           "}";
  // Write to a temporary file and rename, so a reader never sees half a cache.
  auto tmp = path_;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(f + ": cannot open for writing");
    const uint32_t version = kCacheVersion;
    const uint64_t len = text.size();
    out.write(kMagic, 4);
    out.write(reinterpret_cast<const char*>(&version), 4);
    out.write(reinterpret_cast<const char*>(&len), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    const size_t pad = padded(16 + text.size()) - (16 + text.size());
    const char zeros[kAlign] = {};
    out.write(zeros, static_cast<std::streamsize>(pad));
    std::rewind(block_);
    append_file(block_, out, floats_ * sizeof(float), block_path_.string());
    out.close();
    if (!out) throw Error(f + ": write failed (disk full?)");
  }
  std::fclose(block_);
  block_ = nullptr;
  std::error_code ec;
  std::filesystem::remove(block_path_, ec);
  std::filesystem::rename(tmp, path_, ec);
  if (ec) throw Error(f + ": cannot move the finished cache into place: " + ec.message());
}

void write_dataset(const Dataset& ds, const std::filesystem::path& path) {
  if (ds.split.size() != ds.clips.size())
    throw Error(path.string() + ": dataset '" + ds.name + "' has " + std::to_string(ds.clips.size()) +
                " clips but " + std::to_string(ds.split.size()) + " split entries");
  DatasetWriter w(path, ds.name);
  for (size_t i = 0; i < ds.clips.size(); ++i) w.add(ds.clips[i], ds.split[i]);
  w.finish();
}

Dataset read_dataset(const std::filesystem::path& path) {
  const std::string f = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(f + ": cannot open dataset cache");
  const Header h = read_header(in, path);
  Dataset ds;
  const auto entries = read_entries(h, path, &ds.name);
  // The array block is mapped, not read into a buffer: the clips are built straight from the file's
  // pages, so loading holds the dataset once.
  const MappedFile map(path, h.array_start + h.array_floats * sizeof(float));
  const float* block = reinterpret_cast<const float*>(map.data() + h.array_start);
  const uint64_t sum = field<uint64_t>(h.table, "array_fnv1a", f + ": clip table");
  if (fnv1a64(block, h.array_floats * sizeof(float)) != sum)
    throw Error(f + ": corrupt dataset cache (array block checksum mismatch)");
  ds.clips.reserve(entries.size());
  for (const auto& e : entries) {
    motion::Clip c;
    c.meta = e.meta;
    c.fps = e.fps;
    c.resize(e.frames);
    const float* p = block + e.offset;
    for (int t = 0; t < e.frames; ++t, p += kFloatsPerFrame) {
      c.root[t] = {p[0], p[1], p[2]};
      for (int j = 0; j < motion::kNumJoints; ++j) {
        const float* q = p + 3 + 4 * j;
        c.q(t, j) = {q[0], q[1], q[2], q[3]};
      }
    }
    ds.clips.push_back(std::move(c));
    ds.split.push_back(e.split);
  }
  return ds;
}

std::vector<ClipInfo> read_dataset_index(const std::filesystem::path& path, std::string* dataset_name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open dataset cache");
  const Header h = read_header(in, path);
  std::vector<ClipInfo> out;
  for (auto& e : read_entries(h, path, dataset_name))
    out.push_back({std::move(e.meta), e.fps, e.frames, e.split});
  return out;
}

}  // namespace e2m::io

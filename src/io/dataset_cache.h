// The dataset cache written by `e2m import` and read by training: one versioned binary file per
// dataset (magic "E2MD", version, JSON clip table, float32 arrays), never JSON for bulk arrays.
#pragma once
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "motion/clip.h"

namespace e2m::io {

inline constexpr uint32_t kCacheVersion = 1;

// Test is only used where a dataset ships its own split lists (HumanML3D's test.txt).
enum class Split : uint8_t { Train = 0, Validation = 1, Test = 2 };
std::string_view split_name(Split s);  // "train", "validation", "test"

struct Dataset {
  std::string name;                 // "bandai", "tang", ...
  std::vector<motion::Clip> clips;  // canonical skeleton, 30 fps
  std::vector<Split> split;         // one per clip, deterministic (hash of the clip name)
};

// Deterministic train/validation assignment from the clip name (about 1 in 10 to validation).
// The hash is 64-bit FNV-1a of the name, so the split never changes between runs or machines.
Split split_for(const std::string& clip_name, int validation_percent = 10);
uint64_t fnv1a(std::string_view s);

// Writes a cache one clip at a time, so an import never holds the whole dataset (let alone twice):
// the float arrays go to a temporary block file beside `path` as clips arrive, and finish() writes
// the header and clip table, copies the block after them and renames the result into place. A writer
// destroyed before finish() removes its temporary files and leaves `path` as it was.
class DatasetWriter {
 public:
  DatasetWriter(std::filesystem::path path, std::string dataset_name);
  ~DatasetWriter();
  DatasetWriter(const DatasetWriter&) = delete;
  DatasetWriter& operator=(const DatasetWriter&) = delete;

  void add(const motion::Clip& clip, Split split);  // throws e2m::Error on a malformed clip or a write error
  void finish();
  int clips() const { return clips_; }

 private:
  std::filesystem::path path_, block_path_;
  std::string name_;
  std::FILE* block_ = nullptr;
  std::string table_;  // the clip table's entries, JSON objects joined by commas
  std::vector<float> row_;
  uint64_t floats_ = 0, checksum_;
  int clips_ = 0;
};

// The whole dataset at once (through DatasetWriter).
void write_dataset(const Dataset& ds, const std::filesystem::path& path);
// Throws e2m::Error naming the file and what was wrong (magic, version, truncation).
Dataset read_dataset(const std::filesystem::path& path);

// The clip table alone (no motion arrays), for listings; same checks on the header as read_dataset.
struct ClipInfo {
  motion::ClipMeta meta;
  double fps = 30;
  int frames = 0;
  Split split = Split::Train;
};
std::vector<ClipInfo> read_dataset_index(const std::filesystem::path& path,
                                         std::string* dataset_name = nullptr);

}  // namespace e2m::io

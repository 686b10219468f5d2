// Fuzzes the dataset cache reader (.e2md): the full reader and the index-only one must agree, and a
// cache they accept must write back and read again with the same clips.
#include "fuzz_support.h"
#include "io/dataset_cache.h"

using namespace e2m;

namespace {
const fuzz::Scratch& scratch() {
  static const fuzz::Scratch s("fuzz_dataset_cache");
  return s;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The reader takes a path only (it seeks in the file); no extension, so nothing treats it specially.
  const auto path = scratch().write("input", fuzz::bytes_of(data, size));
  std::vector<io::ClipInfo> index;
  const bool index_ok = fuzz::accepts([&] { index = io::read_dataset_index(path); });
  io::Dataset ds;
  const bool full_ok = fuzz::accepts([&] { ds = io::read_dataset(path); });
  // The full reader checks the array block as well, so it accepts no more than the index reader.
  E2M_FUZZ_CHECK(!full_ok || index_ok);
  if (!full_ok) return 0;
  E2M_FUZZ_CHECK(ds.clips.size() == index.size() && ds.split.size() == index.size());
  for (size_t i = 0; i < index.size(); ++i) E2M_FUZZ_CHECK(ds.clips[i].frames() == index[i].frames);

  const auto copy = scratch().dir() / "copy";
  std::filesystem::remove(copy);  // a rename over an old file makes ext4 flush it to disk
  io::write_dataset(ds, copy);
  const io::Dataset again = io::read_dataset(copy);
  E2M_FUZZ_CHECK(again.name == ds.name && again.clips.size() == ds.clips.size());
  for (size_t i = 0; i < ds.clips.size(); ++i)
    E2M_FUZZ_CHECK(again.clips[i].frames() == ds.clips[i].frames());
  return 0;
}

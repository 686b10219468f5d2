// Fuzzes the .npy reader in both element types, and checks that what it accepts writes back and
// reads again to the same values.
#include <cstring>

#include "fuzz_support.h"
#include "io/npy.h"

using namespace e2m;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes = fuzz::bytes_of(data, size);
  io::NpyArray<double> d;
  if (fuzz::accepts([&] { d = io::parse_npy(bytes, "fuzz.npy"); })) {
    E2M_FUZZ_CHECK(d.data.size() == d.count());
    const io::NpyArray<double> again = io::parse_npy(io::format_npy(d.shape, d.data), "again.npy");
    E2M_FUZZ_CHECK(again.shape == d.shape);
    // Bitwise: NaN payloads must survive too.
    E2M_FUZZ_CHECK(again.data.size() == d.data.size() &&
                   (d.data.empty() ||
                    std::memcmp(again.data.data(), d.data.data(), d.data.size() * sizeof(double)) == 0));
  }
  io::NpyArray<float> f;
  const bool float_ok = fuzz::accepts([&] { f = io::parse_npy_float(bytes, "fuzz.npy"); });
  // Both readers take the same files; only the element type differs.
  E2M_FUZZ_CHECK(float_ok == !d.dtype.empty());
  if (float_ok) E2M_FUZZ_CHECK(f.shape == d.shape && f.data.size() == d.data.size());
  return 0;
}

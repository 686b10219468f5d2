// Fuzzes the preset reader (presets/*.json): any text must load or end in an e2m::Error, and a
// preset that loads must write back (format_preset checks that its own output loads) unchanged.
#include "fuzz_support.h"
#include "live/preset.h"

using namespace e2m;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  live::Preset p;
  if (!fuzz::accepts([&] { p = live::parse_preset(fuzz::bytes_of(data, size), "fuzz.json"); })) return 0;
  const std::string text = live::format_preset(p);
  E2M_FUZZ_CHECK(live::parse_preset(text, "again.json") == p);
  return 0;
}

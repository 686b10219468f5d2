// Pieces every fuzz target shares: a scratch folder of the process's own for parsers that read
// paths, and the one failure a parser may report for bad input (e2m::Error).
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

#include "motion/error.h"

namespace e2m::fuzz {

// A fresh folder under TMPDIR named after the target and the process id (parallel fuzzer jobs must
// not share files), removed at normal exit. After a crash it stays behind; scripts/fuzz.sh points
// TMPDIR into the build folder so that costs nothing.
class Scratch {
 public:
  explicit Scratch(const std::string& target) {
    dir_ = std::filesystem::temp_directory_path() / (target + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  const std::filesystem::path& dir() const { return dir_; }

  // Writes bytes to a new file dir/name (any old one is removed first: ext4 flushes a file that is
  // truncated or renamed over to disk on close, which would cost more than the parsing) and returns
  // its path.
  std::filesystem::path write(const std::string& name, std::string_view bytes) const {
    std::filesystem::path p = dir_ / name;
    std::filesystem::remove(p);
    std::ofstream out(p, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {  // the harness itself is broken: stop loudly rather than fuzz nothing
      std::fprintf(stderr, "cannot write %s\n", p.c_str());
      std::abort();
    }
    return p;
  }

 private:
  std::filesystem::path dir_;
};

inline std::string_view bytes_of(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs f; e2m::Error is the expected answer to bad input and is swallowed. Every other exception
// escapes to libFuzzer, which reports it as a crash with the input.
template <class F>
bool accepts(F&& f) {
  try {
    f();
    return true;
  } catch (const e2m::Error&) {
    return false;
  }
}

}  // namespace e2m::fuzz

// A property of the parser's own output that must hold; a violation is a finding like a crash.
#define E2M_FUZZ_CHECK(cond)                                                             \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

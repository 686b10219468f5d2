// Helpers shared by tests: where the shared data is, and a clean skip when it is absent.
#pragma once
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace e2m::test {

// ../shared/data beside the checkout; E2M_SHARED_DATA in the environment overrides it.
inline std::filesystem::path shared_data() {
  if (const char* env = std::getenv("E2M_SHARED_DATA")) return env;
  return E2M_SHARED_DATA;
}

inline std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("e2m-test-" + name);
  std::filesystem::create_directories(dir);
  return dir;
}

// Whole file as bytes (tests that must not depend on the io library's reader).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace e2m::test

// Catch2 v2 has no SKIP: print why, and leave the test case without failing it.
#define E2M_SKIP_UNLESS_EXISTS(path)                                              \
  do {                                                                            \
    if (!std::filesystem::exists(path)) {                                         \
      WARN("SKIPPED: " << (path).string() << " is absent (shared data missing)"); \
      return;                                                                     \
    }                                                                             \
  } while (0)

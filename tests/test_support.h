// Helpers shared by tests: where the shared data is, and a clean skip when it is absent.
#pragma once
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace e2m::test {

// ../shared/data beside the checkout; E2M_SHARED_DATA in the environment overrides it.
inline std::filesystem::path shared_data() {
  if (const char* env = std::getenv("E2M_SHARED_DATA")) return env;
  return E2M_SHARED_DATA;
}

// A fresh, empty folder of its own (unique per process and call), removed with everything in it
// when the object goes out of scope.
class TempDir {
 public:
  explicit TempDir(const std::string& name) {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("e2m-test-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A fresh folder for the rest of the test process, removed when the process exits.
inline std::filesystem::path temp_dir(const std::string& name) {
  static std::vector<std::unique_ptr<TempDir>> dirs;
  dirs.push_back(std::make_unique<TempDir>(name));
  return dirs.back()->path();
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

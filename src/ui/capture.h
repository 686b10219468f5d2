// A frame read back from the window (RGB, top row first) and written as PNG: the monitor's tests
// look at it, and a performer can keep one.
#pragma once
#include <cstdint>
#include <filesystem>
#include <vector>

namespace e2m::ui {

struct Capture {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // width x height x 3

  const uint8_t* at(int x, int y) const { return &rgb[(size_t(y) * size_t(width) + size_t(x)) * 3]; }
};

// Throws e2m::Error naming the file when it cannot be written.
void write_png(const Capture& capture, const std::filesystem::path& path);

}  // namespace e2m::ui

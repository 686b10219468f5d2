// PNG output of a window capture (stb_image_write, from Debian's libstb).
#include "ui/capture.h"

#include <stb/stb_image_write.h>

#include "motion/error.h"

namespace e2m::ui {

void write_png(const Capture& c, const std::filesystem::path& path) {
  if (c.width <= 0 || c.height <= 0 || c.rgb.size() != size_t(c.width) * size_t(c.height) * 3)
    throw Error(path.string() + ": nothing captured to write");
  if (!stbi_write_png(path.string().c_str(), c.width, c.height, 3, c.rgb.data(), c.width * 3))
    throw Error(path.string() + ": cannot write the PNG");
}

}  // namespace e2m::ui

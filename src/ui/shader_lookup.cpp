// Looking up an embedded shader by file name (the table itself is generated: embed_shaders.cmake).
#include <string>

#include "motion/error.h"
#include "ui/shaders.h"

namespace e2m::ui {

std::string_view shader_source(std::string_view name) {
  for (const auto& [file, source] : shader_sources())
    if (file == name) return source;
  throw Error("shaders/" + std::string(name) + ": not embedded in this build (see src/ui/CMakeLists.txt)");
}

}  // namespace e2m::ui

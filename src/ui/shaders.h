// The GLSL sources of shaders/, embedded in the binary at build time (embed_shaders.cmake).
#pragma once
#include <string_view>
#include <utility>
#include <vector>

namespace e2m::ui {

// (file name, source) of every shaders/*.vert and *.frag.
const std::vector<std::pair<std::string_view, std::string_view>>& shader_sources();
// The source of one file ("skeleton.vert"); throws e2m::Error when it was not embedded.
std::string_view shader_source(std::string_view name);

}  // namespace e2m::ui

// Where the commands find the default models when no model file is given: the committed files in
// the repository's models/ folder (models/README.md says how each was trained).
#pragma once
#include <filesystem>
#include <string>

namespace e2m::app {

inline constexpr const char* kDefaultMusicModel = "music2dance_tang.e2mm";
inline constexpr const char* kDefaultTextModel = "text2motion_bandai.e2mm";

// The first existing of $E2M_MODELS/<name>, ./models/<name> and <folder of the e2m binary>/../models/<name>
// (build/e2m in a checkout finds the checkout's models/). When none exists: models/<name>, so the
// error names the path a user expects.
std::filesystem::path default_model(const std::string& name);

// "models/<name>" for --help texts.
std::string default_model_help(const std::string& name);

}  // namespace e2m::app

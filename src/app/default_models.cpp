#include "default_models.h"

#include <cstdlib>
#include <system_error>
#include <vector>

namespace e2m::app {

namespace {

std::vector<std::filesystem::path> model_folders() {
  std::vector<std::filesystem::path> folders;
  if (const char* env = std::getenv("E2M_MODELS"); env && *env) folders.emplace_back(env);
  folders.emplace_back("models");
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) folders.push_back(exe.parent_path().parent_path() / "models");
  return folders;
}

}  // namespace

std::filesystem::path default_model(const std::string& name) {
  for (const auto& folder : model_folders()) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(folder / name, ec)) return folder / name;
  }
  return std::filesystem::path("models") / name;
}

std::string default_model_help(const std::string& name) { return "models/" + name; }

}  // namespace e2m::app

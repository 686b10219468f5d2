// GLFW window, GL context and Dear ImGui backends (see window.h).
#define GLFW_INCLUDE_NONE
#include "ui/window.h"

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <cstdlib>
#include <string>

#include "motion/error.h"
#include "ui/gl.h"

namespace e2m::ui {

namespace {

std::string g_glfw_error;  // the last error GLFW reported, for the message we throw
void on_glfw_error(int, const char* description) { g_glfw_error = description ? description : "?"; }

constexpr const char* kHeadlessHint = "run with --headless to stream without the monitor window";

}  // namespace

std::string missing_display_reason() {
  const char* x11 = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  if ((x11 && *x11) || (wayland && *wayland)) return "";
  return "no display (DISPLAY is not set)";
}

Window::Window(const WindowOptions& options) {
  if (const std::string why = missing_display_reason(); !why.empty()) throw Error(why + "; " + kHeadlessHint);
  glfwSetErrorCallback(on_glfw_error);
  if (!glfwInit()) throw Error("no display (" + g_glfw_error + "); " + kHeadlessHint);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  glfwWindowHint(GLFW_STENCIL_BITS, 8);  // the shadow darkens each pixel once
  window_ = glfwCreateWindow(options.width, options.height, options.title.c_str(), nullptr, nullptr);
  if (!window_) {
    glfwTerminate();
    throw Error("cannot open a window with OpenGL 3.3 (" + g_glfw_error + "); " + kHeadlessHint);
  }
  glfwMakeContextCurrent(window_);
  glfwSwapInterval(1);
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // the layout is fixed; write no imgui.ini into the working folder
  ImGui::StyleColorsDark();
  ImGui_ImplGlfw_InitForOpenGL(window_, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");
}

Window::~Window() {
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window_);
  glfwTerminate();
}

bool Window::close_requested() const { return glfwWindowShouldClose(window_); }

void Window::begin_frame() {
  glfwPollEvents();
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
}

void Window::render_ui() { ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData()); }

void Window::present() { glfwSwapBuffers(window_); }

void Window::framebuffer_size(int& width, int& height) const {
  glfwGetFramebufferSize(window_, &width, &height);
}

void Window::window_size(int& width, int& height) const { glfwGetWindowSize(window_, &width, &height); }

double Window::refresh_hz() const {
  GLFWmonitor* monitor = glfwGetPrimaryMonitor();
  const GLFWvidmode* mode = monitor ? glfwGetVideoMode(monitor) : nullptr;
  return mode && mode->refreshRate > 0 && mode->refreshRate <= 360 ? mode->refreshRate : 60.0;
}

}  // namespace e2m::ui

// The monitor's window: GLFW with an OpenGL 3.3 core context, and a Dear ImGui context with its
// GLFW and OpenGL 3 backends. One per process, created and used on one thread (GLFW's rule: the
// main thread).
#pragma once
#include <string>

struct GLFWwindow;

namespace e2m::ui {

struct WindowOptions {
  std::string title = "e2m live";
  int width = 1280, height = 800;  // screen coordinates
};

class Window {
 public:
  // Throws e2m::Error with one line when there is no display (DISPLAY and WAYLAND_DISPLAY unset, or
  // GLFW cannot connect to it), saying so and pointing at --headless; or when OpenGL 3.3 is missing.
  explicit Window(const WindowOptions& options = {});
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  GLFWwindow* handle() const { return window_; }
  bool close_requested() const;
  // Starts an ImGui frame: events in, backends' new frame.
  void begin_frame();
  // Draws ImGui's draw data (after ImGui::Render()) over what is in the framebuffer.
  void render_ui();
  void present();
  // Framebuffer size in pixels and window size in screen coordinates (they differ on HiDPI screens).
  void framebuffer_size(int& width, int& height) const;
  void window_size(int& width, int& height) const;
  // The display's refresh rate in Hz (60 when it does not say).
  double refresh_hz() const;

 private:
  GLFWwindow* window_ = nullptr;
};

// Why there is no usable display, or empty when one is configured (cheap: looks at the environment).
std::string missing_display_reason();

}  // namespace e2m::ui

// Typing into a GLFW window the way a keyboard does: X key events sent to its X11 window, which
// GLFW turns into key and character callbacks (and the ImGui backend into input). Kept out of the
// test files: Xlib's macros (None, Bool, Status) clash with other headers.
#pragma once
#include <string_view>

struct GLFWwindow;

namespace e2m::test {

// Press and release each character (letters, digits, space); events are queued for the next
// glfwPollEvents.
void type_text(GLFWwindow* window, std::string_view text);
// "Return", "Escape", "space" (X keysym names); down: press, else release. ImGui 1.86 reads key
// state once a frame, so a test lets a frame pass between press and release.
void send_key(GLFWwindow* window, const char* keysym, bool down);

}  // namespace e2m::test

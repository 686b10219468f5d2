// X key events to a GLFW window (see x_keyboard.h).
#include "x_keyboard.h"

#include <X11/Xlib.h>

#include <string>

// GLFW's X11 accessors, declared as glfw3native.h does: that header also pulls in Xrandr's, which
// nothing else here needs.
extern "C" {
Display* glfwGetX11Display(void);
Window glfwGetX11Window(GLFWwindow* window);
}

namespace e2m::test {

namespace {

// GLFW drops a key press whose X timestamp is not newer than the last one of that key (its XIM
// duplicate filter), so every event gets a fresh, increasing time.
Time g_time = 1000;

void send(GLFWwindow* window, KeySym sym, bool down) {
  Display* d = glfwGetX11Display();
  XKeyEvent e{};
  e.type = down ? KeyPress : KeyRelease;
  e.display = d;
  e.window = glfwGetX11Window(window);
  e.root = DefaultRootWindow(d);
  e.subwindow = 0;
  e.time = ++g_time;
  e.x = e.y = e.x_root = e.y_root = 1;
  e.same_screen = 1;
  e.keycode = XKeysymToKeycode(d, sym);
  XSendEvent(d, e.window, 1, down ? KeyPressMask : KeyReleaseMask, reinterpret_cast<XEvent*>(&e));
  XFlush(d);
}

}  // namespace

void type_text(GLFWwindow* window, std::string_view text) {
  for (char c : text) {
    const KeySym sym = c == ' ' ? XStringToKeysym("space") : XStringToKeysym(std::string(1, c).c_str());
    send(window, sym, true);
    send(window, sym, false);
  }
}

void send_key(GLFWwindow* window, const char* keysym, bool down) {
  send(window, XStringToKeysym(keysym), down);
}

}  // namespace e2m::test

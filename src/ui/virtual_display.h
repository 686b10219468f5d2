// A private X server (Xvfb) for running the monitor without a screen: the tests and `e2m bench` use
// it. Xvfb picks a free display number itself (-displayfd), so parallel runs never collide.
#pragma once
#include <sys/types.h>

#include <string>

namespace e2m::ui {

class VirtualDisplay {
 public:
  // Starts Xvfb with one screen of width x height x 24 bits and waits until it accepts clients.
  // Throws e2m::Error when Xvfb is not installed (the message names the package) or does not start.
  VirtualDisplay(int width, int height);
  ~VirtualDisplay();  // stops this Xvfb (only it: by its process id)
  VirtualDisplay(const VirtualDisplay&) = delete;
  VirtualDisplay& operator=(const VirtualDisplay&) = delete;

  const std::string& name() const { return name_; }  // ":N", for DISPLAY

  // Whether an Xvfb binary is on PATH (tests skip without one).
  static bool available();

 private:
  pid_t pid_ = -1;
  std::string name_;
};

}  // namespace e2m::ui

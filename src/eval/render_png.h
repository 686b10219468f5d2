// Software skeleton renderer for reports: a few frames of a clip drawn as stick figures (front
// view above, side view below) into an RGB image and written as PNG. No GL, no window.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "io/bvh.h"
#include "motion/clip.h"

namespace e2m::eval {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // width x height x 3, row-major, top row first

  Image() = default;
  Image(int w, int h, Rgb fill);
  void set(int x, int y, Rgb c);  // ignores points outside the image
  Rgb at(int x, int y) const;
};

// Anti-aliasing is not needed for inspection; lines are plain Bresenham, `thickness` pixels wide.
void draw_line(Image& img, double x0, double y0, double x1, double y1, Rgb c, int thickness = 1);
void draw_disc(Image& img, double cx, double cy, double radius, Rgb c);
// A 3x5 pixel font scaled by `scale`: digits, letters (drawn upper case), space and - _ . : /
void draw_text(Image& img, int x, int y, std::string_view text, Rgb c, int scale = 2);
void write_png(const Image& img, const std::filesystem::path& path);

// Joints to draw, frame by frame: positions (Y up), parents and sides.
struct SkeletonFrames {
  std::vector<int> parents;                       // -1 for a root
  std::vector<int> sides;                         // +1 the character's left, -1 right, 0 centre
  std::vector<std::vector<motion::Vec3>> frames;  // per drawn frame, one position per joint
  std::vector<int> labels;                        // frame numbers shown on the panels
  std::vector<motion::Vec3> forward;              // per frame facing direction (ground plane), may be empty
  int head = -1;                                  // joint the facing arrow starts from (-1: none)
  double floor_y = 0;                             // height of the floor line
};

// Frames of a canonical clip (out-of-range frame numbers are clamped to the clip), floor at y = 0.
SkeletonFrames clip_frames(const motion::Clip& clip, const std::vector<int>& frames);
// Frames of any BVH (file units, floor at the lowest joint of the drawn frames; sides guessed from joint
// names such as "LeftArm", "Hand_L").
SkeletonFrames bvh_frames(const io::Bvh& bvh, const std::vector<int>& frames);

struct RenderOptions {
  int panel_width = 200;
  int panel_height = 260;
  std::string title;
};

// Columns = frames; top row front view (camera in front of a character facing +Z, so the
// character's left appears on the image's right), bottom row side view from the character's
// right (facing +Z points right). One scale for all panels; the floor line is at floor_y.
Image render_frames(const SkeletonFrames& sk, const RenderOptions& opt = {});

// Evenly spaced frame numbers (n of them) across a clip of `frames` frames.
std::vector<int> spread_frames(int frames, int n);

}  // namespace e2m::eval

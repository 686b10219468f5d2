// Software stick-figure renderer and PNG output (stb_image_write; its implementation lives here).
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include "eval/render_png.h"

#include <stb/stb_image_write.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include "motion/error.h"
#include "motion/fk.h"
#include "motion/rotation.h"
#include "motion/skeleton.h"

namespace e2m::eval {

using motion::Vec3;

Image::Image(int w, int h, Rgb fill) : width(w), height(h), rgb(static_cast<size_t>(w) * h * 3) {
  for (size_t i = 0; i < rgb.size(); i += 3) {
    rgb[i] = fill.r;
    rgb[i + 1] = fill.g;
    rgb[i + 2] = fill.b;
  }
}

void Image::set(int x, int y, Rgb c) {
  if (x < 0 || y < 0 || x >= width || y >= height) return;
  uint8_t* p = &rgb[(static_cast<size_t>(y) * width + x) * 3];
  p[0] = c.r;
  p[1] = c.g;
  p[2] = c.b;
}

Rgb Image::at(int x, int y) const {
  if (x < 0 || y < 0 || x >= width || y >= height) return {};
  const uint8_t* p = &rgb[(static_cast<size_t>(y) * width + x) * 3];
  return {p[0], p[1], p[2]};
}

void draw_line(Image& img, double x0, double y0, double x1, double y1, Rgb c, int thickness) {
  if (!std::isfinite(x0) || !std::isfinite(y0) || !std::isfinite(x1) || !std::isfinite(y1)) return;
  int ax = static_cast<int>(std::lround(x0)), ay = static_cast<int>(std::lround(y0));
  const int bx = static_cast<int>(std::lround(x1)), by = static_cast<int>(std::lround(y1));
  const int dx = std::abs(bx - ax), dy = -std::abs(by - ay);
  const int sx = ax < bx ? 1 : -1, sy = ay < by ? 1 : -1;
  int err = dx + dy;
  const int r0 = -(thickness - 1) / 2, r1 = thickness / 2;
  for (int guard = 0; guard < 100000; ++guard) {
    for (int oy = r0; oy <= r1; ++oy)
      for (int ox = r0; ox <= r1; ++ox) img.set(ax + ox, ay + oy, c);
    if (ax == bx && ay == by) break;
    const int e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      ax += sx;
    }
    if (e2 <= dx) {
      err += dx;
      ay += sy;
    }
  }
}

void draw_disc(Image& img, double cx, double cy, double radius, Rgb c) {
  const int r = static_cast<int>(std::ceil(radius));
  for (int y = -r; y <= r; ++y)
    for (int x = -r; x <= r; ++x)
      if (x * x + y * y <= radius * radius)
        img.set(static_cast<int>(std::lround(cx)) + x, static_cast<int>(std::lround(cy)) + y, c);
}

namespace {

// 3x5 glyphs, one row per 3 bits (top row in the high bits).
uint16_t glyph(char ch) {
  auto g = [](int a, int b, int c, int d, int e) {
    return static_cast<uint16_t>(a << 12 | b << 9 | c << 6 | d << 3 | e);
  };
  switch (std::toupper(static_cast<unsigned char>(ch))) {
    case '0':
      return g(7, 5, 5, 5, 7);
    case '1':
      return g(2, 6, 2, 2, 7);
    case '2':
      return g(7, 1, 7, 4, 7);
    case '3':
      return g(7, 1, 7, 1, 7);
    case '4':
      return g(5, 5, 7, 1, 1);
    case '5':
      return g(7, 4, 7, 1, 7);
    case '6':
      return g(7, 4, 7, 5, 7);
    case '7':
      return g(7, 1, 1, 1, 1);
    case '8':
      return g(7, 5, 7, 5, 7);
    case '9':
      return g(7, 5, 7, 1, 7);
    case 'A':
      return g(2, 5, 7, 5, 5);
    case 'B':
      return g(6, 5, 6, 5, 6);
    case 'C':
      return g(3, 4, 4, 4, 3);
    case 'D':
      return g(6, 5, 5, 5, 6);
    case 'E':
      return g(7, 4, 6, 4, 7);
    case 'F':
      return g(7, 4, 6, 4, 4);
    case 'G':
      return g(3, 4, 5, 5, 3);
    case 'H':
      return g(5, 5, 7, 5, 5);
    case 'I':
      return g(7, 2, 2, 2, 7);
    case 'J':
      return g(1, 1, 1, 5, 2);
    case 'K':
      return g(5, 5, 6, 5, 5);
    case 'L':
      return g(4, 4, 4, 4, 7);
    case 'M':
      return g(5, 7, 7, 5, 5);
    case 'N':
      return g(6, 5, 5, 5, 5);
    case 'O':
      return g(2, 5, 5, 5, 2);
    case 'P':
      return g(6, 5, 6, 4, 4);
    case 'Q':
      return g(2, 5, 5, 6, 3);
    case 'R':
      return g(6, 5, 6, 5, 5);
    case 'S':
      return g(3, 4, 2, 1, 6);
    case 'T':
      return g(7, 2, 2, 2, 2);
    case 'U':
      return g(5, 5, 5, 5, 7);
    case 'V':
      return g(5, 5, 5, 5, 2);
    case 'W':
      return g(5, 5, 7, 7, 5);
    case 'X':
      return g(5, 5, 2, 5, 5);
    case 'Y':
      return g(5, 5, 2, 2, 2);
    case 'Z':
      return g(7, 1, 2, 4, 7);
    case '-':
      return g(0, 0, 7, 0, 0);
    case '_':
      return g(0, 0, 0, 0, 7);
    case '.':
      return g(0, 0, 0, 0, 2);
    case ':':
      return g(0, 2, 0, 2, 0);
    case '/':
      return g(1, 1, 2, 4, 4);
    default:
      return 0;
  }
}

// Left/right from a joint name: "LeftArm", "left_hip", "Hand_L", "L_Foot", "thigh.l".
int side_from_name(std::string name) {
  std::string lower = name;
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower.find("left") != std::string::npos) return 1;
  if (lower.find("right") != std::string::npos) return -1;
  auto tagged = [&](char s) {
    const std::string suffixes[] = {std::string("_") + s, std::string(".") + s, std::string(" ") + s};
    for (const auto& suf : suffixes)
      if (lower.ends_with(suf)) return true;
    return lower.starts_with(std::string(1, s) + "_") || lower.starts_with(std::string(1, s) + ".");
  };
  if (tagged('l')) return 1;
  if (tagged('r')) return -1;
  return 0;
}

const Rgb kBackground{28, 30, 36};
const Rgb kPanelEdge{60, 64, 74};
const Rgb kFloor{110, 110, 120};
const Rgb kLeft{235, 90, 60};    // character's left: warm
const Rgb kRight{70, 140, 240};  // character's right: cool
const Rgb kCentre{225, 225, 225};
const Rgb kFacing{90, 220, 110};
const Rgb kText{200, 200, 210};

Rgb side_colour(int side) { return side > 0 ? kLeft : side < 0 ? kRight : kCentre; }

}  // namespace

void draw_text(Image& img, int x, int y, std::string_view text, Rgb c, int scale) {
  for (char ch : text) {
    const uint16_t bits = glyph(ch);
    for (int row = 0; row < 5; ++row)
      for (int col = 0; col < 3; ++col)
        if (bits >> ((4 - row) * 3 + (2 - col)) & 1)
          for (int sy = 0; sy < scale; ++sy)
            for (int sx = 0; sx < scale; ++sx) img.set(x + col * scale + sx, y + row * scale + sy, c);
    x += 4 * scale;
  }
}

void write_png(const Image& img, const std::filesystem::path& path) {
  if (img.width <= 0 || img.height <= 0) throw Error(path.string() + ": cannot write an empty image");
  if (!stbi_write_png(path.string().c_str(), img.width, img.height, 3, img.rgb.data(), img.width * 3))
    throw Error(path.string() + ": cannot write PNG");
}

std::vector<int> spread_frames(int frames, int n) {
  std::vector<int> out;
  if (frames <= 0 || n <= 0) return out;
  if (n == 1 || frames == 1) return {0};
  for (int i = 0; i < n; ++i) {
    int f = static_cast<int>(std::lround(static_cast<double>(i) * (frames - 1) / (n - 1)));
    if (out.empty() || out.back() != f) out.push_back(f);
  }
  return out;
}

SkeletonFrames clip_frames(const motion::Clip& clip, const std::vector<int>& frames) {
  if (clip.frames() == 0) throw Error(clip.meta.name + ": clip has no frames to draw");
  SkeletonFrames sk;
  for (int j = 0; j < motion::kNumJoints; ++j) {
    sk.parents.push_back(motion::parent(j));
    const int m = motion::skeleton()[j].mirror;
    // Left joints sit at +X in the rest pose; a joint that is its own mirror is on the spine.
    sk.sides.push_back(m == j ? 0 : motion::rest_positions()[j].x > 0 ? 1 : -1);
  }
  sk.head = motion::kHead;
  sk.floor_y = 0;
  for (int f : frames) {
    f = std::clamp(f, 0, clip.frames() - 1);
    motion::Pose pose;
    std::array<motion::Quat, motion::kNumJoints> world;
    motion::fk(clip, f, pose, &world);
    sk.frames.emplace_back(pose.begin(), pose.end());
    sk.labels.push_back(f);
    Vec3 fwd = motion::rotate(world[motion::kPelvis], {0, 0, 1});
    fwd.y = 0;
    sk.forward.push_back(motion::normalized(fwd));
  }
  return sk;
}

SkeletonFrames bvh_frames(const io::Bvh& bvh, const std::vector<int>& frames) {
  if (bvh.frames == 0) throw Error("BVH has no frames to draw");
  SkeletonFrames sk;
  for (const auto& j : bvh.joints) {
    sk.parents.push_back(j.parent);
    sk.sides.push_back(side_from_name(j.name));
  }
  double floor = 1e300;
  for (int f : frames) {
    f = std::clamp(f, 0, bvh.frames - 1);
    sk.frames.push_back(bvh.world_positions(f));
    sk.labels.push_back(f);
    for (const auto& p : sk.frames.back()) floor = std::min(floor, p.y);
  }
  sk.floor_y = floor;
  return sk;
}

Image render_frames(const SkeletonFrames& sk, const RenderOptions& opt) {
  const int n = static_cast<int>(sk.frames.size());
  const int pw = opt.panel_width, ph = opt.panel_height;
  const int title_h = opt.title.empty() ? 0 : 22;
  Image img(std::max(1, n) * pw, 2 * ph + title_h, kBackground);
  if (!opt.title.empty()) draw_text(img, 6, 5, opt.title, kText, 2);
  if (n == 0) return img;

  // One scale for every panel: the tallest frame and the widest spread around each frame's centre.
  double top = sk.floor_y, half_width = 0;
  std::vector<Vec3> centres;
  for (const auto& pose : sk.frames) {
    Vec3 c{};
    for (const auto& p : pose) c += p;
    c = c / std::max<size_t>(1, pose.size());
    centres.push_back(c);
    for (const auto& p : pose) {
      top = std::max(top, p.y);
      half_width = std::max({half_width, std::abs(p.x - c.x), std::abs(p.z - c.z)});
    }
  }
  double bottom = sk.floor_y;
  for (const auto& pose : sk.frames)
    for (const auto& p : pose) bottom = std::min(bottom, p.y);
  const double span_y = std::max(1e-9, top - bottom), span_x = std::max(1e-9, 2 * half_width);
  const double margin = 18, label_h = 16;
  const double scale = std::min((ph - 2 * margin - label_h) / span_y, (pw - 2 * margin) / span_x);
  const double arrow = 0.12 * span_y;  // facing arrow length in world units

  for (int view = 0; view < 2; ++view) {
    for (int i = 0; i < n; ++i) {
      const int ox = i * pw, oy = title_h + view * ph;
      for (int x = 0; x < pw; ++x) img.set(ox + x, oy, kPanelEdge);
      for (int y = 0; y < ph; ++y) img.set(ox, oy + y, kPanelEdge);
      const std::string label = (view == 0 ? "FRONT " : "SIDE ") + std::to_string(sk.labels[i]);
      draw_text(img, ox + 5, oy + 5, label, kText, 2);
      const Vec3& c = centres[i];
      const double base_y = oy + ph - margin;
      auto project = [&](const Vec3& p) -> std::pair<double, double> {
        const double h = view == 0 ? p.x - c.x : p.z - c.z;
        return {ox + pw / 2.0 + h * scale, base_y - (p.y - bottom) * scale};
      };
      const double fy = base_y - (sk.floor_y - bottom) * scale;
      draw_line(img, ox + 4, fy, ox + pw - 4, fy, kFloor, 1);
      const auto& pose = sk.frames[i];
      // The side view looks at the character's right, so its left limbs are the far ones: draw
      // them first so the near limbs stay on top.
      for (int pass : {1, 0, -1}) {
        for (size_t j = 0; j < pose.size(); ++j) {
          if (sk.sides[j] != pass) continue;
          const int p = sk.parents[j];
          if (p < 0) continue;
          auto [x0, y0] = project(pose[p]);
          auto [x1, y1] = project(pose[j]);
          draw_line(img, x0, y0, x1, y1, side_colour(sk.sides[j]), 3);
        }
      }
      for (size_t j = 0; j < pose.size(); ++j) {
        auto [x, y] = project(pose[j]);
        draw_disc(img, x, y, 2.5, side_colour(sk.sides[j]));
      }
      if (sk.head >= 0 && i < static_cast<int>(sk.forward.size())) {
        const Vec3 h = pose[sk.head];
        auto [x0, y0] = project(h);
        auto [x1, y1] = project(h + sk.forward[i] * arrow);
        draw_line(img, x0, y0, x1, y1, kFacing, 2);
        draw_disc(img, x1, y1, 3, kFacing);
      }
    }
  }
  return img;
}

}  // namespace e2m::eval

// Training CSV log and loss-curve PNG (stb_image_write, text by stb_easy_font); see log.h.
#include "train/log.h"

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_easy_font.h>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>

#include "motion/error.h"

namespace e2m::train {
namespace {

constexpr const char* kHeader = "step,train_loss,val_loss,lr,seconds";

std::string format_row(const LogRow& r) {
  char buf[200];
  char val[40] = "";
  if (r.val_loss) std::snprintf(val, sizeof(val), "%.6g", *r.val_loss);
  std::snprintf(buf, sizeof(buf), "%lld,%.6g,%s,%.6g,%.3f", static_cast<long long>(r.step), r.train_loss, val, r.lr,
                r.seconds);
  return buf;
}

struct Rgb {
  unsigned char r, g, b;
};

struct Canvas {
  int w, h;
  std::vector<unsigned char> px;
  Canvas(int w_, int h_) : w(w_), h(h_), px(static_cast<size_t>(w_) * h_ * 3, 255) {}
  void set(int x, int y, Rgb c) {
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    unsigned char* p = &px[(static_cast<size_t>(y) * w + x) * 3];
    p[0] = c.r;
    p[1] = c.g;
    p[2] = c.b;
  }
  void rect(int x0, int y0, int x1, int y1, Rgb c) {
    for (int y = std::min(y0, y1); y <= std::max(y0, y1); ++y)
      for (int x = std::min(x0, x1); x <= std::max(x0, x1); ++x) set(x, y, c);
  }
  // Bresenham, `thick` pixels wide.
  void line(int x0, int y0, int x1, int y1, Rgb c, int thick = 1) {
    const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
    const int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
      rect(x0 - thick / 2, y0 - thick / 2, x0 + (thick - 1) / 2, y0 + (thick - 1) / 2, c);
      if (x0 == x1 && y0 == y1) break;
      const int e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }
  // stb_easy_font emits axis-aligned quads; fill each one.
  void text(int x, int y, const std::string& s, Rgb c) {
    static char vbuf[64 * 1024];
    std::string copy = s;
    unsigned char color[4] = {c.r, c.g, c.b, 255};
    const int quads = stb_easy_font_print(static_cast<float>(x), static_cast<float>(y), copy.data(), color, vbuf,
                                          sizeof(vbuf));
    for (int q = 0; q < quads; ++q) {
      const float* v0 = reinterpret_cast<const float*>(vbuf + q * 64);
      const float* v2 = reinterpret_cast<const float*>(vbuf + q * 64 + 32);
      rect(static_cast<int>(v0[0]), static_cast<int>(v0[1]), static_cast<int>(v2[0]) - 1, static_cast<int>(v2[1]) - 1, c);
    }
  }
  static int text_width(const std::string& s) {
    std::string copy = s;
    return stb_easy_font_width(copy.data());
  }
};

std::string tick_label(double v) {
  char buf[32];
  if (v != 0 && (std::abs(v) < 1e-3 || std::abs(v) >= 1e5))
    std::snprintf(buf, sizeof(buf), "%.0e", v);
  else
    std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

// "Nice" tick step (1, 2, 5 x 10^k) for about `count` ticks over `span`.
double nice_step(double span, int count) {
  const double raw = span / std::max(1, count);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

}  // namespace

std::vector<LogRow> read_log(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(path.string() + ": cannot open the training log");
  std::string line;
  std::getline(in, line);
  if (line != kHeader) throw Error(path.string() + ":1: expected the header '" + std::string(kHeader) + "'");
  std::vector<LogRow> rows;
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    if (cells.size() != 5)
      throw Error(path.string() + ":" + std::to_string(line_no) + ": expected 5 comma-separated fields");
    try {
      LogRow r;
      r.step = std::stoll(cells[0]);
      r.train_loss = std::stod(cells[1]);
      if (!cells[2].empty()) r.val_loss = std::stod(cells[2]);
      r.lr = std::stod(cells[3]);
      r.seconds = std::stod(cells[4]);
      rows.push_back(r);
    } catch (const std::exception&) {
      throw Error(path.string() + ":" + std::to_string(line_no) + ": a field is not a number");
    }
  }
  return rows;
}

CsvLog::CsvLog(const std::filesystem::path& path, bool resume, int64_t resume_step) : path_(path) {
  std::vector<LogRow> keep;
  if (resume && std::filesystem::exists(path)) {
    for (const auto& r : read_log(path))
      if (r.step <= resume_step) keep.push_back(r);
  }
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  out_.open(path, std::ios::trunc);
  if (!out_) throw Error(path.string() + ": cannot write the training log");
  out_ << kHeader << "\n";
  for (const auto& r : keep) out_ << format_row(r) << "\n";
  out_.flush();
}

void CsvLog::write(const LogRow& row) {
  out_ << format_row(row) << "\n";
  out_.flush();
}

void write_loss_plot(const std::vector<LogRow>& rows, const std::filesystem::path& png, int width, int height) {
  Canvas cv(width, height);
  const int left = 70, right = 20, top = 30, bottom = 45;
  const int pw = width - left - right, ph = height - top - bottom;
  const Rgb axis{40, 40, 40}, grid{225, 225, 225}, train{31, 119, 180}, val{255, 127, 14};

  double lo = INFINITY, hi = -INFINITY;
  int64_t s0 = rows.empty() ? 0 : rows.front().step, s1 = rows.empty() ? 1 : rows.back().step;
  for (const auto& r : rows) {
    for (double v : {r.train_loss, r.val_loss.value_or(r.train_loss)}) {
      if (!std::isfinite(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    s0 = std::min(s0, r.step);
    s1 = std::max(s1, r.step);
  }
  if (!(lo <= hi)) lo = 0, hi = 1;
  if (s1 <= s0) s1 = s0 + 1;
  const bool log_y = lo > 0 && hi / lo > 20;
  auto ty = [&](double v) { return log_y ? std::log10(v) : v; };
  double y0 = ty(lo), y1 = ty(hi);
  if (y1 - y0 < 1e-12) y0 -= 0.5, y1 += 0.5;
  const double pad = 0.05 * (y1 - y0);
  y0 -= pad;
  y1 += pad;
  if (!log_y && lo >= 0) y0 = std::max(0.0, y0);
  auto px = [&](int64_t step) {
    return left + static_cast<int>(std::lround(static_cast<double>(step - s0) / static_cast<double>(s1 - s0) * pw));
  };
  auto py = [&](double v) {
    return top + ph - static_cast<int>(std::lround((ty(v) - y0) / (y1 - y0) * ph));
  };

  // Grid and tick labels.
  if (log_y) {
    for (int e = static_cast<int>(std::floor(y0)); e <= static_cast<int>(std::ceil(y1)); ++e) {
      for (int m : {1, 2, 5}) {
        const double v = m * std::pow(10.0, e);
        if (std::log10(v) < y0 || std::log10(v) > y1) continue;
        cv.line(left, py(v), left + pw, py(v), grid);
        const std::string label = tick_label(v);
        cv.text(left - 6 - Canvas::text_width(label), py(v) - 3, label, axis);
      }
    }
  } else {
    const double step = nice_step(y1 - y0, 6);
    for (double v = std::ceil(y0 / step) * step; v <= y1; v += step) {
      cv.line(left, py(v), left + pw, py(v), grid);
      const std::string label = tick_label(std::abs(v) < step * 1e-6 ? 0 : v);
      cv.text(left - 6 - Canvas::text_width(label), py(v) - 3, label, axis);
    }
  }
  const double xstep = nice_step(static_cast<double>(s1 - s0), 8);
  for (double s = std::ceil(static_cast<double>(s0) / xstep) * xstep; s <= static_cast<double>(s1); s += xstep) {
    const int x = px(static_cast<int64_t>(s));
    cv.line(x, top, x, top + ph, grid);
    const std::string label = tick_label(s);
    cv.text(x - Canvas::text_width(label) / 2, top + ph + 8, label, axis);
  }
  cv.line(left, top, left, top + ph, axis, 2);
  cv.line(left, top + ph, left + pw, top + ph, axis, 2);
  cv.text(left + pw / 2 - 10, height - 16, "step", axis);
  cv.text(8, 10, log_y ? "loss (log scale)" : "loss", axis);

  // Curves.
  const LogRow* prev = nullptr;
  const LogRow* prev_val = nullptr;
  for (const auto& r : rows) {
    if (std::isfinite(r.train_loss) && (!log_y || r.train_loss > 0)) {
      if (prev) cv.line(px(prev->step), py(prev->train_loss), px(r.step), py(r.train_loss), train, 2);
      prev = &r;
    }
    if (r.val_loss && std::isfinite(*r.val_loss) && (!log_y || *r.val_loss > 0)) {
      if (prev_val) cv.line(px(prev_val->step), py(*prev_val->val_loss), px(r.step), py(*r.val_loss), val, 2);
      cv.rect(px(r.step) - 2, py(*r.val_loss) - 2, px(r.step) + 2, py(*r.val_loss) + 2, val);
      prev_val = &r;
    }
  }
  // Legend.
  cv.line(left + pw - 150, 14, left + pw - 130, 14, train, 3);
  cv.text(left + pw - 125, 10, "train", axis);
  cv.line(left + pw - 80, 14, left + pw - 60, 14, val, 3);
  cv.text(left + pw - 55, 10, "validation", axis);

  if (png.has_parent_path()) std::filesystem::create_directories(png.parent_path());
  if (!stbi_write_png(png.string().c_str(), width, height, 3, cv.px.data(), width * 3))
    throw Error(png.string() + ": cannot write the loss plot");
}

}  // namespace e2m::train

// Line plots and bar charts for reports; see plots.h.
#include "eval/plots.h"

#include <stb/stb_easy_font.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace e2m::eval {
namespace {

const Rgb kAxis{40, 40, 40}, kGrid{225, 225, 225}, kWhite{255, 255, 255};

void fill(Image& img, int x0, int y0, int x1, int y1, Rgb c) {
  for (int y = std::min(y0, y1); y <= std::max(y0, y1); ++y)
    for (int x = std::min(x0, x1); x <= std::max(x0, x1); ++x) img.set(x, y, c);
}

// stb_easy_font emits axis-aligned quads; fill each one.
void text(Image& img, int x, int y, const std::string& s, Rgb c) {
  static thread_local char vbuf[64 * 1024];
  std::string copy = s;
  unsigned char color[4] = {c.r, c.g, c.b, 255};
  const int quads = stb_easy_font_print(static_cast<float>(x), static_cast<float>(y), copy.data(), color,
                                        vbuf, sizeof(vbuf));
  for (int q = 0; q < quads; ++q) {
    const float* v0 = reinterpret_cast<const float*>(vbuf + q * 64);
    const float* v2 = reinterpret_cast<const float*>(vbuf + q * 64 + 32);
    fill(img, static_cast<int>(v0[0]), static_cast<int>(v0[1]), static_cast<int>(v2[0]) - 1,
         static_cast<int>(v2[1]) - 1, c);
  }
}

int text_width(const std::string& s) {
  std::string copy = s;
  return stb_easy_font_width(copy.data());
}

std::string tick_label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3g", std::abs(v) < 1e-12 ? 0.0 : v);
  return buf;
}

// "Nice" tick step (1, 2, 5 x 10^k) for about `count` ticks over `span`.
double nice_step(double span, int count) {
  const double raw = std::max(span, 1e-12) / std::max(1, count);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

struct Range {
  double lo = INFINITY, hi = -INFINITY;
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  void settle() {
    if (!(lo <= hi)) lo = 0, hi = 1;
    if (hi - lo < 1e-12) lo -= 0.5, hi += 0.5;
  }
};

void dashed_vertical(Image& img, int x, int y0, int y1, Rgb c) {
  for (int y = y0; y < y1; y += 8) draw_line(img, x, y, x, std::min(y1, y + 4), c, 2);
}

}  // namespace

Rgb palette(int i) {
  static const Rgb kColors[] = {{31, 119, 180},  {255, 127, 14}, {44, 160, 44},   {214, 39, 40},
                                {148, 103, 189}, {140, 86, 75},  {227, 119, 194}, {127, 127, 127}};
  return kColors[static_cast<size_t>(i) % std::size(kColors)];
}

Image line_plot(const std::vector<Series>& series, const PlotOptions& opt) {
  Image img(opt.width, opt.height, kWhite);
  const int left = 60, right = 20, top = 30, bottom = 40;
  const int pw = opt.width - left - right, ph = opt.height - top - bottom;
  Range xr, yr;
  for (const auto& s : series) {
    for (double x : s.x) xr.add(x);
    for (double y : s.y) yr.add(y);
  }
  xr.settle();
  yr.settle();
  const double pad = 0.05 * (yr.hi - yr.lo);
  yr.lo -= pad, yr.hi += pad;
  auto px = [&](double x) { return left + (x - xr.lo) / (xr.hi - xr.lo) * pw; };
  auto py = [&](double y) { return top + ph - (y - yr.lo) / (yr.hi - yr.lo) * ph; };
  const double ys = nice_step(yr.hi - yr.lo, 6), xs = nice_step(xr.hi - xr.lo, 8);
  for (double v = std::ceil(yr.lo / ys) * ys; v <= yr.hi; v += ys) {
    draw_line(img, left, py(v), left + pw, py(v), kGrid);
    text(img, left - 6 - text_width(tick_label(v)), static_cast<int>(py(v)) - 3, tick_label(v), kAxis);
  }
  for (double v = std::ceil(xr.lo / xs) * xs; v <= xr.hi; v += xs) {
    draw_line(img, px(v), top, px(v), top + ph, kGrid);
    text(img, static_cast<int>(px(v)) - text_width(tick_label(v)) / 2, top + ph + 8, tick_label(v), kAxis);
  }
  if (opt.mark_x_zero && xr.lo < 0 && xr.hi > 0)
    dashed_vertical(img, static_cast<int>(px(0)), top, top + ph, kAxis);
  draw_line(img, left, top, left, top + ph, kAxis, 2);
  draw_line(img, left, top + ph, left + pw, top + ph, kAxis, 2);
  text(img, left + pw / 2 - text_width(opt.x_label) / 2, opt.height - 16, opt.x_label, kAxis);
  text(img, 8, 8, opt.title + (opt.y_label.empty() ? "" : "   (y: " + opt.y_label + ")"), kAxis);
  int legend_x = left + 10;
  for (const auto& s : series) {
    for (size_t i = 1; i < s.x.size() && i < s.y.size(); ++i)
      draw_line(img, px(s.x[i - 1]), py(s.y[i - 1]), px(s.x[i]), py(s.y[i]), s.color, 2);
    draw_line(img, legend_x, top + 10, legend_x + 18, top + 10, s.color, 3);
    text(img, legend_x + 22, top + 6, s.name, kAxis);
    legend_x += 40 + text_width(s.name);
  }
  return img;
}

Image bar_chart(const std::vector<Bar>& bars, const std::string& title, double reference,
                const std::string& reference_label, int width) {
  const int row_h = 22, top = 30, bottom = 28;
  int left = 20;
  for (const auto& b : bars) left = std::max(left, text_width(b.label) + 16);
  const int height = top + bottom + row_h * static_cast<int>(std::max<size_t>(bars.size(), 1));
  Image img(width, height, kWhite);
  const int pw = width - left - 70;
  double hi = reference > 0 ? reference : 0;
  for (const auto& b : bars)
    hi = std::max({hi, std::isfinite(b.value) ? b.value : 0.0, b.has_interval ? b.hi : 0.0});
  if (hi <= 0) hi = 1;
  hi *= 1.05;
  auto px = [&](double v) { return left + std::clamp(v, 0.0, hi) / hi * pw; };
  const double xs = nice_step(hi, 6);
  for (double v = 0; v <= hi; v += xs) {
    draw_line(img, px(v), top, px(v), height - bottom, kGrid);
    text(img, static_cast<int>(px(v)) - text_width(tick_label(v)) / 2, height - bottom + 8, tick_label(v),
         kAxis);
  }
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const int y = top + static_cast<int>(i) * row_h;
    text(img, left - 8 - text_width(b.label), y + 6, b.label, kAxis);
    if (std::isfinite(b.value)) fill(img, left, y + 4, static_cast<int>(px(b.value)), y + row_h - 5, b.color);
    if (b.has_interval) {
      const int yc = y + row_h / 2;
      draw_line(img, px(b.lo), yc, px(b.hi), yc, kAxis, 2);
      draw_line(img, px(b.lo), yc - 4, px(b.lo), yc + 4, kAxis, 2);
      draw_line(img, px(b.hi), yc - 4, px(b.hi), yc + 4, kAxis, 2);
    }
    const std::string v = std::isfinite(b.value) ? tick_label(b.value) : "n/a";
    text(img, static_cast<int>(px(std::max(b.value, b.has_interval ? b.hi : b.value))) + 6, y + 6, v, kAxis);
  }
  draw_line(img, left, top, left, height - bottom, kAxis, 2);
  if (reference > 0) {
    dashed_vertical(img, static_cast<int>(px(reference)), top - 4, height - bottom, {214, 39, 40});
    text(img, static_cast<int>(px(reference)) + 4, top - 12, reference_label, {214, 39, 40});
  }
  text(img, 8, 8, title, kAxis);
  return img;
}

Image stack(const std::vector<Image>& images) {
  int w = 0, h = 0;
  for (const auto& i : images) w = std::max(w, i.width), h += i.height;
  Image out(std::max(w, 1), std::max(h, 1), kWhite);
  int y0 = 0;
  for (const auto& i : images) {
    for (int y = 0; y < i.height; ++y)
      for (int x = 0; x < i.width; ++x) out.set(x, y0 + y, i.at(x, y));
    y0 += i.height;
  }
  return out;
}

}  // namespace e2m::eval

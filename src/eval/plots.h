// Plots for evaluation reports: line plots and horizontal bar charts drawn into eval::Image (no
// plotting library), text by stb_easy_font, written with write_png.
#pragma once
#include <string>
#include <vector>

#include "eval/render_png.h"

namespace e2m::eval {

struct Series {
  std::string name;
  std::vector<double> x, y;
  Rgb color;
};

struct PlotOptions {
  std::string title, x_label, y_label;
  int width = 760, height = 380;
  bool mark_x_zero = false;  // a vertical line at x = 0
};
Image line_plot(const std::vector<Series>& series, const PlotOptions& opt);

struct Bar {
  std::string label;
  double value = 0;
  double lo = 0, hi = 0;  // interval whiskers when has_interval
  bool has_interval = false;
  Rgb color{31, 119, 180};
};
// One bar per row, labels on the left; `reference` > 0 draws a dashed vertical line there, labelled.
Image bar_chart(const std::vector<Bar>& bars, const std::string& title, double reference = -1,
                const std::string& reference_label = "", int width = 760);

// Images one above the other on white, left-aligned.
Image stack(const std::vector<Image>& images);

// A fixed palette for rows and series.
Rgb palette(int i);

}  // namespace e2m::eval

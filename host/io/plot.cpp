// Line plots as PNG: a small software rasteriser (lines by Bresenham, text quads from stb_easy_font).
#include "io/plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>
#include <stb_easy_font.h>

#include "io/atomic_file.hpp"
#include "thon/core/error.hpp"

namespace thon::io {
namespace {

struct Canvas {
  int w, h;
  std::vector<std::uint8_t> px;
  Canvas(int width, int height) : w(width), h(height), px(std::size_t(width) * height * 3, 255) {}
  void set(int x, int y, const std::uint8_t* c) {
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    std::memcpy(&px[(std::size_t(y) * w + x) * 3], c, 3);
  }
  void line(int x0, int y0, int x1, int y1, const std::uint8_t* c, int thick = 1, int dash = 0) {
    const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
    const int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int err = dx + dy, step = 0;
    for (;;) {
      if (dash == 0 || (step / dash) % 2 == 0)
        for (int t = 0; t < thick; ++t)
          for (int u = 0; u < thick; ++u) set(x0 + t - thick / 2, y0 + u - thick / 2, c);
      ++step;
      if (x0 == x1 && y0 == y1) break;
      const int e2 = 2 * err;
      if (e2 >= dy) err += dy, x0 += sx;
      if (e2 <= dx) err += dx, y0 += sy;
    }
  }
  /// Text with its top-left corner at (x, y), scale 2 (about 14 px high).
  void text(int x, int y, const std::string& s, const std::uint8_t* c, int scale = 2) {
    static char buffer[200000];
    const int quads = stb_easy_font_print(0, 0, const_cast<char*>(s.c_str()), nullptr, buffer, sizeof buffer);
    const float* v = reinterpret_cast<const float*>(buffer);  // 4 vertices x (x, y, z, rgba as float slot)
    for (int q = 0; q < quads; ++q) {
      const float* a = v + q * 16;
      const int qx0 = int(a[0]), qy0 = int(a[1]), qx1 = int(a[8]), qy1 = int(a[9]);
      for (int yy = qy0 * scale; yy < qy1 * scale; ++yy)
        for (int xx = qx0 * scale; xx < qx1 * scale; ++xx) set(x + xx, y + yy, c);
    }
  }
  int text_width(const std::string& s, int scale = 2) {
    return stb_easy_font_width(const_cast<char*>(s.c_str())) * scale;
  }
};

std::string tick_label(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

}  // namespace

void write_line_plot_png(const std::string& path, const LinePlot& p, int width, int height) {
  THON_CHECK(width >= 200 && height >= 150, "plot: image of ", width, " x ", height, " is too small");
  THON_CHECK(p.x_max > p.x_min && p.y_max > p.y_min, "plot: empty axis range");
  Canvas c(width, height);
  const std::uint8_t black[3] = {0, 0, 0}, grey[3] = {170, 170, 170}, light[3] = {225, 225, 225};
  const int left = 80, right = 20, top = 40, bottom = 60;
  const int pw = width - left - right, ph = height - top - bottom;
  auto X = [&](double x) { return left + int(std::lround((x - p.x_min) / (p.x_max - p.x_min) * pw)); };
  auto Y = [&](double y) { return top + ph - int(std::lround((y - p.y_min) / (p.y_max - p.y_min) * ph)); };
  // grid and ticks: 5 divisions per axis
  for (int i = 0; i <= 5; ++i) {
    const double xv = p.x_min + (p.x_max - p.x_min) * i / 5, yv = p.y_min + (p.y_max - p.y_min) * i / 5;
    c.line(X(xv), top, X(xv), top + ph, light);
    c.line(left, Y(yv), left + pw, Y(yv), light);
    const std::string xl = tick_label(xv), yl = tick_label(yv);
    c.text(X(xv) - c.text_width(xl) / 2, top + ph + 8, xl, black);
    c.text(left - 8 - c.text_width(yl), Y(yv) - 7, yl, black);
  }
  for (double h : p.h_lines)
    if (h > p.y_min && h < p.y_max) c.line(left, Y(h), left + pw, Y(h), grey, 1, 6);
  c.line(left, top, left, top + ph, black);
  c.line(left, top + ph, left + pw, top + ph, black);
  for (const PlotSeries& s : p.series) {
    for (std::size_t i = 1; i < s.x.size() && i < s.y.size(); ++i) {
      auto clampy = [&](double y) { return std::min(p.y_max, std::max(p.y_min, y)); };
      c.line(X(s.x[i - 1]), Y(clampy(s.y[i - 1])), X(s.x[i]), Y(clampy(s.y[i])), s.rgb, 2);
    }
  }
  // legend, title, axis labels
  int ly = top + 8;
  for (const PlotSeries& s : p.series) {
    if (s.label.empty()) continue;
    c.line(left + pw - 230, ly + 7, left + pw - 200, ly + 7, s.rgb, 3);
    c.text(left + pw - 192, ly, s.label, black);
    ly += 20;
  }
  c.text(left + (pw - c.text_width(p.title)) / 2, 10, p.title, black);
  c.text(left + (pw - c.text_width(p.x_label)) / 2, top + ph + 32, p.x_label, black);
  c.text(8, top - 24, p.y_label, black);

  AtomicOutput out(path);
  if (!stbi_write_png(out.temp_path().c_str(), width, height, 3, c.px.data(), width * 3))
    fail(ErrorCode::io, path, ": cannot write the PNG file");
  out.commit();
}

}  // namespace thon::io

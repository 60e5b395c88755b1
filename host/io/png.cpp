// PNG writing (the one translation unit with STB_IMAGE_WRITE_IMPLEMENTATION) and a small line-plot
// rasteriser.
#include "io/png.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "io/atomic_file.hpp"
#include "thon/core/error.hpp"

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>
#include <stb_easy_font.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace thon::io {

namespace {

void write_png(const std::string& path, int w, int h, int channels, const unsigned char* pixels) {
  AtomicOutput out(path);
  const int ok = stbi_write_png(out.temp_path().c_str(), w, h, channels, pixels, w * channels);
  THON_CHECK_CODE(ok != 0, io, "cannot write PNG file '", path, "'");
  out.commit();
}

struct Canvas {
  int w, h;
  std::vector<unsigned char> rgb;
  Canvas(int w_, int h_) : w(w_), h(h_), rgb(std::size_t(w_) * h_ * 3, 255) {}
  void set(int x, int y, const unsigned char c[3]) {
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    std::memcpy(&rgb[(std::size_t(y) * w + x) * 3], c, 3);
  }
  void line(double x0, double y0, double x1, double y1, const unsigned char c[3], int thick = 1, bool dashed = false) {
    const int steps = int(std::max(std::fabs(x1 - x0), std::fabs(y1 - y0))) + 1;
    for (int i = 0; i <= steps; ++i) {
      if (dashed && (i / 6) % 2 == 1) continue;
      const double t = double(i) / steps;
      const int x = int(std::lround(x0 + t * (x1 - x0))), y = int(std::lround(y0 + t * (y1 - y0)));
      for (int dy = 0; dy < thick; ++dy)
        for (int dx = 0; dx < thick; ++dx) set(x + dx - thick / 2, y + dy - thick / 2, c);
    }
  }
  void text(double x, double y, const std::string& s, const unsigned char c[3], bool vertical = false) {
    static char buffer[60000];
    std::vector<char> str(s.begin(), s.end());
    str.push_back('\0');
    const int quads = stb_easy_font_print(0, 0, str.data(), nullptr, buffer, sizeof buffer);
    for (int q = 0; q < quads; ++q) {
      float v[4][2];
      for (int k = 0; k < 4; ++k) std::memcpy(v[k], buffer + (q * 4 + k) * 16, 8);
      for (float yy = v[0][1]; yy < v[2][1]; yy += 1)
        for (float xx = v[0][0]; xx < v[2][0]; xx += 1) {
          if (vertical) set(int(x + yy), int(y - xx), c);
          else set(int(x + xx), int(y + yy), c);
        }
    }
  }
};

int text_width(const std::string& s) {
  std::vector<char> str(s.begin(), s.end());
  str.push_back('\0');
  return stb_easy_font_width(str.data());
}

std::string fmt_tick(double v) {
  char b[32];
  if (v != 0 && (std::fabs(v) < 1e-3 || std::fabs(v) >= 1e5)) std::snprintf(b, sizeof b, "%.1e", v);
  else std::snprintf(b, sizeof b, "%g", std::fabs(v) < 1e-12 ? 0.0 : v);
  return b;
}

/// "Nice" tick step for a range (1, 2, 5 x 10^k), about 5 ticks.
double tick_step(double range) {
  const double raw = range / 5, mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / mag;
  return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;
}

}  // namespace

void write_png_gray(const std::string& path, int w, int h, const float* data, bool auto_scale) {
  THON_CHECK(w > 0 && h > 0, "PNG '", path, "': size must be positive, got ", w, " x ", h);
  float lo = 0, hi = 1;
  const std::size_t n = std::size_t(w) * h;
  for (std::size_t i = 0; i < n; ++i) THON_CHECK(std::isfinite(data[i]), "PNG '", path, "': pixel ", i, " is not finite");
  if (auto_scale) {
    const auto mm = std::minmax_element(data, data + n);
    lo = *mm.first;
    hi = *mm.second;
  }
  const float scale = hi > lo ? 255.0f / (hi - lo) : 0.0f;
  std::vector<unsigned char> px(n);
  for (std::size_t i = 0; i < n; ++i) px[i] = (unsigned char)std::lround(std::clamp((data[i] - lo) * scale, 0.0f, 255.0f));
  write_png(path, w, h, 1, px.data());
}

void write_line_plot_png(const std::string& path, const std::vector<PlotSeries>& series, const PlotOptions& o) {
  THON_CHECK(!series.empty(), "plot '", path, "': no series");
  THON_CHECK(o.width >= 200 && o.height >= 150, "plot '", path, "': size too small");
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (const PlotSeries& s : series) {
    THON_CHECK(s.x.size() == s.y.size() && !s.x.empty(), "plot '", path, "': series '", s.label,
               "' has mismatched or empty x/y");
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      x0 = std::min(x0, s.x[i]);
      x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, s.y[i]);
      y1 = std::max(y1, s.y[i]);
    }
  }
  THON_CHECK(x1 >= x0, "plot '", path, "': no finite points");
  if (!o.auto_y) {
    y0 = o.y_min;
    y1 = o.y_max;
  }
  if (x1 == x0) x1 = x0 + 1;
  if (y1 == y0) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  Canvas c(o.width, o.height);
  const int left = 70, right = 20, top = 30, bottom = 50;
  const double pw = o.width - left - right, ph = o.height - top - bottom;
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) { return top + (1 - (y - y0) / (y1 - y0)) * ph; };
  const unsigned char black[3] = {0, 0, 0}, grey[3] = {200, 200, 200}, dark[3] = {110, 110, 110};
  // Ticks and grid.
  const double sx = tick_step(x1 - x0), sy = tick_step(y1 - y0);
  for (double t = std::ceil(x0 / sx) * sx; t <= x1 + 1e-9 * sx; t += sx) {
    c.line(px(t), top, px(t), top + ph, grey);
    const std::string s = fmt_tick(t);
    c.text(px(t) - text_width(s) / 2.0, top + ph + 6, s, black);
  }
  for (double t = std::ceil(y0 / sy) * sy; t <= y1 + 1e-9 * sy; t += sy) {
    c.line(left, py(t), left + pw, py(t), grey);
    const std::string s = fmt_tick(t);
    c.text(left - 6 - text_width(s), py(t) - 4, s, black);
  }
  for (double hl : o.horizontal_lines)
    if (hl >= y0 && hl <= y1) c.line(left, py(hl), left + pw, py(hl), dark, 1, true);
  c.line(left, top, left, top + ph, black);
  c.line(left, top + ph, left + pw, top + ph, black);
  c.line(left, top, left + pw, top, black);
  c.line(left + pw, top, left + pw, top + ph, black);
  // Series.
  const unsigned char colours[5][3] = {{31, 119, 180}, {214, 39, 40}, {44, 160, 44}, {255, 127, 14}, {148, 103, 189}};
  for (std::size_t k = 0; k < series.size(); ++k) {
    const PlotSeries& s = series[k];
    const unsigned char* col = colours[k % 5];
    for (std::size_t i = 1; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i - 1]) || !std::isfinite(s.y[i])) continue;
      const double ya = std::clamp(s.y[i - 1], y0, y1), yb = std::clamp(s.y[i], y0, y1);
      c.line(px(s.x[i - 1]), py(ya), px(s.x[i]), py(yb), col, 2);
    }
    if (!s.label.empty()) {
      const double ly = top + 8 + 14.0 * k;
      c.line(left + pw - 150, ly + 3, left + pw - 130, ly + 3, col, 2);
      c.text(left + pw - 125, ly, s.label, black);
    }
  }
  if (!o.title.empty()) c.text(o.width / 2.0 - text_width(o.title) / 2.0, 10, o.title, black);
  if (!o.x_label.empty()) c.text(left + pw / 2 - text_width(o.x_label) / 2.0, o.height - 18, o.x_label, black);
  if (!o.y_label.empty()) c.text(12, top + ph / 2 + text_width(o.y_label) / 2.0, o.y_label, black, true);
  write_png(path, o.width, o.height, 3, c.rgb.data());
}

}  // namespace thon::io

namespace thon::io {

namespace {

// The one montage layout: tiles of tile_w x tile_h (each scaled on its own min..max, enlarged
// `zoom` times) on `columns` per row, `gap` white pixels between tiles and `margin` around them,
// a caption row under each tile when captions are given; an RGB PNG on white.
void write_montage(const std::string& path, int tile_w, int tile_h, int n, const float* tiles,
                   const std::vector<std::string>& captions, int columns, int zoom, int gap, int margin) {
  THON_CHECK(tile_w > 0 && tile_h > 0 && n > 0 && columns > 0 && zoom > 0, "PNG montage '", path,
             "': bad layout ", tile_w, " x ", tile_h, " x ", n, ", ", columns, " columns, zoom ", zoom);
  const int caption_h = captions.empty() ? 0 : 12;
  const int cw = tile_w * zoom + gap, ch = tile_h * zoom + caption_h + gap;
  const int rows = (n + columns - 1) / columns;
  Canvas c(2 * margin + columns * cw - gap, 2 * margin + rows * ch - gap);
  for (int i = 0; i < n; ++i) {
    const float* t = tiles + std::size_t(i) * tile_w * tile_h;
    float lo = t[0], hi = t[0];
    for (int j = 0; j < tile_w * tile_h; ++j) {
      THON_CHECK(std::isfinite(t[j]), "PNG montage '", path, "': tile ", i, " pixel ", j, " is not finite");
      lo = std::min(lo, t[j]);
      hi = std::max(hi, t[j]);
    }
    const float scale = hi > lo ? 255.0f / (hi - lo) : 0.0f;
    const int x0 = margin + (i % columns) * cw, y0 = margin + (i / columns) * ch;
    for (int y = 0; y < tile_h * zoom; ++y)
      for (int x = 0; x < tile_w * zoom; ++x) {
        const unsigned char g = (unsigned char)std::lround(std::clamp((t[(y / zoom) * tile_w + x / zoom] - lo) * scale, 0.0f, 255.0f));
        const unsigned char col[3] = {g, g, g};
        c.set(x0 + x, y0 + y, col);
      }
    if (std::size_t(i) < captions.size()) {
      const unsigned char black[3] = {0, 0, 0};
      c.text(x0, y0 + tile_h * zoom + 2, captions[std::size_t(i)], black);
    }
  }
  write_png(path, c.w, c.h, 3, c.rgb.data());
}

}  // namespace

void write_png_montage(const std::string& path, const float* images, int count, int w, int h, int columns) {
  THON_CHECK(count > 0 && w > 0 && h > 0, "PNG montage '", path, "': needs images, got ", count, " of ", w, " x ", h);
  if (columns <= 0) columns = int(std::ceil(std::sqrt(double(count))));
  write_montage(path, w, h, count, images, {}, std::min(columns, count), 1, 2, 0);
}

void write_png_montage(const std::string& path, int tile_w, int tile_h, int n, const float* tiles,
                       const std::vector<std::string>& captions, int columns, int zoom) {
  write_montage(path, tile_w, tile_h, n, tiles, captions, columns, zoom, 4, 4);
}

}  // namespace thon::io

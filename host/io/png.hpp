// PNG output for previews and plots (stb_image_write): grayscale images and simple line plots with
// axes, ticks and labels (stb_easy_font), reusable for CTF profiles, FSC curves and benchmarks.
// All writes are atomic (temporary file, then rename).
#pragma once

#include <string>
#include <vector>

namespace thon::io {

/// Writes a w x h 8-bit grayscale PNG of data[y * w + x], row y = 0 at the top of the picture.
/// auto_scale: min..max -> 0..255; otherwise values are clamped to [0, 1] -> 0..255. NaN/Inf pixels
/// are an error.
void write_png_gray(const std::string& path, int w, int h, const float* data, bool auto_scale = true);

/// A montage of `count` w x h images (images[(i * h + y) * w + x]) on a grid of `columns` tiles
/// per row (0: about square), tiles separated by 2 white pixels, each image scaled on its own
/// min..max -> 0..255 (a constant image is black). NaN/Inf pixels are an error.
void write_png_montage(const std::string& path, const float* images, int count, int w, int h, int columns = 0);
/// Writes n tiles of tile_w x tile_h floats, `columns` per row with 4-pixel gaps and margin, each scaled from its own
/// min..max to 0..255 and enlarged `zoom` times, with captions[i] (when given) under tile i.
/// An RGB PNG on a white background; NaN/Inf pixels are an error.
void write_png_montage(const std::string& path, int tile_w, int tile_h, int n, const float* tiles,
                       const std::vector<std::string>& captions, int columns, int zoom = 1);

struct PlotSeries {
  std::vector<double> x, y;
  std::string label;
};

struct PlotOptions {
  int width = 800, height = 500;
  std::string title, x_label, y_label;
  bool auto_y = true;        ///< else y_min..y_max
  double y_min = 0, y_max = 1;
  std::vector<double> horizontal_lines;  ///< dashed reference lines (e.g. FSC 0.143, CTF 0)
};

/// Line plot of one or more series (colours cycle blue, red, green, orange, purple), with axes,
/// 5-ish ticks per axis, labels and a legend. Throws thon::Error for empty or mismatched series.
void write_line_plot_png(const std::string& path, const std::vector<PlotSeries>& series, const PlotOptions& options);

}  // namespace thon::io

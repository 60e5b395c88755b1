// A minimal line-plot PNG writer (axes, grid, labelled ticks, curves, horizontal reference lines),
// for FSC curves and the like. Text through stb_easy_font, PNG through stb_image_write.
// (Written for thon reconstruct; a shared plotting helper can replace it.)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace thon::io {

struct PlotSeries {
  std::vector<double> x, y;
  std::uint8_t rgb[3] = {0, 0, 0};
  std::string label;
};

struct LinePlot {
  std::string title, x_label, y_label;
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  std::vector<double> h_lines;  ///< dashed grey horizontal lines at these y values
  std::vector<PlotSeries> series;
};

/// Renders the plot to an RGB PNG of width x height pixels, atomically (temporary file + rename).
/// Throws thon::Error(io) when the file cannot be written.
void write_line_plot_png(const std::string& path, const LinePlot& plot, int width = 800, int height = 520);

}  // namespace thon::io

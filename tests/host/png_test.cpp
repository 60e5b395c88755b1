// PNG helpers read back with stb_image: grayscale scaling and a plot with the expected size.
#include <gtest/gtest.h>

#define STB_IMAGE_IMPLEMENTATION
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#endif
#include <stb_image.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#include <cmath>
#include <vector>

#include "io/png.hpp"
#include "test_util.hpp"
#include "thon/core/error.hpp"

TEST(Png, GrayRoundTripAndScaling) {
  thon::test::TempDir dir;
  const int w = 7, h = 5;
  std::vector<float> v(w * h);
  for (int i = 0; i < w * h; ++i) v[i] = float(i) * 0.5f - 3.0f;
  thon::io::write_png_gray(dir.file("a.png"), w, h, v.data(), true);
  int rw, rh, ch;
  unsigned char* px = stbi_load(dir.file("a.png").c_str(), &rw, &rh, &ch, 1);
  ASSERT_NE(px, nullptr);
  EXPECT_EQ(rw, w);
  EXPECT_EQ(rh, h);
  EXPECT_EQ(px[0], 0);              // minimum -> black, first row at the top
  EXPECT_EQ(px[w * h - 1], 255);    // maximum -> white
  EXPECT_NEAR(px[17], std::lround(17.0 / 34 * 255), 1);
  stbi_image_free(px);
  v[3] = NAN;
  EXPECT_THROW(thon::io::write_png_gray(dir.file("b.png"), w, h, v.data(), true), thon::Error);
  EXPECT_FALSE(std::filesystem::exists(dir.file("b.png")));
}

TEST(Png, LinePlot) {
  thon::test::TempDir dir;
  thon::io::PlotSeries s;
  for (int i = 0; i <= 100; ++i) {
    s.x.push_back(i * 0.01);
    s.y.push_back(std::sin(i * 0.2));
  }
  s.label = "sin";
  thon::io::PlotOptions o;
  o.title = "test";
  o.horizontal_lines = {0.143};
  thon::io::write_line_plot_png(dir.file("p.png"), {s}, o);
  int rw, rh, ch;
  unsigned char* px = stbi_load(dir.file("p.png").c_str(), &rw, &rh, &ch, 3);
  ASSERT_NE(px, nullptr);
  EXPECT_EQ(rw, 800);
  EXPECT_EQ(rh, 500);
  int coloured = 0;  // pixels of the series colour (31, 119, 180)
  for (int i = 0; i < rw * rh; ++i) coloured += px[3 * i] == 31 && px[3 * i + 1] == 119 && px[3 * i + 2] == 180;
  EXPECT_GT(coloured, 500);
  stbi_image_free(px);
  EXPECT_THROW(thon::io::write_line_plot_png(dir.file("q.png"), {}, o), thon::Error);
}

TEST(Png, MontagePlacesEachImageScaledOnItsOwn) {
  // Three 4 x 3 ramps with different ranges on a 2-column grid: each tile spans 0..255 (its own
  // min..max), tiles sit at (column * (w + 2), row * (h + 2)), the gaps and the empty cell are white.
  thon::test::TempDir dir;
  const int w = 4, h = 3, n = 3;
  std::vector<float> v(std::size_t(n) * w * h);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < w * h; ++k) v[std::size_t(i) * w * h + k] = float(k) * float(i + 1) - 10.0f * float(i);
  thon::io::write_png_montage(dir.file("m.png"), v.data(), n, w, h, 2);
  int rw, rh, ch;
  unsigned char* px = stbi_load(dir.file("m.png").c_str(), &rw, &rh, &ch, 1);
  ASSERT_NE(px, nullptr);
  EXPECT_EQ(rw, 2 * w + 2);
  EXPECT_EQ(rh, 2 * h + 2);
  for (int i = 0; i < n; ++i) {
    const int x0 = (i % 2) * (w + 2), y0 = (i / 2) * (h + 2);
    EXPECT_EQ(px[y0 * rw + x0], 0) << "tile " << i;                             // its minimum
    EXPECT_EQ(px[(y0 + h - 1) * rw + x0 + w - 1], 255) << "tile " << i;         // its maximum
    EXPECT_EQ(px[(y0 + 1) * rw + x0 + 1], std::lround(5.0 * 255.0 / 11.0)) << "tile " << i;  // ramp 5/11
  }
  EXPECT_EQ(px[0 * rw + w], 255);                       // the gap between columns
  EXPECT_EQ(px[(h + 2) * rw + (w + 2)], 255);           // the empty fourth cell
  stbi_image_free(px);
  EXPECT_THROW(thon::io::write_png_montage(dir.file("x.png"), v.data(), 0, w, h), thon::Error);
}

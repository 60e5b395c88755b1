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

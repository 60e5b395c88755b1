// `thon ctf` round trip: the written CTF image against math::ctf_value at each pixel's frequency, the
// profile CSV against the analytic first zero, PNGs present; bad input leaves no files.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_util.hpp"
#include "thon/io/mrc.hpp"
#include "thon/math/ctf.hpp"

TEST(CtfCli, WritesImageProfileAndThonRings) {
  thon::test::TempDir dir;
  const std::string o = dir.file("c");
  std::string out;
  ASSERT_EQ(thon::test::run_thon("ctf --o " + o +
                                     " --box 128 --angpix 1.5 --defocus-u 20000 --defocus-v 16000 --defocus-angle 20 --q0 0.07",
                                 &out),
            0)
      << out;
  for (const char* s : {"_ctf.mrc", "_ctf.png", "_thon.mrc", "_thon.png", "_profile.csv", "_profile.png"})
    EXPECT_TRUE(std::filesystem::exists(o + s)) << s;
  const thon::Image<float> img = thon::io::read_mrc_image(o + "_ctf.mrc", 0);
  ASSERT_EQ(img.nx(), 128);
  ASSERT_TRUE(thon::test::finite_and_nonzero(img.data(), img.size()));
  thon::math::CtfParams p;
  p.amplitude_contrast = 0.07;
  p.defocus_u_A = 20000;
  p.defocus_v_A = 16000;
  p.defocus_angle_deg = 20;
  p.prepare();
  EXPECT_NEAR(img(64, 64), 0.07, 1e-6);  // centre pixel = zero frequency = +Q
  double max_err = 0;
  for (int y = 0; y < 128; y += 7)
    for (int x = 0; x < 128; x += 5)
      max_err = std::max(max_err, std::fabs(img(y, x) - thon::math::ctf_value(p, (x - 64) / 192.0, (y - 64) / 192.0)));
  EXPECT_LT(max_err, 1e-6);  // double evaluation stored as float
  const thon::Image<float> ps = thon::io::read_mrc_image(o + "_thon.mrc", 0);
  ASSERT_TRUE(thon::test::finite_and_nonzero(ps.data(), ps.size()));

  // Profile along U: the first sign change lies at the analytic first zero (Cs, Q: chi + w = pi).
  std::ifstream csv(o + "_profile.csv");
  std::string line;
  std::getline(csv, line);
  std::getline(csv, line);
  double prev_s = 0, prev_c = 0, zero = -1;
  while (std::getline(csv, line)) {
    std::istringstream ss(line);
    std::string f[5];
    for (auto& x : f) std::getline(ss, x, ',');
    const double s = std::stod(f[0]), c = std::stod(f[2]);
    if (zero < 0 && prev_c > 0 && c <= 0) zero = prev_s + (s - prev_s) * prev_c / (prev_c - c);
    prev_s = s;
    prev_c = c;
  }
  const double l = p.lambda_A, cs = 2.7e7, w = std::atan2(0.07, std::sqrt(1 - 0.0049)), df = 20000;
  const double s2 = (l * df - std::sqrt(l * l * df * df - 2 * cs * l * l * l * (1 - w / 3.14159265358979))) / (cs * l * l * l);
  EXPECT_NEAR(zero, std::sqrt(s2), 1.0 / 192.0);  // within one frequency bin (linear interpolation)
}

TEST(CtfCli, BadInputWritesNothing) {
  thon::test::TempDir dir;
  const std::string o = dir.file("bad");
  std::string out;
  EXPECT_NE(thon::test::run_thon("ctf --o " + o + " --angpix 0", &out), 0);
  EXPECT_NE(out.find("angpix"), std::string::npos) << out;
  EXPECT_NE(thon::test::run_thon("ctf --o " + o + " --voltage -3", &out), 0);
  EXPECT_NE(out.find("voltage"), std::string::npos) << out;
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

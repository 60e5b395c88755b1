// CTF operations on images: frequency mapping against cosine images, phase flip and Wiener factors,
// CPU against reference, tilted specimens (exact per pixel against untilted CTFs; strips converge).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "test_util.hpp"
#include "thon/core/error.hpp"
#include "thon/ops/ctf.hpp"

using thon::Device;
namespace ops = thon::ops;
namespace pm = thon::math;

namespace {
constexpr double kPi = 3.14159265358979323846;

pm::CtfParams params(double du, double dv, double ang) {
  pm::CtfParams p;
  p.voltage_kV = 300;
  p.cs_mm = 2.7;
  p.amplitude_contrast = 0.1;
  p.defocus_u_A = du;
  p.defocus_v_A = dv;
  p.defocus_angle_deg = ang;
  p.b_factor_A2 = 10;
  p.prepare();
  return p;
}

// cos(2 pi (jx x / n + jy y / n)) on an n x n grid, x, y = pixel indices.
std::vector<float> cosine(int n, int jx, int jy) {
  std::vector<float> v(n * n);
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) v[y * n + x] = float(std::cos(2 * kPi * (double(jx) * x + double(jy) * y) / n));
  return v;
}
}  // namespace

// A cosine at bin (jx, jy) is an eigenfunction: the output is CTF(jx/(n p), jy/(n p)) times it. Checks
// the frequency of each bin (cycles/Å), the negative-frequency wrap, and the operations' factors.
TEST(CtfOps, CosineEigenfunctions) {
  const int n = 64;
  const double p = 1.5;
  const pm::CtfParams c = params(14000, 10000, 30);
  for (Device d : {Device::reference, Device::cpu})
    for (auto [jx, jy] : {std::pair{3, 0}, std::pair{5, -7}, std::pair{0, 11}, std::pair{20, 9}}) {
      const double ctf = pm::ctf_value(c, jx / (n * p), jy / (n * p));
      struct Case {
        ops::CtfOperation op;
        double factor;
      };
      for (const Case& k : {Case{ops::CtfOperation::multiply, ctf}, Case{ops::CtfOperation::phase_flip, ctf < 0 ? -1.0 : 1.0},
                            Case{ops::CtfOperation::wiener, ctf / (ctf * ctf + 0.05)}}) {
        std::vector<float> img = cosine(n, jx, jy), expected = cosine(n, jx, jy);
        for (float& e : expected) e = float(e * k.factor);
        ops::apply_ctf(d, img.data(), 1, n, n, p, &c, k.op, 0.05);
        ASSERT_TRUE(thon::test::finite_and_nonzero(img));
        EXPECT_LT(thon::test::rel_l2(img, expected), 2e-5) << thon::to_string(d) << " " << jx << "," << jy;
      }
    }
}

TEST(CtfOps, CpuMatchesReferenceBatch) {
  const int n = 48, m = 3;
  std::vector<pm::CtfParams> c{params(8000, 7000, 10), params(20000, 16000, 100), params(30000, 30000, 0)};
  c[1].phase_shift_deg = 60;
  c[2].source_alpha_mrad = 0.05;
  c[2].focal_spread_A = 50;
  for (auto& x : c) x.prepare();
  const auto img = thon::test::random_vector<float>(n * n * m, 7);
  auto a = img, b = img;
  ops::apply_ctf(Device::reference, a.data(), m, n, n, 1.2, c.data());
  ops::apply_ctf(Device::cpu, b.data(), m, n, n, 1.2, c.data());
  ASSERT_TRUE(thon::test::finite_and_nonzero(b));
  EXPECT_LT(thon::test::rel_l2(b, a), 1e-5);
  std::vector<float> gr(m * (n / 2 + 1) * n), gc(gr.size());
  ops::ctf_grid(Device::reference, c.data(), m, n, n, 1.2, gr.data());
  ops::ctf_grid(Device::cpu, c.data(), m, n, n, 1.2, gc.data());
  // float phase: chi reaches ~300 rad at Nyquist for 30000 Å defocus; 6e-8 x 300 ~ 2e-5 rad.
  EXPECT_LT(thon::test::rel_l2(gc, gr), 3e-5);
  EXPECT_NEAR(gr[0], 0.1, 1e-6);  // DC bin: +Q
}

// Exact tilted CTF: pixel (x, y) equals the untilted CTF image with defocus dF0 + offset(x, y) at that
// pixel (definition), computed by apply_ctf; handedness +1 with the axis along x: +y is more underfocus.
TEST(CtfOps, TiltedExactMatchesLocalDefocus) {
  const int n = 32;
  const double p = 2.0;
  const pm::CtfParams c = params(10000, 9000, 20);
  pm::TiltGeometry t;
  t.tilt_deg = 40;
  t.axis_angle_deg = 25;
  t.prepare();
  const auto img = thon::test::random_vector<float>(n * n, 3);
  auto ref = img, cpu = img;
  ops::apply_ctf_tilted(Device::reference, ref.data(), 1, n, n, p, &c, t, 0.0);
  ops::apply_ctf_tilted(Device::cpu, cpu.data(), 1, n, n, p, &c, t, 0.0);
  ASSERT_TRUE(thon::test::finite_and_nonzero(cpu));
  EXPECT_LT(thon::test::rel_l2(cpu, ref), 2e-5);
  for (auto [x, y] : {std::pair{16, 16}, std::pair{2, 30}, std::pair{29, 5}, std::pair{10, 20}}) {
    const double off = std::tan(40 * kPi / 180) *
                       (-(x - n / 2) * p * std::sin(25 * kPi / 180) + (y - n / 2) * p * std::cos(25 * kPi / 180));
    pm::CtfParams local = c;
    local.defocus_u_A += off;
    local.defocus_v_A += off;
    auto plain = img;
    ops::apply_ctf(Device::reference, plain.data(), 1, n, n, p, &local);
    EXPECT_NEAR(ref[y * n + x], plain[y * n + x], 1e-5) << x << "," << y;
  }
  // Zero tilt: exactly the plain CTF (exact path and strips).
  pm::TiltGeometry flat;
  flat.prepare();
  auto e0 = img, s0 = img, plain = img;
  ops::apply_ctf_tilted(Device::cpu, e0.data(), 1, n, n, p, &c, flat, 0.0);
  ops::apply_ctf_tilted(Device::cpu, s0.data(), 1, n, n, p, &c, flat, 10.0);
  ops::apply_ctf(Device::cpu, plain.data(), 1, n, n, p, &c);
  EXPECT_LT(thon::test::rel_l2(e0, plain), 2e-5);
  EXPECT_LT(thon::test::rel_l2(s0, plain), 1e-6);
}

// Strips converge to the exact per-pixel result as they narrow (error ~ linear in the width).
TEST(CtfOps, TiltedStripsConverge) {
  const int n = 48;
  const double p = 2.0;
  const pm::CtfParams c = params(12000, 12000, 0);
  pm::TiltGeometry t;
  t.tilt_deg = 50;
  t.axis_angle_deg = -30;
  t.handedness = -1;
  t.prepare();
  const auto img = thon::test::random_vector<float>(n * n, 11);
  auto exact = img;
  ops::apply_ctf_tilted(Device::cpu, exact.data(), 1, n, n, p, &c, t, 0.0);
  double prev = 1e9;
  for (double w : {40.0, 10.0, 2.0}) {
    auto s = img, r = img;
    ops::apply_ctf_tilted(Device::cpu, s.data(), 1, n, n, p, &c, t, w);
    ops::apply_ctf_tilted(Device::reference, r.data(), 1, n, n, p, &c, t, w);
    EXPECT_LT(thon::test::rel_l2(s, r), 1e-5);
    const double err = thon::test::rel_l2(s, exact);
    EXPECT_LT(err, prev) << w;
    prev = err;
  }
  EXPECT_LT(prev, 0.05);  // 2 Å strips: dF varies by 2 tan(50) = 2.4 Å inside a strip
  // Strip-wise phase flip of the strip-wise CTF gives |CTF|-weighted images: positive correlation.
  auto flipped = img;
  ops::apply_ctf_tilted(Device::cpu, flipped.data(), 1, n, n, p, &c, t, 2.0);
  ops::apply_ctf_tilted(Device::cpu, flipped.data(), 1, n, n, p, &c, t, 2.0, ops::CtfOperation::phase_flip);
  double dotp = 0;
  for (int i = 0; i < n * n; ++i) dotp += double(flipped[i]) * img[i];
  EXPECT_GT(dotp, 0);
}

TEST(CtfOps, BadInput) {
  std::vector<float> img(16 * 16);
  pm::CtfParams c = params(10000, 10000, 0);
  EXPECT_THROW(ops::apply_ctf(Device::cpu, img.data(), 1, 16, 16, 0.0, &c), thon::Error);
  EXPECT_THROW(ops::apply_ctf(Device::cpu, img.data(), 1, 16, 16, 1.0, &c, ops::CtfOperation::wiener, 0.0), thon::Error);
  pm::CtfParams unprepared;
  unprepared.lambda_A = 0;
  EXPECT_THROW(ops::apply_ctf(Device::cpu, img.data(), 1, 16, 16, 1.0, &unprepared), thon::Error);
  c.amplitude_contrast = 1.0;
  EXPECT_THROW(ops::apply_ctf(Device::cpu, img.data(), 1, 16, 16, 1.0, &c), thon::Error);
}

TEST(CtfOps, SampleCtfParams) {
  pm::CtfParams base = params(0, 0, 0);
  ops::DefocusRange r;
  r.min_A = 8000;
  r.max_A = 20000;
  r.astigmatism_max_A = 1000;
  const auto all = ops::sample_ctf_params(base, r, 200, 5);
  const auto tail = ops::sample_ctf_params(base, r, 50, 5, 150);
  double lo = 1e9, hi = 0;
  for (int i = 0; i < 200; ++i) {
    const double mean = 0.5 * (all[i].defocus_u_A + all[i].defocus_v_A);
    lo = std::min(lo, mean);
    hi = std::max(hi, mean);
    EXPECT_GE(all[i].defocus_u_A - all[i].defocus_v_A, 0.0);
    EXPECT_LE(all[i].defocus_u_A - all[i].defocus_v_A, 1000.0);
    EXPECT_GT(all[i].lambda_A, 0.0);
  }
  EXPECT_GE(lo, 8000.0);
  EXPECT_LE(hi, 20000.0);
  EXPECT_GT(hi - lo, 10000.0);  // 200 uniform draws span most of the range
  for (int i = 0; i < 50; ++i) EXPECT_EQ(tail[i].defocus_u_A, all[150 + i].defocus_u_A);
  r.min_A = 30000;
  try {
    ops::sample_ctf_params(base, r, 1, 5);
    FAIL() << "min > max accepted";
  } catch (const thon::Error& e) {
    EXPECT_NE(std::string(e.what()).find("greater than maximum"), std::string::npos);
  }
}

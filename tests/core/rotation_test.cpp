// Rotations against closed forms: RELION's Euler_angles2matrix formula (src/euler.cpp, RELION 3.1:
// A = Rz(psi) Ry(tilt) Rz(rot) with the passive elementary rotations of DESIGN.md section 3),
// round trips through every representation, gimbal lock, distances.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "thon/core/error.hpp"
#include "thon/math/rotation.hpp"
#include "thon/ops/rotation.hpp"
#include "thon/ops/sampling.hpp"

namespace {

using thon::Mat3;
using namespace thon::math;

constexpr double kPi = 3.14159265358979323846;

double max_abs_diff(const Mat3<double>& a, const Mat3<double>& b) {
  double d = 0;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) d = std::max(d, std::fabs(a.m[r][c] - b.m[r][c]));
  return d;
}

// RELION's elementary matrices, written independently of euler_to_matrix (long double product).
Mat3<double> relion_product(long double rot, long double tilt, long double psi) {
  auto rz = [](long double a) {
    const long double c = std::cos(a), s = std::sin(a);
    return std::array<std::array<long double, 3>, 3>{{{c, s, 0}, {-s, c, 0}, {0, 0, 1}}};
  };
  auto ry = [](long double b) {
    const long double c = std::cos(b), s = std::sin(b);
    return std::array<std::array<long double, 3>, 3>{{{c, 0, -s}, {0, 1, 0}, {s, 0, c}}};
  };
  auto mul = [](auto a, auto b) {
    std::array<std::array<long double, 3>, 3> o{};
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c)
        for (int k = 0; k < 3; ++k) o[r][c] += a[r][k] * b[k][c];
    return o;
  };
  const long double k = 3.141592653589793238462643383279502884L / 180;
  const auto p = mul(mul(rz(psi * k), ry(tilt * k)), rz(rot * k));
  Mat3<double> m;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) m.m[r][c] = double(p[r][c]);
  return m;
}

Mat3<double> random_matrix(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-360, 360);
  return euler_to_matrix(u(rng), u(rng) / 2, u(rng));
}

// Hand-derived values (closed forms of the elementary rotations) and RELION's product at generic
// angles. Tolerance 1e-12: both sides are a handful of double operations (error ~1e-16).
TEST(RotationTest, EulerToMatrixMatchesRelionFormulaTable) {
  struct Row {
    double rot, tilt, psi;
    Mat3<double> expected;
  };
  const Row exact[] = {
      {0, 0, 0, Mat3<double>::identity()},
      {90, 0, 0, {{{0, 1, 0}, {-1, 0, 0}, {0, 0, 1}}}},    // Rz(90)
      {0, 90, 0, {{{0, 0, -1}, {0, 1, 0}, {1, 0, 0}}}},    // Ry(90)
      {0, 0, -90, {{{0, -1, 0}, {1, 0, 0}, {0, 0, 1}}}},   // Rz(-90)
      {0, 180, 0, {{{-1, 0, 0}, {0, 1, 0}, {0, 0, -1}}}},  // Ry(180)
      {90, 90, 0, {{{0, 0, -1}, {-1, 0, 0}, {0, 1, 0}}}},  // Ry(90) Rz(90)
  };
  for (const auto& r : exact)
    EXPECT_LT(max_abs_diff(euler_to_matrix(r.rot, r.tilt, r.psi), r.expected), 1e-12)
        << r.rot << " " << r.tilt << " " << r.psi;
  const double table[][3] = {{10, 20, 30},     {-45, 60, 135},  {123.4, 56.7, -89.1}, {0, 1e-9, 0},
                             {170, 179.5, -170}, {-180, 90, 180}, {33, -20, 400},       {7.5, 172.5, 352.5}};
  for (const auto& a : table) {
    const auto m = euler_to_matrix(a[0], a[1], a[2]);
    EXPECT_LT(max_abs_diff(m, relion_product(a[0], a[1], a[2])), 1e-12) << a[0] << " " << a[1] << " " << a[2];
    EXPECT_TRUE(std::isfinite(m.m[0][0]) && std::fabs(determinant(m)) > 0.5);
  }
}

// The chain of the issue: Euler -> matrix -> quaternion -> axis-angle -> Euler -> matrix, 100,000
// uniform random rotations. Each step is O(10) double operations on O(1) values: 1e-12 leaves a
// 1e3 margin over eps-level error, including tilts near the gimbal lock.
TEST(RotationTest, RoundTripOfHundredThousandRandomRotations) {
  const auto qs = thon::random_quaternions(100000, 20261124);
  double worst = 0, worst_orth = 0, worst_det = 0;
  for (const auto& q0 : qs) {
    const auto e0 = quaternion_to_euler(q0);
    const auto m0 = euler_to_matrix(e0.rot_deg, e0.tilt_deg, e0.psi_deg);
    const auto q = matrix_to_quaternion(m0);
    const auto aa = quaternion_to_axis_angle(q);
    const auto m_aa = axis_angle_to_matrix(aa);
    const auto e = matrix_to_euler(m_aa);
    const auto m = euler_to_matrix(e.rot_deg, e.tilt_deg, e.psi_deg);
    worst = std::max(worst, max_abs_diff(m, m0));
    worst_orth = std::max(worst_orth, max_abs_diff(transpose(m) * m, Mat3<double>::identity()));
    worst_det = std::max(worst_det, std::fabs(determinant(m) - 1));
    ASSERT_GE(e.tilt_deg, 0.0);
    ASSERT_LE(e.tilt_deg, 180.0);
  }
  EXPECT_LT(worst, 1e-12);
  EXPECT_LT(worst_orth, 1e-12);
  EXPECT_LT(worst_det, 1e-12);
  RecordProperty("worst_matrix_error", std::to_string(worst));
}

// Gimbal lock: at tilt 0 only rot + psi is defined, at tilt 180 only rot - psi. RELION's
// Euler_matrix2angles (and Slabaugh's method) return rot = 0 and put the angle in psi.
TEST(RotationTest, GimbalLockAtTiltZeroAndOneEighty) {
  for (double rot : {-170.0, -30.0, 0.0, 25.0, 90.0, 179.0})
    for (double psi : {-120.0, 0.0, 10.0, 150.0}) {
      const auto m0 = euler_to_matrix(rot, 0.0, psi);
      const auto e0 = matrix_to_euler(m0);
      EXPECT_EQ(e0.rot_deg, 0.0);
      EXPECT_EQ(e0.tilt_deg, 0.0);
      double expect = std::remainder(rot + psi, 360.0);
      EXPECT_NEAR(std::remainder(e0.psi_deg - expect, 360.0), 0.0, 1e-10);
      EXPECT_LT(max_abs_diff(euler_to_matrix(e0.rot_deg, e0.tilt_deg, e0.psi_deg), m0), 1e-12);

      const auto m1 = euler_to_matrix(rot, 180.0, psi);
      const auto e1 = matrix_to_euler(m1);
      EXPECT_EQ(e1.rot_deg, 0.0);
      EXPECT_EQ(e1.tilt_deg, 180.0);
      expect = std::remainder(psi - rot, 360.0);
      EXPECT_NEAR(std::remainder(e1.psi_deg - expect, 360.0), 0.0, 1e-10);
      EXPECT_LT(max_abs_diff(euler_to_matrix(e1.rot_deg, e1.tilt_deg, e1.psi_deg), m1), 1e-12);
      // Within 1e-7 degrees of the lock rot and psi are ill-conditioned, the matrix is not.
      for (double tilt : {1e-7, 1e-4, 180 - 1e-7, 180 - 1e-4}) {
        const auto m = euler_to_matrix(rot, tilt, psi);
        const auto e = matrix_to_euler(m);
        EXPECT_LT(max_abs_diff(euler_to_matrix(e.rot_deg, e.tilt_deg, e.psi_deg), m), 1e-12) << tilt;
      }
    }
}

// Non-degenerate angles come back as given (tilt in (0, 180), rot and psi in (-180, 180]).
TEST(RotationTest, MatrixToEulerRecoversCanonicalAngles) {
  const double table[][3] = {{10, 20, 30}, {-45, 60, 135}, {123.4, 56.7, -89.1}, {-179, 179, 179}};
  for (const auto& a : table) {
    const auto e = matrix_to_euler(euler_to_matrix(a[0], a[1], a[2]));
    EXPECT_NEAR(e.rot_deg, a[0], 1e-10);
    EXPECT_NEAR(e.tilt_deg, a[1], 1e-10);
    EXPECT_NEAR(e.psi_deg, a[2], 1e-10);
  }
  // Negative tilt: the equivalent triple (rot + 180, -tilt, psi + 180).
  const auto e = matrix_to_euler(euler_to_matrix(10.0, -30.0, 20.0));
  EXPECT_NEAR(e.rot_deg, -170, 1e-10);
  EXPECT_NEAR(e.tilt_deg, 30, 1e-10);
  EXPECT_NEAR(e.psi_deg, -160, 1e-10);
}

// Quaternion and axis-angle against closed forms: rotation by t about z is [[c,-s,0],[s,c,0],[0,0,1]]
// (active, right-handed), q = (cos t/2, 0, 0, sin t/2). Angles near 0 and pi.
TEST(RotationTest, QuaternionAndAxisAngleClosedForms) {
  for (double t : {0.0, 1e-10, 0.3, kPi / 2, kPi - 1e-9, kPi}) {
    const Mat3<double> rz{{{std::cos(t), -std::sin(t), 0}, {std::sin(t), std::cos(t), 0}, {0, 0, 1}}};
    const auto q = matrix_to_quaternion(rz);
    EXPECT_NEAR(q.w, std::cos(t / 2), 1e-12);
    EXPECT_NEAR(q.z, std::sin(t / 2), 1e-12);
    const auto aa = matrix_to_axis_angle(rz);
    EXPECT_NEAR(aa.angle_rad, t, 1e-12);
    if (t > 0) {
      EXPECT_NEAR(aa.axis.z, 1.0, 1e-12);
    }
    EXPECT_LT(max_abs_diff(axis_angle_to_matrix(AxisAngle<double>{{0, 0, 1}, t}), rz), 1e-15);
  }
  // Rotation by pi about (1,1,0)/sqrt2: M = 2 n n^T - I.
  const double s = 1 / std::sqrt(2.0);
  const Mat3<double> m{{{0, 1, 0}, {1, 0, 0}, {0, 0, -1}}};
  const auto aa = matrix_to_axis_angle(m);
  EXPECT_NEAR(aa.angle_rad, kPi, 1e-12);
  EXPECT_NEAR(std::fabs(aa.axis.x), s, 1e-12);
  EXPECT_NEAR(std::fabs(aa.axis.y), s, 1e-12);
  EXPECT_LT(max_abs_diff(axis_angle_to_matrix(aa), m), 1e-12);
  // Rotation vector (cryoSPARC pose) of length t.
  EXPECT_LT(max_abs_diff(rotation_vector_to_matrix(thon::Vec3<double>{0, 0, 0.3}),
                         axis_angle_to_matrix(AxisAngle<double>{{0, 0, 1}, 0.3})), 1e-15);
}

// Composition and inverse: the Hamilton product matches the matrix product; R R^T = I; geodesic
// distance equals the generating angle for R2 = R1 * rotation(t) (distance is invariant).
TEST(RotationTest, CompositionInverseAndGeodesicDistance) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, kPi);
  for (int i = 0; i < 1000; ++i) {
    const auto a = random_matrix(rng), b = random_matrix(rng);
    const auto qa = matrix_to_quaternion(a), qb = matrix_to_quaternion(b);
    EXPECT_LT(max_abs_diff(quaternion_to_matrix(compose(qa, qb)), compose(a, b)), 1e-12);
    EXPECT_LT(max_abs_diff(compose(a, inverse(a)), Mat3<double>::identity()), 1e-12);
    EXPECT_LT(max_abs_diff(quaternion_to_matrix(inverse(qa)), inverse(a)), 1e-12);
    const double t = u(rng);
    const thon::Vec3<double> axis{std::cos(t * 3), std::sin(t * 3), 0.5};
    const auto r2 = a * axis_angle_to_matrix(AxisAngle<double>{axis, t});
    EXPECT_NEAR(geodesic_distance(a, r2), t, 1e-12);
    EXPECT_NEAR(geodesic_distance(qa, matrix_to_quaternion(r2)), t, 1e-10);
  }
  EXPECT_NEAR(geodesic_distance(Mat3<double>::identity(), euler_to_matrix(0.0, 180.0, 0.0)), kPi, 1e-12);
  EXPECT_NEAR(geodesic_distance(Mat3<double>::identity(), euler_to_matrix(1e-9, 0.0, 0.0)),
              1e-9 * kPi / 180, 1e-20);
}

// Float instantiation compiles and agrees with double to float precision.
TEST(RotationTest, FloatPrecision) {
  const auto mf = euler_to_matrix(10.f, 20.f, 30.f);
  const auto md = euler_to_matrix(10.0, 20.0, 30.0);
  const auto ef = matrix_to_euler(mf);
  EXPECT_NEAR(ef.rot_deg, 10.f, 1e-3f);
  EXPECT_NEAR(ef.tilt_deg, 20.f, 1e-3f);
  EXPECT_NEAR(ef.psi_deg, 30.f, 1e-3f);
  EXPECT_LT(max_abs_diff(mf.cast<double>(), md), 1e-6);
}

TEST(RotationTest, NonFiniteAnglesAreRejected) {
  const double nan = std::nan(""), inf = INFINITY;
  EXPECT_NO_THROW(thon::check_finite_euler(1, 2, 3, "pose 1"));
  try {
    thon::checked_euler_to_matrix(0, nan, 0, "particles.star line 12");
    FAIL() << "no exception";
  } catch (const thon::Error& e) {
    EXPECT_NE(std::string(e.what()).find("particles.star line 12"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("tilt"), std::string::npos) << e.what();
  }
  EXPECT_THROW(thon::check_finite_euler(inf, 0, 0, "x"), thon::Error);
  EXPECT_THROW(thon::check_finite_euler(0, 0, -inf, "x"), thon::Error);
}

}  // namespace

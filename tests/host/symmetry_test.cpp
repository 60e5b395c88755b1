// Point groups: orders, closure, RELION's axis settings; reduction to the asymmetric unit;
// symmetrised maps against the closed form (Gaussian blobs averaged over the group) and CPU vs
// reference.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "test_util.hpp"
#include "thon/core/error.hpp"
#include "thon/ops/sampling.hpp"
#include "thon/ops/symmetry.hpp"

namespace {

using namespace thon;
constexpr double kPi = 3.14159265358979323846;

double max_abs_diff(const Mat3<double>& a, const Mat3<double>& b) {
  double d = 0;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) d = std::max(d, std::fabs(a.m[r][c] - b.m[r][c]));
  return d;
}
int find(const std::vector<Mat3<double>>& ops, const Mat3<double>& m) {
  for (std::size_t i = 0; i < ops.size(); ++i)
    if (max_abs_diff(ops[i], m) < 1e-9) return int(i);
  return -1;
}
// Rotation order: smallest k with R^k = I.
int element_order(const Mat3<double>& r) {
  Mat3<double> p = r;
  for (int k = 1; k <= 100; ++k) {
    if (max_abs_diff(p, Mat3<double>::identity()) < 1e-9) return k;
    p = p * r;
  }
  return -1;
}
bool has_axis(const PointGroup& g, Vec3<double> axis, int fold, double tol = 1e-9) {
  const auto r = math::axis_angle_to_matrix(math::AxisAngle<double>{axis, 2 * kPi / fold});
  for (const auto& op : g.ops)
    if (max_abs_diff(op, r) < tol) return true;
  return false;
}

// Orders n, 2n, 12, 24, 60; closure (every product is in the list), inverses, orthonormality, and
// the element-order census of each group (I: 1 identity, 15 two-fold, 20 three-fold, 24 five-fold
// elements; O: 9 two-fold, 8 three-fold, 6 four-fold; T: 3 two-fold, 8 three-fold).
TEST(SymmetryTest, GroupOrdersClosureAndElementCensus) {
  const std::pair<const char*, int> groups[] = {{"C1", 1}, {"c4", 4}, {"C7", 7}, {"D1", 2}, {"D2", 4},
                                                {"d7", 14}, {"D12", 24}, {"T", 12}, {"O", 24}, {"I", 60},
                                                {"I1", 60}, {"I2", 60}, {"I3", 60}, {"i4", 60}};
  for (const auto& [name, order] : groups) {
    const auto g = make_point_group(name);
    ASSERT_EQ(g.order(), order) << name;
    EXPECT_LT(max_abs_diff(g.ops[0], Mat3<double>::identity()), 0.0 + 1e-15);
    for (const auto& a : g.ops) {
      EXPECT_LT(max_abs_diff(transpose(a) * a, Mat3<double>::identity()), 1e-12) << name;
      EXPECT_NEAR(determinant(a), 1.0, 1e-12) << name;
      EXPECT_GE(find(g.ops, transpose(a)), 0) << name << ": inverse missing";
      for (const auto& b : g.ops) ASSERT_GE(find(g.ops, a * b), 0) << name << ": not closed";
    }
  }
  auto census = [](const char* name) {
    std::vector<int> c(7, 0);
    for (const auto& r : make_point_group(name).ops) c[std::min(6, element_order(r))]++;
    return c;
  };
  EXPECT_EQ(census("I"), (std::vector<int>{0, 1, 15, 20, 0, 24, 0}));
  EXPECT_EQ(census("I3"), (std::vector<int>{0, 1, 15, 20, 0, 24, 0}));
  EXPECT_EQ(census("O"), (std::vector<int>{0, 1, 9, 8, 6, 0, 0}));
  EXPECT_EQ(census("T"), (std::vector<int>{0, 1, 3, 8, 0, 0, 0}));
}

// RELION's settings (src/symmetries.cpp, fill_symmetry_class): Cn about z, Dn with a 2-fold about
// x, I2 with 2-folds on x, y, z and a 5-fold along (1, 0, phi), I1 with a 2-fold on x and a 3-fold
// along (phi, 1/phi, 0), I3 with a 5-fold on z, I4 with a 5-fold along (2, 0, 1), O with 4-folds
// on x, y, z, T with 2-folds... (T's 3-fold on z).
TEST(SymmetryTest, RelionAxisSettings) {
  const double phi = (1 + std::sqrt(5.0)) / 2;
  EXPECT_TRUE(has_axis(make_point_group("C5"), {0, 0, 1}, 5));
  EXPECT_TRUE(has_axis(make_point_group("D5"), {1, 0, 0}, 2));
  const auto i2 = make_point_group("I");
  EXPECT_EQ(i2.name, "I2");
  for (Vec3<double> ax : {Vec3<double>{1, 0, 0}, Vec3<double>{0, 1, 0}, Vec3<double>{0, 0, 1}})
    EXPECT_TRUE(has_axis(i2, ax, 2));
  EXPECT_TRUE(has_axis(i2, {1, 0, phi}, 5));
  EXPECT_FALSE(has_axis(i2, {0, 0, 1}, 5));
  const auto i1 = make_point_group("I1");
  EXPECT_TRUE(has_axis(i1, {1, 0, 0}, 2));
  EXPECT_TRUE(has_axis(i1, {phi, 1 / phi, 0}, 3));
  EXPECT_TRUE(has_axis(make_point_group("I3"), {0, 0, 1}, 5));
  EXPECT_TRUE(has_axis(make_point_group("I4"), {2, 0, 1}, 5));
  // RELION's 3-fold axes, given to 8-10 digits in src/symmetries.cpp: present within 1e-7.
  EXPECT_TRUE(has_axis(i2, {0, 0.356822076, 0.934172364}, 3, 1e-7));
  EXPECT_TRUE(has_axis(i1, {0.9341723640, 0.3568220765, 0}, 3, 1e-7));
  EXPECT_TRUE(has_axis(make_point_group("I3"), {-0.4911234778630044, 0.3568220764705179, 0.7946544753759428}, 3, 1e-7));
  EXPECT_TRUE(has_axis(make_point_group("I4"), {0.4911234778630044, 0.3568220764705179, 0.7946544753759428}, 3, 1e-7));
  EXPECT_TRUE(has_axis(make_point_group("T"), {0, 0.816496, 0.577350}, 2, 1e-5));
  const auto o = make_point_group("O");
  EXPECT_TRUE(has_axis(o, {1, 1, 1}, 3));
  for (Vec3<double> ax : {Vec3<double>{1, 0, 0}, Vec3<double>{0, 1, 0}, Vec3<double>{0, 0, 1}})
    EXPECT_TRUE(has_axis(o, ax, 4));
  EXPECT_TRUE(has_axis(make_point_group("T"), {0, 0, 1}, 3));
}

TEST(SymmetryTest, UnknownNamesAreRejectedWithTheText) {
  for (const char* bad : {"", "C0", "D0", "X5", "I5", "D", "C1.5", "Ih", "C-3", "O2"}) {
    try {
      make_point_group(bad);
      FAIL() << "accepted \"" << bad << "\"";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
      EXPECT_NE(std::string(e.what()).find(std::string("\"") + bad + "\""), std::string::npos) << e.what();
    }
  }
}

// Reduction to the ASU: the result is one of the equivalents (same projections), reducing twice
// changes nothing, every equivalent of a pose reduces to the same pose, and the reduced projection
// directions of many random poses occupy 1/|G| of the sphere (checked via the fraction of reduced
// poses whose direction lies in the Dirichlet cell, i.e. all of them, and via the spread).
TEST(SymmetryTest, ReduceToAsuIsIdempotentAndEquivalent) {
  const auto poses = random_quaternions(500, 5);
  for (const char* name : {"C1", "C3", "D6", "T", "O", "I", "I1"}) {
    const auto g = make_point_group(name);
    for (const auto& q : poses) {
      const auto a = math::quaternion_to_matrix(q);
      const auto r = reduce_to_asu(a, g);
      const auto equiv = symmetry_expand(a, g);
      ASSERT_GE(find(equiv, r), 0) << name;
      EXPECT_LT(max_abs_diff(reduce_to_asu(r, g), r), 1e-12) << name;
      EXPECT_TRUE(in_asymmetric_unit(r, g));
      // Any equivalent reduces to the same representative.
      const auto other = equiv[equiv.size() / 2];
      EXPECT_LT(max_abs_diff(reduce_to_asu(other, g), r), 1e-9) << name;
      // Its direction is at least as close to the reference as any equivalent's.
      for (const auto& e : equiv)
        EXPECT_GE(dot(r.row(2), kAsuReferenceDirection), dot(e.row(2), kAsuReferenceDirection) - 1e-12);
    }
  }
  // Euler overload and poses on the symmetry axis (all equivalents share the direction for Cn).
  const auto c4 = make_point_group("C4");
  const auto e = reduce_to_asu(math::EulerAngles<double>{0, 0, 100}, c4);
  const auto m = math::euler_to_matrix(e.rot_deg, e.tilt_deg, e.psi_deg);
  EXPECT_LT(max_abs_diff(reduce_to_asu(m, c4), m), 1e-12);
  EXPECT_TRUE(std::isfinite(e.psi_deg));
}

// Volume of Gaussian blobs about the box centre.
Volume<double> blobs(int n, const std::vector<Vec3<double>>& centres, double sigma) {
  Volume<double> v = Volume<double>::cube(n);
  const int c = n / 2;
  for (int z = 0; z < n; ++z)
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        double s = 0;
        for (const auto& p : centres) {
          const double dx = x - c - p.x, dy = y - c - p.y, dz = z - c - p.z;
          s += std::exp(-(dx * dx + dy * dy + dz * dz) / (2 * sigma * sigma));
        }
        v(z, y, x) = s;
      }
  return v;
}

// Closed form: for V = sum_i g(x - c_i) with isotropic g, (1/|G|) sum_R V(R x) is the blob sum
// over the centres R^T c_i. The only error is trilinear interpolation of a sigma = 3 px Gaussian:
// about h^2/8 |g"|/|g| ~ 1/(8 sigma^2) = 1.4e-2 at the peak (measured 0.5-1.2e-2); tolerance 2e-2.
TEST(SymmetryTest, SymmetrisedBlobsMatchClosedFormAndAreInvariant) {
  const int n = 40;
  const std::vector<Vec3<double>> centres{{6, -3, 8}, {-9, 4, 2}, {1, 10, -5}};
  const Volume<double> in = blobs(n, centres, 3.0);
  for (const char* name : {"C3", "D2", "T", "I"}) {
    const auto g = make_point_group(name);
    std::vector<Vec3<double>> all;
    for (const auto& r : g.ops)
      for (const auto& c : centres) all.push_back(transpose(r) * c);
    Volume<double> expected = blobs(n, all, 3.0);
    for (double& v : expected) v /= g.order();
    Volume<double> out;
    ref::symmetrise(in, out, g.ops);
    const double e = test::rel_l2(out.data(), expected.data(), out.size());
    std::printf("%s: rel L2 of the symmetrised map vs closed form %.2e\n", name, e);
    EXPECT_TRUE(test::finite_and_nonzero(out.data(), out.size()));
    EXPECT_LT(e, 2e-2) << name;
  }
}

// Operators that permute voxels (O: signed permutation matrices about the centre) make the
// symmetrised map exactly invariant: S(R x) = S(x) to rounding, for every operator.
TEST(SymmetryTest, SymmetrisedMapIsInvariantUnderEachOperator) {
  const int n = 24;
  Volume<double> in = Volume<double>::cube(n);
  const auto noise = test::random_vector<double>(in.size(), 11);
  const int c = n / 2;
  for (int z = 0; z < n; ++z)  // random values inside a sphere of radius 10 (away from the edge)
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        const int r2 = (x - c) * (x - c) + (y - c) * (y - c) + (z - c) * (z - c);
        in(z, y, x) = r2 <= 100 ? noise[(z * n + y) * n + x] : 0.0;
      }
  for (const char* name : {"O", "D4", "C2"}) {
    const auto g = make_point_group(name);
    Volume<double> s;
    ref::symmetrise(in, s, g.ops);
    ASSERT_TRUE(test::finite_and_nonzero(s.data(), s.size()));
    double worst = 0;
    for (const auto& r : g.ops) {
      Volume<double> rs;
      ref::symmetrise(s, rs, {r});  // rs(x) = s(R x)
      for (index_t i = 0; i < s.size(); ++i) worst = std::max(worst, std::fabs(rs[i] - s[i]));
    }
    EXPECT_LT(worst, 1e-12) << name;
  }
}

// CPU (float) against the reference (double): float rounding of O(60) interpolated terms, 1e-5.
TEST(SymmetryTest, CpuMatchesReference) {
  const int n = 32;
  const Volume<double> in = blobs(n, {{5, -2, 7}, {-8, 3, 1}}, 2.0);
  Volume<float> inf(n, n, n);
  for (index_t i = 0; i < in.size(); ++i) inf[i] = float(in[i]);
  for (const char* name : {"C7", "D3", "O", "I3"}) {
    const auto g = make_point_group(name);
    Volume<float> cpu_out, ref_out;
    ops::symmetrise(Device::cpu, inf, cpu_out, g);
    ops::symmetrise(Device::reference, inf, ref_out, g);
    ASSERT_TRUE(test::finite_and_nonzero(cpu_out.data(), cpu_out.size()));
    EXPECT_LT(test::rel_l2(cpu_out.data(), ref_out.data(), ref_out.size()), 1e-5) << name;
  }
}

}  // namespace

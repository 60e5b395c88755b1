// Orientation sampling: counts against the published definitions, and grid quality (covering radius,
// nearest-neighbour spread) of each deterministic grid against a uniform random sample of the
// same size.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "thon/core/error.hpp"
#include "thon/ops/sampling.hpp"

namespace {

using namespace thon;
constexpr double kPi = 3.14159265358979323846;

double mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / v.size(); }
double coeff_of_variation(const std::vector<double>& v) {
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / v.size()) / m;
}

// HEALPix (Gorski et al. 2005): 12 Nside^2 pixels; Nside = 1 has rings at z = 2/3, 0, -2/3 with
// phi = pi/4 + k pi/2 on the polar rings; every ring is symmetric, so the centres sum to zero;
// all centres distinct; RELION's psi step 360/(6 Nside): 30, 15, 7.5, 3.75, 1.875 degrees.
TEST(SamplingTest, HealpixCountsAndKnownCentres) {
  for (int order = 0; order <= 5; ++order) {
    const auto d = healpix_directions(order);
    const std::int64_t ns = std::int64_t(1) << order;
    ASSERT_EQ(std::int64_t(d.size()), 12 * ns * ns);
    double sx = 0, sy = 0, sz = 0;
    for (const auto& e : d) {
      const double t = e.tilt_deg * kPi / 180, p = e.rot_deg * kPi / 180;
      sx += std::sin(t) * std::cos(p);
      sy += std::sin(t) * std::sin(p);
      sz += std::cos(t);
    }
    EXPECT_LT(std::sqrt(sx * sx + sy * sy + sz * sz), 1e-9 * d.size()) << order;
    if (order <= 3) {  // distinct centres: nearest pair at least half the nominal spacing
      double min_sep = 10;
      for (std::size_t i = 0; i < d.size(); ++i)
        for (std::size_t j = i + 1; j < d.size(); ++j) {
          const auto a = math::euler_to_matrix(d[i].rot_deg, d[i].tilt_deg, 0.0).row(2);
          const auto b = math::euler_to_matrix(d[j].rot_deg, d[j].tilt_deg, 0.0).row(2);
          min_sep = std::min(min_sep, std::acos(std::min(1.0, dot(a, b))));
        }
      EXPECT_GT(min_sep, 0.5 * std::sqrt(4 * kPi / d.size())) << order;
    }
  }
  const double expected_steps[] = {60, 30, 15, 7.5, 3.75, 1.875};
  for (int order = 0; order <= 5; ++order) EXPECT_DOUBLE_EQ(healpix_psi_step_deg(order), expected_steps[order]);
  double theta, phi;
  healpix_pix2ang_ring(1, 0, theta, phi);
  EXPECT_NEAR(std::cos(theta), 2.0 / 3.0, 1e-15);
  EXPECT_NEAR(phi, kPi / 4, 1e-15);
  healpix_pix2ang_ring(1, 4, theta, phi);  // equatorial ring, first pixel: phi = 0
  EXPECT_NEAR(std::cos(theta), 0.0, 1e-15);
  EXPECT_NEAR(phi, 0.0, 1e-15);
  healpix_pix2ang_ring(1, 5, theta, phi);  // equatorial ring, second pixel: phi = pi/2
  EXPECT_NEAR(std::cos(theta), 0.0, 1e-15);
  EXPECT_NEAR(phi, kPi / 2, 1e-15);
  healpix_pix2ang_ring(2, 0, theta, phi);  // Nside 2, first ring: z = 1 - 1/12
  EXPECT_NEAR(std::cos(theta), 1 - 1.0 / 12, 1e-15);
  healpix_pix2ang_ring(2, 47, theta, phi);  // last pixel: z = -(1 - 1/12), phi = 7 pi / 4
  EXPECT_NEAR(std::cos(theta), -(1 - 1.0 / 12), 1e-15);
  EXPECT_NEAR(phi, 7 * kPi / 4, 1e-15);
  // RELION's 3D grids: order 1 = 48 directions x 12 psi, order 2 = 192 x 24, order 3 = 768 x 48.
  EXPECT_EQ(healpix_orientations(1).size(), 48u * 12u);
  EXPECT_EQ(healpix_orientations(2).size(), 192u * 24u);
  EXPECT_EQ(healpix_orientations(3).size(), 768u * 48u);
  EXPECT_EQ(healpix_orientations(2, 10.0).size(), 192u * 36u);
  EXPECT_THROW(healpix_directions(-1), Error);
  EXPECT_THROW(healpix_directions(14), Error);
}

TEST(SamplingTest, InPlaneLists) {
  const auto a = inplane_angles_deg(7.0);  // RELION: ceil(360/7) = 52 angles, step 360/52
  ASSERT_EQ(a.size(), 52u);
  EXPECT_DOUBLE_EQ(a[1], 360.0 / 52);
  EXPECT_EQ(inplane_angles_deg(30).size(), 12u);
  const auto b = inplane_angles_count(36);
  ASSERT_EQ(b.size(), 36u);
  EXPECT_DOUBLE_EQ(b[35], 350.0);
  EXPECT_THROW(inplane_angles_deg(0), Error);
  EXPECT_THROW(inplane_angles_deg(std::nan("")), Error);
  EXPECT_THROW(inplane_angles_count(0), Error);
}

// Shoemake's rotations are uniform: E[|w|] of a Haar-random unit quaternion is 4/(3 pi) (the
// density of the rotation angle t is (1 - cos t)/pi, so E[cos(t/2)] = 4/(3 pi)); E[R] = 0. Same
// seed, same rotations.
TEST(SamplingTest, RandomRotationsAreUniformAndSeeded) {
  const int n = 200000;
  const auto q = random_quaternions(n, 42);
  double aw = 0, r00 = 0, r12 = 0;
  for (const auto& x : q) {
    aw += std::fabs(x.w);
    const auto m = math::quaternion_to_matrix(x);
    r00 += m.m[0][0];
    r12 += m.m[1][2];
  }
  const double se = 1.0 / std::sqrt(double(n));  // each statistic has standard deviation < 1
  EXPECT_NEAR(aw / n, 4 / (3 * kPi), 4 * se);
  EXPECT_NEAR(r00 / n, 0, 4 * se);
  EXPECT_NEAR(r12 / n, 0, 4 * se);
  const auto q2 = random_quaternions(10, 42);
  EXPECT_EQ(q2[9].x, q[9].x);
  const auto e = random_orientations(10, 42);
  const auto m = math::euler_to_matrix(e[3].rot_deg, e[3].tilt_deg, e[3].psi_deg);
  EXPECT_LT(math::geodesic_distance(m, math::quaternion_to_matrix(q[3])), 1e-12);
}

// The streamed rotations are the list's, one at a time (the batch-at-a-time simulate relies on it).
TEST(RandomRotations, StreamDrawsTheSameSequence) {
  const auto e = random_orientations(25, 42);
  RandomRotationStream stream(42);
  for (std::size_t i = 0; i < e.size(); ++i) {
    const EulerAnglesD s = stream.next();
    EXPECT_EQ(s.rot_deg, e[i].rot_deg) << i;
    EXPECT_EQ(s.tilt_deg, e[i].tilt_deg) << i;
    EXPECT_EQ(s.psi_deg, e[i].psi_deg) << i;
    EXPECT_TRUE(std::isfinite(s.rot_deg) && std::isfinite(s.tilt_deg) && std::isfinite(s.psi_deg));
  }
  EXPECT_EQ(stream.drawn(), 25);
}

struct GridStats {
  double covering_deg, nn_mean_deg, nn_cv;
};
GridStats stats(const std::vector<QuaternionD>& grid, const std::vector<QuaternionD>& probes) {
  const auto nn = nearest_neighbour_distances(grid);
  return {covering_radius(grid, probes) * 180 / kPi, mean(nn) * 180 / kPi, coeff_of_variation(nn)};
}

// The deterministic grids must cover SO(3) better than a random sample of the same size (smaller
// covering radius, estimated on 20,000 random probes) and be more even (smaller coefficient of
// variation of nearest-neighbour distances). Random sets have a CV near 0.5 and leave holes about
// twice the mean spacing.
TEST(SamplingTest, GridsBeatRandomSamplesOfTheSameSize) {
  const auto probes = random_quaternions(20000, 99);
  for (int order : {1, 2}) {
    const auto hp = to_quaternions(healpix_orientations(order));
    const auto sf = super_fibonacci_quaternions(std::int64_t(hp.size()));
    const auto rnd = random_quaternions(std::int64_t(hp.size()), 1234);
    const auto s_hp = stats(hp, probes), s_sf = stats(sf, probes), s_rnd = stats(rnd, probes);
    std::printf("n=%zu  covering radius (deg): healpix %.2f  super-fib %.2f  random %.2f\n", hp.size(),
                s_hp.covering_deg, s_sf.covering_deg, s_rnd.covering_deg);
    std::printf("        nn mean (deg) / CV: healpix %.2f / %.3f  super-fib %.2f / %.3f  random %.2f / %.3f\n",
                s_hp.nn_mean_deg, s_hp.nn_cv, s_sf.nn_mean_deg, s_sf.nn_cv, s_rnd.nn_mean_deg, s_rnd.nn_cv);
    EXPECT_LT(s_hp.covering_deg, s_rnd.covering_deg);
    EXPECT_LT(s_sf.covering_deg, s_rnd.covering_deg);
    EXPECT_LT(s_hp.nn_cv, s_rnd.nn_cv);
    EXPECT_LT(s_sf.nn_cv, s_rnd.nn_cv);
    EXPECT_GT(s_hp.nn_mean_deg, 0);
    EXPECT_GT(s_sf.nn_mean_deg, 0);
  }
  EXPECT_EQ(super_fibonacci_quaternions(1000).size(), 1000u);
  EXPECT_THROW(super_fibonacci_quaternions(0), Error);
}

}  // namespace

// Orientation sampling (host-side setup, DESIGN.md section 4.4): seeded uniform random rotations,
// RELION's HEALPix x psi grid, a super-Fibonacci grid on SO(3), in-plane angle lists for 2D work,
// and the grid-quality measures used to compare them (covering radius, nearest-neighbour spread).
//
// Orientations are RELION Euler angles in degrees (rot, tilt, psi) or unit quaternions of the pose
// matrix A = euler_to_matrix(rot, tilt, psi) (include/thon/math/rotation.hpp, docs/geometry.md).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "thon/core/vec.hpp"
#include "thon/math/rotation.hpp"

namespace thon {

using EulerAnglesD = math::EulerAngles<double>;
using QuaternionD = math::Quaternion<double>;

// ---- uniform random -----------------------------------------------------------------------------

/// n rotations uniform on SO(3) (Haar measure) by Shoemake's method (Graphics Gems III, 1992):
/// q = (sqrt(1-u1) sin 2pi u2, sqrt(1-u1) cos 2pi u2, sqrt(u1) sin 2pi u3, sqrt(u1) cos 2pi u3).
/// Deterministic for a seed on every platform (mt19937_64, 53-bit uniforms built by hand).
std::vector<QuaternionD> random_quaternions(std::int64_t n, std::uint64_t seed);
/// Same rotations as RELION Euler angles in degrees.
std::vector<EulerAnglesD> random_orientations(std::int64_t n, std::uint64_t seed);

/// The rotations of random_quaternions(n, seed) drawn one at a time, so a long run never holds the
/// list: the k-th call of next_quaternion() (0-based) returns random_quaternions(n, seed)[k] for
/// every n > k, and next() the same rotation as random_orientations gives.
class RandomRotationStream {
 public:
  explicit RandomRotationStream(std::uint64_t seed) : rng_(seed) {}
  QuaternionD next_quaternion();
  EulerAnglesD next();
  /// Rotations drawn so far.
  std::int64_t drawn() const { return drawn_; }

 private:
  std::mt19937_64 rng_;
  std::int64_t drawn_ = 0;
};

// ---- HEALPix x psi (RELION) ---------------------------------------------------------------------

/// Nside = 2^order; 12 Nside^2 pixels. order in [0, 13].
std::int64_t healpix_nside(int order);
std::int64_t healpix_npix(int order);
/// Centre of pixel `pix` in the RING scheme: colatitude theta and longitude phi in radians, from
/// Gorski et al. 2005, ApJ 622:759, section 4 (north cap, equatorial belt, south cap formulas),
/// phi in [0, 2 pi) and pixel order within a ring as in the HEALPix library.
void healpix_pix2ang_ring(std::int64_t nside, std::int64_t pix, double& theta, double& phi);
/// RELION's default psi step in 3D: 360 / (6 Nside) degrees (src/healpix_sampling.cpp,
/// HealpixSampling::initialise): 30, 15, 7.5, 3.75, 1.875 degrees for orders 1-5, equal to the
/// HEALPix angular step of that order.
double healpix_psi_step_deg(int order);
/// In-plane angles as RELION lays them out (HealpixSampling::setOrientations): n = ceil(360/step),
/// step' = 360/n, psi_i = i step', i = 0..n-1 (degrees). step_deg > 0.
std::vector<double> inplane_angles_deg(double step_deg);
/// The 12 Nside^2 projection directions as (rot, tilt) = (phi, theta) in degrees, rot in (-180, 180],
/// psi = 0, in RING order (RELION walks NEST order over the same set of centres).
std::vector<EulerAnglesD> healpix_directions(int order);
/// RELION's 3D grid: every HEALPix direction of `order` combined with every in-plane angle of
/// `psi_step_deg` (default, <= 0: healpix_psi_step_deg(order)). 12 Nside^2 * ceil(360/step) poses,
/// directions outer, psi inner. No symmetry pruning (see symmetry.hpp for reducing to the ASU).
std::vector<EulerAnglesD> healpix_orientations(int order, double psi_step_deg = 0);

// ---- deterministic near-uniform SO(3) grid ------------------------------------------------------

/// n unit quaternions on super-Fibonacci spirals (M. Alexa, "Super-Fibonacci Spirals: Fast,
/// Low-Discrepancy Sampling of SO(3)", CVPR 2022, Algorithm 1): for s = i + 1/2,
/// r = sqrt(s/n), R = sqrt(1 - s/n), alpha = 2 pi s / sqrt(2), beta = 2 pi s / psi with
/// psi^4 = psi + 4 (psi = 1.533751168755204...), q = (r sin alpha, r cos alpha, R sin beta, R cos beta).
std::vector<QuaternionD> super_fibonacci_quaternions(std::int64_t n);
std::vector<EulerAnglesD> super_fibonacci_orientations(std::int64_t n);

// ---- 2D -----------------------------------------------------------------------------------------

/// n equally spaced in-plane angles i * 360/n degrees (n >= 1), for 2D classification.
std::vector<double> inplane_angles_count(int n);

// ---- grid quality -------------------------------------------------------------------------------

/// For each rotation of `grid`, the geodesic distance (radians) to its nearest other rotation.
/// O(n^2), threaded.
std::vector<double> nearest_neighbour_distances(const std::vector<QuaternionD>& grid);
/// Covering radius estimated on `probes`: max over probes of the distance to the nearest grid
/// rotation (radians). A lower bound of the true covering radius that converges as probes grow.
double covering_radius(const std::vector<QuaternionD>& grid, const std::vector<QuaternionD>& probes);
/// Conversions for whole lists.
std::vector<QuaternionD> to_quaternions(const std::vector<EulerAnglesD>& poses);

}  // namespace thon

#include "thon/ops/sampling.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "thon/core/error.hpp"
#include "thon/core/parallel.hpp"

namespace thon {
namespace {

constexpr double kPi = 3.14159265358979323846;

/// Uniform in [0, 1) with 53 random bits, identical on every standard library.
double uniform01(std::mt19937_64& rng) { return double(rng() >> 11) * 0x1.0p-53; }

/// |cos| of half the angle between two unit quaternions -> geodesic distance in radians.
double quat_distance(const QuaternionD& a, const QuaternionD& b) {
  const double d = std::fabs(a.w * b.w + a.x * b.x + a.y * b.y + a.z * b.z);
  return 2.0 * std::acos(std::min(1.0, d));
}

EulerAnglesD to_euler(const QuaternionD& q) { return math::quaternion_to_euler(q); }

}  // namespace

QuaternionD RandomRotationStream::next_quaternion() {
  const double u1 = uniform01(rng_), u2 = uniform01(rng_), u3 = uniform01(rng_);
  const double a = std::sqrt(1.0 - u1), b = std::sqrt(u1);
  ++drawn_;
  return {a * std::sin(2 * kPi * u2), a * std::cos(2 * kPi * u2), b * std::sin(2 * kPi * u3),
          b * std::cos(2 * kPi * u3)};
}

EulerAnglesD RandomRotationStream::next() { return to_euler(next_quaternion()); }

std::vector<QuaternionD> random_quaternions(std::int64_t n, std::uint64_t seed) {
  THON_CHECK(n >= 0, "random_quaternions: negative count ", n);
  RandomRotationStream stream(seed);
  std::vector<QuaternionD> out(static_cast<std::size_t>(n));
  for (auto& q : out) q = stream.next_quaternion();
  return out;
}

std::vector<EulerAnglesD> random_orientations(std::int64_t n, std::uint64_t seed) {
  const auto q = random_quaternions(n, seed);
  std::vector<EulerAnglesD> out(q.size());
  for (std::size_t i = 0; i < q.size(); ++i) out[i] = to_euler(q[i]);
  return out;
}

std::int64_t healpix_nside(int order) {
  THON_CHECK(order >= 0 && order <= 13, "HEALPix order must be in [0, 13], got ", order);
  return std::int64_t(1) << order;
}

std::int64_t healpix_npix(int order) {
  const std::int64_t ns = healpix_nside(order);
  return 12 * ns * ns;
}

void healpix_pix2ang_ring(std::int64_t nside, std::int64_t pix, double& theta, double& phi) {
  const std::int64_t npix = 12 * nside * nside;
  THON_CHECK(nside >= 1 && pix >= 0 && pix < npix, "healpix_pix2ang_ring: pixel ", pix,
             " outside [0, ", npix, ") for Nside ", nside);
  const std::int64_t ncap = 2 * nside * (nside - 1);  // pixels in the north polar cap
  const double fact = 3.0 * double(nside) * double(nside);
  double z;
  if (pix < ncap) {  // north cap: ring i = 1..Nside-1 holds 4i pixels
    std::int64_t i = std::int64_t((std::sqrt(1.0 + 2.0 * double(pix)) + 1.0) / 2.0);
    while (2 * i * (i - 1) > pix) --i;  // guard the floating-point floor
    while (2 * (i + 1) * i <= pix) ++i;
    const std::int64_t j = pix + 1 - 2 * i * (i - 1);
    z = 1.0 - double(i * i) / fact;
    phi = kPi / (2.0 * double(i)) * (double(j) - 0.5);
  } else if (pix < npix - ncap) {  // equatorial belt: rings Nside..3Nside, 4 Nside pixels each
    const std::int64_t p = pix - ncap;
    const std::int64_t i = p / (4 * nside) + nside;
    const std::int64_t j = p % (4 * nside) + 1;
    const std::int64_t s = (i - nside + 1) % 2;  // 1: centres offset by half a pixel
    z = 4.0 / 3.0 - 2.0 * double(i) / (3.0 * double(nside));
    // Gorski's phi = pi/(2 Nside) (j - s/2), with j counted so that phi lies in [0, 2 pi) as in
    // the HEALPix library (on rings with s = 0 the first centre is phi = 0).
    phi = kPi / (2.0 * double(nside)) * (double(j) - (s ? 0.5 : 1.0));
  } else {  // south cap, mirror of the north
    const std::int64_t p = npix - pix;
    std::int64_t i = std::int64_t((std::sqrt(2.0 * double(p) - 1.0) + 1.0) / 2.0);
    while (2 * i * (i - 1) >= p) --i;
    while (2 * (i + 1) * i < p) ++i;
    const std::int64_t j = 4 * i + 1 - (p - 2 * i * (i - 1));
    z = -1.0 + double(i * i) / fact;
    phi = kPi / (2.0 * double(i)) * (double(j) - 0.5);
  }
  theta = std::acos(std::max(-1.0, std::min(1.0, z)));
}

double healpix_psi_step_deg(int order) { return 360.0 / (6.0 * double(healpix_nside(order))); }

std::vector<double> inplane_angles_deg(double step_deg) {
  THON_CHECK(std::isfinite(step_deg) && step_deg > 0 && step_deg <= 360,
             "in-plane angular step must be in (0, 360] degrees, got ", step_deg);
  const int n = int(std::ceil(360.0 / step_deg - 1e-9));
  const double step = 360.0 / double(n);
  std::vector<double> out(n);
  for (int i = 0; i < n; ++i) out[i] = i * step;
  return out;
}

std::vector<double> inplane_angles_count(int n) {
  THON_CHECK(n >= 1, "number of in-plane angles must be >= 1, got ", n);
  std::vector<double> out(n);
  for (int i = 0; i < n; ++i) out[i] = 360.0 * i / double(n);
  return out;
}

std::vector<EulerAnglesD> healpix_directions(int order) {
  const std::int64_t nside = healpix_nside(order), npix = healpix_npix(order);
  std::vector<EulerAnglesD> out(static_cast<std::size_t>(npix));
  for (std::int64_t p = 0; p < npix; ++p) {
    double theta, phi;
    healpix_pix2ang_ring(nside, p, theta, phi);
    double rot = phi * 180.0 / kPi;
    if (rot > 180.0) rot -= 360.0;
    out[p] = {rot, theta * 180.0 / kPi, 0.0};
  }
  return out;
}

std::vector<EulerAnglesD> healpix_orientations(int order, double psi_step_deg) {
  const auto dirs = healpix_directions(order);
  const auto psis = inplane_angles_deg(psi_step_deg > 0 ? psi_step_deg : healpix_psi_step_deg(order));
  std::vector<EulerAnglesD> out;
  out.reserve(dirs.size() * psis.size());
  for (const auto& d : dirs)
    for (double psi : psis) out.push_back({d.rot_deg, d.tilt_deg, psi});
  return out;
}

std::vector<QuaternionD> super_fibonacci_quaternions(std::int64_t n) {
  THON_CHECK(n >= 1, "super-Fibonacci grid needs n >= 1, got ", n);
  const double phi = std::sqrt(2.0);
  const double psi = 1.533751168755204288118041;  // real root of psi^4 = psi + 4
  std::vector<QuaternionD> out(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const double s = double(i) + 0.5;
    const double r = std::sqrt(s / double(n)), rr = std::sqrt(1.0 - s / double(n));
    // s / phi and s / psi reduced mod 1 before the 2 pi, to keep the angle accurate for large i.
    const double fa = std::fmod(s / phi, 1.0), fb = std::fmod(s / psi, 1.0);
    const double alpha = 2 * kPi * fa, beta = 2 * kPi * fb;
    out[i] = {r * std::sin(alpha), r * std::cos(alpha), rr * std::sin(beta), rr * std::cos(beta)};
  }
  return out;
}

std::vector<EulerAnglesD> super_fibonacci_orientations(std::int64_t n) {
  const auto q = super_fibonacci_quaternions(n);
  std::vector<EulerAnglesD> out(q.size());
  for (std::size_t i = 0; i < q.size(); ++i) out[i] = to_euler(q[i]);
  return out;
}

std::vector<QuaternionD> to_quaternions(const std::vector<EulerAnglesD>& poses) {
  std::vector<QuaternionD> out(poses.size());
  for (std::size_t i = 0; i < poses.size(); ++i)
    out[i] = math::euler_to_quaternion(poses[i].rot_deg, poses[i].tilt_deg, poses[i].psi_deg);
  return out;
}

std::vector<double> nearest_neighbour_distances(const std::vector<QuaternionD>& grid) {
  const index_t n = index_t(grid.size());
  std::vector<double> out(grid.size());
  const QuaternionD* g = grid.data();
  double* o = out.data();
  cpu::parallel_for(n, [=](index_t i) {
    double best = std::numeric_limits<double>::infinity();
    for (index_t j = 0; j < n; ++j)
      if (j != i) best = std::min(best, quat_distance(g[i], g[j]));
    o[i] = best;
  });
  return out;
}

double covering_radius(const std::vector<QuaternionD>& grid, const std::vector<QuaternionD>& probes) {
  THON_CHECK(!grid.empty(), "covering_radius: empty grid");
  const index_t n = index_t(grid.size()), m = index_t(probes.size());
  std::vector<double> d(probes.size());
  const QuaternionD* g = grid.data();
  const QuaternionD* p = probes.data();
  double* o = d.data();
  cpu::parallel_for(m, [=](index_t i) {
    // Maximise |<p, g>| instead of minimising acos: one acos per probe.
    double best = 0;
    for (index_t j = 0; j < n; ++j)
      best = std::max(best, std::fabs(p[i].w * g[j].w + p[i].x * g[j].x + p[i].y * g[j].y +
                                      p[i].z * g[j].z));
    o[i] = 2.0 * std::acos(std::min(1.0, best));
  });
  return d.empty() ? 0.0 : *std::max_element(d.begin(), d.end());
}

}  // namespace thon

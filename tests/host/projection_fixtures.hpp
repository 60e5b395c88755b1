// Shared fixtures of the projector tests: a sum of Gaussian blobs (closed-form projections) and
// uniform random poses.
#pragma once

#include <cmath>
#include <random>
#include <vector>

#include "thon/core/array.hpp"
#include "thon/core/vec.hpp"
#include "thon/math/rotation.hpp"

namespace thon::test {

struct Blob {
  double x, y, z;  ///< centre relative to the box centre n/2, pixels
  double sigma;    ///< pixels
  double amplitude;
};

/// Blobs with centres within radius n/5 of the centre and sigma in [2, 3] pixels: their transforms
/// are below exp(-pi^2 sigma^2 / 2) < 3e-9 at Nyquist (sampling is exact to that level) and they
/// fall to exp(-(3n/10)^2 / (2 * 9)) of their peak at the box edge.
inline std::vector<Blob> make_blobs(int n, int count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0), s(2.0, 3.0), a(0.5, 1.5);
  std::vector<Blob> blobs;
  while (int(blobs.size()) < count) {
    const double x = u(rng), y = u(rng), z = u(rng);
    if (x * x + y * y + z * z > 1) continue;
    const double r = n / 5.0;
    blobs.push_back({x * r, y * r, z * r, s(rng), a(rng)});
  }
  return blobs;
}

template <class T>
Volume<T> blob_volume(int n, const std::vector<Blob>& blobs) {
  Volume<T> v = Volume<T>::cube(n);
  const int c = n / 2;
  for (int z = 0; z < n; ++z)
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        double sum = 0;
        for (const Blob& b : blobs) {
          const double dx = x - c - b.x, dy = y - c - b.y, dz = z - c - b.z;
          sum += b.amplitude * std::exp(-(dx * dx + dy * dy + dz * dz) / (2 * b.sigma * b.sigma));
        }
        v(z, y, x) = T(sum);
      }
  return v;
}

/// Closed-form projection of the blobs at pose A, sampled at the pixel centres of an n x n image:
/// P(x, y) = sum_b a_b sqrt(2 pi) s_b exp(-|(x, y) - (A r_b)_xy|^2 / (2 s_b^2)). (The volume is
/// sampled at integer voxels; for sigma >= 2 the sum over z equals the integral to < 1e-8.)
inline std::vector<double> blob_projection(int n, const std::vector<Blob>& blobs,
                                           const Mat3<double>& a) {
  std::vector<double> p(static_cast<std::size_t>(n) * n, 0.0);
  const int c = n / 2;
  for (const Blob& b : blobs) {
    const Vec3<double> r = a * Vec3<double>{b.x, b.y, b.z};
    const double k = b.amplitude * std::sqrt(2 * 3.14159265358979323846) * b.sigma;
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        const double dx = x - c - r.x, dy = y - c - r.y;
        p[std::size_t(y) * n + x] += k * std::exp(-(dx * dx + dy * dy) / (2 * b.sigma * b.sigma));
      }
  }
  return p;
}

/// Uniform random rotations (Shoemake 1992, "Uniform random rotations", Graphics Gems III):
/// a unit quaternion from three uniform numbers, converted to a rotation matrix.
inline std::vector<Mat3<double>> random_poses(int count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<Mat3<double>> poses;
  for (int i = 0; i < count; ++i) {
    const double u1 = u(rng), u2 = u(rng), u3 = u(rng);
    const double pi2 = 2 * 3.14159265358979323846;
    const double w = std::sqrt(1 - u1) * std::sin(pi2 * u2), x = std::sqrt(1 - u1) * std::cos(pi2 * u2);
    const double y = std::sqrt(u1) * std::sin(pi2 * u3), z = std::sqrt(u1) * std::cos(pi2 * u3);
    Mat3<double> m;
    m.m[0][0] = 1 - 2 * (y * y + z * z);
    m.m[0][1] = 2 * (x * y - z * w);
    m.m[0][2] = 2 * (x * z + y * w);
    m.m[1][0] = 2 * (x * y + z * w);
    m.m[1][1] = 1 - 2 * (x * x + z * z);
    m.m[1][2] = 2 * (y * z - x * w);
    m.m[2][0] = 2 * (x * z - y * w);
    m.m[2][1] = 2 * (y * z + x * w);
    m.m[2][2] = 1 - 2 * (x * x + y * y);
    poses.push_back(m);
  }
  return poses;
}

}  // namespace thon::test

// Test fixtures of the reconstruction tests: a Gaussian-blob phantom whose projections are known in
// closed form (the projection of a 3D Gaussian is a 2D Gaussian at the projected centre, with
// integral a s sqrt(2 pi) along the ray), uniform random rotations, masked rel-L2 and an FSC.
#pragma once

#include <cmath>
#include <complex>
#include <random>
#include <vector>

#include "cpu/fft.hpp"
#include "thon/core/array.hpp"
#include "thon/core/vec.hpp"

namespace thon::test {

struct Blob {
  Vec3<double> centre;  ///< pixels from the box centre
  double sigma = 2;     ///< pixels
  double amplitude = 1;
};

/// `count` blobs inside a sphere of radius `radius` pixels, sigma 1.5-2.5 px (band-limited well
/// below Nyquist: the spectrum at 0.5 cycles/px is exp(-2 pi^2 sigma^2 / 4) < 1e-4).
inline std::vector<Blob> make_blobs(int count, double radius, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1), s(1.5, 2.5), a(0.5, 1.5);
  std::vector<Blob> blobs;
  while (int(blobs.size()) < count) {
    Vec3<double> c{u(rng), u(rng), u(rng)};
    if (dot(c, c) > 1) continue;
    blobs.push_back({radius * c, s(rng), a(rng)});
  }
  return blobs;
}

/// The phantom sampled on an n^3 grid, origin at index n/2.
inline Volume<float> render_volume(const std::vector<Blob>& blobs, int n, double pixel_size_A = 1.0) {
  Volume<float> v = Volume<float>::cube(n, pixel_size_A);
  for (int z = 0; z < n; ++z)
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        double s = 0;
        for (const Blob& b : blobs) {
          const double dx = x - n / 2 - b.centre.x, dy = y - n / 2 - b.centre.y, dz = z - n / 2 - b.centre.z;
          s += b.amplitude * std::exp(-(dx * dx + dy * dy + dz * dz) / (2 * b.sigma * b.sigma));
        }
        v(z, y, x) = float(s);
      }
  return v;
}

/// The image I(x) = P(x + o) of the phantom at pose A (P(x, y) = sum_z V(A^T (x, y, z))), written to
/// out[y * n + x]. Closed form: sum_b a_b s_b sqrt(2 pi) exp(-|x + o - (A c_b)_xy|^2 / (2 s_b^2)).
inline void render_projection(const std::vector<Blob>& blobs, const Mat3<double>& a, double ox, double oy,
                              int n, float* out) {
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) {
      double s = 0;
      for (const Blob& b : blobs) {
        const Vec3<double> p = a * b.centre;
        const double dx = x - n / 2 + ox - p.x, dy = y - n / 2 + oy - p.y;
        s += b.amplitude * b.sigma * std::sqrt(2 * M_PI) * std::exp(-(dx * dx + dy * dy) / (2 * b.sigma * b.sigma));
      }
      out[y * n + x] = float(s);
    }
}

/// Uniform random rotation (Shoemake: a normalised 4D Gaussian quaternion).
inline Mat3<double> random_rotation(std::mt19937& rng) {
  std::normal_distribution<double> g;
  double w = g(rng), x = g(rng), y = g(rng), z = g(rng);
  const double r = std::sqrt(w * w + x * x + y * y + z * z);
  w /= r, x /= r, y /= r, z /= r;
  Mat3<double> m;
  m.m[0][0] = 1 - 2 * (y * y + z * z), m.m[0][1] = 2 * (x * y - z * w), m.m[0][2] = 2 * (x * z + y * w);
  m.m[1][0] = 2 * (x * y + z * w), m.m[1][1] = 1 - 2 * (x * x + z * z), m.m[1][2] = 2 * (y * z - x * w);
  m.m[2][0] = 2 * (x * z - y * w), m.m[2][1] = 2 * (y * z + x * w), m.m[2][2] = 1 - 2 * (x * x + y * y);
  return m;
}

/// |a - b| / |b| over voxels within `radius` pixels of the centre.
inline double rel_l2_in_sphere(const Volume<float>& a, const Volume<float>& b, double radius) {
  const int n = b.nx();
  double num = 0, den = 0;
  for (int z = 0; z < n; ++z)
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        const double dx = x - n / 2, dy = y - n / 2, dz = z - n / 2;
        if (dx * dx + dy * dy + dz * dz > radius * radius) continue;
        const double d = double(a(z, y, x)) - b(z, y, x);
        num += d * d;
        den += double(b(z, y, x)) * b(z, y, x);
      }
  return std::sqrt(num / den);
}

/// FSC of two cubic maps in shells of width 1 Fourier pixel (shell = round(|k|)), 0 .. n/2.
inline std::vector<double> fsc_curve(const Volume<float>& a, const Volume<float>& b) {
  const int n = a.nx(), hx = n / 2 + 1;
  const Shape s{n, n, n, 1};
  Buffer<Complex<float>> fa(s.half_size()), fb(s.half_size());
  cpu::fft_r2c(a.data(), fa.data(), s);
  cpu::fft_r2c(b.data(), fb.data(), s);
  std::vector<double> num(std::size_t(n / 2 + 1)), da(num.size()), db(num.size());
  for (int z = 0; z < n; ++z)
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < hx; ++x) {
        const int kz = z < n - n / 2 ? z : z - n, ky = y < n - n / 2 ? y : y - n;
        const int shell = int(std::lround(std::sqrt(double(x * x + ky * ky + kz * kz))));
        if (shell > n / 2) continue;
        const auto& p = fa[(index_t(z) * n + y) * hx + x];
        const auto& q = fb[(index_t(z) * n + y) * hx + x];
        num[std::size_t(shell)] += double(p.re) * q.re + double(p.im) * q.im;
        da[std::size_t(shell)] += norm(p);
        db[std::size_t(shell)] += norm(q);
      }
  std::vector<double> f(num.size());
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = da[i] * db[i] > 0 ? num[i] / std::sqrt(da[i] * db[i]) : 0;
  return f;
}

}  // namespace thon::test

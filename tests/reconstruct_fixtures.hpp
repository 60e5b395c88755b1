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

/// `count` blobs inside a sphere of radius `radius` pixels, sigma in [sigma_min, sigma_max] px
/// (default 1.5-2.5: band-limited well below Nyquist, the spectrum at 0.5 cycles/px is
/// exp(-2 pi^2 sigma^2 / 4) < 1e-4; sharper blobs carry signal to Nyquist).
inline std::vector<Blob> make_blobs(int count, double radius, std::uint32_t seed, double sigma_min = 1.5,
                                    double sigma_max = 2.5) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1), s(sigma_min, sigma_max), a(0.5, 1.5);
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

#include <filesystem>

#include "thon/io/mrc.hpp"
#include "thon/io/particles.hpp"
#include "thon/math/ctf.hpp"
#include "thon/math/rotation.hpp"

namespace thon::test {

/// What write_blob_dataset writes.
struct BlobDatasetOptions {
  int box = 32;
  int count = 300;
  double pixel_size_A = 2.0;
  bool ctf = true;              ///< multiply each projection's transform by its CTF (RELION sign)
  double noise_sigma = 0;       ///< white Gaussian noise added after the CTF
  std::uint32_t seed = 7;
  bool random_subset = true;    ///< write rlnRandomSubset (alternating 1, 2)
  bool angles = true;
  std::string stack_name = "particles.mrcs";
};

/// Writes `dir`/particles.mrcs and `dir`/particles.star (RELION 3.1) of projections of `blobs` at
/// uniform random poses (rot, psi uniform, cos(tilt) uniform), shifts +-2 px, defocus 8000-25000 Å,
/// 300 kV, Cs 2.7 mm, Q 0.1. The CTF is applied in Fourier space (circular), as relion_project does.
inline void write_blob_dataset(const std::string& dir, const std::vector<Blob>& blobs, const BlobDatasetOptions& o) {
  const int n = o.box, hx = n / 2 + 1;
  std::mt19937 rng(o.seed);
  std::uniform_real_distribution<double> u01(0, 1), shift(-2, 2), defocus(8000, 25000);
  std::normal_distribution<double> gauss(0, 1);
  io::ParticleTable t;
  io::OpticsGroup og;
  og.pixel_size_A = o.pixel_size_A;
  og.voltage_kV = 300;
  og.cs_mm = 2.7;
  og.amplitude_contrast = 0.1;
  og.image_size = n;
  t.optics.push_back(og);
  t.present.angles = o.angles;
  t.present.origins = true;
  t.present.ctf = o.ctf;
  t.present.optics_ctf = true;
  t.present.pixel_size = true;
  t.present.random_subset = o.random_subset;
  ImageStack<float> stack(n, n, o.count, o.pixel_size_A);
  std::vector<Complex<float>> f(std::size_t(n) * hx);
  for (int i = 0; i < o.count; ++i) {
    io::Particle p;
    p.image_name = io::format_image_name(i, o.stack_name);
    p.rot_deg = 360 * u01(rng);
    p.tilt_deg = std::acos(2 * u01(rng) - 1) * 180 / M_PI;
    p.psi_deg = 360 * u01(rng);
    const double sx = shift(rng), sy = shift(rng);
    p.origin_x_A = sx * o.pixel_size_A;
    p.origin_y_A = sy * o.pixel_size_A;
    p.defocus_u_A = defocus(rng);
    p.defocus_v_A = p.defocus_u_A - 300 * u01(rng);
    p.defocus_angle_deg = 180 * u01(rng);
    p.random_subset = 1 + i % 2;
    float* img = stack.data() + std::size_t(i) * n * n;
    render_projection(blobs, math::euler_to_matrix(p.rot_deg, p.tilt_deg, p.psi_deg), sx, sy, n, img);
    if (o.ctf) {
      math::CtfParams c;
      c.voltage_kV = og.voltage_kV, c.cs_mm = og.cs_mm, c.amplitude_contrast = og.amplitude_contrast;
      c.defocus_u_A = p.defocus_u_A, c.defocus_v_A = p.defocus_v_A, c.defocus_angle_deg = p.defocus_angle_deg;
      c.prepare();
      cpu::fft_r2c(img, f.data(), Shape{n, n, 1, 1});
      for (int iy = 0; iy < n; ++iy)
        for (int ix = 0; ix < hx; ++ix) {
          double kx, ky;
          math::half_complex_frequency(ix, iy, n, n, o.pixel_size_A, &kx, &ky);
          f[std::size_t(iy) * hx + ix] *= float(math::ctf_value(c, kx, ky));
        }
      cpu::fft_c2r(f.data(), img, Shape{n, n, 1, 1});
    }
    if (o.noise_sigma > 0)
      for (int j = 0; j < n * n; ++j) img[j] += float(o.noise_sigma * gauss(rng));
    t.particles.push_back(p);
  }
  io::write_mrc(dir + "/" + o.stack_name, stack);
  io::write_particles(dir + "/particles.star", t);
}

}  // namespace thon::test

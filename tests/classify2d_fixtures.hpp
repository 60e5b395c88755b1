// Synthetic 2D classification data with known answers: K classes, each a different set of
// Gaussian blobs, rendered analytically in real space at a known in-plane angle and origin offset
// (DESIGN.md section 3 conventions), optionally CTF-modulated, with Gaussian noise at a given SNR.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "thon/core/complex.hpp"
#include "thon/core/views.hpp"
#include "thon/math/ctf.hpp"
#include "thon/ops/fft.hpp"

namespace thon::test {

struct Classify2dSynthetic {
  int box = 0, n = 0, n_classes = 0;
  double pixel_size_A = 3.0;
  std::vector<float> images;                  ///< n * box * box, real space
  std::vector<int> truth_class;               ///< 0-based
  std::vector<double> psi_deg, origin_x_px, origin_y_px;
  std::vector<math::CtfParams> ctf;           ///< empty without CTF
};

/// Blob centres of class k (px from the box centre), amplitudes and widths: deterministic per seed.
struct BlobClass {
  std::vector<double> x, y, amp, sigma;
};

inline std::vector<BlobClass> make_blob_classes(int n_classes, int box, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<BlobClass> out(static_cast<std::size_t>(n_classes));
  for (auto& c : out) {
    const int nb = 5;
    for (int b = 0; b < nb; ++b) {
      c.x.push_back(0.22 * box * u(rng));
      c.y.push_back(0.22 * box * u(rng));
      c.amp.push_back(b == 0 ? 2.0 : 1.0 + 0.5 * u(rng));
      c.sigma.push_back(box * (0.05 + 0.02 * u(rng)));
    }
  }
  return out;
}

/// Image of class c at angle psi and origin o: blob b sits at n/2 + R(psi) b - o with the passive
/// R = [[cos, sin], [-sin, cos]], so that the centred image P(x) = I(x - o) equals the class read at
/// R^T x (the reference convention of math/likelihood.hpp).
inline void render_blob_image(const BlobClass& c, int box, double psi_deg, double ox, double oy, float* out) {
  const double cs = std::cos(psi_deg * M_PI / 180), sn = std::sin(psi_deg * M_PI / 180);
  for (int y = 0; y < box; ++y)
    for (int x = 0; x < box; ++x) {
      double v = 0;
      for (std::size_t b = 0; b < c.x.size(); ++b) {
        const double bx = cs * c.x[b] + sn * c.y[b] - ox, by = -sn * c.x[b] + cs * c.y[b] - oy;
        const double dx = x - box / 2 - bx, dy = y - box / 2 - by;
        v += c.amp[b] * std::exp(-(dx * dx + dy * dy) / (2 * c.sigma[b] * c.sigma[b]));
      }
      out[std::size_t(y) * box + x] = float(v);
    }
}

/// n images, class i % K (shuffled), uniform psi, origins uniform in the disc of radius
/// max_offset_px; CTF (defocus 8000-20000 Å, 300 kV) when `with_ctf`; white Gaussian noise with
/// variance = (signal variance over the box, averaged over the images) / snr.
inline Classify2dSynthetic make_classify2d_synthetic(int box, int n, int n_classes, double snr, bool with_ctf,
                                                     std::uint64_t seed, double max_offset_px = 2.0) {
  Classify2dSynthetic d;
  d.box = box;
  d.n = n;
  d.n_classes = n_classes;
  const std::vector<BlobClass> cls = make_blob_classes(n_classes, box, seed * 7 + 1);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const std::size_t npix = std::size_t(box) * box;
  d.images.assign(std::size_t(n) * npix, 0.f);
  for (int i = 0; i < n; ++i) {
    d.truth_class.push_back(int(u(rng) * n_classes) % n_classes);
    d.psi_deg.push_back(360.0 * u(rng));
    double ox, oy;
    do {
      ox = max_offset_px * (2 * u(rng) - 1);
      oy = max_offset_px * (2 * u(rng) - 1);
    } while (ox * ox + oy * oy > max_offset_px * max_offset_px);
    d.origin_x_px.push_back(ox);
    d.origin_y_px.push_back(oy);
    render_blob_image(cls[std::size_t(d.truth_class.back())], box, d.psi_deg.back(), ox, oy,
                      d.images.data() + std::size_t(i) * npix);
  }
  const int hx = box / 2 + 1;
  if (with_ctf) {
    std::vector<Complex<float>> ft(std::size_t(n) * box * hx);
    const Shape sh{box, box, 1, n};
    ops::fft_r2c(Device::cpu, d.images.data(), ft.data(), sh);
    for (int i = 0; i < n; ++i) {
      math::CtfParams p;
      p.voltage_kV = 300;
      p.cs_mm = 2.7;
      p.amplitude_contrast = 0.1;
      p.defocus_u_A = 8000 + 12000 * u(rng);
      p.defocus_v_A = p.defocus_u_A - 300;
      p.defocus_angle_deg = 30;
      p.prepare();
      d.ctf.push_back(p);
      for (int iy = 0; iy < box; ++iy)
        for (int ix = 0; ix < hx; ++ix) {
          double kx, ky;
          math::half_complex_frequency(ix, iy, box, box, d.pixel_size_A, &kx, &ky);
          ft[(std::size_t(i) * box + iy) * hx + ix] *= float(math::ctf_value(p, kx, ky) );
        }
    }
    ops::fft_c2r(Device::cpu, ft.data(), d.images.data(), sh);
  }
  double var = 0;
  for (int i = 0; i < n; ++i) {
    double m = 0, m2 = 0;
    for (std::size_t j = 0; j < npix; ++j) {
      const double v = d.images[std::size_t(i) * npix + j];
      m += v;
      m2 += v * v;
    }
    m /= double(npix);
    var += m2 / double(npix) - m * m;
  }
  var /= n;
  std::normal_distribution<double> g(0.0, std::sqrt(var / snr));
  for (float& v : d.images) v += float(g(rng));
  return d;
}

/// Adjusted Rand index of two labelings (Hubert & Arabie 1985).
inline double adjusted_rand_index(const std::vector<int>& a, const std::vector<int>& b) {
  int na = 0, nb = 0;
  for (int v : a) na = std::max(na, v + 1);
  for (int v : b) nb = std::max(nb, v + 1);
  std::vector<double> t(std::size_t(na) * nb, 0.0), ra(std::size_t(na), 0.0), cb(std::size_t(nb), 0.0);
  for (std::size_t i = 0; i < a.size(); ++i) {
    t[std::size_t(a[i]) * nb + std::size_t(b[i])] += 1;
    ra[std::size_t(a[i])] += 1;
    cb[std::size_t(b[i])] += 1;
  }
  auto c2 = [](double x) { return x * (x - 1) / 2; };
  double sij = 0, sa = 0, sb = 0;
  for (double v : t) sij += c2(v);
  for (double v : ra) sa += c2(v);
  for (double v : cb) sb += c2(v);
  const double total = c2(double(a.size()));
  const double expected = sa * sb / total, maxi = 0.5 * (sa + sb);
  return (sij - expected) / (maxi - expected);
}

}  // namespace thon::test

#include <string>

#include "thon/core/array.hpp"
#include "thon/io/mrc.hpp"
#include "thon/io/particles.hpp"

namespace thon::test {

/// Writes the images as <dir>/<stem>.mrcs and a RELION 3.1 particle STAR <dir>/<stem>.star (CTF
/// columns when the data have a CTF, no poses); returns the STAR path.
inline std::string write_classify2d_dataset(const Classify2dSynthetic& d, const std::string& dir,
                                            const std::string& stem = "particles") {
  ImageStack<float> s(d.box, d.box, d.n, d.pixel_size_A);
  std::copy(d.images.begin(), d.images.end(), s.begin());
  io::write_mrc(dir + "/" + stem + ".mrcs", s);
  io::ParticleTable t;
  io::OpticsGroup g;
  g.pixel_size_A = d.pixel_size_A;
  g.image_size = d.box;
  g.voltage_kV = 300;
  g.cs_mm = 2.7;
  g.amplitude_contrast = 0.1;
  t.optics.push_back(g);
  t.present.pixel_size = true;
  t.present.optics_ctf = true;
  t.present.ctf = !d.ctf.empty();
  for (int i = 0; i < d.n; ++i) {
    io::Particle p;
    p.image_name = io::format_image_name(i, stem + ".mrcs");
    if (!d.ctf.empty()) {
      p.defocus_u_A = d.ctf[std::size_t(i)].defocus_u_A;
      p.defocus_v_A = d.ctf[std::size_t(i)].defocus_v_A;
      p.defocus_angle_deg = d.ctf[std::size_t(i)].defocus_angle_deg;
    }
    t.particles.push_back(p);
  }
  const std::string star = dir + "/" + stem + ".star";
  io::write_particles(star, t);
  return star;
}

}  // namespace thon::test

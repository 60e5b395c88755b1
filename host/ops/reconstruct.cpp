// Dispatch of Fourier insertion to the backends, and the inversion shared by all of them
// (Hermitian completion, per-shell weights, regularised division, inverse FFT, crop, gridding
// correction).
#include "thon/ops/reconstruct.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include <omp.h>

#include "cpu/fft.hpp"
#include "cpu/reconstruct.hpp"
#include "cuda/reconstruct.hpp"
#include "thon/core/error.hpp"
#include "thon/core/units.hpp"

namespace thon::ops {

int ReconstructGeometry::r_max() const {
  if (maxres_A <= 0) return box / 2;
  const int r = int(std::lround(box * pixel_size_A / maxres_A));
  return r < box / 2 ? r : box / 2;
}

math::InsertGeometry ReconstructGeometry::insert_geometry() const {
  THON_CHECK(box >= 4 && box % 2 == 0, "reconstruct: image size ", box, " must be even and at least 4");
  THON_CHECK(pad >= 1 && pad <= 3, "reconstruct: --pad ", pad, " must be 1, 2 or 3");
  THON_CHECK(pixel_size_A > 0, "reconstruct: pixel size ", pixel_size_A, " Å must be positive");
  THON_CHECK(maxres_A <= 0 || maxres_A >= 2 * pixel_size_A * (1 - 1e-9), "reconstruct: --maxres ", maxres_A,
             " Å is finer than Nyquist (", 2 * pixel_size_A, " Å at pixel size ", pixel_size_A, " Å)");
  THON_CHECK(pad_images || pad == 1 || (pad == 2 && kernel != Interp::cubic),
             "reconstruct: ", to_string(kernel), " insertion with --pad ", pad,
             " needs the images padded too (the Fourier samples would be spaced ", pad,
             " voxels apart): use --pad_images");
  math::InsertGeometry g;
  g.n = box;
  g.m = pad_images ? pad * box : box;
  g.pad = pad;
  g.r_max = r_max();
  THON_CHECK(g.r_max >= 1, "reconstruct: --maxres ", maxres_A, " Å keeps no Fourier shell (box ", box,
             ", pixel ", pixel_size_A, " Å)");
  g.kernel = kernel;
  return g;
}

bool default_pad_images(Interp kernel, int pad) {
  // Linear at pad <= 2 as RELION. Nearest at pad 2 would leave empty voxels between the samples
  // (12 % of the spectrum's amplitude lost in the point test) and cubic cancels its weights. Padded
  // images sample the CTF more finely than the box-sized data were recorded, which aliases at high
  // defocus in small boxes (docs/reconstruction.md): hence not the default for linear.
  return pad == 3 || (kernel != Interp::linear && pad > 1);
}

FourierAccumulator& FourierAccumulator::operator+=(const FourierAccumulator& o) {
  THON_CHECK(o.weight.size() == weight.size(), "reconstruct: adding accumulators of different sizes");
  Complex<float>* a = data.data();
  float* w = weight.data();
  const Complex<float>* b = o.data.data();
  const float* v = o.weight.data();
  const index_t n = weight.size();
#pragma omp parallel for schedule(static)
  for (index_t i = 0; i < n; ++i) {
    a[i] += b[i];
    w[i] += v[i];
  }
  n_images += o.n_images;
  return *this;
}

std::unique_ptr<FourierInserter> make_fourier_inserter(Device device, const ReconstructGeometry& g,
                                                       const std::vector<Mat3<double>>& symmetry,
                                                       std::size_t max_memory_bytes) {
  switch (device) {
    case Device::reference: return ref::make_fourier_inserter(g, symmetry);
    case Device::cpu: return cpu::make_fourier_inserter(g, symmetry, max_memory_bytes);
    case Device::cuda: return cuda::make_fourier_inserter(g, symmetry);
  }
  fail(ErrorCode::internal, "make_fourier_inserter: unknown device");
}

void pad_image_batch(const float* in, int n, int m, int count, float* out) {
  const int off = m / 2 - n / 2;
#pragma omp parallel for schedule(static)
  for (int i = 0; i < count; ++i) {
    float* o = out + std::size_t(i) * m * m;
    std::fill(o, o + std::size_t(m) * m, 0.f);
    for (int y = 0; y < n; ++y)
      std::copy(in + (std::size_t(i) * n + y) * n, in + (std::size_t(i) * n + y + 1) * n,
                o + std::size_t(y + off) * m + off);
  }
}

void complete_hermitian_plane(FourierAccumulator& acc) {
  const math::InsertGeometry& g = acc.g;
  const int np = g.np(), h = np / 2;
  Complex<float>* d = acc.data.data();
  float* w = acc.weight.data();
  // Each pair {(0,y,z), (0,-y,-z)} once: z > 0, or z == 0 and y > 0, signed y, z in (-np/2, np/2);
  // (0,0,0) is its own mate, and the Nyquist row/plane (y or z = -np/2) is left alone.
  for (int z = 0; z < h; ++z)
    for (int y = -h + 1; y < h; ++y) {
      if (z == 0 && y <= 0) continue;
      const index_t a = g.acc_index(0, y, z), b = g.acc_index(0, -y, -z);
      const Complex<float> s = d[a] + conj(d[b]);
      const float ws = w[a] + w[b];
      d[a] = s;
      d[b] = conj(s);
      w[a] = ws;
      w[b] = ws;
    }
  d[0].im = 0.f;  // the DC term of a real map is real (its Friedel mate is itself)
}

namespace {

/// shell[r2] = round(sqrt(r2) / pad) for r2 < (pad r_max)^2: RELION's shell of a padded-grid voxel.
std::vector<int> shell_table(const math::InsertGeometry& g) {
  const int rmax_pad = g.pad * g.r_max;
  std::vector<int> t(std::size_t(rmax_pad) * rmax_pad);
  for (std::size_t r2 = 0; r2 < t.size(); ++r2) t[r2] = int(std::lround(std::sqrt(double(r2)) / g.pad));
  return t;
}

/// Calls f(thread, shell, voxel index) for every stored voxel with |q| < pad * r_max (OpenMP over z;
/// `thread` indexes per-thread partial sums).
template <class F>
void for_each_voxel_in_sphere(const math::InsertGeometry& g, F f) {
  const int rmax_pad = g.pad * g.r_max;
  const int max_r2 = rmax_pad * rmax_pad;
  const std::vector<int> shell = shell_table(g);
#pragma omp parallel for schedule(dynamic, 1)
  for (int z = -rmax_pad + 1; z < rmax_pad; ++z) {
    const int t = omp_get_thread_num();
    for (int y = -rmax_pad + 1; y < rmax_pad; ++y) {
      const int ryz = y * y + z * z;
      if (ryz >= max_r2) continue;
      const index_t row = g.acc_index(0, y, z);
      for (int x = 0; x < rmax_pad && ryz + x * x < max_r2; ++x) f(t, shell[std::size_t(ryz + x * x)], row + x);
    }
  }
}

}  // namespace

std::vector<double> shell_mean_weight(const std::vector<const FourierAccumulator*>& accs) {
  THON_CHECK(!accs.empty(), "shell_mean_weight: no accumulator");
  const math::InsertGeometry& g = accs[0]->g;
  const std::size_t ns = std::size_t(g.r_max) + 1;
  const int threads = omp_get_max_threads();
  std::vector<double> sum(ns * std::size_t(threads), 0.0), count(sum.size(), 0.0);
  for_each_voxel_in_sphere(g, [&](int t, int shell, index_t i) {
    double w = 0;
    for (const FourierAccumulator* a : accs) w += a->weight[i];
    sum[std::size_t(t) * ns + std::size_t(shell)] += w;
    count[std::size_t(t) * ns + std::size_t(shell)] += 1;
  });
  std::vector<double> mean(ns, 0.0);
  for (std::size_t s = 0; s < ns; ++s) {
    double a = 0, c = 0;
    for (int t = 0; t < threads; ++t) a += sum[std::size_t(t) * ns + s], c += count[std::size_t(t) * ns + s];
    mean[s] = c > 0 ? a / c : 0.0;
  }
  return mean;
}

std::vector<double> inv_tau2_from_fsc(const std::vector<double>& fsc, const std::vector<double>& mean_weight,
                                      bool whole, double tau2_fudge, int minres_map) {
  THON_CHECK(tau2_fudge > 0, "reconstruct: tau2 fudge ", tau2_fudge, " must be positive");
  std::vector<double> inv(mean_weight.size(), 0.0);
  for (std::size_t s = 0; s < inv.size(); ++s) {
    if (int(s) < minres_map) continue;
    const double f = s < fsc.size() ? fsc[s] : 0.0;
    inv[s] = math::inv_tau2_from_ssnr(mean_weight[s], math::ssnr_from_fsc(f, whole), tau2_fudge);
  }
  return inv;
}

namespace {

template <class Real>
void fill_spectrum(const std::vector<const FourierAccumulator*>& accs, const math::InsertGeometry& g,
                   const std::vector<double>& inv_tau2, const std::vector<double>& mean_w,
                   Complex<Real>* spec) {
  for_each_voxel_in_sphere(g, [&](int, int shell, index_t i) {
    Real re = 0, im = 0, w = 0;
    for (const FourierAccumulator* a : accs) {
      re += a->data[i].re;
      im += a->data[i].im;
      w += a->weight[i];
    }
    const std::size_t s = std::size_t(shell);
    const Real it2 = s < inv_tau2.size() ? Real(inv_tau2[s]) : Real(0);
    Real floor = Real(kWeightFloorFraction * mean_w[s]);
    if (!(floor > Real(1e-30))) floor = Real(1e-30);
    spec[i] = math::regularised_divide(Complex<Real>(re, im), w, it2, floor);
  });
}

template <class Real>
Volume<float> crop_and_correct(const Real* padded, const math::InsertGeometry& g, double pixel_size_A) {
  const int n = g.n, np = g.pad * g.n, c = n / 2;
  Volume<float> out = Volume<float>::cube(n, pixel_size_A);
  float* o = out.data();
#pragma omp parallel for schedule(static)
  for (int z = 0; z < n; ++z)
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        const int dz = z - c, dy = y - c, dx = x - c;
        const std::size_t src = (std::size_t((dz + np) % np) * np + std::size_t((dy + np) % np)) * np +
                                std::size_t((dx + np) % np);
        const Real corr = math::gridding_correction<Real>(g.kernel, Real(dx), Real(dy), Real(dz), np);
        o[(std::size_t(z) * n + y) * n + x] = float(padded[src] / corr);
      }
  return out;
}

}  // namespace

Volume<float> invert(Device device, const std::vector<const FourierAccumulator*>& accs,
                     const ReconstructGeometry& geometry, const std::vector<double>& inv_tau2) {
  THON_CHECK(!accs.empty(), "invert: no accumulator");
  const math::InsertGeometry g = accs[0]->g;
  const std::vector<double> mean_w = shell_mean_weight(accs);
  const int np = g.pad * g.n;
  const Shape shape{np, np, np, 1};
  if (device == Device::reference) {
    Buffer<Complex<double>> spec(shape.half_size());
    fill_spectrum<double>(accs, g, inv_tau2, mean_w, spec.data());
    Buffer<double> real(shape.size());
    ref::idft3_c2r(spec.data(), real.data(), np);
    return crop_and_correct<double>(real.data(), g, geometry.pixel_size_A);
  }
  Buffer<Complex<float>> spec(shape.half_size());
  fill_spectrum<float>(accs, g, inv_tau2, mean_w, spec.data());
  Buffer<float> real(shape.size());
  cpu::fft_c2r_destructive(spec.data(), real.data(), shape);
  return crop_and_correct<float>(real.data(), g, geometry.pixel_size_A);
}

void apply_soft_sphere_mask(Volume<float>& map, double radius_px, double edge_px) {
  const int nx = map.nx(), ny = map.ny(), nz = map.nz();
  float* v = map.data();
#pragma omp parallel for schedule(static)
  for (int z = 0; z < nz; ++z)
    for (int y = 0; y < ny; ++y)
      for (int x = 0; x < nx; ++x) {
        const double dx = x - nx / 2, dy = y - ny / 2, dz = z - nz / 2;
        const double r = std::sqrt(dx * dx + dy * dy + dz * dz);
        v[(std::size_t(z) * ny + y) * nx + x] *= float(math::soft_sphere_mask(r, radius_px, edge_px));
      }
}

}  // namespace thon::ops

namespace thon::ops {

void soften_outside_sphere(Volume<float>& map, double radius_px, double width_px) {
  THON_CHECK(radius_px > 0 && width_px > 0, "soften_outside_sphere: radius ", radius_px, " and width ", width_px,
             " must be positive");
  const int nx = map.nx(), ny = map.ny(), nz = map.nz();
  const double outer = radius_px + width_px;
  // weight of the background at radius r: 0 inside, raised cosine up to `outer`, 1 beyond
  auto bg_weight = [&](double r) {
    if (r < radius_px) return 0.0;
    if (r > outer) return 1.0;
    return 0.5 + 0.5 * std::cos(kPi * (outer - r) / width_px);
  };
  auto radius_of = [&](int x, int y, int z) {
    const double dx = x - nx / 2, dy = y - ny / 2, dz = z - nz / 2;
    return std::sqrt(dx * dx + dy * dy + dz * dz);
  };
  double sum = 0, sum_bg = 0;
  for (int z = 0; z < nz; ++z)
    for (int y = 0; y < ny; ++y)
      for (int x = 0; x < nx; ++x) {
        const double w = bg_weight(radius_of(x, y, z));
        sum += w;
        sum_bg += w * map(z, y, x);
      }
  if (sum <= 0) return;
  const double bg = sum_bg / sum;
#pragma omp parallel for schedule(static)
  for (int z = 0; z < nz; ++z)
    for (int y = 0; y < ny; ++y)
      for (int x = 0; x < nx; ++x) {
        const double w = bg_weight(radius_of(x, y, z));
        if (w > 0) map(z, y, x) = float((1 - w) * map(z, y, x) + w * bg);
      }
}

}  // namespace thon::ops

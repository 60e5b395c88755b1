// Host loops of the reconstruct family that every backend runs on host arrays (declared in
// include/thon/ops/reconstruct.hpp): image padding, Hermitian completion of the x = 0 plane,
// shell means of the weights, accumulator sums and the real-space masks.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/reconstruct.hpp"
#include "thon/core/error.hpp"
#include "thon/core/parallel.hpp"
#include "thon/core/units.hpp"
#include "thon/math/reconstruct.hpp"
#include "thon/ops/reconstruct.hpp"

namespace thon::ops {

void FourierInserter::insert_ctf(const float* images, const math::CtfParams* ctf, const InsertPose* poses,
                                 int n) {
  if (n <= 0) return;
  const math::InsertGeometry g = geometry_.insert_geometry();
  const index_t per = g.image_half_size();
  std::vector<float> table(std::size_t(n) * std::size_t(per));
  cpu::parallel_for(index_t(n) * per,
                    math::CtfImageKernel{ctf, g.m, geometry_.pixel_size_A, table.data(), g.r_max_image()});
  insert(images, table.data(), poses, n);
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

std::vector<double> shell_mean_weight(const std::vector<const FourierAccumulator*>& accs) {
  THON_CHECK(!accs.empty(), "shell_mean_weight: no accumulator");
  const math::InsertGeometry& g = accs[0]->g;
  const std::size_t ns = std::size_t(g.r_max) + 1;
  const int threads = omp_get_max_threads();
  std::vector<double> sum(ns * std::size_t(threads), 0.0), count(sum.size(), 0.0);
  detail::for_each_voxel_in_sphere(g, [&](int t, int shell, index_t i) {
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

// Reference Fourier insertion and inverse DFT: plain loops in double precision, written for
// reading. The kernel weights, the centring phase and the Friedel rule come from
// include/thon/math/reconstruct.hpp, as in the fast backends.
#include <cmath>
#include <vector>

#include "common/reconstruct.hpp"
#include "cpu/reconstruct.hpp"
#include "thon/core/units.hpp"

namespace thon::ref {
namespace {

/// Half-complex 2D DFT of an n x n image by separable direct sums: out[iy][kx], kx = 0 .. n/2.
void dft2_r2c(const float* img, int n, std::vector<Complex<double>>& out) {
  const int hx = n / 2 + 1;
  std::vector<Complex<double>> rows(std::size_t(n) * hx);
  for (int y = 0; y < n; ++y)
    for (int kx = 0; kx < hx; ++kx) {
      Complex<double> s;
      for (int x = 0; x < n; ++x) s += double(img[std::size_t(y) * n + x]) * cis(-kTwoPi * kx * x / n);
      rows[std::size_t(y) * hx + kx] = s;
    }
  out.assign(std::size_t(n) * hx, Complex<double>());
  for (int iy = 0; iy < n; ++iy)
    for (int kx = 0; kx < hx; ++kx) {
      Complex<double> s;
      for (int y = 0; y < n; ++y) s += rows[std::size_t(y) * hx + kx] * cis(-kTwoPi * iy * y / n);
      out[std::size_t(iy) * hx + kx] = s;
    }
}

class RefInserter final : public ops::FourierInserter {
 public:
  RefInserter(const ops::ReconstructGeometry& geom, const std::vector<Mat3<double>>& sym)
      : ops::FourierInserter(geom), g_(geom.insert_geometry()), sym_(sym) {
    if (sym_.empty()) sym_.push_back(Mat3<double>::identity());
    for (int h = 0; h < 2; ++h) {
      data_[h].assign(std::size_t(g_.acc_voxels()), Complex<double>());
      weight_[h].assign(std::size_t(g_.acc_voxels()), 0.0);
    }
  }

  void insert(const float* images, const float* ctf, const ops::InsertPose* poses, int n) override {
    const int box = g_.m, hx = g_.hx(), rm = g_.r_max_image(), scale = g_.sample_scale();
    std::vector<Complex<double>> f;
    std::vector<float> padded(std::size_t(box) * box);
    for (int i = 0; i < n; ++i) {
      const ops::InsertPose& pose = poses[i];
      THON_CHECK(pose.half == 0 || pose.half == 1, "reconstruct: half-set ", pose.half, " is not 0 or 1");
      ops::pad_image_batch(images + std::size_t(i) * g_.n * g_.n, g_.n, box, 1, padded.data());
      dft2_r2c(padded.data(), box, f);
      const int np = g_.np();
      for (int iy = 0; iy < box; ++iy)
        for (int kx = 0; kx < hx; ++kx) {
          const int ky = math::signed_row_frequency(iy, box);
          if (kx * kx + ky * ky > rm * rm || (kx == 0 && ky < 0)) continue;
          const std::size_t p = std::size_t(iy) * hx + kx;
          const double c = ctf ? double(ctf[std::size_t(i) * g_.image_half_size() + p]) : 1.0;
          const Complex<double> x =
              f[p] * math::centring_phase<double>(kx, ky, box, pose.shift_x_px, pose.shift_y_px);
          for (const Mat3<double>& s : sym_) {
            const Mat3<double> a = pose.A * s;
            // q = scale * A^T (kx, ky, 0): the central slice in map coordinates, grid voxels.
            const Vec3<double> q{scale * (kx * a.m[0][0] + ky * a.m[1][0]),
                           scale * (kx * a.m[0][1] + ky * a.m[1][1]),
                           scale * (kx * a.m[0][2] + ky * a.m[1][2])};
            const Complex<double> v = c * x;
            // The projector's enumerator: kernel points, Friedel mates at negative x (conjugated).
            math::visit_fourier_3d(g_.kernel, q.x, q.y, q.z, np, np, np, 1e300, [&](index_t j, double k, bool cj) {
              data_[pose.half][std::size_t(j)] += k * (cj ? conj(v) : v);
              weight_[pose.half][std::size_t(j)] += k * c * c;
            });
          }
        }
      ++n_images_[pose.half];
    }
  }

  ops::FourierAccumulator accumulator(int h) override {
    ops::FourierAccumulator out(g_);
    for (index_t i = 0; i < out.weight.size(); ++i) {
      out.data[i] = Complex<float>(data_[h][std::size_t(i)]);
      out.weight[i] = float(weight_[h][std::size_t(i)]);
    }
    out.n_images = n_images_[h];
    return out;
  }

 private:
  math::InsertGeometry g_;
  std::vector<Mat3<double>> sym_;
  std::vector<Complex<double>> data_[2];
  std::vector<double> weight_[2];
  std::int64_t n_images_[2] = {0, 0};
};

}  // namespace

std::unique_ptr<ops::FourierInserter> make_fourier_inserter(const ops::ReconstructGeometry& g,
                                                            const std::vector<Mat3<double>>& symmetry) {
  return std::make_unique<RefInserter>(g, symmetry);
}

void idft3_c2r(const Complex<double>* in, double* out, int n) {
  const int hx = n / 2 + 1;
  const std::size_t plane = std::size_t(n) * hx;
  std::vector<Complex<double>> tw(static_cast<std::size_t>(n));  // exp(+2 pi i m / n)
  for (int m = 0; m < n; ++m) tw[std::size_t(m)] = cis(kTwoPi * m / n);
  // Inverse transforms along z, then y, of every half-complex column (complex to complex).
  std::vector<Complex<double>> a(in, in + plane * n), b(plane * n);
  for (int pass = 0; pass < 2; ++pass) {
    for (int z = 0; z < n; ++z)
      for (int y = 0; y < n; ++y)
        for (int x = 0; x < hx; ++x) {
          const int t = pass == 0 ? z : y;  // output index along the transformed axis
          Complex<double> s;
          for (int k = 0; k < n; ++k) {
            const std::size_t src = pass == 0 ? (std::size_t(k) * n + y) * hx + x : (std::size_t(z) * n + k) * hx + x;
            s += a[src] * tw[std::size_t((k * t) % n)];
          }
          b[(std::size_t(z) * n + y) * hx + x] = s;
        }
    a.swap(b);
  }
  // Hermitian inverse along x: f(x) = F_0 + sum_{0<k<n/2} 2 Re(F_k e^{2 pi i k x / n}) + Re(F_{n/2} e^{i pi x}).
  for (int z = 0; z < n; ++z)
    for (int y = 0; y < n; ++y) {
      const Complex<double>* row = a.data() + (std::size_t(z) * n + y) * hx;
      for (int x = 0; x < n; ++x) {
        double s = row[0].re;
        for (int k = 1; k < hx; ++k) {
          const double c = (2 * k == n) ? 1.0 : 2.0;  // the Nyquist bin has no mate
          s += c * (row[k] * tw[std::size_t((k * x) % n)]).re;
        }
        out[(std::size_t(z) * n + y) * n + x] = s / (double(n) * n * n);
      }
    }
}

Volume<float> invert(const std::vector<const ops::FourierAccumulator*>& accs,
                     const ops::ReconstructGeometry& geometry, const std::vector<double>& inv_tau2) {
  const math::InsertGeometry g = accs[0]->g;
  const std::vector<double> mean_w = ops::shell_mean_weight(accs);
  const int np = g.pad * g.n;
  const Shape shape{np, np, np, 1};
  Buffer<Complex<double>> spec(shape.half_size());
  detail::fill_spectrum<double>(accs, g, inv_tau2, mean_w, spec.data());
  Buffer<double> real(shape.size());
  idft3_c2r(spec.data(), real.data(), np);
  return detail::crop_and_correct<double>(real.data(), g, geometry.pixel_size_A);
}

}  // namespace thon::ref

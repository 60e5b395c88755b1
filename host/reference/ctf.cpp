// Reference CTF: loops over the half-complex grid in double, calling math::ctf_value.
#include "reference/ctf.hpp"

#include <cmath>

#include "thon/math/ctf_kernels.hpp"

namespace thon::ref {

namespace {
math::CtfParams shifted(const math::CtfParams& p, double off) {
  math::CtfParams q = p;
  q.defocus_u_A += off;
  q.defocus_v_A += off;
  return q;
}
}  // namespace

void ctf_grid(const math::CtfParams* params, const double* defocus_offset_A, int n, int nx, int ny,
              double pixel_size_A, double* out) {
  const int nxh = nx / 2 + 1;
  for (int m = 0; m < n; ++m) {
    const math::CtfParams p = shifted(params[m], defocus_offset_A ? defocus_offset_A[m] : 0.0);
    for (int iy = 0; iy < ny; ++iy)
      for (int ix = 0; ix < nxh; ++ix) {
        double kx, ky;
        math::half_complex_frequency(ix, iy, nx, ny, pixel_size_A, &kx, &ky);
        out[(index_t(m) * ny + iy) * nxh + ix] = math::ctf_value(p, kx, ky);
      }
  }
}

void apply_ctf_fourier(Complex<double>* ft, const math::CtfParams* params, const double* defocus_offset_A, int n,
                       int nx, int ny, double pixel_size_A, int op, double wiener_eps) {
  const int nxh = nx / 2 + 1;
  for (int m = 0; m < n; ++m) {
    const math::CtfParams p = shifted(params[m], defocus_offset_A ? defocus_offset_A[m] : 0.0);
    for (int iy = 0; iy < ny; ++iy)
      for (int ix = 0; ix < nxh; ++ix) {
        double kx, ky;
        math::half_complex_frequency(ix, iy, nx, ny, pixel_size_A, &kx, &ky);
        ft[(index_t(m) * ny + iy) * nxh + ix] *= math::ctf_operation_factor(math::ctf_value(p, kx, ky), op, wiener_eps);
      }
  }
}

void tilted_ctf_exact(const Complex<double>* ft, const math::CtfParams* params, const math::TiltGeometry& tilt,
                      int n, int nx, int ny, double pixel_size_A, int op, double wiener_eps, double* out) {
  const int nxh = nx / 2 + 1;
  const double two_pi = 6.283185307179586;
  for (int m = 0; m < n; ++m)
    for (int y = 0; y < ny; ++y)
      for (int x = 0; x < nx; ++x) {
        const double off = math::tilt_defocus_offset_A(tilt, (x - nx / 2) * pixel_size_A, (y - ny / 2) * pixel_size_A);
        const math::CtfParams p = shifted(params[m], off);
        double acc = 0;
        for (int iy = 0; iy < ny; ++iy)
          for (int ix = 0; ix < nxh; ++ix) {
            double kx, ky;
            math::half_complex_frequency(ix, iy, nx, ny, pixel_size_A, &kx, &ky);
            const double c = math::ctf_operation_factor(math::ctf_value(p, kx, ky), op, wiener_eps);
            const double ph = two_pi * (double(ix) * x / nx + double(iy) * y / ny);
            const Complex<double> v = ft[(index_t(m) * ny + iy) * nxh + ix];
            const bool self = ix == 0 || (nx % 2 == 0 && ix == nx / 2);
            acc += (self ? 1.0 : 2.0) * c * (v.re * std::cos(ph) - v.im * std::sin(ph));
          }
        out[(index_t(m) * ny + y) * nx + x] = acc / (double(nx) * ny);
      }
}

}  // namespace thon::ref

// Dispatch of real-space resampling (ops/resample.hpp).
#include "thon/ops/resample.hpp"

#include <cmath>
#include <vector>

#include "cpu/project.hpp"
#include "cuda/project.hpp"
#include "reference/project.hpp"
#include "thon/core/error.hpp"
#include "thon/math/rotation.hpp"

namespace thon::ops {
namespace {

template <class T>
void resample_impl(Device device, const T* in, T* out, int nx, int ny, int nz, index_t count,
                   const Mat3<double>& m, const Vec3<double>& t, math::Interp interp) {
  THON_CHECK(nx > 0 && ny > 0 && nz > 0 && count >= 0, "resample: bad shape ", nx, " x ", ny,
             " x ", nz, " x ", count);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      THON_CHECK(std::isfinite(m.m[r][c]), "resample: non-finite transform matrix");
  THON_CHECK(std::isfinite(t.x) && std::isfinite(t.y) && std::isfinite(t.z),
             "resample: non-finite shift (", t.x, ", ", t.y, ", ", t.z, ")");
  const index_t n = index_t(nx) * ny * nz * count;
  if (n == 0) return;
  switch (device) {
    case Device::reference: {
      std::vector<double> a(in, in + n), b(static_cast<std::size_t>(n));
      ref::resample(a.data(), b.data(), nx, ny, nz, count, m, t, interp);
      for (index_t i = 0; i < n; ++i) out[i] = T(b[std::size_t(i)]);
      return;
    }
    case Device::cpu: cpu::resample<T>(in, out, nx, ny, nz, count, m, t, interp); return;
    case Device::cuda: {
      Buffer<T, Memory::device> d_in(n), d_out(n);
      memory::copy(d_in.data(), Memory::device, in, Memory::host, d_in.bytes());
      cuda::resample<T>(d_in.data(), d_out.data(), nx, ny, nz, count, m, t, interp);
      memory::copy(out, Memory::host, d_out.data(), Memory::device, d_out.bytes());
      return;
    }
  }
}

Mat3<double> scaled_identity(double s) {
  Mat3<double> m = Mat3<double>::identity();
  for (int i = 0; i < 3; ++i) m.m[i][i] = s;
  return m;
}

}  // namespace

void resample(Device d, const float* in, float* out, int nx, int ny, int nz, index_t count,
              const Mat3<double>& m, const Vec3<double>& t, math::Interp k) {
  resample_impl(d, in, out, nx, ny, nz, count, m, t, k);
}
void resample(Device d, const double* in, double* out, int nx, int ny, int nz, index_t count,
              const Mat3<double>& m, const Vec3<double>& t, math::Interp k) {
  resample_impl(d, in, out, nx, ny, nz, count, m, t, k);
}

template <class T>
Image<T> rotate_image(Device device, const Image<T>& in, double psi_deg, math::Interp interp) {
  THON_CHECK(std::isfinite(psi_deg), "rotate_image: non-finite angle ", psi_deg);
  Image<T> out(in.nx(), in.ny(), in.pixel_size_A());
  const Mat3<double> a = math::euler_to_matrix(0.0, 0.0, psi_deg);
  resample(device, in.data(), out.data(), in.nx(), in.ny(), 1, 1, transpose(a), {0, 0, 0}, interp);
  return out;
}
template <class T>
Image<T> shift_image(Device device, const Image<T>& in, double dx, double dy, math::Interp interp) {
  Image<T> out(in.nx(), in.ny(), in.pixel_size_A());
  resample(device, in.data(), out.data(), in.nx(), in.ny(), 1, 1, Mat3<double>::identity(),
           {dx, dy, 0}, interp);
  return out;
}
template <class T>
Image<T> rescale_image(Device device, const Image<T>& in, double factor, math::Interp interp) {
  THON_CHECK(std::isfinite(factor) && factor > 0, "rescale_image: factor must be > 0, got ", factor);
  Image<T> out(in.nx(), in.ny(), in.pixel_size_A());
  resample(device, in.data(), out.data(), in.nx(), in.ny(), 1, 1, scaled_identity(1.0 / factor),
           {0, 0, 0}, interp);
  return out;
}
template <class T>
Volume<T> rotate_volume(Device device, const Volume<T>& in, const Mat3<double>& a,
                        math::Interp interp) {
  Volume<T> out(in.nx(), in.ny(), in.nz(), in.pixel_size_A());
  resample(device, in.data(), out.data(), in.nx(), in.ny(), in.nz(), 1, transpose(a), {0, 0, 0},
           interp);
  return out;
}
template <class T>
Volume<T> shift_volume(Device device, const Volume<T>& in, const Vec3<double>& shift,
                       math::Interp interp) {
  Volume<T> out(in.nx(), in.ny(), in.nz(), in.pixel_size_A());
  resample(device, in.data(), out.data(), in.nx(), in.ny(), in.nz(), 1, Mat3<double>::identity(),
           shift, interp);
  return out;
}
template <class T>
Volume<T> rescale_volume(Device device, const Volume<T>& in, double factor, math::Interp interp) {
  THON_CHECK(std::isfinite(factor) && factor > 0, "rescale_volume: factor must be > 0, got ",
             factor);
  Volume<T> out(in.nx(), in.ny(), in.nz(), in.pixel_size_A());
  resample(device, in.data(), out.data(), in.nx(), in.ny(), in.nz(), 1,
           scaled_identity(1.0 / factor), {0, 0, 0}, interp);
  return out;
}

#define THON_INSTANTIATE(T)                                                                     \
  template Image<T> rotate_image<T>(Device, const Image<T>&, double, math::Interp);            \
  template Image<T> shift_image<T>(Device, const Image<T>&, double, double, math::Interp);     \
  template Image<T> rescale_image<T>(Device, const Image<T>&, double, math::Interp);           \
  template Volume<T> rotate_volume<T>(Device, const Volume<T>&, const Mat3<double>&,           \
                                      math::Interp);                                           \
  template Volume<T> shift_volume<T>(Device, const Volume<T>&, const Vec3<double>&,            \
                                     math::Interp);                                            \
  template Volume<T> rescale_volume<T>(Device, const Volume<T>&, double, math::Interp);
THON_INSTANTIATE(float)
THON_INSTANTIATE(double)
#undef THON_INSTANTIATE

}  // namespace thon::ops

// The reference Fourier toolkit: the shared algorithms (host/common/filter.hpp) run in double,
// with the direct DFT of reference/fft.cpp and plain serial loops.
#include "reference/filter.hpp"

#include "common/filter.hpp"
#include "reference/fft.hpp"

namespace thon::ref {
namespace {

struct RefExec {
  using Real = double;
  static constexpr Memory memory = Memory::host;
  template <class F>
  static void for_each(index_t n, const F& f) {
    for (index_t i = 0; i < n; ++i) f(i);
  }
  static void r2c(const double* in, Complex<double>* out, const Shape& s) { dft_r2c(in, out, s); }
  static void c2r(Complex<double>* in, double* out, const Shape& s) { dft_c2r(in, out, s); }
  template <class F>
  static void shell_sums(index_t n, int n_shells, const F& f, double* sums, std::int64_t* counts) {
    double v[F::K];
    for (index_t i = 0; i < n; ++i) {
      int shell = 0, count = 0;
      if (!f(i, shell, v, count) || shell < 0 || shell >= n_shells) continue;
      for (int k = 0; k < F::K; ++k) sums[shell * F::K + k] += v[k];
      counts[shell] += count;
    }
  }
};

}  // namespace

void apply_filter(double* data, const Shape& s, double p, const FilterSpec& spec) { detail::apply_filter<RefExec>(data, s, p, spec); }
void translate(double* data, const Shape& s, double p, const Vec3<double>& o) { detail::translate<RefExec>(data, s, p, o); }
RadialProfile power_spectrum_profile(const double* data, const Shape& s) { return detail::power_spectrum_profile<RefExec>(data, s); }
RadialProfile radial_average(const double* data, const Shape& s) { return detail::radial_average<RefExec>(data, s); }
ComplexRadialProfile radial_average(const Complex<double>* data, const Shape& s) { return detail::radial_average<RefExec>(data, s); }
void centred_power_spectrum(const double* data, const Shape& s, double* out) { detail::centred_power_spectrum<RefExec>(data, s, out); }
void fourier_resize(const double* in, const Shape& is, double* out, const Shape& os) { detail::fourier_resize<RefExec>(in, is, out, os); }
void convolve_fft(const double* image, const Shape& is, const double* kernel, const Shape& ks, double* out, ConvolveMode mode) {
  detail::convolve_fft<RefExec>(image, is, kernel, ks, out, mode);
}
void convolve_direct(const double* image, const Shape& is, const double* kernel, const Shape& ks, double* out, ConvolveMode mode) {
  detail::convolve_direct<RefExec>(image, is, kernel, ks, out, mode);
}
void fsc_sums(const double* a, const double* b, const Shape& s, std::vector<double>& sums, std::vector<std::int64_t>& counts) {
  detail::fsc_sums<RefExec>(a, b, s, sums, counts);
}

}  // namespace thon::ref

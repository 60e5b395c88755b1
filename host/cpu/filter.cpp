// The CPU Fourier toolkit: the shared algorithms (host/common/filter.hpp) in float, FFTW plans
// from cpu/fft.cpp, functors over thrust::omp, per-thread shell sums merged at the end.
#include "cpu/filter.hpp"

#include <omp.h>

#include "cpu/fft.hpp"
#include "common/filter.hpp"
#include "thon/core/parallel.hpp"

namespace thon::cpu {
namespace {

struct CpuExec {
  using Real = float;
  static constexpr Memory memory = Memory::host;
  template <class F>
  static void for_each(index_t n, const F& f) {
    ::thon::cpu::parallel_for(n, f);
  }
  static void r2c(const float* in, Complex<float>* out, const Shape& s) { fft_r2c(in, out, s); }
  static void c2r(Complex<float>* in, float* out, const Shape& s) { fft_c2r_destructive(in, out, s); }
  template <class F>
  static void shell_sums(index_t n, int n_shells, const F& f, double* sums, std::int64_t* counts) {
#pragma omp parallel
    {
      std::vector<double> local_sums(std::size_t(n_shells) * F::K, 0.0);
      std::vector<std::int64_t> local_counts(std::size_t(n_shells), 0);
      double v[F::K];
#pragma omp for schedule(static)
      for (index_t i = 0; i < n; ++i) {
        int shell = 0, count = 0;
        if (!f(i, shell, v, count) || shell < 0 || shell >= n_shells) continue;
        for (int k = 0; k < F::K; ++k) local_sums[shell * F::K + k] += v[k];
        local_counts[shell] += count;
      }
#pragma omp critical(thon_shell_sums)
      {
        for (std::size_t j = 0; j < local_sums.size(); ++j) sums[j] += local_sums[j];
        for (std::size_t j = 0; j < local_counts.size(); ++j) counts[j] += local_counts[j];
      }
    }
  }
};

}  // namespace

void apply_filter(float* data, const Shape& s, double p, const FilterSpec& spec) { detail::apply_filter<CpuExec>(data, s, p, spec); }
void translate(float* data, const Shape& s, double p, const Vec3<double>& o) { detail::translate<CpuExec>(data, s, p, o); }
RadialProfile power_spectrum_profile(const float* data, const Shape& s) { return detail::power_spectrum_profile<CpuExec>(data, s); }
RadialProfile radial_average(const float* data, const Shape& s) { return detail::radial_average<CpuExec>(data, s); }
ComplexRadialProfile radial_average(const Complex<float>* data, const Shape& s) { return detail::radial_average<CpuExec>(data, s); }
void centred_power_spectrum(const float* data, const Shape& s, float* out) { detail::centred_power_spectrum<CpuExec>(data, s, out); }
void fourier_resize(const float* in, const Shape& is, float* out, const Shape& os) { detail::fourier_resize<CpuExec>(in, is, out, os); }
void convolve_fft(const float* image, const Shape& is, const float* kernel, const Shape& ks, float* out, ConvolveMode mode) {
  detail::convolve_fft<CpuExec>(image, is, kernel, ks, out, mode);
}
void convolve_direct(const float* image, const Shape& is, const float* kernel, const Shape& ks, float* out, ConvolveMode mode) {
  detail::convolve_direct<CpuExec>(image, is, kernel, ks, out, mode);
}
void fsc_sums(const float* a, const float* b, const Shape& s, std::vector<double>& sums, std::vector<std::int64_t>& counts) {
  detail::fsc_sums<CpuExec>(a, b, s, sums, counts);
}

}  // namespace thon::cpu

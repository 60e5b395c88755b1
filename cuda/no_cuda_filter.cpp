// thon::cuda Fourier toolkit entry points of a build without CUDA: each throws "built without CUDA".
#include "cuda/filter.hpp"
#include "cuda/runtime.hpp"

namespace thon::cuda {

void apply_filter(float*, const Shape&, double, const FilterSpec&) { no_cuda("apply_filter"); }
void translate(float*, const Shape&, double, const Vec3<double>&) { no_cuda("translate"); }
RadialProfile power_spectrum_profile(const float*, const Shape&) { no_cuda("power_spectrum_profile"); }
RadialProfile radial_average(const float*, const Shape&) { no_cuda("radial_average"); }
ComplexRadialProfile radial_average(const Complex<float>*, const Shape&) { no_cuda("radial_average"); }
void centred_power_spectrum(const float*, const Shape&, float*) { no_cuda("centred_power_spectrum"); }
void fourier_resize(const float*, const Shape&, float*, const Shape&) { no_cuda("fourier_resize"); }
void convolve_fft(const float*, const Shape&, const float*, const Shape&, float*, ConvolveMode) { no_cuda("convolve_fft"); }
void convolve_direct(const float*, const Shape&, const float*, const Shape&, float*, ConvolveMode) {
  no_cuda("convolve_direct");
}
void fsc_sums_device(const float*, const float*, const Shape&, std::vector<double>&, std::vector<std::int64_t>&) {
  no_cuda("fsc_sums_device");
}
void fsc_sums(const float*, const float*, const Shape&, std::vector<double>&, std::vector<std::int64_t>&) {
  no_cuda("fsc_sums");
}

}  // namespace thon::cuda

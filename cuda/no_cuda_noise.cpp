#include "cuda/noise.hpp"
#include "cuda/runtime.hpp"

namespace thon::cuda {

void poisson_noise(float*, index_t, index_t, index_t, std::uint64_t, double, double) { no_cuda("poisson_noise"); }
void gaussian_noise(float*, index_t, index_t, index_t, std::uint64_t, const float*) { no_cuda("gaussian_noise"); }
void detector_filter(Complex<float>*, int, int, int, const math::DetectorModel&, int) { no_cuda("detector_filter"); }

}  // namespace thon::cuda

#include "cpu/noise.hpp"

#include "thon/core/parallel.hpp"

namespace thon::cpu {

void poisson_noise(float* data, index_t n_total, index_t npix, index_t first_image, std::uint64_t seed, double scale,
                   double out_scale) {
  parallel_for(n_total, math::PoissonNoiseFunctor<float>{seed, first_image, npix, scale, out_scale, data});
}

void gaussian_noise(float* data, index_t n_total, index_t npix, index_t first_image, std::uint64_t seed,
                    const float* sigma) {
  parallel_for(n_total, math::GaussianNoiseFunctor<float>{seed, first_image, npix, sigma, data});
}

void detector_filter(Complex<float>* ft, int n, int nx, int ny, const math::DetectorModel& model, int which) {
  parallel_for(index_t(n) * (nx / 2 + 1) * ny, math::DetectorFilterFunctor<float>{model, nx, ny, which, ft});
}

}  // namespace thon::cpu

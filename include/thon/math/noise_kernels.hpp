// Per-pixel noise and detector-filter functors shared by the reference, CPU and CUDA backends. The
// random numbers are counter-based (math/random.hpp): pixel p of image m draws from the stream
// (seed, m * npix + p), so every backend produces the same numbers.
#pragma once

#include <cstdint>

#include "thon/core/complex.hpp"
#include "thon/core/views.hpp"
#include "thon/math/detector.hpp"
#include "thon/math/random.hpp"

namespace thon::math {

/// counts = Poisson(scale * max(I, 0)) * out_scale, pixel i of the batch (image first_image + i / npix).
template <class Real>
struct PoissonNoiseFunctor {
  std::uint64_t seed;
  index_t first_image;
  index_t npix;
  double scale;      ///< dose * pixel area * DQE(0): expected counts for I = 1
  double out_scale;  ///< 1 / DQE(0) (1 for an ideal detector)
  Real* data;

  THON_HD void operator()(index_t i) const {
    const index_t stream = (first_image + i / npix) * npix + i % npix;
    RandomStream rng(seed, std::uint64_t(stream));
    const double mean = scale * (data[i] > Real(0) ? double(data[i]) : 0.0);
    data[i] = Real(poisson_sample(rng, mean) * out_scale);
  }
};

/// data += sigma[image] * N(0, 1).
template <class Real>
struct GaussianNoiseFunctor {
  std::uint64_t seed;
  index_t first_image;
  index_t npix;
  const Real* sigma;  ///< per image of the batch
  Real* data;

  THON_HD void operator()(index_t i) const {
    const index_t m = i / npix;
    const index_t stream = (first_image + m) * npix + i % npix;
    RandomStream rng(seed, std::uint64_t(stream));
    data[i] += Real(sigma[m] * rng.normal());
  }
};

enum class DetectorFilter : int { mtf = 0, prefilter = 1, postfilter = 2 };

/// Multiplies n half-complex transforms by a detector curve at (fx, fy) in Nyquist units.
template <class Real>
struct DetectorFilterFunctor {
  DetectorModel model;
  int nx, ny;
  int which;
  Complex<Real>* ft;

  THON_HD void operator()(index_t i) const {
    const int nxh = nx / 2 + 1;
    const index_t r = i % (index_t(nxh) * ny);
    const int iy = int(r / nxh), ix = int(r % nxh);
    const int jy = iy <= ny / 2 ? iy : iy - ny;
    const double fx = 2.0 * ix / nx, fy = 2.0 * jy / ny;  // Nyquist units
    double g;
    if (which == int(DetectorFilter::prefilter)) g = detector_signal_prefilter(model, fx, fy);
    else if (which == int(DetectorFilter::postfilter)) g = detector_noise_postfilter(model, fx, fy);
    else g = detector_mtf(model, fx, fy) / detector_mtf(model, 0, 0);
    ft[i] *= Real(g);
  }
};

}  // namespace thon::math

// Shot noise and Gaussian noise of simulated images, reproducible for a seed on every backend.
//
// Poisson: the images hold the expected intensity normalised so vacuum = 1; pixel (m, p) becomes
//   Poisson(dose_e_per_A2 * pixel_size_A^2 * I) counts (electrons per pixel; negative I clamps to 0),
//   PHYSICS.md 5.9. Gaussian: image + N(0, var_m / snr) with var_m the variance of image m's signal.
// Random numbers: Philox4x32-10 stream (seed, (first_image + m) * npix + p) (math/random.hpp), so a
// batch can be processed in any split and on any device with identical results.
#pragma once

#include <cstdint>

#include "thon/core/device.hpp"
#include "thon/core/views.hpp"

namespace thon::ops {

enum class NoiseKind { none, poisson, gaussian };

struct NoiseParams {
  NoiseKind kind = NoiseKind::none;
  double dose_e_per_A2 = 0;  ///< Poisson: electrons per Å^2 (> 0)
  double snr = 0;            ///< Gaussian: signal variance / noise variance (> 0)
  std::uint64_t seed = 0;
};

/// Adds noise in place to n images of nx x ny (host memory). first_image: index of images[0] in the
/// whole data set (keeps streams distinct across batches). Throws thon::Error for non-positive dose,
/// SNR or pixel size.
void add_noise(Device device, float* images, int n, int nx, int ny, double pixel_size_A, const NoiseParams& noise,
               index_t first_image = 0);

}  // namespace thon::ops

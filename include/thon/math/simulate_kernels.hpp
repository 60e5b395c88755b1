// Element-wise functors of ops::form_images, run by the CPU (thon::cpu::parallel_for) and the CUDA
// (thon::cuda::policy) backends alike: index i runs over n images x (half-complex bins or pixels).
// Each call writes only element i (or image i), so there are no races. The noise and detector
// functors are those of noise_kernels.hpp (shared with ops::detect / ops::add_noise).
#pragma once

#include <cmath>

#include "thon/core/complex.hpp"
#include "thon/core/hd.hpp"
#include "thon/core/views.hpp"
#include "thon/math/noise_kernels.hpp"
#include "thon/math/simulate.hpp"

namespace thon::math {

/// f[i] = slice[i] * image_transfer * centred_to_origin_sign: the r2c-layout transform of the
/// contrast image, detector included; for strip `strip` of a tilted image, without the detector
/// (it filters the assembled image afterwards, as the optics come before the detector).
/// shifts[i] for i over n images x (box/2+1 + box): the per-axis origin-shift tables.
struct ShiftTableFunctor {
  ImageFormationSetup s;
  const ImageParticle* particles;
  Complex<float>* shifts;
  THON_HD void operator()(index_t i) const {
    const index_t per_image = s.box / 2 + 1 + s.box;
    shifts[i] = origin_shift_table_entry<float>(s, particles[i / per_image], int(i % per_image));
  }
};

struct TransferFunctor {
  ImageFormationSetup s;
  const ImageParticle* particles;
  const Complex<float>* shifts;  ///< ShiftTableFunctor's tables
  const Complex<float>* slices;
  Complex<float>* out;
  int strip;
  THON_HD void operator()(index_t i) const {
    const int h = s.box / 2 + 1;
    const index_t nhalf = index_t(h) * s.box;
    const index_t img = i / nhalf, r = i % nhalf;
    at(img, int(r % h), int(r / h), i, s.tilted ? tilt_strip_offset_A<float>(s, strip) : 0.0f);
  }
  /// Bin (ix, iy) of image img, element i of the batch; offset = tilt_strip_offset_A of the strip
  /// (0 untilted). The CPU calls it along rows (no per-element index division).
  THON_HD void at(index_t img, int ix, int iy, index_t i, float offset) const {
    const int h = s.box / 2 + 1;
    const Complex<float>* sh = shifts + img * (h + s.box);
    const float f = image_transfer_real<float>(s, particles[img], ix, iy, offset, !s.tilted) *
                    float(centred_to_origin_sign(ix, iy));
    out[i] = slices[i] * (sh[ix] * sh[h + iy]) * f;
  }
  /// Row iy of image img (r = img * box + iy).
  THON_HD void row(index_t r) const {
    const int h = s.box / 2 + 1;
    const index_t img = r / s.box;
    const int iy = int(r % s.box);
    const float offset = s.tilted ? tilt_strip_offset_A<float>(s, strip) : 0.0f;
    const index_t i0 = r * h;
    for (int ix = 0; ix < h; ++ix) at(img, ix, iy, i0 + ix, offset);
  }
};

/// images[i] = strip_images[i] where pixel i lies in strip `strip` of a tilted image.
struct StripCopyFunctor {
  ImageFormationSetup s;
  const float* strip_images;
  float* images;
  int strip;
  THON_HD void operator()(index_t i) const {
    const index_t npix = index_t(s.box) * s.box;
    const index_t r = i % npix;
    const int y = int(r / s.box), x = int(r % s.box);
    if (tilt_strip_of_pixel<float>(s, x, y) == strip) images[i] = strip_images[i];
  }
};

/// v[i] = offset - scale * v[i]: contrast c -> intensity 1 - c (1, 1) and back; counts N' -> written
/// image 1 - N' / (dose p^2) (1, 1 / (dose p^2)).
struct AffineFunctor {
  float offset, scale;
  float* v;
  THON_HD void operator()(index_t i) const { v[i] = offset - scale * v[i]; }
};

/// Per image: sqrt(var / snr), var the variance over the box of the noise-free image (double sums;
/// one call per image), the sigma of GaussianNoiseFunctor.
struct SnrSigmaFunctor {
  ImageFormationSetup s;
  const float* images;
  float* sigmas;
  THON_HD void operator()(index_t i) const {
    const index_t npix = index_t(s.box) * s.box;
    const float* im = images + i * npix;
    double sum = 0, sum2 = 0;
    for (index_t j = 0; j < npix; ++j) sum += im[j];
    const double mean = sum / double(npix);
    for (index_t j = 0; j < npix; ++j) sum2 += (im[j] - mean) * (im[j] - mean);
    sigmas[i] = float(std::sqrt(sum2 / double(npix) / s.snr));
  }
};

}  // namespace thon::math

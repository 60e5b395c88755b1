// A branch-free float sine for the per-pixel CTF of the fast paths: |sin_fast(x) - sin(x)| < 2e-7
// for |x| <= 1e3 rad (measured against double sin in tests/core/physics_math_test.cpp), against
// float rounding of chi itself of about |chi| 6e-8 (1e-5 rad at the chi of 200 rad that a 2.5 um
// defocus reaches at 3 Å). Inlined, it lets a row loop vectorise where a libm call would not.
#pragma once

#include <cstdint>

#include "thon/core/hd.hpp"

namespace thon::math {

/// sin(x) for float x (|x| < 1e6): x = k pi + r with k = rint(x / pi) (Cody-Waite, pi in three parts whose
/// products with k up to 2^10 are exact), an odd degree-11 polynomial on |r| <= pi/2 (Taylor
/// coefficients refined to minimax, relative error 6e-9), and the sign of (-1)^k.
THON_HD float sin_fast(float x) {
  // rint by the 1.5 * 2^23 shift (exact for |x / pi| < 2^22, round-to-nearest), no libm call
  const float k = (x * 0.318309886183790671538f + 12582912.f) - 12582912.f;
  float r = x - k * 3.140625f;
  r -= k * 9.67502593994140625e-4f;
  r -= k * 1.509957990978376432e-7f;
  const float r2 = r * r;
  float p = -2.3889859e-08f;
  p = p * r2 + 2.7525562e-06f;
  p = p * r2 - 0.00019840874f;
  p = p * r2 + 0.0083333310f;
  p = p * r2 - 0.16666667f;
  const float s = r + r * r2 * p;
  return s * float(1 - 2 * (std::int32_t(k) & 1));  // (-1)^k without a branch
}

}  // namespace thon::math

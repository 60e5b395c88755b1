// Counter-based random numbers, identical on every backend: Philox4x32-10 (Salmon, Moraes, Dror &
// Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11; the constants are those of the paper
// and of Random123 / cuRAND). A draw is a pure function of (seed, stream, counter), so the reference,
// the CPU and the CUDA backends produce the same numbers for the same (seed, image, pixel) without
// any shared state. Samplers: uniform (0,1], standard normal (Box-Muller), Poisson (inversion for
// mean < 10, PTRS transformed rejection of Hörmann 1993 for mean >= 10).
#pragma once

#include <cmath>
#include <cstdint>

#include "thon/core/hd.hpp"

namespace thon::math {

struct Philox4x32 {
  std::uint32_t v[4];
};

THON_HD void mulhilo32(std::uint32_t a, std::uint32_t b, std::uint32_t* hi, std::uint32_t* lo) {
  const std::uint64_t p = std::uint64_t(a) * std::uint64_t(b);
  *hi = std::uint32_t(p >> 32);
  *lo = std::uint32_t(p);
}

/// Philox4x32 with 10 rounds of counter `ctr` under key (k0, k1).
THON_HD Philox4x32 philox4x32_10(Philox4x32 ctr, std::uint32_t k0, std::uint32_t k1) {
  constexpr std::uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int r = 0; r < 10; ++r) {
    std::uint32_t hi0, lo0, hi1, lo1;
    mulhilo32(kM0, ctr.v[0], &hi0, &lo0);
    mulhilo32(kM1, ctr.v[2], &hi1, &lo1);
    ctr = Philox4x32{{hi1 ^ ctr.v[1] ^ k0, lo1, hi0 ^ ctr.v[3] ^ k1, lo0}};
    k0 += kW0;
    k1 += kW1;
  }
  return ctr;
}

/// A stream of random numbers for one (seed, stream id) pair, e.g. stream = image * npix + pixel.
/// Each call to next() consumes one Philox block (four 32-bit words), so the sequence of a stream
/// does not depend on how many numbers other streams used.
class RandomStream {
 public:
  THON_HD RandomStream(std::uint64_t seed, std::uint64_t stream)
      : k0_(std::uint32_t(seed)), k1_(std::uint32_t(seed >> 32)), s0_(std::uint32_t(stream)),
        s1_(std::uint32_t(stream >> 32)) {}

  /// Four fresh 32-bit words.
  THON_HD Philox4x32 next_block() {
    Philox4x32 c{{counter_++, 0u, s0_, s1_}};
    return philox4x32_10(c, k0_, k1_);
  }
  /// Uniform double in (0, 1] from 53 random bits.
  THON_HD double uniform() {
    const Philox4x32 r = next_block();
    const std::uint64_t bits = (std::uint64_t(r.v[0]) << 21) ^ std::uint64_t(r.v[1] >> 11);
    return (double(bits & ((std::uint64_t(1) << 53) - 1)) + 1.0) * (1.0 / 9007199254740992.0);
  }
  /// Standard normal by Box-Muller from one block (two 32-bit uniforms).
  THON_HD double normal() {
    const Philox4x32 r = next_block();
    const double u1 = (double(r.v[0]) + 1.0) * (1.0 / 4294967296.0);  // (0, 1]
    const double u2 = double(r.v[1]) * (1.0 / 4294967296.0);          // [0, 1)
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  /// Two independent standard normals from one block: both Box-Muller outputs (cos and sin).
  THON_HD void normal_pair(double* a, double* b) {
    const Philox4x32 r = next_block();
    const double u1 = (double(r.v[0]) + 1.0) * (1.0 / 4294967296.0);
    const double u2 = double(r.v[1]) * (1.0 / 4294967296.0);
    const double rad = std::sqrt(-2.0 * std::log(u1));
    *a = rad * std::cos(6.283185307179586 * u2);
    *b = rad * std::sin(6.283185307179586 * u2);
  }

 private:
  std::uint32_t k0_, k1_, s0_, s1_;
  std::uint32_t counter_ = 0;
};

/// log(k!) : exact table for k < 10, Stirling series beyond (error < 1e-10 for k >= 10).
THON_HD double log_factorial(double k) {
  if (k < 10) {
    double f = 1;
    for (int i = 2; i <= int(k); ++i) f *= i;
    return std::log(f);
  }
  const double x = k + 1.0;
  return (x - 0.5) * std::log(x) - x + 0.91893853320467274178 + 1.0 / (12.0 * x) -
         1.0 / (360.0 * x * x * x);
}

/// Poisson sample of the given mean (>= 0). Mean < 10: inversion by sequential search (exact).
/// Mean >= 10: PTRS, W. Hörmann, "The transformed rejection method for generating Poisson random
/// variables", Insurance: Mathematics and Economics 12 (1993) 39-45 (exact, acceptance ~ 0.9).
THON_HD double poisson_sample(RandomStream& rng, double mean) {
  if (!(mean > 0)) return 0;
  if (mean < 10) {
    const double u = rng.uniform();
    double p = std::exp(-mean), cdf = p;
    double k = 0;
    while (u > cdf && k < 1000) {
      k += 1;
      p *= mean / k;
      cdf += p;
    }
    return k;
  }
  const double slam = std::sqrt(mean), loglam = std::log(mean);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2);
  for (int iter = 0; iter < 1000; ++iter) {
    const double u = rng.uniform() - 0.5;
    const double v = rng.uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <= -mean + k * loglam - log_factorial(k))
      return k;
  }
  return std::floor(mean + 0.5);  // not reached in practice (acceptance probability ~ 0.9 per try)
}

}  // namespace thon::math

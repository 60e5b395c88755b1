// include/thon/math/fourier_grid.hpp against the definitions of DESIGN.md section 3.
#include <gtest/gtest.h>

#include "thon/math/fourier_grid.hpp"

namespace thon {
namespace {

TEST(FourierGrid, WrappedAndCentredIndices) {
  // n = 6: wrapped 0..5 -> 0 1 2 3 -2 -1 (Nyquist +3); centred 0..5 -> -3 -2 -1 0 1 2.
  const int wrapped6[] = {0, 1, 2, 3, -2, -1};
  for (int j = 0; j < 6; ++j) EXPECT_EQ(math::wrapped_frequency(j, 6), wrapped6[j]);
  // n = 5: 0 1 2 -2 -1; centred -2 .. 2.
  const int wrapped5[] = {0, 1, 2, -2, -1};
  for (int j = 0; j < 5; ++j) EXPECT_EQ(math::wrapped_frequency(j, 5), wrapped5[j]);
  for (int n : {1, 2, 5, 6, 64, 65}) {
    for (int j = 0; j < n; ++j) {
      const int k = math::wrapped_frequency(j, n);
      EXPECT_EQ(math::wrapped_index(k, n), j);
      const int c = math::wrapped_to_centred(j, n);
      EXPECT_EQ(math::centred_to_wrapped(c, n), j);
      // Same frequency modulo n (the even-n Nyquist is +-n/2).
      EXPECT_EQ(math::wrapped_index(math::centred_frequency(c, n) - k, n), 0);
      EXPECT_EQ(math::centred_index(math::centred_frequency(c, n), n), c);
    }
  }
  EXPECT_EQ(math::centred_index(0, 6), 3);  // DC at n/2
  EXPECT_EQ(math::centred_index(0, 5), 2);
}

TEST(FourierGrid, FrequenciesInCyclesPerAngstrom) {
  // Bin j of an N box at pixel size p is j / (N p); Nyquist 1 / (2 p).
  EXPECT_DOUBLE_EQ(math::frequency_per_A(44, 96, 7.5), 44.0 / 720.0);
  EXPECT_DOUBLE_EQ(math::nyquist_per_A(7.5), 1.0 / 15.0);
  EXPECT_DOUBLE_EQ(math::frequency_per_A(math::nyquist_index(96), 96, 7.5), math::nyquist_per_A(7.5));
  EXPECT_NEAR(math::shell_resolution_A(44.0, 96, 7.5), 16.363636363636, 1e-9);
  EXPECT_DOUBLE_EQ(math::frequency2_per_A2(3, -4, 0, 10, 10, 1, 1.0), 0.25);
  EXPECT_EQ(math::half_size(7), 4);
  EXPECT_EQ(math::half_size(8), 5);
}

TEST(FourierGrid, HalfComplexIndexingAndHermitianWeights) {
  const int nx = 6, ny = 5, nz = 4;
  for (long long i = 0; i < 2LL * 4 * ny * nz; ++i) {
    const auto h = math::half_index(i, nx, ny, nz);
    EXPECT_EQ(math::half_offset(h.kx, h.ky, h.kz, nx, ny, nz) + h.batch * 4LL * ny * nz, i);
  }
  // Even nx = 6: stored kx 0..3; 0 and the Nyquist 3 are self-conjugate columns.
  EXPECT_EQ(math::hermitian_weight(0, 6), 1);
  EXPECT_EQ(math::hermitian_weight(1, 6), 2);
  EXPECT_EQ(math::hermitian_weight(3, 6), 1);
  EXPECT_EQ(math::hermitian_weight(3, 7), 2);
  // Sum of weights over the half array = the full array size.
  int sum = 0;
  for (int kx = 0; kx <= 7 / 2; ++kx) sum += math::hermitian_weight(kx, 7);
  EXPECT_EQ(sum, 7);
  EXPECT_EQ(math::shell_index(2.5), 3);  // round half up, as RELION's ROUND
  EXPECT_EQ(math::shell_index(2.49), 2);
  EXPECT_DOUBLE_EQ(math::radius2_px<double>(1, 2, 0, 8, 4, 1), 1.0 + 16.0);  // ky scaled by nx/ny
}

}  // namespace
}  // namespace thon

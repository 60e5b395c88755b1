// The CUDA Fourier toolkit (cuFFT + the shared functors on the GPU) against the reference.
// Skips without a device. Tolerances: cuFFT float vs double reference, as FFTW float (1e-5);
// shell sums use double atomics (order-dependent rounding ~1e-15 relative).
#include <gtest/gtest.h>

#include <vector>

#include "cuda/fft.hpp"
#include "cpu/fft.hpp"
#include "test_util.hpp"
#include "thon/ops/fft.hpp"
#include "thon/ops/filter.hpp"
#include "thon/ops/fsc.hpp"

namespace thon {
namespace {

using test::rel_l2;
constexpr double kFloatTol = 1e-5;

class CudaFourier : public test::BackendTest {};

const Shape kShapes[] = {{17, 1, 1, 1}, {64, 48, 1, 1}, {15, 9, 1, 4}, {32, 32, 32, 1}, {9, 7, 11, 1}};

TEST_P(CudaFourier, FftMatchesReference) {
  for (const Shape& s : kShapes) {
    const auto xd = test::random_vector<double>(s.total(), 3);
    const std::vector<float> xf(xd.begin(), xd.end());
    std::vector<Complex<double>> ref(s.half_total()), gd(s.half_total());
    std::vector<Complex<float>> gf(s.half_total());
    ops::fft_r2c(Device::reference, xd.data(), ref.data(), s);
    ops::fft_r2c(device(), xf.data(), gf.data(), s);
    ops::fft_r2c(device(), xd.data(), gd.data(), s);
    ASSERT_TRUE(test::finite_and_nonzero(gf.data(), s.half_total()));
    EXPECT_LT(rel_l2(gf.data(), ref.data(), s.half_total()), kFloatTol);
    EXPECT_LT(rel_l2(gd.data(), ref.data(), s.half_total()), 1e-12);
    std::vector<float> back(s.total());
    const auto copy = gf;
    ops::fft_c2r(device(), gf.data(), back.data(), s);
    EXPECT_LT(rel_l2(back, xf), kFloatTol);
    EXPECT_EQ(rel_l2(gf.data(), copy.data(), s.half_total()), 0.0);
    std::vector<Complex<float>> z(s.total()), zg(s.total());
    std::vector<Complex<double>> zr(s.total()), zd(s.total());
    for (index_t i = 0; i < s.total(); ++i) z[i] = Complex<float>(xf[i], -xf[s.total() - 1 - i]), zd[i] = Complex<double>(z[i]);
    for (auto dir : {FftDirection::forward, FftDirection::inverse}) {
      ops::fft_c2c(Device::reference, zd.data(), zr.data(), s, dir);
      ops::fft_c2c(device(), z.data(), zg.data(), s, dir);
      EXPECT_LT(rel_l2(zg.data(), zr.data(), s.total()), kFloatTol);
    }
  }
  // The plan of a shape is made once: a repeated transform adds none to the cache.
  auto plan_count = [&] { return device() == Device::cuda ? cuda::fft_plan_cache_size() : cpu::fft_plan_cache_size(); };
  const int plans = plan_count();
  std::vector<float> x(64 * 48);
  std::vector<Complex<float>> F(33 * 48);
  ops::fft_r2c(device(), x.data(), F.data(), Shape{64, 48, 1, 1});
  EXPECT_EQ(plan_count(), plans);
}

TEST_P(CudaFourier, FiltersTranslationAndResizeMatchReference) {
  for (const Shape s : {Shape{33, 30, 1, 3}, Shape{20, 20, 20, 1}}) {
    const auto x = test::random_vector<float>(s.total(), 42);
    for (const FilterSpec& spec : {make_lowpass(6.0, 0.02), make_bandpass(20.0, 5.0, 0.01), make_bfactor(-30.0),
                                   make_gaussian(0.1)}) {
      auto a = x, b = x;
      ops::apply_filter(Device::reference, a.data(), s, 1.5, spec);
      ops::apply_filter(device(), b.data(), s, 1.5, spec);
      ASSERT_TRUE(test::finite_and_nonzero(b));
      EXPECT_LT(rel_l2(b, a), kFloatTol);
    }
    auto a = x, b = x;
    ops::translate(Device::reference, a.data(), s, 1.5, {1.3, -2.2, 0.7});
    ops::translate(device(), b.data(), s, 1.5, {1.3, -2.2, 0.7});
    EXPECT_LT(rel_l2(b, a), kFloatTol);
    Shape o = s;
    o.nx += 7;
    o.ny -= 4;
    if (o.nz > 1) o.nz += 2;
    std::vector<float> ra(o.total()), rb(o.total());
    ops::fourier_resize(Device::reference, x.data(), s, ra.data(), o);
    ops::fourier_resize(device(), x.data(), s, rb.data(), o);
    EXPECT_LT(rel_l2(rb, ra), kFloatTol);
    const RadialProfile pa = ops::power_spectrum_profile(Device::reference, x.data(), s);
    const RadialProfile pb = ops::power_spectrum_profile(device(), x.data(), s);
    EXPECT_LT(rel_l2(pb.value, pa.value), kFloatTol);
    EXPECT_EQ(pb.count, pa.count);
    const RadialProfile qa = ops::radial_average(Device::reference, x.data(), s);
    const RadialProfile qb = ops::radial_average(device(), x.data(), s);
    EXPECT_LT(rel_l2(qb.value, qa.value), 1e-6);
    const auto ca = ops::centred_power_spectrum(Device::reference, x.data(), s);
    const auto cb = ops::centred_power_spectrum(device(), x.data(), s);
    EXPECT_LT(rel_l2(cb, ca), kFloatTol);
  }
}

TEST_P(CudaFourier, ConvolutionAndFscMatchReference) {
  const Shape is{40, 33, 1, 1}, ks{7, 6, 1, 1};
  const auto img = test::random_vector<float>(is.total(), 1), ker = test::random_vector<float>(ks.total(), 2);
  for (ConvolveMode mode : {ConvolveMode::full, ConvolveMode::same}) {
    const Shape os = ops::convolution_shape(is, ks, mode);
    std::vector<float> r(os.total()), f(os.total()), d(os.total());
    ops::convolve_direct(Device::reference, img.data(), is, ker.data(), ks, r.data(), mode);
    ops::convolve_fft(device(), img.data(), is, ker.data(), ks, f.data(), mode);
    ops::convolve_direct(device(), img.data(), is, ker.data(), ks, d.data(), mode);
    ASSERT_TRUE(test::finite_and_nonzero(f));
    EXPECT_LT(rel_l2(f, r), kFloatTol);
    EXPECT_LT(rel_l2(d, r), 1e-6);
  }
  const Shape vs{32, 32, 32, 1};
  const auto a = test::random_vector<float>(vs.total(), 5);
  auto b = test::random_vector<float>(vs.total(), 6);
  for (index_t i = 0; i < vs.total(); ++i) b[i] = 0.5f * b[i] + a[i];
  const FscCurve fr = ops::fsc(Device::reference, a.data(), b.data(), vs, 2.0);
  const FscCurve fg = ops::fsc(device(), a.data(), b.data(), vs, 2.0);
  ASSERT_TRUE(test::finite_and_nonzero(fg.fsc));
  EXPECT_EQ(fg.count, fr.count);
  for (std::size_t r = 0; r < fr.fsc.size(); ++r) EXPECT_NEAR(fg.fsc[r], fr.fsc[r], 1e-5) << r;
}

THON_INSTANTIATE_BACKENDS(CudaFourier);

}  // namespace
}  // namespace thon

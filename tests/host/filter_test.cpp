// Fourier filters, translation, radial averages, power spectra, crop/pad and convolution against
// closed forms; the CPU backend against the double-precision reference for every operation.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "test_util.hpp"
#include "thon/core/error.hpp"
#include "thon/core/units.hpp"
#include "thon/math/filter.hpp"
#include "thon/math/fourier_grid.hpp"
#include "thon/ops/filter.hpp"

namespace thon {
namespace {

using test::rel_l2;

// Float path (FFT round trip + weights in float) against closed forms or the double reference:
// eps_f * sqrt(log N) * small constant ~ 1e-6; 1e-5 leaves margin.
constexpr double kFloatTol = 1e-5;

/// Sum of cosines along x and y with integer frequencies (cycles per box): a band-limited image
/// whose filtered version is known exactly: each term is multiplied by the weight at its |s|.
struct Wave {
  int kx, ky;
  double amplitude, phase;
};
std::vector<float> waves_image(int n, const std::vector<Wave>& waves, const std::vector<double>& weights = {}) {
  std::vector<float> img(std::size_t(n) * n);
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) {
      double v = 0;
      for (std::size_t w = 0; w < waves.size(); ++w)
        v += (weights.empty() ? 1.0 : weights[w]) * waves[w].amplitude *
             std::cos(kTwoPi * (double(waves[w].kx * x) + double(waves[w].ky * y)) / n + waves[w].phase);
      img[std::size_t(y) * n + x] = float(v);
    }
  return img;
}

double wave_s(const Wave& w, int n, double p) { return std::hypot(w.kx, w.ky) / (n * p); }

TEST(FilterMath, ClosedForms) {
  // Raised cosine: centre weight 1/2, ends 1 and 0, quarter point (1 + cos(pi/4)) / 2.
  EXPECT_DOUBLE_EQ(math::raised_cosine_lowpass(0.10, 0.10, 0.02), 0.5);
  EXPECT_DOUBLE_EQ(math::raised_cosine_lowpass(0.089, 0.10, 0.02), 1.0);
  EXPECT_DOUBLE_EQ(math::raised_cosine_lowpass(0.111, 0.10, 0.02), 0.0);
  EXPECT_NEAR(math::raised_cosine_lowpass(0.095, 0.10, 0.02), 0.5 * (1 + std::cos(kPi / 4)), 1e-15);
  EXPECT_NEAR(math::raised_cosine_highpass(0.095, 0.10, 0.02), 0.5 * (1 - std::cos(kPi / 4)), 1e-15);
  EXPECT_DOUBLE_EQ(math::raised_cosine_lowpass(0.10, 0.10, 0.0), 1.0);  // hard edge keeps the cut
  EXPECT_NEAR(math::bfactor_weight(0.1, 100.0), std::exp(-100.0 * 0.01 / 4), 1e-15);
  EXPECT_NEAR(math::bfactor_weight(0.1, -100.0), std::exp(+0.25), 1e-15);
  EXPECT_NEAR(math::gaussian_lowpass(0.05, 0.1), std::exp(-0.125), 1e-15);
  // exp(+2 pi i k.o): k = 0.1 /Å, o = 1.25 Å -> phase pi/4.
  const auto f = math::phase_shift_factor(0.1, 0.0, 0.0, 1.25, 0.0, 0.0);
  EXPECT_NEAR(f.re, std::cos(kPi / 4), 1e-15);
  EXPECT_NEAR(f.im, std::sin(kPi / 4), 1e-15);
}

TEST(Filter, WeightsBandLimitedWavesAsTheClosedForm) {
  const int n = 64;
  const double p = 2.0;  // Å; bin k has s = k / 128 Å^-1
  const std::vector<Wave> waves = {{3, 0, 1.0, 0.3}, {0, 7, 0.7, -1.0}, {10, 6, 0.5, 2.0}, {20, 5, 0.4, 0.1}, {0, 0, 0.25, 0}};
  const auto input = waves_image(n, waves);
  const Shape s{n, n, 1, 1};
  const double width = edge_width_per_A(4, n, p);  // 4 Fourier pixels
  const FilterSpec specs[] = {make_lowpass(128.0 / 9, width),   make_highpass(128.0 / 9, width),
                              make_bandpass(128.0 / 5, 128.0 / 15, width), make_gaussian(0.05),
                              make_bfactor(200.0),              make_bfactor(-50.0)};
  for (const FilterSpec& spec : specs) {
    std::vector<double> w;
    for (const Wave& wave : waves) {
      const double sv = wave_s(wave, n, p);
      double expect = 1;
      // Closed forms, written out independently of include/thon/math/filter.hpp.
      auto lp = [&](double cut) {
        const double lo = cut - width / 2, hi = cut + width / 2;
        return sv <= lo ? 1.0 : (sv >= hi ? 0.0 : 0.5 * (1 + std::cos(kPi * (sv - lo) / width)));
      };
      switch (spec.kind) {
        case FilterKind::lowpass: expect = lp(9.0 / 128); break;
        case FilterKind::highpass: expect = 1 - lp(9.0 / 128); break;
        case FilterKind::bandpass: expect = (1 - lp(5.0 / 128)) * lp(15.0 / 128); break;
        case FilterKind::gaussian: expect = std::exp(-sv * sv / (2 * 0.05 * 0.05)); break;
        case FilterKind::bfactor: expect = std::exp(-spec.bfactor_A2 * sv * sv / 4); break;
        default: break;
      }
      w.push_back(expect);
    }
    const auto expect = waves_image(n, waves, w);
    for (Device d : {Device::reference, Device::cpu}) {
      auto img = input;
      ops::apply_filter(d, img.data(), s, p, spec);
      ASSERT_TRUE(test::finite_and_nonzero(img));
      EXPECT_LT(rel_l2(img, expect), kFloatTol) << "kind " << int(spec.kind) << " on " << to_string(d);
    }
  }
}

TEST(Filter, CpuMatchesReferenceOnNoiseBatchesAndVolumes) {
  for (const Shape s : {Shape{33, 30, 1, 3}, Shape{20, 20, 20, 1}, Shape{19, 17, 15, 1}}) {
    const auto x = test::random_vector<float>(s.total(), 42);
    for (const FilterSpec& spec : {make_lowpass(6.0, 0.02), make_bandpass(20.0, 5.0, 0.01), make_bfactor(-30.0)}) {
      auto a = x, b = x;
      ops::apply_filter(Device::reference, a.data(), s, 1.5, spec);
      ops::apply_filter(Device::cpu, b.data(), s, 1.5, spec);
      ASSERT_TRUE(test::finite_and_nonzero(b));
      EXPECT_LT(rel_l2(b, a), kFloatTol);
    }
  }
}

TEST(Filter, ImageStackAndVolumeOverloads) {
  Volume<float> v(16, 16, 16, 3.0);
  const auto x = test::random_vector<float>(v.size(), 9);
  std::copy(x.begin(), x.end(), v.begin());
  ops::apply_filter(Device::cpu, v, make_lowpass(12.0));
  std::vector<float> expect = x;
  ops::apply_filter(Device::reference, expect.data(), v.shape(), 3.0, make_lowpass(12.0));
  EXPECT_LT(rel_l2(v.data(), expect.data(), v.size()), kFloatTol);
  EXPECT_THROW(ops::apply_filter(Device::cpu, expect.data(), v.shape(), 0.0, make_lowpass(12.0)), Error);
  EXPECT_THROW(make_lowpass(-1.0), Error);
  EXPECT_THROW(make_bandpass(5.0, 10.0), Error);
}

TEST(Translate, IntegerShiftIsARollAndFractionalShiftMovesWaves) {
  const int n = 32;
  const double p = 1.5;
  const Shape s{n, n, 1, 1};
  const auto x = test::random_vector<float>(s.total(), 3);
  // I(x) = P(x + o): out[y][x] = in[y + 2][x - 5] (periodic), o = (-5, 2) px.
  for (Device d : {Device::reference, Device::cpu}) {
    auto img = x;
    ops::translate(d, img.data(), s, p, {-5 * p, 2 * p, 0.0});
    std::vector<float> expect(s.total());
    for (int y = 0; y < n; ++y)
      for (int xx = 0; xx < n; ++xx)
        expect[y * n + xx] = x[math::wrapped_index(y + 2, n) * n + math::wrapped_index(xx - 5, n)];
    EXPECT_LT(rel_l2(img, expect), kFloatTol) << to_string(d);
  }
  // A band-limited wave moves continuously: cos(2 pi k (x + o) / n) for o = 0.37 px.
  const std::vector<Wave> waves = {{3, 1, 1.0, 0.2}, {5, -2, 0.5, 0.0}};
  auto img = waves_image(n, waves);
  ops::translate(Device::cpu, img.data(), s, p, {0.37 * p, -1.21 * p, 0.0});
  std::vector<Wave> moved = waves;
  for (auto& w : moved) w.phase += kTwoPi * (w.kx * 0.37 + w.ky * -1.21) / n;
  EXPECT_LT(rel_l2(img, waves_image(n, moved)), kFloatTol);
  // 3D volume: integer roll along z.
  const Shape v{8, 10, 12, 1};
  const auto vx = test::random_vector<float>(v.total(), 4);
  auto vy = vx;
  ops::translate(Device::cpu, vy.data(), v, 1.0, {0.0, 0.0, 3.0});
  std::vector<float> ve(v.total());
  for (int z = 0; z < 12; ++z)
    for (int i = 0; i < 80; ++i) ve[z * 80 + i] = vx[math::wrapped_index(z + 3, 12) * 80 + i];
  EXPECT_LT(rel_l2(vy, ve), kFloatTol);
}

TEST(PowerSpectrum, ProfileObeysParsevalAndMatchesReference) {
  for (const Shape s : {Shape{48, 48, 1, 2}, Shape{24, 24, 24, 1}, Shape{40, 30, 1, 1}}) {
    const auto x = test::random_vector<float>(s.total(), 17);
    const RadialProfile cpu = ops::power_spectrum_profile(Device::cpu, x.data(), s);
    const RadialProfile ref = ops::power_spectrum_profile(Device::reference, x.data(), s);
    ASSERT_TRUE(test::finite_and_nonzero(cpu.value));
    EXPECT_LT(rel_l2(cpu.value, ref.value), kFloatTol);
    EXPECT_EQ(cpu.count, ref.count);
    // Parseval: sum over shells of mean * count = batch * N * sum |f|^2 / batch ... per image mean.
    double total = 0, energy = 0;
    std::int64_t bins = 0;
    for (std::size_t r = 0; r < cpu.value.size(); ++r) total += cpu.value[r] * double(cpu.count[r]), bins += cpu.count[r];
    for (float v : x) energy += double(v) * v;
    EXPECT_EQ(bins, s.total());  // every bin of the full spectrum of every image counted once
    EXPECT_NEAR(total / (double(s.size()) * energy), 1.0, 1e-5);
  }
}

TEST(PowerSpectrum, CentredImageOfAWave) {
  const int n = 32;
  const auto img = waves_image(n, {{3, -2, 1.0, 0.4}});
  const auto ps = ops::centred_power_spectrum(Device::cpu, img.data(), {n, n, 1, 1});
  // cos splits into two bins of amplitude N/2 at +-(3, -2): |F|^2 = (N/2)^2; DC at (n/2, n/2).
  const double peak = std::pow(n * n / 2.0, 2);
  EXPECT_NEAR(ps[(n / 2 - 2) * n + n / 2 + 3] / peak, 1.0, 1e-5);
  EXPECT_NEAR(ps[(n / 2 + 2) * n + n / 2 - 3] / peak, 1.0, 1e-5);
  double rest = 0;
  for (float v : ps) rest += v;
  EXPECT_NEAR(rest / (2 * peak), 1.0, 1e-5);
  const auto ref = ops::centred_power_spectrum(Device::reference, img.data(), {n, n, 1, 1});
  EXPECT_LT(rel_l2(ps, ref), kFloatTol);
}

TEST(RadialAverage, ShellFunctionsAverageToTheirShell) {
  // f = shell index (round of the distance to the centre n/2): every shell averages to its index.
  for (const Shape s : {Shape{21, 21, 1, 1}, Shape{16, 16, 16, 1}}) {
    std::vector<float> f(s.total());
    for (int z = 0; z < s.nz; ++z)
      for (int y = 0; y < s.ny; ++y)
        for (int x = 0; x < s.nx; ++x) {
          const double dz = s.nz > 1 ? z - s.nz / 2 : 0;
          f[(std::size_t(z) * s.ny + y) * s.nx + x] = float(std::lround(std::sqrt(
              double((x - s.nx / 2) * (x - s.nx / 2) + (y - s.ny / 2) * (y - s.ny / 2)) + dz * dz)));
        }
    for (Device d : {Device::reference, Device::cpu}) {
      const RadialProfile p = ops::radial_average(d, f.data(), s);
      ASSERT_TRUE(test::finite_and_nonzero(p.value));
      std::int64_t total = 0;
      for (std::size_t r = 0; r < p.value.size(); ++r) {
        if (p.count[r] > 0) {
          EXPECT_NEAR(p.value[r], double(r), 1e-6) << r;
        }
        total += p.count[r];
      }
      EXPECT_EQ(total, s.total());
      EXPECT_EQ(p.count[0], 1);
    }
  }
  // Complex, wrapped layout: value (r, -2r) on shell r.
  const Shape s{12, 12, 1, 1};
  std::vector<Complex<float>> c(s.total());
  for (int y = 0; y < 12; ++y)
    for (int x = 0; x < 12; ++x) {
      const int kx = math::wrapped_frequency(x, 12), ky = math::wrapped_frequency(y, 12);
      const float r = float(std::lround(std::sqrt(double(kx * kx + ky * ky))));
      c[y * 12 + x] = Complex<float>(r, -2 * r);
    }
  for (Device d : {Device::reference, Device::cpu}) {
    const ComplexRadialProfile p = ops::radial_average(d, c.data(), s);
    for (std::size_t r = 0; r < p.value.size(); ++r) {
      if (p.count[r] == 0) continue;
      EXPECT_NEAR(p.value[r].re, double(r), 1e-6);
      EXPECT_NEAR(p.value[r].im, -2.0 * r, 1e-6);
    }
  }
}

TEST(FourierResize, PadAndCropResampleBandLimitedWaves) {
  // Waves with |k| < n/2 cycles per box are the same continuous function on both grids.
  const std::vector<Wave> waves = {{3, 1, 1.0, 0.2}, {-5, 4, 0.5, 1.0}, {0, 0, 0.3, 0.0}};
  for (Device d : {Device::reference, Device::cpu}) {
    for (int n_out : {48, 45, 20, 17}) {
      const auto in = waves_image(32, waves);
      std::vector<float> out(std::size_t(n_out) * n_out);
      ops::fourier_resize(d, in.data(), {32, 32, 1, 1}, out.data(), {n_out, n_out, 1, 1});
      ASSERT_TRUE(test::finite_and_nonzero(out));
      EXPECT_LT(rel_l2(out, waves_image(n_out, waves)), kFloatTol) << n_out << " on " << to_string(d);
    }
  }
}

TEST(FourierResize, PadThenCropIsExactAndKeepsConstants) {
  for (const auto& [a, b] : {std::pair<Shape, Shape>{{32, 32, 1, 2}, {48, 48, 1, 2}},
                             std::pair<Shape, Shape>{{31, 31, 1, 1}, {45, 45, 1, 1}},
                             std::pair<Shape, Shape>{{16, 16, 16, 1}, {24, 24, 24, 1}},
                             std::pair<Shape, Shape>{{15, 16, 14, 1}, {20, 21, 18, 1}}}) {
    const auto x = test::random_vector<float>(a.total(), 77);
    std::vector<float> padded(b.total()), back(a.total()), back_ref(a.total());
    ops::fourier_resize(Device::cpu, x.data(), a, padded.data(), b);
    ops::fourier_resize(Device::cpu, padded.data(), b, back.data(), a);
    EXPECT_LT(rel_l2(back, x), kFloatTol);
    std::vector<float> padded_ref(b.total());
    ops::fourier_resize(Device::reference, x.data(), a, padded_ref.data(), b);
    EXPECT_LT(rel_l2(padded, padded_ref), kFloatTol);
    // A constant stays the same constant (values scaled by N_out / N_in).
    std::vector<float> c(a.total(), 2.5f), cp(b.total());
    ops::fourier_resize(Device::cpu, c.data(), a, cp.data(), b);
    for (float v : cp) ASSERT_NEAR(v, 2.5f, 1e-5f);
  }
  Image<float> img(32, 32, 1.2);
  img(16, 16) = 1.0f;
  const Image<float> small = ops::fourier_resize(Device::cpu, img, 24, 24);
  EXPECT_NEAR(small.pixel_size_A(), 1.6, 1e-12);  // 1.2 * 32 / 24
  double sum = 0;
  for (float v : small) sum += v;
  // Integral preserved up to the pixel area: sum_out = sum_in * (N_out / N_in) = 24^2 / 32^2.
  EXPECT_NEAR(sum, 576.0 / 1024.0, 1e-5);
  std::vector<float> buf(16 * 16 * 16);
  EXPECT_THROW(ops::fourier_resize(Device::cpu, buf.data(), {16, 16, 1, 1}, buf.data(), {8, 8, 8, 1}), Error);
  EXPECT_THROW(ops::fourier_resize(Device::cpu, buf.data(), {16, 16, 1, 2}, buf.data(), {8, 8, 1, 1}), Error);
}

/// Direct linear convolution in plain loops (2D), the definition: out[i] = sum_j img[j] ker[i - j].
std::vector<double> naive_full_2d(const std::vector<float>& img, int nx, int ny, const std::vector<float>& ker, int kx, int ky) {
  const int ox = nx + kx - 1, oy = ny + ky - 1;
  std::vector<double> out(std::size_t(ox) * oy, 0.0);
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x)
      for (int j = 0; j < ky; ++j)
        for (int i = 0; i < kx; ++i) out[(y + j) * ox + x + i] += double(img[y * nx + x]) * ker[j * kx + i];
  return out;
}

TEST(Convolution, FftEqualsDirectEqualsDefinition) {
  const int nx = 20, ny = 17, kx = 5, ky = 4;
  const auto img = test::random_vector<float>(nx * ny, 1), ker = test::random_vector<float>(kx * ky, 2);
  const Shape is{nx, ny, 1, 1}, ks{kx, ky, 1, 1};
  const auto expect = naive_full_2d(img, nx, ny, ker, kx, ky);
  for (Device d : {Device::reference, Device::cpu}) {
    const Shape fs = ops::convolution_shape(is, ks, ConvolveMode::full);
    ASSERT_EQ(fs.nx, 24);
    ASSERT_EQ(fs.ny, 20);
    std::vector<float> direct(fs.total()), fft(fs.total());
    ops::convolve_direct(d, img.data(), is, ker.data(), ks, direct.data(), ConvolveMode::full);
    ops::convolve_fft(d, img.data(), is, ker.data(), ks, fft.data(), ConvolveMode::full);
    ASSERT_TRUE(test::finite_and_nonzero(fft));
    EXPECT_LT(rel_l2(direct.data(), expect.data(), fs.total()), 1e-6) << to_string(d);
    // FFT convolution of float data: rounding of the transforms, ~eps_f sqrt(log N) -> 1e-5.
    EXPECT_LT(rel_l2(fft.data(), expect.data(), fs.total()), kFloatTol) << to_string(d);
    // 'same': the full result from (ky/2, kx/2) on.
    std::vector<float> same(is.total()), same_direct(is.total());
    ops::convolve_fft(d, img.data(), is, ker.data(), ks, same.data(), ConvolveMode::same);
    ops::convolve_direct(d, img.data(), is, ker.data(), ks, same_direct.data(), ConvolveMode::same);
    std::vector<double> same_expect(is.total());
    for (int y = 0; y < ny; ++y)
      for (int x = 0; x < nx; ++x) same_expect[y * nx + x] = expect[(y + ky / 2) * fs.nx + x + kx / 2];
    EXPECT_LT(rel_l2(same.data(), same_expect.data(), is.total()), kFloatTol);
    EXPECT_LT(rel_l2(same_direct.data(), same_expect.data(), is.total()), 1e-6);
  }
}

TEST(Convolution, ThreeDimensionalAndDeltaKernel) {
  const Shape is{9, 8, 7, 1}, ks{3, 4, 3, 1};
  const auto img = test::random_vector<float>(is.total(), 5), ker = test::random_vector<float>(ks.total(), 6);
  const Shape fs = ops::convolution_shape(is, ks, ConvolveMode::full);
  std::vector<float> a(fs.total()), b(fs.total()), r(fs.total());
  ops::convolve_direct(Device::cpu, img.data(), is, ker.data(), ks, a.data(), ConvolveMode::full);
  ops::convolve_fft(Device::cpu, img.data(), is, ker.data(), ks, b.data(), ConvolveMode::full);
  ops::convolve_direct(Device::reference, img.data(), is, ker.data(), ks, r.data(), ConvolveMode::full);
  ASSERT_TRUE(test::finite_and_nonzero(b));
  EXPECT_LT(rel_l2(a, r), 1e-6);
  EXPECT_LT(rel_l2(b, r), kFloatTol);
  // A delta at the kernel origin (index m/2) leaves the image unchanged in 'same' mode.
  std::vector<float> delta(ks.total(), 0.0f), same(is.total());
  delta[(std::size_t(ks.nz / 2) * ks.ny + ks.ny / 2) * ks.nx + ks.nx / 2] = 1.0f;
  ops::convolve_fft(Device::cpu, img.data(), is, delta.data(), ks, same.data(), ConvolveMode::same);
  EXPECT_LT(rel_l2(same, img), kFloatTol);
  EXPECT_THROW(ops::convolve_fft(Device::cpu, img.data(), Shape{9, 8, 7, 2}, ker.data(), ks, b.data(), ConvolveMode::full), Error);
}

}  // namespace
}  // namespace thon

// Core types: Complex arithmetic, Vec3/Mat3, Buffer/Image/Volume/ImageStack, errors,
// and parallel_for / transform_reduce on the CPU policy.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "test_util.hpp"
#include "thon/core/array.hpp"
#include "thon/core/complex.hpp"
#include "thon/core/device.hpp"
#include "thon/core/error.hpp"
#include "thon/core/parallel.hpp"
#include "thon/core/vec.hpp"

namespace thon {
namespace {

TEST(Complex, ArithmeticMatchesStdComplex) {
  const Complex<double> a{1.5, -2.0}, b{-0.25, 3.0};
  const std::complex<double> sa{1.5, -2.0}, sb{-0.25, 3.0};
  const auto p = a * b;
  EXPECT_DOUBLE_EQ(p.re, (sa * sb).real());
  EXPECT_DOUBLE_EQ(p.im, (sa * sb).imag());
  EXPECT_DOUBLE_EQ(norm(a), std::norm(sa));
  EXPECT_DOUBLE_EQ(arg(b), std::arg(sb));
  const auto e = cis(0.7);
  EXPECT_NEAR(e.re, std::cos(0.7), 1e-15);
  EXPECT_NEAR(e.im, std::sin(0.7), 1e-15);
}

TEST(Mat3, ProductTransposeDeterminant) {
  const Mat3<double> a{{{2, 0, 1}, {1, 3, 0}, {0, 1, 4}}};
  // det by the rule of Sarrus: 2*3*4 + 0 + 1*1*1 - 0 - 2*0*1 - 0 = 25
  EXPECT_DOUBLE_EQ(determinant(a), 25.0);
  const auto ata = transpose(a) * a;
  EXPECT_DOUBLE_EQ(ata(0, 0), 5.0);  // 2*2 + 1*1 + 0
  EXPECT_DOUBLE_EQ(ata(0, 2), 2.0);  // column 0 . column 2 = 2*1 + 1*0 + 0*4
  const Vec3<double> v{1, 2, 3};
  const auto av = a * v;
  EXPECT_DOUBLE_EQ(av.x, 5.0);
  EXPECT_DOUBLE_EQ(av.y, 7.0);
  EXPECT_DOUBLE_EQ(av.z, 14.0);
}

TEST(Arrays, ShapesViewsAndCopies) {
  Volume<float> v(4, 3, 2, 1.5);
  EXPECT_EQ(v.size(), 24);
  EXPECT_EQ(v.pixel_size_A(), 1.5);
  v(1, 2, 3) = 7.0f;
  EXPECT_EQ(v.data()[(1 * 3 + 2) * 4 + 3], 7.0f);
  EXPECT_EQ(v.view()(1, 2, 3), 7.0f);
  Volume<float> w = v;  // deep copy
  w(1, 2, 3) = 1.0f;
  EXPECT_EQ(v(1, 2, 3), 7.0f);

  ImageStack<float> s(5, 4, 3);
  s.image(2)(3, 4) = 2.0f;
  EXPECT_EQ(s.data()[2 * 20 + 3 * 5 + 4], 2.0f);
  EXPECT_EQ(s.shape().batch, 3);
  EXPECT_EQ(s.shape().half_size(), 3 * 4);
  // Host buffers start zeroed.
  EXPECT_EQ(std::accumulate(s.begin(), s.end(), 0.0f), 2.0f);
  // 64-byte alignment (FFTW and AVX-512 friendly).
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(s.data()) % 64, 0u);
}

TEST(Arrays, RejectsNonPositiveDimensions) {
  EXPECT_THROW(Image<float>(0, 4), Error);
  EXPECT_THROW(Volume<float>(4, -1, 4), Error);
}

TEST(Errors, CheckThrowsWithMessageAndCode) {
  try {
    THON_CHECK_CODE(1 + 1 == 3, io, "file ", "x.mrc", ": field ", "NX", " = ", -4);
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io);
    EXPECT_STREQ(e.what(), "file x.mrc: field NX = -4");
  }
}

TEST(Device, ParsesNamesAndAutoFallsBackToCpu) {
  EXPECT_EQ(parse_device("cpu"), Device::cpu);
  EXPECT_EQ(parse_device("reference"), Device::reference);
  EXPECT_THROW(parse_device("tpu"), Error);
  if (!cuda_device_available()) {
    EXPECT_EQ(parse_device("auto"), Device::cpu);
    EXPECT_THROW(parse_device("cuda"), Error);
  } else {
    EXPECT_EQ(parse_device("auto"), Device::cuda);
  }
}

struct SquareFunctor {
  double* out;
  THON_HD void operator()(index_t i) const { out[i] = double(i) * double(i); }
};
struct ReadFunctor {
  const double* in;
  THON_HD double operator()(index_t i) const { return in[i]; }
};

TEST(Parallel, ForEachAndReduceMatchClosedForm) {
  const index_t n = 100000;
  std::vector<double> v(n);
  cpu::parallel_for(n, SquareFunctor{v.data()});
  // sum_{i<n} i^2 = (n-1) n (2n-1) / 6
  const double expected = double(n - 1) * double(n) * double(2 * n - 1) / 6.0;
  EXPECT_DOUBLE_EQ(cpu::sum(n, ReadFunctor{v.data()}, 0.0), expected);
  EXPECT_EQ(cpu::sum(0, ReadFunctor{v.data()}, 5.0), 5.0);
}

}  // namespace
}  // namespace thon

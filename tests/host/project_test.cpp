// Projector and back-projector: against closed-form projections of Gaussian blobs, the central-slice
// theorem (real-space line integrals), adjointness, and the CPU backend against the reference.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "cpu/project.hpp"
#include "host/projection_fixtures.hpp"
#include "reference/project.hpp"
#include "test_util.hpp"
#include "thon/core/error.hpp"
#include "thon/core/units.hpp"
#include "thon/math/rotation.hpp"
#include "thon/math/slice.hpp"
#include "thon/ops/backproject.hpp"
#include "thon/ops/project.hpp"

namespace thon {
namespace {

using test::rel_l2;

const Interp kKernels[] = {Interp::nearest, Interp::linear, Interp::cubic};

/// rel L2 of Fourier-projector images against the closed-form blob projections, all poses.
double blob_error(Device device, int n, double padding, Interp interp, bool gridding,
                  const std::vector<Mat3<double>>& poses, const std::vector<test::Blob>& blobs) {
  const Volume<float> v = test::blob_volume<float>(n, blobs);
  ops::ProjectorOptions opt;
  opt.padding = padding;
  opt.interp = interp;
  opt.gridding_correction = gridding;
  const ops::FourierProjector<float> projector(device, v, opt);
  const ImageStack<float> images = projector.project_images(poses);
  EXPECT_TRUE(test::finite_and_nonzero(images.data(), images.size()));
  std::vector<double> truth;
  for (const auto& a : poses) {
    const auto p = test::blob_projection(n, blobs, a);
    truth.insert(truth.end(), p.begin(), p.end());
  }
  return rel_l2(images.data(), truth.data(), images.size());
}

// Closed form: P(x, y) = sum of 2D Gaussians (projection_fixtures.hpp). Linear interpolation with
// padding 2 must stay below 1e-2 (issue 4), cubic below linear. The errors (printed) are the
// interpolation errors of the padded transform: all other terms (sampling, r_max cut, the tails
// at the box edge) are < 1e-7 for these blobs.
TEST(FourierProjector, GaussianBlobsAt200RandomPosesMatchClosedForm) {
  const int n = 64;
  const auto blobs = test::make_blobs(n, 6, 11);
  const auto poses = test::random_poses(200, 7);
  double err[3];
  for (int k = 0; k < 3; ++k) {
    err[k] = blob_error(Device::cpu, n, 2.0, kKernels[k], true, poses, blobs);
    std::printf("blobs n=%d pad=2 %-7s gridding-corrected rel L2 = %.3e\n", n,
                to_string(kKernels[k]), err[k]);
  }
  for (int k = 1; k < 3; ++k) {
    const double e = blob_error(Device::cpu, n, 2.0, kKernels[k], false, poses, blobs);
    std::printf("blobs n=%d pad=2 %-7s uncorrected        rel L2 = %.3e\n", n,
                to_string(kKernels[k]), e);
  }
  const double e1 = blob_error(Device::cpu, n, 1.0, Interp::linear, true, poses, blobs);
  std::printf("blobs n=%d pad=1 linear  gridding-corrected rel L2 = %.3e\n", n, e1);
  EXPECT_LT(err[1], 1e-2);
  EXPECT_LT(err[2], err[1]);
  EXPECT_LT(err[0], 0.2);  // nearest: first-order, recorded
}

// Axis-aligned poses (90-degree rotations) sample the padded transform exactly on its grid and the
// line integral exactly on voxels, so the central-slice theorem holds to FFT rounding (double).
TEST(FourierProjector, CentralSliceTheoremExactOnAxisAlignedPoses) {
  for (int n : {16, 15}) {
    std::vector<double> vol = test::random_vector<double>(index_t(n) * n * n, 3);
    Volume<double> v = Volume<double>::cube(n);
    std::copy(vol.begin(), vol.end(), v.begin());
    // For even n the box is not symmetric about n/2: the planes at index 0 (offset -n/2) rotate
    // out of the box in real space, but not in Fourier space. Zero them (odd n needs nothing).
    if (n % 2 == 0)
      for (int z = 0; z < n; ++z)
        for (int y = 0; y < n; ++y)
          for (int x = 0; x < n; ++x)
            if (x == 0 || y == 0 || z == 0) v(z, y, x) = 0;
    std::vector<Mat3<double>> poses;
    for (double rot : {0.0, 90.0, 180.0})
      for (double tilt : {0.0, 90.0, 180.0})
        for (double psi : {0.0, 270.0}) poses.push_back(math::euler_to_matrix(rot, tilt, psi));
    for (Interp k : kKernels) {
      ops::ProjectorOptions opt;
      opt.interp = k;
      opt.gridding_correction = false;  // exact grid samples need the uncorrected transform
      opt.r_max = 1e9;                  // keep the corners: compare every pixel
      const ops::FourierProjector<double> projector(Device::reference, v, opt);
      const index_t count = index_t(poses.size()), per = projector.params().slice_size();
      std::vector<Complex<double>> slices(static_cast<std::size_t>(count * per));
      projector.project(poses.data(), count, slices.data());
      std::vector<double> lines(static_cast<std::size_t>(count * n * n));
      ops::line_project(Device::reference, v.data(), n, poses.data(), count, lines.data());
      std::vector<Complex<double>> ft(slices.size());
      ops::images_to_centred_fourier(Device::reference, lines.data(), n, count, ft.data());
      EXPECT_TRUE(test::finite_and_nonzero(slices));
      const double e = rel_l2(slices.data(), ft.data(), index_t(ft.size()));
      EXPECT_LT(e, 1e-12) << "n=" << n << " " << to_string(k);
    }
  }
}

// Random poses: the line integral (tricubic samples along z) and the Fourier slice (tricubic in
// the padded transform) are two discretisations of the same projection of smooth blobs; each is
// within its interpolation error of the closed form (printed), so within their sum of each other.
TEST(FourierProjector, CentralSliceTheoremAtRandomPoses) {
  const int n = 48;
  const auto blobs = test::make_blobs(n, 5, 5);
  const auto poses = test::random_poses(20, 9);
  const Volume<double> v = test::blob_volume<double>(n, blobs);
  ops::ProjectorOptions opt;
  opt.interp = Interp::cubic;
  const ops::FourierProjector<double> projector(Device::cpu, v, opt);
  const index_t count = index_t(poses.size()), per = projector.params().slice_size();
  std::vector<Complex<double>> slices(static_cast<std::size_t>(count * per));
  projector.project(poses.data(), count, slices.data());
  std::vector<double> lines(static_cast<std::size_t>(count * n * n));
  ops::line_project(Device::cpu, v.data(), n, poses.data(), count, lines.data(), Interp::cubic);
  std::vector<double> truth;
  for (const auto& a : poses) {
    const auto p = test::blob_projection(n, blobs, a);
    truth.insert(truth.end(), p.begin(), p.end());
  }
  std::printf("tricubic line integral vs closed form: rel L2 = %.3e\n", rel_l2(lines, truth));
  std::vector<Complex<double>> ft(slices.size());
  ops::images_to_centred_fourier(Device::cpu, lines.data(), n, count, ft.data());
  // Outside r_max the slices are 0 by definition: compare within r_max = n/2 only.
  for (index_t b = 0; b < count; ++b)
    for (int iy = 0; iy < n; ++iy)
      for (int kx = 0; kx <= n / 2; ++kx) {
        const int ky = math::row_frequency(iy, n);
        if (kx * kx + ky * ky > (n / 2) * (n / 2)) ft[std::size_t(b * per + iy * (n / 2 + 1) + kx)] = {};
      }
  const double e = rel_l2(slices.data(), ft.data(), index_t(ft.size()));
  std::printf("central slice vs FT of tricubic line integral, n=%d, 20 poses: rel L2 = %.3e\n", n, e);
  EXPECT_TRUE(test::finite_and_nonzero(ft));
  EXPECT_LT(e, 3e-3);
}

// ---------------------------------------------------------------------------------------------
// Adjointness: <P x, y> = <x, P^T y> for the real inner product sum Re(a conj(b)), where P is the
// extraction from an arbitrary half-complex array and P^T the insertion (same enumerator).
// y = P x + noise makes <P x, y> of the order |P x|^2, so the relative error is a rounding error:
// float sums of ~1e4 terms, about sqrt(1e4) 6e-8 = 6e-6 -> 1e-5 (float, per the issue); 1e-12
// (double).

template <class V>
double real_dot(const Complex<V>* a, const Complex<V>* b, index_t n) {
  long double s = 0;
  for (index_t i = 0; i < n; ++i) s += (long double)a[i].re * b[i].re + (long double)a[i].im * b[i].im;
  return double(s);
}

template <class V>
std::vector<Complex<V>> random_complex(index_t n, unsigned seed) {
  const auto r = test::random_vector<double>(2 * n, seed);
  std::vector<Complex<V>> c(static_cast<std::size_t>(n));
  for (index_t i = 0; i < n; ++i) c[std::size_t(i)] = {V(r[std::size_t(2 * i)]), V(r[std::size_t(2 * i + 1)])};
  return c;
}

template <class V>
void check_adjoint(Device device, int ndim, int n, double padding, Interp k, double tol) {
  const auto p = ops::SliceParams::make(n, padding, k);
  const index_t half = ndim == 3 ? p.volume_half_size() : p.image_half_size();
  const auto poses = ndim == 3 ? test::random_poses(7, 21)
                               : ops::poses_from_psi({0.0, 13.0, 90.0, 181.5, 277.0, -45.0, 33.3});
  const index_t count = index_t(poses.size()), ns = count * p.slice_size();
  const auto x = random_complex<V>(half, 1);
  std::vector<Complex<V>> px(static_cast<std::size_t>(ns));
  std::vector<Complex<V>> pty(static_cast<std::size_t>(half));
  auto y = random_complex<V>(ns, 2);
  if (device == Device::reference) {
    if (ndim == 3) ref::extract_slices_3d(reinterpret_cast<const Complex<double>*>(x.data()), poses.data(), count, reinterpret_cast<Complex<double>*>(px.data()), p);
    else ref::extract_slices_2d(reinterpret_cast<const Complex<double>*>(x.data()), poses.data(), count, reinterpret_cast<Complex<double>*>(px.data()), p);
  } else {
    if (ndim == 3) cpu::extract_slices_3d<V>(x.data(), poses.data(), count, px.data(), p);
    else cpu::extract_slices_2d<V>(x.data(), poses.data(), count, px.data(), p);
  }
  for (index_t i = 0; i < ns; ++i) y[std::size_t(i)] += px[std::size_t(i)];
  if (device == Device::reference) {
    auto* d = reinterpret_cast<Complex<double>*>(pty.data());
    const auto* s = reinterpret_cast<const Complex<double>*>(y.data());
    if (ndim == 3) ref::insert_slices_3d(d, nullptr, s, nullptr, poses.data(), count, p);
    else ref::insert_slices_2d(d, nullptr, s, nullptr, poses.data(), count, p);
  } else {
    Complex<V>* d[1] = {pty.data()};
    V* w[1] = {nullptr};
    if (ndim == 3) cpu::insert_slices_3d<V>(d, w, 1, y.data(), nullptr, poses.data(), count, p);
    else cpu::insert_slices_2d<V>(d, w, 1, y.data(), nullptr, poses.data(), count, p);
  }
  const double lhs = real_dot(px.data(), y.data(), ns);
  const double rhs = real_dot(x.data(), pty.data(), half);
  EXPECT_TRUE(test::finite_and_nonzero(px));
  EXPECT_NE(lhs, 0.0);
  EXPECT_LT(std::abs(lhs - rhs) / std::abs(lhs), tol)
      << ndim << "D n=" << n << " pad=" << padding << " " << to_string(k) << " lhs " << lhs
      << " rhs " << rhs;
}

TEST(Adjointness, ExtractAndInsertAreTransposes3D) {
  for (Interp k : kKernels)
    for (auto [n, pad] : {std::pair{16, 2.0}, std::pair{15, 2.0}, std::pair{16, 1.5}, std::pair{13, 1.0}}) {
      check_adjoint<double>(Device::reference, 3, n, pad, k, 1e-12);
      check_adjoint<float>(Device::cpu, 3, n, pad, k, 1e-5);
      check_adjoint<double>(Device::cpu, 3, n, pad, k, 1e-12);
    }
}

TEST(Adjointness, ExtractAndInsertAreTransposes2D) {
  for (Interp k : kKernels)
    for (auto [n, pad] : {std::pair{32, 2.0}, std::pair{31, 2.0}, std::pair{32, 1.5}, std::pair{17, 1.0}}) {
      check_adjoint<double>(Device::reference, 2, n, pad, k, 1e-12);
      check_adjoint<float>(Device::cpu, 2, n, pad, k, 1e-5);
      check_adjoint<double>(Device::cpu, 2, n, pad, k, 1e-12);
    }
}

// ---------------------------------------------------------------------------------------------
// CPU (float) against the reference (double): same functors, float rounding only. Interpolated
// values are sums of at most 64 terms: relative error ~ 64 * 6e-8 -> tolerance 1e-5.
constexpr double kFloatVsDouble = 1e-5;

// Covers the CPU's pruned 3D FFT of the padded map (even and odd boxes, integer and fractional
// padding) against the reference's plain FFTW transform of the whole padded array.
TEST(CpuVsReference, ProjectorSlicesAndImages) {
  for (auto [n, pad] : {std::pair{32, 2.0}, std::pair{31, 2.0}, std::pair{32, 1.5}, std::pair{20, 1.0}})
  for (Interp k : kKernels) {
    const auto blobs = test::make_blobs(n, 4, 3);
    const Volume<float> v = test::blob_volume<float>(n, blobs);
    const auto poses = test::random_poses(10, 4);
    ops::ProjectorOptions opt;
    opt.padding = pad;
    opt.interp = k;
    const ops::FourierProjector<float> cpu(Device::cpu, v, opt), ref(Device::reference, v, opt);
    const ImageStack<float> a = cpu.project_images(poses), b = ref.project_images(poses);
    EXPECT_TRUE(test::finite_and_nonzero(a.data(), a.size()));
    EXPECT_LT(rel_l2(a.data(), b.data(), a.size()), kFloatVsDouble) << to_string(k) << " n=" << n << " pad=" << pad;
    const auto ta = cpu.transform(), tb = ref.transform();
    EXPECT_LT(rel_l2(ta.data(), tb.data(), index_t(ta.size())), kFloatVsDouble) << "n=" << n << " pad=" << pad;
    // The CPU's slices (prefetching row loop) against the reference's, and its fused per-image
    // path (slice, centring sign, c2r) against the two separate steps on the same slices: the same
    // float operations in another order, so float rounding of the FFT only (1e-6).
    const index_t ns = index_t(poses.size()) * cpu.params().slice_size();
    std::vector<Complex<float>> sa(static_cast<std::size_t>(ns)), sb(sa.size());
    cpu.project(poses.data(), index_t(poses.size()), sa.data());
    ref.project(poses.data(), index_t(poses.size()), sb.data());
    EXPECT_TRUE(test::finite_and_nonzero(sa));
    EXPECT_LT(rel_l2(sa, sb), kFloatVsDouble) << to_string(k) << " n=" << n << " pad=" << pad;
    std::vector<float> two_step(static_cast<std::size_t>(a.size()));
    ops::centred_fourier_to_images(Device::cpu, sa.data(), n, index_t(poses.size()), two_step.data());
    EXPECT_LT(rel_l2(a.data(), two_step.data(), a.size()), 1e-6) << to_string(k) << " n=" << n;
  }
}

TEST(CpuVsReference, BackprojectorBothStrategies) {
  const int n = 24;
  const auto poses = test::random_poses(16, 8);
  ops::BackprojectorOptions opt;
  const auto p = ops::SliceParams::make(n, 2.0, Interp::linear);
  const index_t ns = index_t(poses.size()) * p.slice_size();
  const auto slices = random_complex<float>(ns, 5);
  const auto w = test::random_vector<float>(ns, 6);
  for (Interp k : kKernels) {
    opt.interp = k;
    ops::FourierBackprojector<float> ref(Device::reference, n, opt);
    ref.insert(poses, slices.data(), w.data());
    for (auto s : {ops::AccumulationStrategy::per_thread, ops::AccumulationStrategy::atomic}) {
      opt.strategy = s;
      ops::FourierBackprojector<float> cpu(Device::cpu, n, opt);
      // two calls: accumulation across calls
      cpu.insert(poses.data(), 9, slices.data(), w.data());
      cpu.insert(poses.data() + 9, index_t(poses.size()) - 9, slices.data() + 9 * p.slice_size(),
                 w.data() + 9 * p.slice_size());
      EXPECT_EQ(cpu.count(), index_t(poses.size()));
      EXPECT_TRUE(test::finite_and_nonzero(cpu.data()));
      EXPECT_LT(rel_l2(cpu.data(), ref.data()), kFloatVsDouble) << to_string(k);
      EXPECT_LT(rel_l2(cpu.weight(), ref.weight()), kFloatVsDouble) << to_string(k);
    }
  }
}

TEST(CpuVsReference, Projector2DAndBackprojector2D) {
  const int n = 40;
  const auto img = test::random_vector<float>(n * n, 12);
  Image<float> im(n, n);
  std::copy(img.begin(), img.end(), im.begin());
  const auto poses = ops::poses_from_psi({0, 10, 45, 90, 200.5});
  for (Interp k : kKernels) {
    ops::ProjectorOptions opt;
    opt.interp = k;
    const ops::FourierProjector2D<float> cpu(Device::cpu, im, opt), ref(Device::reference, im, opt);
    const index_t ns = index_t(poses.size()) * cpu.params().slice_size();
    std::vector<Complex<float>> a(static_cast<std::size_t>(ns)), b(a.size());
    cpu.project(poses.data(), index_t(poses.size()), a.data());
    ref.project(poses.data(), index_t(poses.size()), b.data());
    EXPECT_TRUE(test::finite_and_nonzero(a));
    EXPECT_LT(rel_l2(a, b), kFloatVsDouble);
    ops::BackprojectorOptions bo;
    bo.interp = k;
    ops::FourierBackprojector2D<float> bc(Device::cpu, n, bo), br(Device::reference, n, bo);
    bc.insert(poses.data(), index_t(poses.size()), a.data());
    br.insert(poses.data(), index_t(poses.size()), a.data());
    EXPECT_TRUE(test::finite_and_nonzero(bc.data()));
    EXPECT_LT(rel_l2(bc.data(), br.data()), kFloatVsDouble);
    EXPECT_LT(rel_l2(bc.weight(), br.weight()), kFloatVsDouble);
  }
}

TEST(CpuVsReference, LineProjectAndCentring) {
  const int n = 24;
  const auto vol = test::random_vector<float>(n * n * n, 2);
  const auto poses = test::random_poses(5, 3);
  for (Interp k : kKernels) {
    std::vector<float> a(static_cast<std::size_t>(5 * n * n)), b(a.size());
    ops::line_project(Device::cpu, vol.data(), n, poses.data(), 5, a.data(), k);
    ops::line_project(Device::reference, vol.data(), n, poses.data(), 5, b.data(), k);
    EXPECT_TRUE(test::finite_and_nonzero(a));
    EXPECT_LT(rel_l2(a, b), kFloatVsDouble);
  }
  // Centred transform round trip, and its definition checked by a direct sum at a few bins.
  for (int m : {16, 15}) {
    const auto im = test::random_vector<double>(2 * m * m, 4);
    std::vector<Complex<double>> f(static_cast<std::size_t>(2 * m * (m / 2 + 1)));
    ops::images_to_centred_fourier(Device::cpu, im.data(), m, 2, f.data());
    std::vector<double> back(im.size());
    ops::centred_fourier_to_images(Device::cpu, f.data(), m, 2, back.data());
    EXPECT_LT(rel_l2(back, im), 1e-14);
    for (auto [kx, ky] : {std::pair{0, 0}, std::pair{1, 0}, std::pair{3, -2}, std::pair{m / 2, 5}}) {
      Complex<double> s;
      for (int y = 0; y < m; ++y)
        for (int x = 0; x < m; ++x) {
          const double ph = -2 * kPi * (kx * (x - m / 2) + ky * (y - m / 2)) / m;
          s += im[std::size_t(m * m + y * m + x)] * cis(ph);
        }
      const Complex<double> g = f[std::size_t(m * (m / 2 + 1) + (ky < 0 ? ky + m : ky) * (m / 2 + 1) + kx)];
      EXPECT_NEAR(g.re, s.re, 1e-10);
      EXPECT_NEAR(g.im, s.im, 1e-10);
    }
  }
}

// ---------------------------------------------------------------------------------------------
TEST(ProjectorBadInput, ClearErrors) {
  const Volume<float> v(8, 8, 6);
  EXPECT_THROW(ops::FourierProjector<float>(Device::cpu, v), Error);
  const Volume<float> c = Volume<float>::cube(8);
  ops::ProjectorOptions opt;
  opt.padding = 0.5;
  EXPECT_THROW(ops::FourierProjector<float>(Device::cpu, c, opt), Error);
  opt.padding = std::nan("");
  EXPECT_THROW(ops::FourierProjector<float>(Device::cpu, c, opt), Error);
  EXPECT_THROW(ops::poses_from_euler({0.0}, {std::nan("")}, {0.0}), Error);
  EXPECT_THROW(parse_interp("spline"), Error);
  Volume<float> bad = Volume<float>::cube(8);
  bad(1, 2, 3) = std::numeric_limits<float>::infinity();
  EXPECT_THROW(ops::FourierProjector<float>(Device::cpu, bad), Error);
}

}  // namespace
}  // namespace thon

// The tiled back-projection (math/reconstruct_tiles.hpp: the CUDA kernel's enumeration of which
// samples can touch an accumulator tile, run tile by tile on the host) against the double
// precision reference inserter, on geometries that exercise the Hermitian mirror, the periodic
// wrap at the Nyquist edge, tiles that cross the wrap (np/2 not a multiple of the tile), padded
// images, a resolution limit and symmetry copies.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "test_util.hpp"
#include "thon/math/reconstruct_tiles.hpp"
#include "thon/ops/fft.hpp"
#include "thon/ops/reconstruct.hpp"

namespace thon {
namespace {

Mat3<double> random_rotation(std::mt19937& rng) {
  std::normal_distribution<double> g;
  double w = g(rng), x = g(rng), y = g(rng), z = g(rng);
  const double r = std::sqrt(w * w + x * x + y * y + z * z);
  w /= r, x /= r, y /= r, z /= r;
  Mat3<double> m;
  m.m[0][0] = 1 - 2 * (y * y + z * z), m.m[0][1] = 2 * (x * y - z * w), m.m[0][2] = 2 * (x * z + y * w);
  m.m[1][0] = 2 * (x * y + z * w), m.m[1][1] = 1 - 2 * (x * x + z * z), m.m[1][2] = 2 * (y * z - x * w);
  m.m[2][0] = 2 * (x * z - y * w), m.m[2][1] = 2 * (y * z + x * w), m.m[2][2] = 1 - 2 * (x * x + y * y);
  return m;
}

struct Case {
  int n, pad;
  Interp kernel;
  bool pad_images;
  double maxres_A;
  bool c2;  // two symmetry copies
};

// The batch preparation of cuda/reconstruct.cu on the host (FFT, phase tables, PrepareSample,
// rows), then math::insert_by_tiles_host.
void insert_tiled(const ops::ReconstructGeometry& geom, const std::vector<Mat3<double>>& sym,
                  const std::vector<float>& images, const std::vector<float>& ctf,
                  const std::vector<ops::InsertPose>& poses, ops::FourierAccumulator acc[2]) {
  const math::InsertGeometry g = geom.insert_geometry();
  const int count = int(poses.size()), m = g.m;
  std::vector<float> padded(std::size_t(count) * m * m);
  ops::pad_image_batch(images.data(), g.n, m, count, padded.data());
  std::vector<Complex<float>> fft(std::size_t(count) * g.image_half_size());
  ops::fft_r2c(Device::cpu, padded.data(), fft.data(), Shape{m, m, 1, count});
  std::vector<Complex<float>> px(std::size_t(count) * g.hx()), py(std::size_t(count) * m);
  std::vector<float> rows(6 * sym.size() * count), prepared(3 * fft.size());
  std::vector<int> half(count);
  for (int i = 0; i < count; ++i) {
    math::centring_phase_tables(g, float(poses[i].shift_x_px), float(poses[i].shift_y_px), px.data() + i * g.hx(),
                                py.data() + i * m);
    half[i] = poses[i].half;
    for (std::size_t s = 0; s < sym.size(); ++s) math::insert_rows(g, poses[i].A * sym[s], rows.data() + 6 * (i * sym.size() + s));
  }
  const math::PrepareSample prep{g, fft.data(), ctf.data(), px.data(), py.data(), prepared.data()};
  for (index_t i = 0; i < index_t(fft.size()); ++i) prep(i);
  for (int h = 0; h < 2; ++h) acc[h] = ops::FourierAccumulator(g);
  math::InsertSample<math::PlainAdd> ins{g, prepared.data(), rows.data(), int(sym.size()), half.data(),
                                         acc[0].data.data(), acc[0].weight.data(), acc[1].data.data(),
                                         acc[1].weight.data(), {}};
  math::insert_by_tiles_host(math::InsertTiling{g}, ins, index_t(count) * index_t(sym.size()));
}

// Tolerance 1e-5: float sums in another order against double loops (the CPU inserter meets the
// same bound, host tier); the tiling itself must not lose or double a single sample, which would
// show as an error of order 1 / sqrt(samples) ~ 1e-2.
TEST(TiledInsertion, MatchesReferenceOnEveryGeometry) {
  const Case cases[] = {
      {16, 2, Interp::linear, false, 0, false}, {16, 2, Interp::nearest, true, 0, false},
      {16, 2, Interp::cubic, true, 0, true},    {20, 1, Interp::linear, false, 0, false},
      {18, 3, Interp::linear, true, 0, false},  {24, 2, Interp::linear, false, 6.0, true},
  };
  for (const Case& c : cases) {
    const int count = 10;
    ops::ReconstructGeometry geom;
    geom.box = c.n;
    geom.pad = c.pad;
    geom.kernel = c.kernel;
    geom.pad_images = c.pad_images;
    geom.pixel_size_A = 1.0;
    geom.maxres_A = c.maxres_A;
    const math::InsertGeometry g = geom.insert_geometry();
    std::vector<Mat3<double>> sym = {Mat3<double>::identity()};
    if (c.c2) {
      Mat3<double> r = Mat3<double>::identity();
      r.m[0][0] = r.m[1][1] = -1;  // C2 about z
      sym.push_back(r);
    }
    const auto images = test::random_vector(std::int64_t(count) * c.n * c.n, 11 + c.n);
    const auto ctf = test::random_vector(std::int64_t(count) * g.image_half_size(), 12 + c.n);
    std::mt19937 rng(13 + c.n);
    std::vector<ops::InsertPose> poses;
    for (int i = 0; i < count; ++i) {
      ops::InsertPose p;
      p.A = random_rotation(rng);
      p.shift_x_px = 0.7 * i - 3;
      p.shift_y_px = 1.5 - 0.4 * i;
      p.half = i % 3 == 1;
      poses.push_back(p);
    }
    auto ref = ops::make_fourier_inserter(Device::reference, geom, sym);
    ref->insert(images.data(), ctf.data(), poses.data(), count);
    ops::FourierAccumulator tiled[2];
    insert_tiled(geom, sym, images, ctf, poses, tiled);
    for (int h = 0; h < 2; ++h) {
      const ops::FourierAccumulator r = ref->accumulator(h);
      const ops::FourierAccumulator& t = tiled[h];
      ASSERT_TRUE(test::finite_and_nonzero(t.data.data(), t.data.size()));
      ASSERT_TRUE(test::finite_and_nonzero(t.weight.data(), t.weight.size()));
      EXPECT_LT(test::rel_l2(t.data.data(), r.data.data(), r.data.size()), 1e-5)
          << "n " << c.n << " pad " << c.pad << " " << to_string(c.kernel) << " half " << h;
      EXPECT_LT(test::rel_l2(t.weight.data(), r.weight.data(), r.weight.size()), 1e-5)
          << "n " << c.n << " pad " << c.pad << " " << to_string(c.kernel) << " half " << h;
    }
  }
}

}  // namespace
}  // namespace thon

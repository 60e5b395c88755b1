// thon project against relion_project (RELION 3.1, installed as /usr/bin/relion_project) on the
// same map and poses: this pins the Euler convention (A^T in the projection), the centring (origin
// at n/2, padding about the centre) and the gridding correction. Skips when RELION is absent.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "host/projection_fixtures.hpp"
#include "test_util.hpp"
#include "thon/io/mrc.hpp"
#include "thon/io/particles.hpp"

namespace thon {
namespace {

constexpr const char* kRelionProject = "/usr/bin/relion_project";

double correlation(const float* a, const float* b, std::int64_t n) {
  double ma = 0, mb = 0;
  for (std::int64_t i = 0; i < n; ++i) ma += a[i], mb += b[i];
  ma /= double(n);
  mb /= double(n);
  double sab = 0, saa = 0, sbb = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

// An asymmetric phantom (8 Gaussian blobs, box 64, 2 Å) at 50 uniform random poses, linear
// interpolation, padding 2 in both programs. Measured when written: per-image correlation
// 1.000000 and rel L2 at most 1.1e-4 (mean 1.0e-4); transposing A drops the correlation to
// 0.6-0.9, so the bound also pins the convention. The residual is the gridding correction: RELION
// divides by the radial sinc^2(r / (pad n)), thon by the separable product of sinc^2 per axis
// (exact for a separable kernel); they differ by ~1e-4 for blobs within n/5 of the centre.
// Bound: rel L2 < 5e-4 per image, correlation > 0.9999.
TEST(RelionProject, SameImagesAsRelionForTheSamePoses) {
  if (!std::filesystem::exists(kRelionProject)) GTEST_SKIP() << "relion_project not installed";
  test::TempDir dir;
  const int n = 64;
  Volume<float> map = test::blob_volume<float>(n, test::make_blobs(n, 8, 3));
  map.set_pixel_size_A(2.0);
  io::write_mrc(dir.file("map.mrc"), map);

  io::ParticleTable poses;
  io::OpticsGroup optics;
  optics.pixel_size_A = 2.0;
  optics.image_size = n;
  poses.optics.push_back(optics);
  poses.present.angles = true;
  poses.present.origins = true;
  std::mt19937 rng(17);
  std::uniform_real_distribution<double> angle(-180, 180), u(-1, 1);
  const int count = 50;
  for (int i = 0; i < count; ++i) {
    io::Particle p;
    p.image_name = io::format_image_name(i, "unused.mrcs");
    p.rot_deg = angle(rng);
    p.tilt_deg = std::acos(u(rng)) * 180.0 / 3.14159265358979323846;
    p.psi_deg = angle(rng);
    poses.particles.push_back(p);
  }
  io::write_particles(dir.file("poses.star"), poses);

  std::string out;
  ASSERT_EQ(test::run_command(std::string("cd ") + dir.path().string() + " && " + kRelionProject +
                                  " --i map.mrc --ang poses.star --o relion", &out), 0) << out;
  ASSERT_EQ(test::run_thon("project --map " + dir.file("map.mrc") + " --star " +
                               dir.file("poses.star") + " --interp linear --pad 2 --device cpu --quiet --o " +
                               dir.file("thon"), &out), 0) << out;
  const ImageStack<float> relion = io::read_mrc_stack(dir.file("relion.mrcs"));
  const ImageStack<float> thon = io::read_mrc_stack(dir.file("thon.mrcs"));
  ASSERT_EQ(relion.n(), count);
  ASSERT_EQ(thon.n(), count);
  ASSERT_EQ(thon.nx(), n);
  EXPECT_TRUE(test::finite_and_nonzero(thon.data(), thon.size()));
  double worst_l2 = 0, worst_cc = 1;
  for (int i = 0; i < count; ++i) {
    const float* a = thon.data() + std::int64_t(i) * n * n;
    const float* b = relion.data() + std::int64_t(i) * n * n;
    worst_l2 = std::max(worst_l2, test::rel_l2(a, b, std::int64_t(n) * n));
    worst_cc = std::min(worst_cc, correlation(a, b, std::int64_t(n) * n));
  }
  std::printf("thon vs relion_project, %d poses: worst rel L2 %.3e, worst correlation %.7f\n", count,
              worst_l2, worst_cc);
  EXPECT_LT(worst_l2, 5e-4);
  EXPECT_GT(worst_cc, 0.9999);
}

}  // namespace
}  // namespace thon

// Peer check of `thon classify2d` with relion_refine (RELION 3.1, 2D): RELION reads the particle
// STAR files thon writes (its input and its _data.star), thon starts from RELION's _data.star and
// _model.star (--ref), and on the same well-separated synthetic data both recover the classes.
// Skips when relion_refine is not installed.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "classify2d_fixtures.hpp"
#include "pipeline/classify2d.hpp"
#include "test_util.hpp"
#include "thon/io/particles.hpp"

namespace thon {
namespace {

std::vector<int> classes_of(const std::string& star) {
  const io::ParticleTable t = io::read_particles(star);
  std::vector<int> c;
  for (const io::Particle& p : t.particles) c.push_back(p.class_number - 1);
  return c;
}

TEST(Classify2dRelion, RelionReadsThonStarAndThonStartsFromRelionModel) {
  if (!std::filesystem::exists("/usr/bin/relion_refine")) GTEST_SKIP() << "relion_refine not installed";
  test::TempDir dir;
  const std::string d = dir.path().string();
  // Two very different classes at SNR 1: both programs must separate them in three iterations.
  const test::Classify2dSynthetic data = test::make_classify2d_synthetic(32, 100, 2, 1.0, true, 12);
  test::write_classify2d_dataset(data, d);
  std::string out;
  ASSERT_EQ(test::run_thon("classify2d --i " + d + "/particles.star --o " + d + "/thon --k 2 --iter 3 --psi-step 30 "
                           "--offset-range 2 --threads 1 --quiet --diameter 80",
                           &out),
            0)
      << out;
  const double ari_thon = test::adjusted_rand_index(data.truth_class, classes_of(d + "/thon_it003_data.star"));
  EXPECT_GT(ari_thon, 0.9);
  // RELION reads thon's _data.star (input columns + classes, angles, origins, probabilities).
  std::filesystem::create_directories(d + "/R");
  ASSERT_EQ(test::run_command("cd " + d + " && /usr/bin/relion_refine --i thon_it003_data.star --o R/run --K 2 "
                              "--iter 5 --psi_step 30 --offset_range 2 --offset_step 1 --ctf --oversampling 0 --pad 1 "
                              "--j 1 --particle_diameter 80 --zero_mask --dont_combine_weights_via_disc --pool 10 "
                              "--tau2_fudge 2 --random_seed 1",
                              &out),
            0)
      << out;
  // RELION writes image names relative to the directory it runs in (the project), thon reads them
  // relative to the STAR file: the data file goes beside the images.
  ASSERT_TRUE(std::filesystem::exists(d + "/R/run_it005_data.star")) << out;
  std::filesystem::copy_file(d + "/R/run_it005_data.star", d + "/relion_it005_data.star");
  const double ari_relion = test::adjusted_rand_index(data.truth_class, classes_of(d + "/relion_it005_data.star"));
  EXPECT_GT(ari_relion, 0.9);
  // thon reads RELION's _data.star and starts from its _model.star class averages.
  ASSERT_EQ(test::run_thon("classify2d --i " + d + "/relion_it005_data.star --ref " + d + "/R/run_it005_model.star "
                           "--o " + d + "/from_relion --iter 1 --psi-step 30 --offset-range 2 --threads 1 --quiet",
                           &out),
            0)
      << out;
  const double ari_from = test::adjusted_rand_index(data.truth_class, classes_of(d + "/from_relion_it001_data.star"));
  EXPECT_GT(ari_from, 0.9) << "thon from RELION's classes";
}

}  // namespace
}  // namespace thon

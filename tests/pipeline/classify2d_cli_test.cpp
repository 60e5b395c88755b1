// `thon classify2d` round trips on generated data (tests/classify2d_fixtures.hpp): the outputs of
// every iteration and their RELION columns, --continue equal to an uninterrupted run, and the
// bad-input contract (exit 1, a message naming the value, nothing written).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "classify2d_fixtures.hpp"
#include "pipeline/classify2d.hpp"
#include "test_util.hpp"
#include "thon/io/mrc.hpp"
#include "thon/io/particles.hpp"
#include "thon/io/star.hpp"

namespace thon {
namespace {

using test::run_thon;
using test::TempDir;
namespace fs = std::filesystem;

void expect_contains(const std::string& out, const std::string& what) {
  EXPECT_NE(out.find(what), std::string::npos) << "'" << what << "' not in:\n" << out;
}

/// No file of the prefix `run` and no temporary file in the directory.
void expect_no_outputs(const TempDir& dir) {
  for (const auto& e : fs::directory_iterator(dir.path())) {
    const std::string name = e.path().filename().string();
    EXPECT_NE(name.rfind("run_", 0), 0u) << "output written although the run failed: " << name;
    EXPECT_EQ(name.find(".tmp"), std::string::npos) << "temporary file left: " << name;
  }
}

std::string base_args(const std::string& star, const TempDir& dir, const std::string& extra) {
  return "classify2d --i " + star + " --o " + dir.file("run") + " --psi-step 30 --offset-range 2 --offset-step 1 "
         "--threads 2 --quiet " + extra;
}

TEST(Classify2dCli, WritesEveryIterationWithRelionColumns) {
  TempDir dir;
  const test::Classify2dSynthetic d = test::make_classify2d_synthetic(32, 60, 3, 0.5, true, 5);
  const std::string star = test::write_classify2d_dataset(d, dir.path().string());
  std::string out;
  ASSERT_EQ(run_thon(base_args(star, dir, "--k 3 --iter 2"), &out), 0) << out;
  for (int it : {1, 2})
    for (const char* what : {"classes.mrcs", "model.star", "data.star", "classes.png", "checkpoint.bin"})
      EXPECT_TRUE(fs::exists(pipeline::classify2d_output_path(dir.file("run"), it, what))) << it << " " << what;
  const ImageStack<float> cls = io::read_mrc_stack(pipeline::classify2d_output_path(dir.file("run"), 2, "classes.mrcs"));
  ASSERT_EQ(cls.n(), 3);
  ASSERT_EQ(cls.nx(), 32);
  EXPECT_TRUE(test::finite_and_nonzero(cls.data(), cls.size()));
  const io::ParticleTable t = io::read_particles(pipeline::classify2d_output_path(dir.file("run"), 2, "data.star"));
  ASSERT_EQ(t.particles.size(), 60u);
  EXPECT_TRUE(t.present.class_number && t.present.angles && t.present.origins && t.present.ctf);
  for (const io::Particle& p : t.particles) {
    EXPECT_GE(p.class_number, 1);
    EXPECT_LE(p.class_number, 3);
    EXPECT_LE(std::hypot(p.origin_x_A, p.origin_y_A), 2 * d.pixel_size_A + 1e-9);
  }
  const io::StarBlock* pb = t.star.find("particles");
  ASSERT_TRUE(pb);
  for (const char* c : {"rlnMaxValueProbDistribution", "rlnLogLikeliContribution", "rlnNrOfSignificantSamples"})
    EXPECT_TRUE(pb->has_column(c)) << c;
  const io::StarFile model = io::StarFile::read(pipeline::classify2d_output_path(dir.file("run"), 2, "model.star"));
  const io::StarBlock* mc = model.find("model_classes");
  ASSERT_TRUE(mc);
  ASSERT_EQ(mc->n_rows(), 3);
  double sum = 0;
  for (std::int64_t r = 0; r < 3; ++r) sum += mc->number(r, mc->require_column("rlnClassDistribution"));
  EXPECT_NEAR(sum, 1.0, 1e-6);
  ASSERT_TRUE(model.find("model_group_1"));
  ASSERT_TRUE(model.find("model_general"));
  // A start from class averages (--ref .mrcs): K from the stack; a different --k is refused.
  const std::string ref = pipeline::classify2d_output_path(dir.file("run"), 2, "classes.mrcs");
  ASSERT_EQ(run_thon("classify2d --i " + star + " --o " + dir.file("again") + " --ref " + ref +
                         " --iter 1 --psi-step 30 --offset-range 2 --quiet", &out), 0) << out;
  EXPECT_EQ(io::read_mrc_stack(pipeline::classify2d_output_path(dir.file("again"), 1, "classes.mrcs")).n(), 3);
  EXPECT_EQ(run_thon("classify2d --i " + star + " --o " + dir.file("bad") + " --ref " + ref + " --k 2 --iter 1 --quiet", &out), 1);
  expect_contains(out, "holds 3 classes but --k is 2");
  EXPECT_FALSE(fs::exists(pipeline::classify2d_output_path(dir.file("bad"), 1, "classes.mrcs")));
}

TEST(Classify2dCli, ContinueFromIteration3EqualsUninterruptedIteration5) {
  TempDir a, b;
  const test::Classify2dSynthetic d = test::make_classify2d_synthetic(32, 60, 3, 0.3, true, 6);
  const std::string star = test::write_classify2d_dataset(d, a.path().string());
  std::string out;
  ASSERT_EQ(run_thon(base_args(star, a, "--k 3 --iter 5 --seed 4"), &out), 0) << out;
  ASSERT_EQ(run_thon(base_args(star, b, "--k 3 --iter 3 --seed 4"), &out), 0) << out;
  ASSERT_EQ(run_thon(base_args(star, b, "--iter 5 --continue " +
                                            pipeline::classify2d_output_path(b.file("run"), 3, "checkpoint.bin")),
                     &out),
            0)
      << out;
  const ImageStack<float> ca = io::read_mrc_stack(pipeline::classify2d_output_path(a.file("run"), 5, "classes.mrcs"));
  const ImageStack<float> cb = io::read_mrc_stack(pipeline::classify2d_output_path(b.file("run"), 5, "classes.mrcs"));
  ASSERT_TRUE(test::finite_and_nonzero(ca.data(), ca.size()));
  ASSERT_EQ(ca.size(), cb.size());
  // The same arithmetic in the same order from the exact checkpointed model: bit-identical up to
  // the thread scheduling of the reductions (none here: fixed thread count, static schedules).
  EXPECT_LT(test::rel_l2(cb.data(), ca.data(), ca.size()), 1e-6);
  const io::ParticleTable ta = io::read_particles(pipeline::classify2d_output_path(a.file("run"), 5, "data.star"));
  const io::ParticleTable tb = io::read_particles(pipeline::classify2d_output_path(b.file("run"), 5, "data.star"));
  ASSERT_EQ(ta.particles.size(), tb.particles.size());
  for (std::size_t i = 0; i < ta.particles.size(); ++i) {
    EXPECT_EQ(ta.particles[i].class_number, tb.particles[i].class_number) << i;
    EXPECT_EQ(ta.particles[i].psi_deg, tb.particles[i].psi_deg) << i;
  }
}

TEST(Classify2dCli, BadInputsExitOneAndWriteNothing) {
  TempDir dir;
  const test::Classify2dSynthetic d = test::make_classify2d_synthetic(32, 20, 2, 0.5, true, 7);
  const std::string star = test::write_classify2d_dataset(d, dir.path().string());
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"--k 21 --iter 1", "--k 21 is larger than the number of particles (20)"},
      {"--k 0 --iter 1", "--k 0"},
      {"--k 2 --iter 1 --psi-step 0", "--psi-step 0"},
      {"--k 2 --iter 1 --psi-step -5", "--psi-step -5"},
      {"--k 2 --iter 1 --offset-range 16", "--offset-range 16"},
      {"--k 2 --iter 1 --offset-step 0", "--offset-step 0"},
      {"--k 2 --iter 1 --tau2-fudge -1", "--tau2-fudge -1"},
  };
  for (const Case& c : cases) {
    std::string out;
    EXPECT_EQ(run_thon("classify2d --i " + star + " --o " + dir.file("run") + " --quiet " + c.args, &out), 1) << c.args;
    expect_contains(out, c.message);
    expect_no_outputs(dir);
  }
  // CTF asked for, no CTF columns.
  {
    test::Classify2dSynthetic nc = test::make_classify2d_synthetic(32, 20, 2, 0.5, false, 7);
    const std::string s2 = test::write_classify2d_dataset(nc, dir.path().string(), "noctf");
    std::string out;
    EXPECT_EQ(run_thon("classify2d --i " + s2 + " --o " + dir.file("run") + " --quiet --k 2 --iter 1 --ctf", &out), 1);
    expect_contains(out, "no rlnDefocusU/rlnDefocusV columns");
    expect_no_outputs(dir);
  }
  // Images of different sizes: a second stack of 24 px images in the same STAR file.
  {
    test::Classify2dSynthetic small = test::make_classify2d_synthetic(24, 4, 2, 0.5, true, 8);
    test::write_classify2d_dataset(small, dir.path().string(), "small");
    io::ParticleTable t = io::read_particles(star);
    for (int i = 0; i < 4; ++i) {
      io::Particle p = t.particles[0];
      p.image_name = io::format_image_name(i, "small.mrcs");
      t.particles.push_back(p);
    }
    t.star = io::StarFile();
    t.optics[0].image_size = 0;
    const std::string mixed = dir.file("mixed.star");
    io::write_particles(mixed, t);
    std::string out;
    EXPECT_EQ(run_thon("classify2d --i " + mixed + " --o " + dir.file("run") + " --quiet --k 2 --iter 1", &out), 1);
    expect_contains(out, "particles of different sizes");
    expect_no_outputs(dir);
  }
  // A checkpoint of another dataset, and of another K.
  {
    TempDir other;
    const test::Classify2dSynthetic d2 = test::make_classify2d_synthetic(32, 24, 2, 0.5, true, 9);
    const std::string s2 = test::write_classify2d_dataset(d2, other.path().string());
    std::string out;
    ASSERT_EQ(run_thon("classify2d --i " + s2 + " --o " + other.file("run") + " --quiet --k 2 --iter 1 --psi-step 30", &out), 0)
        << out;
    const std::string ck = pipeline::classify2d_output_path(other.file("run"), 1, "checkpoint.bin");
    EXPECT_EQ(run_thon("classify2d --i " + star + " --o " + dir.file("run") + " --quiet --iter 2 --continue " + ck, &out), 1);
    expect_contains(out, "checkpoint of another dataset");
    expect_no_outputs(dir);
    EXPECT_EQ(run_thon("classify2d --i " + s2 + " --o " + dir.file("run") + " --quiet --k 3 --iter 2 --continue " + ck, &out), 1);
    expect_contains(out, "--k asks for 3");
    expect_no_outputs(dir);
    // A truncated checkpoint.
    const std::string cut = dir.file("cut.bin");
    {
      std::ifstream in(ck, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::ofstream o(cut, std::ios::binary);
      o.write(bytes.data(), std::streamsize(bytes.size() / 2));
    }
    EXPECT_EQ(run_thon("classify2d --i " + s2 + " --o " + dir.file("run") + " --quiet --iter 2 --continue " + cut, &out), 1);
    expect_contains(out, "truncated checkpoint");
    expect_no_outputs(dir);
  }
}

TEST(Classify2dCli, HdfDatasetGivesTheSameClassesAsItsStarFile) {
  // data/sim.h5 holds the images and metadata of data/sim.star (data/README.md): the same seed must
  // give bit-identical class averages from either file, so the HDF5 particle source feeds the engine
  // exactly what the STAR + MRCS path does.
  TempDir a, b;
  const std::string data = std::string(THON_SOURCE_DIR) + "/data/";
  std::string out;
  ASSERT_EQ(run_thon(base_args(data + "sim.star", a, "--k 2 --iter 2 --seed 3"), &out), 0) << out;
  ASSERT_EQ(run_thon(base_args(data + "sim.h5", b, "--k 2 --iter 2 --seed 3"), &out), 0) << out;
  const ImageStack<float> ca = io::read_mrc_stack(pipeline::classify2d_output_path(a.file("run"), 2, "classes.mrcs"));
  const ImageStack<float> cb = io::read_mrc_stack(pipeline::classify2d_output_path(b.file("run"), 2, "classes.mrcs"));
  ASSERT_EQ(ca.size(), cb.size());
  EXPECT_TRUE(test::finite_and_nonzero(ca.data(), ca.size()));
  for (index_t k = 0; k < ca.size(); ++k) ASSERT_EQ(ca.data()[k], cb.data()[k]) << "pixel " << k;
}

}  // namespace
}  // namespace thon

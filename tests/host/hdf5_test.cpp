// thon's HDF5 dataset container: bit-exact round trips in batches, the STAR source kept as text,
// provenance attributes, readable by h5py / h5dump, and bad files.
#include <gtest/gtest.h>

#include <hdf5.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "test_util.hpp"
#include "thon/core/error.hpp"
#include "thon/io/hdf5.hpp"

namespace {

using namespace thon::io;

std::vector<Particle> random_particles(std::int64_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-180, 180);
  std::vector<Particle> ps(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    Particle& p = ps[std::size_t(i)];
    p.optics_group = 1 + int(rng() % 2);
    p.rot_deg = u(rng);
    p.tilt_deg = std::fabs(u(rng)) / 2;
    p.psi_deg = u(rng);
    p.origin_x_A = u(rng) / 50;
    p.origin_y_A = u(rng) / 50;
    p.defocus_u_A = 10000 + 100 * u(rng);
    p.defocus_v_A = p.defocus_u_A - 300;
    p.defocus_angle_deg = u(rng);
    p.phase_shift_deg = 0.5;
    p.ctf_bfactor_A2 = 1e-300;  // denormal-free but extreme: must survive bit for bit
    p.ctf_scale = 1;
    p.random_subset = 1 + int(i % 2);
    p.class_number = int(i % 3);
    p.source_row = i;
  }
  return ps;
}

std::vector<OpticsGroup> two_groups() {
  std::vector<OpticsGroup> g(2);
  g[0].number = 1;
  g[0].pixel_size_A = 1.23;
  g[0].image_size = 16;
  g[1].number = 2;
  g[1].name = "second group";
  g[1].pixel_size_A = 1.23;
  g[1].voltage_kV = 200;
  g[1].image_size = 16;
  return g;
}

TEST(Hdf5, RoundTripInBatchesIsBitExact) {
  for (int deflate : {0, 4}) {
    thon::test::TempDir dir;
    const std::string path = dir.file("d.h5");
    const int nx = 16, ny = 12;
    const std::int64_t n = 37;
    auto images = thon::test::random_vector<float>(n * nx * ny, 7);
    images[5] = 1e-40f;  // a float32 denormal
    images[6] = -0.0f;
    const auto ps = random_particles(n, 3);
    std::vector<double> extra(std::size_t(n) * 2);
    for (std::size_t i = 0; i < extra.size(); ++i) extra[i] = std::sqrt(double(i)) * 1.1;
    ParticleColumns present;
    present.angles = present.ctf = present.origins = present.random_subset = true;
    DatasetAttributes attrs;
    attrs.generator = "thon test";
    attrs.command_line = "thon test --seed 9 --quoted 'a b'";
    attrs.seed = 9;
    DatasetWriteOptions opt;
    opt.deflate_level = deflate;
    opt.table_chunk = 8;
    {
      DatasetWriter w(path, nx, ny, two_groups(), present, attrs, opt, {"true_rot_deg", "true_psi_deg"});
      for (std::int64_t at = 0; at < n; at += 10) {
        const std::int64_t m = std::min<std::int64_t>(10, n - at);
        w.append(images.data() + at * nx * ny, ps.data() + at, m, extra.data() + at * 2);
      }
      EXPECT_FALSE(std::filesystem::exists(path));  // nothing at the final path before commit
      w.commit();
    }
    const DatasetReader r(path);
    ASSERT_EQ(r.count(), n);
    EXPECT_EQ(r.nx(), nx);
    EXPECT_EQ(r.ny(), ny);
    EXPECT_EQ(r.deflate_level(), deflate);
    EXPECT_EQ(r.attributes().generator, "thon test");
    EXPECT_EQ(r.attributes().command_line, attrs.command_line);
    EXPECT_EQ(r.attributes().seed, 9);
    EXPECT_EQ(r.attributes().pixel_size_A, 1.23);
    EXPECT_FALSE(r.attributes().thon_version.empty());
    EXPECT_EQ(r.attributes().created.size(), 20u);  // 2026-01-01T00:00:00Z
    EXPECT_TRUE(r.present().angles && r.present().ctf && !r.present().class_number);
    ASSERT_EQ(r.optics().size(), 2u);
    EXPECT_EQ(r.optics()[1].name, "second group");
    EXPECT_EQ(r.optics()[1].voltage_kV, 200.0);
    EXPECT_EQ(r.optics()[0].image_size, 16);
    EXPECT_EQ(r.extra_columns(), (std::vector<std::string>{"true_rot_deg", "true_psi_deg"}));
    // Read back in other batch sizes.
    std::vector<float> back(images.size());
    for (std::int64_t at = 0; at < n; at += 7) {
      const std::int64_t m = std::min<std::int64_t>(7, n - at);
      r.read_images(at, m, back.data() + at * nx * ny);
      const auto got = r.read_particles(at, m);
      const auto e0 = r.read_extra("true_psi_deg", at, m);
      for (std::int64_t i = 0; i < m; ++i) {
        const Particle& a = ps[std::size_t(at + i)];
        const Particle& b = got[std::size_t(i)];
        EXPECT_EQ(std::memcmp(&a.rot_deg, &b.rot_deg, sizeof(double)), 0);
        EXPECT_EQ(a.tilt_deg, b.tilt_deg);
        EXPECT_EQ(a.origin_y_A, b.origin_y_A);
        EXPECT_EQ(a.defocus_angle_deg, b.defocus_angle_deg);
        EXPECT_EQ(a.ctf_bfactor_A2, b.ctf_bfactor_A2);
        EXPECT_EQ(a.optics_group, b.optics_group);
        EXPECT_EQ(a.random_subset, b.random_subset);
        EXPECT_EQ(a.class_number, b.class_number);
        EXPECT_EQ(a.source_row, b.source_row);
        EXPECT_EQ(b.image_name, format_image_name(at + i, "d.h5"));
        EXPECT_EQ(e0[std::size_t(i)], extra[std::size_t(at + i) * 2 + 1]);
      }
    }
    EXPECT_EQ(std::memcmp(back.data(), images.data(), images.size() * sizeof(float)), 0);
    EXPECT_TRUE(thon::test::finite_and_nonzero(back));
    EXPECT_THROW(r.read_images(n - 1, 2, back.data()), thon::Error);
    EXPECT_THROW(r.read_extra("nope", 0, 1), thon::Error);
  }
}

TEST(Hdf5, KeepsTheStarSourceAsText) {
  THON_REQUIRE_DATA("metadata/relion31.6opticsgroups.star");
  thon::test::TempDir dir;
  const ParticleTable t = read_particles(thon::test::data_path("metadata/relion31.6opticsgroups.star"));
  const std::int64_t n = std::int64_t(t.particles.size());
  std::vector<float> images(std::size_t(n) * 4 * 4, 1.0f);
  {
    DatasetWriter w(dir.file("s.h5"), 4, 4, t.optics, t.present, {}, {});
    w.set_star_source(t.star);
    w.append(images.data(), t.particles.data(), n);
    w.commit();
  }
  const DatasetReader r(dir.file("s.h5"));
  ASSERT_TRUE(r.has_star_source());
  const StarFile s = r.star_source();
  ASSERT_EQ(s.blocks().size(), t.star.blocks().size());
  for (std::size_t b = 0; b < s.blocks().size(); ++b) {
    const StarBlock& x = t.star.blocks()[b];
    const StarBlock& y = s.blocks()[b];
    EXPECT_EQ(x.name(), y.name());
    ASSERT_EQ(x.columns(), y.columns());
    ASSERT_EQ(x.n_rows(), y.n_rows());
    for (std::int64_t row = 0; row < x.n_rows(); ++row)
      for (int c = 0; c < x.n_columns(); ++c) ASSERT_EQ(x.text(row, c), y.text(row, c));
  }
  // The optics groups (6, with their names and source rows) survive.
  ASSERT_EQ(r.optics().size(), 6u);
  for (std::size_t g = 0; g < 6; ++g) {
    EXPECT_EQ(r.optics()[g].name, t.optics[g].name);
    EXPECT_EQ(r.optics()[g].pixel_size_A, t.optics[g].pixel_size_A);
    EXPECT_EQ(r.optics()[g].source_row, t.optics[g].source_row);
  }
}

TEST(Hdf5, ReadableByH5pyAndH5dump) {
  thon::test::TempDir dir;
  const std::string path = dir.file("p.h5");
  const auto images = thon::test::random_vector<float>(3 * 8 * 8, 11);
  const auto ps = random_particles(3, 5);
  {
    DatasetWriteOptions opt;
    opt.deflate_level = 3;
    DatasetWriter w(path, 8, 8, two_groups(), {}, {}, opt);
    w.append(images.data(), ps.data(), 3);
    w.commit();
  }
  if (thon::test::run_command("/usr/bin/python3 -c 'import h5py'") == 0) {
    std::string out;
    const std::string script =
        "import h5py, sys\n"
        "f = h5py.File(sys.argv[1], 'r')\n"
        "im = f['images']\n"
        "print(im.shape, im.dtype, im.chunks, im.compression)\n"
        "print(repr(float(im[2, 7, 5])), repr(float(f['particles/rot_deg'][1])))\n"
        "print(f.attrs['thon_format'].decode(), int(f.attrs['thon_format_version']), f['optics/name'][1].decode())\n";
    std::ofstream(dir.file("r.py")) << script;
    ASSERT_EQ(thon::test::run_command("/usr/bin/python3 " + dir.file("r.py") + " " + path, &out), 0) << out;
    char expect[512];
    std::snprintf(expect, sizeof expect, "(3, 8, 8) float32 (1, 8, 8) gzip\n%.17g %.17g\nthon-dataset 1 second group\n",
                  double(images[2 * 64 + 7 * 8 + 5]), ps[1].rot_deg);
    // Python's repr is the shortest round-trip form; compare as numbers on line 2.
    std::istringstream got(out), want(expect);
    std::string g1, w1, g2, w2, g3, w3;
    std::getline(got, g1), std::getline(want, w1);
    std::getline(got, g2), std::getline(want, w2);
    std::getline(got, g3), std::getline(want, w3);
    EXPECT_EQ(g1, w1);
    double ga, gb, wa, wb;
    std::istringstream(g2) >> ga >> gb;
    std::istringstream(w2) >> wa >> wb;
    EXPECT_EQ(ga, wa);
    EXPECT_EQ(gb, wb);
    EXPECT_EQ(g3, w3);
  }
  if (std::filesystem::exists("/usr/bin/h5dump")) {
    std::string out;
    ASSERT_EQ(thon::test::run_command("/usr/bin/h5dump -H " + path, &out), 0) << out;
    EXPECT_NE(out.find("DATASET \"images\""), std::string::npos) << out;
    EXPECT_NE(out.find("( 3, 8, 8 )"), std::string::npos) << out;
  }
  const std::string d = describe_hdf5_file(path);
  EXPECT_NE(d.find("/images: float32 [3 x 8 x 8], chunks 1 x 8 x 8, filters shuffle, deflate"), std::string::npos) << d;
  EXPECT_NE(d.find("@thon_format = \"thon-dataset\""), std::string::npos) << d;
}

std::string open_error(const std::string& path) {
  try {
    DatasetReader r(path);
  } catch (const thon::Error& e) {
    return e.what();
  }
  return "";
}

TEST(Hdf5, BadFilesGiveClearErrors) {
  thon::test::TempDir dir;
  std::ofstream(dir.file("text.h5")) << "this is not HDF5\n";
  EXPECT_NE(open_error(dir.file("text.h5")).find("text.h5: not an HDF5 file"), std::string::npos);
  EXPECT_NE(open_error(dir.file("missing.h5")).find("no such file"), std::string::npos);
  // A truncated thon file.
  {
    const auto images = thon::test::random_vector<float>(20 * 32 * 32, 1);
    const auto ps = random_particles(20, 1);
    DatasetWriter w(dir.file("full.h5"), 32, 32, two_groups(), {}, {});
    w.append(images.data(), ps.data(), 20);
    w.commit();
  }
  const auto size = std::filesystem::file_size(dir.file("full.h5"));
  std::filesystem::copy_file(dir.file("full.h5"), dir.file("cut.h5"));
  std::filesystem::resize_file(dir.file("cut.h5"), size / 2);
  std::string e = open_error(dir.file("cut.h5"));
  EXPECT_NE(e.find("cut.h5"), std::string::npos) << e;
  EXPECT_FALSE(e.empty());
  // An HDF5 file that is not a thon dataset.
  {
    const hid_t f = H5Fcreate(dir.file("other.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    H5Fclose(f);
  }
  EXPECT_NE(open_error(dir.file("other.h5")).find("not a thon dataset"), std::string::npos);
  // NaN in an image: error, and no file left behind.
  {
    std::vector<float> images(4 * 4, 0.5f);
    images[3] = std::nanf("");
    const auto ps = random_particles(1, 2);
    DatasetWriter w(dir.file("nan.h5"), 4, 4, two_groups(), {}, {});
    try {
      w.append(images.data(), ps.data(), 1);
      FAIL();
    } catch (const thon::Error& err) {
      EXPECT_NE(std::string(err.what()).find("image 1 has a non-finite pixel"), std::string::npos) << err.what();
    }
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("nan.h5")));
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  // Unknown optics group.
  {
    std::vector<float> images(16, 0.5f);
    auto ps = random_particles(1, 2);
    ps[0].optics_group = 7;
    DatasetWriter w(dir.file("og.h5"), 4, 4, two_groups(), {}, {});
    EXPECT_THROW(w.append(images.data(), ps.data(), 1), thon::Error);
  }
  EXPECT_THROW(DatasetWriter(dir.file("x.h5"), 0, 4, two_groups(), {}, {}), thon::Error);
  EXPECT_THROW(DatasetWriter(dir.file("nodir/x.h5"), 4, 4, two_groups(), {}, {}), thon::Error);
}

}  // namespace

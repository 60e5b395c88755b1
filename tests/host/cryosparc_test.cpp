// cryoSPARC .cs files: the NumPy reader against numpy itself, the conversion's CTF, poses
// (against matrices built directly from the rotation vectors), shifts and splits, bad files.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "test_util.hpp"
#include "thon/core/error.hpp"
#include "thon/io/cryosparc.hpp"
#include "thon/math/rotation.hpp"

namespace {

using namespace thon::io;
using thon::Mat3;
using thon::Vec3;
using thon::test::data_path;

const char* kCs = "metadata/cryosparc_P12_J24_001_particles.cs";

bool have_numpy() { return thon::test::run_command("/usr/bin/python3 -c 'import numpy'") == 0; }

/// numpy's view of every numeric field: one line per record and field, "field record v0 v1 ...".
std::map<std::string, std::vector<std::vector<double>>> numpy_dump(const std::string& path) {
  std::string out;
  const std::string script =
      "import numpy as np, sys\n"
      "a = np.load(sys.argv[1])\n"
      "for n in a.dtype.names:\n"
      "    if a.dtype[n].base.kind in 'fiub':\n"
      "        for i, x in enumerate(a[n]):\n"
      "            print(n, i, ' '.join(repr(float(v)) for v in np.atleast_1d(x).ravel()))\n";
  thon::test::TempDir dir;
  std::ofstream(dir.file("dump.py")) << script;
  EXPECT_EQ(thon::test::run_command("/usr/bin/python3 " + dir.file("dump.py") + " " + path, &out), 0) << out;
  std::map<std::string, std::vector<std::vector<double>>> fields;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string name;
    std::size_t i;
    ls >> name >> i;
    std::vector<double> v;
    std::string tok;
    while (ls >> tok) v.push_back(std::stod(tok));
    auto& rows = fields[name];
    if (rows.size() <= i) rows.resize(i + 1);
    rows[i] = v;
  }
  return fields;
}

TEST(Cryosparc, NpyReaderMatchesNumpy) {
  THON_REQUIRE_DATA(kCs);
  if (!have_numpy()) GTEST_SKIP() << "python3-numpy not installed";
  for (const std::string& name : {std::string(kCs), std::string("particles/empiar_10076_7.cs")}) {
    const NpyRecords cs = NpyRecords::read(data_path(name));
    const auto oracle = numpy_dump(data_path(name));
    std::int64_t compared = 0;
    for (const auto& [field, rows] : oracle) {
      const NpyField* f = cs.find(field);
      ASSERT_NE(f, nullptr) << field;
      ASSERT_EQ(std::int64_t(rows.size()), cs.n_records());
      for (std::int64_t r = 0; r < cs.n_records(); ++r) {
        ASSERT_EQ(std::int64_t(rows[std::size_t(r)].size()), f->count()) << field;
        for (std::int64_t e = 0; e < f->count(); ++e) {
          const double want = rows[std::size_t(r)][std::size_t(e)];
          const double got = cs.number(r, *f, e);
          // Integers up to 2^53 and every float32 are exact in a double and in repr(); uint64 uids
          // beyond 2^53 round the same way in both (float(v)).
          if (std::isnan(want)) EXPECT_TRUE(std::isnan(got));
          else ASSERT_EQ(got, want) << name << " " << field << " record " << r << " element " << e;
          ++compared;
        }
      }
    }
    EXPECT_GT(compared, cs.n_records() * 10);
  }
}

TEST(Cryosparc, ConvertsTheRealRefinement) {
  THON_REQUIRE_DATA(kCs);
  const NpyRecords cs = NpyRecords::read(data_path(kCs));
  ASSERT_EQ(cs.n_records(), 2019);
  const ParticleTable t = cryosparc_to_particles(cs);
  ASSERT_EQ(t.particles.size(), 2019u);
  EXPECT_TRUE(t.present.angles && t.present.origins && t.present.ctf && t.present.random_subset);
  ASSERT_EQ(t.optics.size(), 1u);
  // PROVENANCE.md: 180 x 180 boxes at 2.95 Å, 200 kV, Cs 2.0, AC 0.07 (stored as float32).
  EXPECT_EQ(t.optics[0].pixel_size_A, 2.95);  // the shortest decimal of the float32
  EXPECT_EQ(t.optics[0].image_size, 180);
  EXPECT_EQ(t.optics[0].voltage_kV, 200.0);
  EXPECT_EQ(t.optics[0].cs_mm, 2.0);
  EXPECT_EQ(t.optics[0].amplitude_contrast, 0.07);
  // Record 0 (PROVENANCE.md): df1 45591.37, df2 45309.793, angle -1.3636448 rad, shift (11.334375, -1.828125).
  const Particle& p0 = t.particles[0];
  EXPECT_EQ(p0.defocus_u_A, 45591.37);
  EXPECT_EQ(p0.defocus_v_A, 45309.793);
  EXPECT_NEAR(p0.defocus_angle_deg, -1.3636448 * 180 / M_PI, 1e-5);
  EXPECT_NEAR(p0.origin_x_A, 11.334375 * 2.95, 1e-5);
  EXPECT_NEAR(p0.origin_y_A, -1.828125 * 2.95, 1e-5);
  EXPECT_EQ(p0.image_name.substr(0, 21), "000001@J19/extract/20");

  // Every CTF value equals the source field: the same float32 (the angle: radians -> degrees).
  const NpyField& df1 = cs.require("ctf/df1_A");
  const NpyField& df2 = cs.require("ctf/df2_A");
  const NpyField& ang = cs.require("ctf/df_angle_rad");
  const NpyField& split = cs.require("alignments3D/split");
  int half[2] = {0, 0};
  for (std::int64_t r = 0; r < cs.n_records(); ++r) {
    const Particle& p = t.particles[std::size_t(r)];
    ASSERT_EQ(float(p.defocus_u_A), float(cs.number(r, df1)));
    ASSERT_EQ(float(p.defocus_v_A), float(cs.number(r, df2)));
    ASSERT_EQ(p.defocus_angle_deg, cs.number(r, ang) * (180.0 / 3.14159265358979323846));
    ASSERT_EQ(p.random_subset, int(cs.number(r, split)) + 1);
    ++half[p.random_subset - 1];
  }
  EXPECT_EQ(half[0], 1010);  // PROVENANCE.md: half-set split 1010/1009
  EXPECT_EQ(half[1], 1009);
}

/// The rotation of angle |v| about v / |v| from its unit quaternion (an independent construction
/// of the right-handed rotation R(v), not Rodrigues' formula).
Mat3<double> quaternion_rotation(const Vec3<double>& v) {
  const double t = std::sqrt(v.x * v.x + v.y * v.y + v.z * v.z);
  const double s = t > 0 ? std::sin(t / 2) / t : 0.5;
  const double w = std::cos(t / 2), x = v.x * s, y = v.y * s, z = v.z * s;
  return {{{1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)},
           {2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)},
           {2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)}}};
}

double max_abs_diff(const Mat3<double>& a, const Mat3<double>& b) {
  double m = 0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) m = std::max(m, std::fabs(a.m[i][j] - b.m[i][j]));
  return m;
}

TEST(Cryosparc, PosesAreTheTransposeOfTheRotationVectorMatrix) {
  THON_REQUIRE_DATA(kCs);
  const NpyRecords cs = NpyRecords::read(data_path(kCs));
  const ParticleTable t = cryosparc_to_particles(cs);
  const NpyField& pose = cs.require("alignments3D/pose");
  double worst = 0;
  for (std::int64_t r = 0; r < cs.n_records(); ++r) {
    const Particle& p = t.particles[std::size_t(r)];
    const Vec3<double> v{cs.number(r, pose, 0), cs.number(r, pose, 1), cs.number(r, pose, 2)};
    // RELION's A from the converted Euler angles equals R(v)^T (pyem's expmap convention).
    const Mat3<double> a = thon::math::euler_to_matrix<double>(p.rot_deg, p.tilt_deg, p.psi_deg);
    worst = std::max(worst, max_abs_diff(a, thon::transpose(quaternion_rotation(v))));
    ASSERT_TRUE(std::isfinite(p.rot_deg) && std::isfinite(p.tilt_deg) && std::isfinite(p.psi_deg));
    ASSERT_GE(p.tilt_deg, 0.0);  // RELION's decomposition: tilt in [0, 180]
    ASSERT_LE(p.tilt_deg, 180.0);
  }
  // Double-precision trigonometry on each path: 1e-6 is the bound; the measured error is ~1e-15.
  EXPECT_LT(worst, 1e-6);
  std::printf("max |A(euler) - R(v)^T| over %lld poses: %.3g\n", (long long)cs.n_records(), worst);
  // Not R(v) itself (the convention matters): most poses differ by far more than the tolerance.
  const Vec3<double> v0{cs.number(0, pose, 0), cs.number(0, pose, 1), cs.number(0, pose, 2)};
  const Particle& p0 = t.particles[0];
  EXPECT_GT(max_abs_diff(thon::math::euler_to_matrix<double>(p0.rot_deg, p0.tilt_deg, p0.psi_deg), quaternion_rotation(v0)), 0.1);
}

TEST(Cryosparc, EmpiarCsMatchesItsStarFile) {
  THON_REQUIRE_DATA("particles/empiar_10076_7.cs");
  THON_REQUIRE_DATA("particles/empiar_10076_7.star");
  const ParticleTable c = read_cryosparc_particles(data_path("particles/empiar_10076_7.cs"));
  const ParticleTable s = read_particles(data_path("particles/empiar_10076_7.star"));
  ASSERT_EQ(c.particles.size(), 7u);
  EXPECT_FALSE(c.present.angles);
  for (std::size_t i = 0; i < 7; ++i) {
    // float32 storage: relative 1e-7.
    EXPECT_NEAR(c.particles[i].defocus_u_A, s.particles[i].defocus_u_A, 1e-7 * s.particles[i].defocus_u_A);
    EXPECT_NEAR(c.particles[i].defocus_v_A, s.particles[i].defocus_v_A, 1e-7 * s.particles[i].defocus_v_A);
    EXPECT_NEAR(c.particles[i].defocus_angle_deg, s.particles[i].defocus_angle_deg, 1e-5);
    EXPECT_EQ(c.particles[i].image_name, format_image_name(std::int64_t(i), "empiar_10076_7.mrc"));
  }
  EXPECT_NEAR(c.optics[0].pixel_size_A, s.optics[0].pixel_size_A, 1e-6);
}

/// A .npy file from a header dict and raw record bytes.
std::string npy(const std::string& dict, const std::string& data, int version = 1) {
  std::string h = dict;
  const std::size_t pre = version == 1 ? 10 : 12;
  while ((pre + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string s = "\x93NUMPY";
  s += char(version);
  s += char(0);
  const std::uint32_t n = std::uint32_t(h.size());
  s += char(n & 0xff);
  s += char((n >> 8) & 0xff);
  if (version > 1) {
    s += char((n >> 16) & 0xff);
    s += char(n >> 24);
  }
  return s + h + data;
}

template <class T>
std::string bytes_of(T v) {
  return std::string(reinterpret_cast<const char*>(&v), sizeof v);
}

std::string error_of(const std::string& bytes) {
  try {
    const NpyRecords r = NpyRecords::parse(bytes.data(), bytes.size(), "x.cs");
    (void)cryosparc_to_particles(r);
  } catch (const thon::Error& e) {
    return e.what();
  }
  return "";
}

TEST(Cryosparc, SyntheticFilesAndBadInput) {
  const std::string dict =
      "{'descr': [('blob/path', '|S8'), ('blob/idx', '<u4'), ('blob/psize_A', '<f4'), ('x', '>i2', (2,)), "
      "('h', '<f2'), ('u', '<U3')], 'fortran_order': False, 'shape': (2,), }";
  std::string rec;
  for (int i = 0; i < 2; ++i) {
    rec += std::string("s.mrcs\0\0", 8) + bytes_of<std::uint32_t>(std::uint32_t(4 + i)) + bytes_of<float>(1.5f);
    rec += std::string("\xff\xfe\x00\x07", 4);  // big-endian int16: -2, 7
    rec += bytes_of<std::uint16_t>(0x3c00);      // float16 1.0
    rec += std::string("a\0\0\0\xe9\0\0\0\0\0\0\0", 12);  // "aé"
  }
  for (int version : {1, 2, 3}) {
    const std::string f = npy(dict, rec + "trailing metadata", version);
    const NpyRecords r = NpyRecords::parse(f.data(), f.size(), "x.cs");
    ASSERT_EQ(r.n_records(), 2);
    EXPECT_EQ(r.number(1, r.require("blob/idx")), 5.0);
    EXPECT_EQ(r.number(0, r.require("x"), 0), -2.0);
    EXPECT_EQ(r.number(0, r.require("x"), 1), 7.0);
    EXPECT_EQ(r.number(0, r.require("h")), 1.0);
    EXPECT_EQ(r.text(0, r.require("u")), "a\xc3\xa9");
    const ParticleTable t = cryosparc_to_particles(r);
    EXPECT_EQ(t.particles[1].image_name, "000006@s.mrcs");
    EXPECT_FALSE(t.present.ctf);
  }
  EXPECT_NE(error_of(npy(dict, rec.substr(0, rec.size() - 1))).find("x.cs: truncated"), std::string::npos);
  EXPECT_NE(error_of("not numpy at all").find("not a NumPy"), std::string::npos);
  EXPECT_NE(error_of("\x94" "CSDAT....").find("CSDAT"), std::string::npos);
  EXPECT_NE(error_of(npy("{'descr': [('a', '|O')], 'fortran_order': False, 'shape': (0,), }", "")).find("pickled"),
            std::string::npos);
  EXPECT_NE(error_of(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }", "")).find("not a structured array"),
            std::string::npos);
  EXPECT_NE(error_of(npy("{'descr': [('blob/idx', '<u4')], 'fortran_order': False, 'shape': (0,), }", ""))
                .find("x.cs: required field 'blob/path' is missing"),
            std::string::npos);
  const std::string partial_ctf =
      "{'descr': [('blob/path', '|S8'), ('blob/idx', '<u4'), ('blob/psize_A', '<f4'), ('ctf/df1_A', '<f4')], "
      "'fortran_order': False, 'shape': (0,), }";
  const std::string e = error_of(npy(partial_ctf, ""));
  EXPECT_NE(e.find("incomplete CTF"), std::string::npos) << e;
  EXPECT_NE(e.find("ctf/df2_A"), std::string::npos) << e;
  EXPECT_NE(error_of(npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), 'x': [1, }", "")).find("NumPy header"),
            std::string::npos);
  EXPECT_NE(error_of(npy("{'descr': [('blob/path', '|S8'), ('blob/path', '<f4')], 'fortran_order': False, 'shape': (0,), }", ""))
                .find("appears twice"),
            std::string::npos);
}

}  // namespace

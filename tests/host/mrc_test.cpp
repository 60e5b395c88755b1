// MRC2014 files: round trips of what thon writes, every read mode through a tiny independent
// writer below, axis permutations, the real files of ../shared/data against their own headers and
// against python3-mrcfile, and bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "thon/build_info.hpp"
#include "thon/core/error.hpp"
#include "thon/io/mrc.hpp"

namespace {

using thon::Error;
using thon::test::TempDir;
using namespace thon::io;
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// A minimal MRC writer independent of host/io/mrc.cpp: header words placed by hand, any mode,
// byte order, axis order and extended header. Voxel bytes are given already encoded.
struct RawMrc {
  int nx = 1, ny = 1, nz = 1, mode = 2;
  int mx = 0, my = 0, mz = 0;
  float cell[3] = {0, 0, 0};
  int mapc = 1, mapr = 2, maps = 3;
  int ispg = 1;
  int nsymbt = 0;
  bool big_endian = false;
  bool map_id = true;
  std::vector<unsigned char> data;  ///< encoded voxels, in the file's byte order
};

void put32(std::vector<unsigned char>& b, int word, std::uint32_t v, bool big) {
  for (int i = 0; i < 4; ++i) b[std::size_t(4 * word + i)] = big ? (unsigned char)(v >> (24 - 8 * i)) : (unsigned char)(v >> (8 * i));
}
void puti(std::vector<unsigned char>& b, int word, std::int32_t v, bool big) { put32(b, word, std::uint32_t(v), big); }
void putf(std::vector<unsigned char>& b, int word, float v, bool big) {
  std::uint32_t u;
  std::memcpy(&u, &v, 4);
  put32(b, word, u, big);
}

void write_raw(const std::string& path, const RawMrc& m) {
  std::vector<unsigned char> h(1024, 0);
  const bool be = m.big_endian;
  puti(h, 0, m.nx, be), puti(h, 1, m.ny, be), puti(h, 2, m.nz, be), puti(h, 3, m.mode, be);
  puti(h, 7, m.mx, be), puti(h, 8, m.my, be), puti(h, 9, m.mz, be);
  for (int i = 0; i < 3; ++i) putf(h, 10 + i, m.cell[i], be), putf(h, 13 + i, 90.f, be);
  puti(h, 16, m.mapc, be), puti(h, 17, m.mapr, be), puti(h, 18, m.maps, be);
  puti(h, 22, m.ispg, be), puti(h, 23, m.nsymbt, be);
  if (m.map_id) std::memcpy(h.data() + 208, "MAP ", 4);
  h[212] = be ? 0x11 : 0x44, h[213] = be ? 0x11 : 0x44;
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(h.data()), 1024);
  std::vector<char> ext(std::size_t(std::max(m.nsymbt, 0)), 'x');
  out.write(ext.data(), std::streamsize(ext.size()));
  out.write(reinterpret_cast<const char*>(m.data.data()), std::streamsize(m.data.size()));
}

void append_bytes(std::vector<unsigned char>& d, std::uint64_t v, int n, bool big) {
  for (int i = 0; i < n; ++i) d.push_back(big ? (unsigned char)(v >> (8 * (n - 1 - i))) : (unsigned char)(v >> (8 * i)));
}
void append_float(std::vector<unsigned char>& d, float f, bool big) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  append_bytes(d, u, 4, big);
}

/// Statistics computed directly in long double (the oracle for header values).
struct DirectStats {
  long double min, max, mean, rms;
};
template <class T>
DirectStats direct_stats(const T* p, std::int64_t n) {
  DirectStats s{p[0], p[0], 0, 0};
  long double sum = 0;
  for (std::int64_t i = 0; i < n; ++i) sum += p[i], s.min = std::min<long double>(s.min, p[i]), s.max = std::max<long double>(s.max, p[i]);
  s.mean = sum / n;
  long double ss = 0;
  for (std::int64_t i = 0; i < n; ++i) ss += (p[i] - s.mean) * (p[i] - s.mean);
  s.rms = std::sqrt(ss / n);
  return s;
}

// Header statistics are float32 (relative rounding 2^-24 = 6e-8) of sums accumulated in double
// (thon) or float (other writers: relative error up to ~sqrt(n) * 6e-8, about 3e-5 at n = 2.6e5 in
// the worst case); measured against the data's scale (max |value|, so near-zero means compare fine).
constexpr double kHeaderStatTol = 3e-5;

void expect_stats_near(const MrcHeader& h, const DirectStats& s, const char* what) {
  const double scale = double(std::max(std::fabs(s.min), std::fabs(s.max)));
  EXPECT_NEAR(h.dmin, double(s.min), kHeaderStatTol * scale) << what;
  EXPECT_NEAR(h.dmax, double(s.max), kHeaderStatTol * scale) << what;
  EXPECT_NEAR(h.dmean, double(s.mean), kHeaderStatTol * scale) << what;
  EXPECT_NEAR(h.rms, double(s.rms), kHeaderStatTol * scale) << what;
}

/// Runs `f` and returns the thon::Error message (fails the test when nothing is thrown).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no thon::Error thrown";
  return "";
}

std::vector<std::string> dir_listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// ---------------------------------------------------------------------------------------------
// Round trips of mode 2 (the mode written): exact.

TEST(MrcWrite, VolumeRoundTripIsExactWithHeader) {
  TempDir dir;
  thon::Volume<float> v(7, 5, 3, 1.25);
  const auto r = thon::test::random_vector(v.size(), 11);
  std::copy(r.begin(), r.end(), v.begin());
  const std::string path = dir.file("v.mrc");
  write_mrc(path, v);

  const MrcHeader h = read_mrc_header(path);
  EXPECT_EQ(h.nx, 7); EXPECT_EQ(h.ny, 5); EXPECT_EQ(h.nz, 3); EXPECT_EQ(h.mode, 2);
  EXPECT_EQ(h.mx, 7); EXPECT_EQ(h.my, 5); EXPECT_EQ(h.mz, 3); EXPECT_EQ(h.ispg, 1);
  EXPECT_TRUE(h.has_map_id);
  EXPECT_EQ(h.machine_stamp[0], 0x44); EXPECT_EQ(h.machine_stamp[1], 0x44);
  EXPECT_EQ(h.nversion, 20140);
  EXPECT_EQ(h.nlabl, 1);
  EXPECT_EQ(h.labels[0], std::string("thon ") + thon::build::kVersion);
  EXPECT_FALSE(h.is_stack());
  EXPECT_NEAR(h.pixel_size_A(), 1.25, 1e-6);  // cell = 7 * 1.25 stored as float
  for (double p : h.voxel_size_A()) EXPECT_NEAR(p, 1.25, 1e-6);
  expect_stats_near(h, direct_stats(v.data(), v.size()), "written volume");

  const thon::Volume<float> back = read_mrc_volume(path);
  ASSERT_EQ(back.nx(), 7); ASSERT_EQ(back.ny(), 5); ASSERT_EQ(back.nz(), 3);
  EXPECT_NEAR(back.pixel_size_A(), 1.25, 1e-6);
  EXPECT_EQ(std::memcmp(back.data(), v.data(), v.buffer().bytes()), 0);
  EXPECT_TRUE(thon::test::finite_and_nonzero(back));
  EXPECT_EQ(dir_listing(dir.path()), std::vector<std::string>{"v.mrc"});  // no temporary left
}

TEST(MrcWrite, StackAndImageRoundTrip) {
  TempDir dir;
  thon::ImageStack<float> s(6, 4, 5, 2.5);
  const auto r = thon::test::random_vector(s.size(), 12);
  std::copy(r.begin(), r.end(), s.begin());
  write_mrc(dir.file("s.mrcs"), s);
  const MrcHeader h = read_mrc_header(dir.file("s.mrcs"));
  EXPECT_EQ(h.ispg, 0); EXPECT_EQ(h.mz, 1); EXPECT_EQ(h.nz, 5);
  EXPECT_TRUE(h.is_stack());
  EXPECT_NEAR(h.voxel_size_A()[2], 2.5, 1e-6);
  const auto back = read_mrc_stack(dir.file("s.mrcs"));
  ASSERT_EQ(back.n(), 5);
  EXPECT_EQ(std::memcmp(back.data(), s.data(), s.buffer().bytes()), 0);

  thon::Image<float> im(9, 3, 0.0);  // pixel size 0 = unknown, written as cell 0
  for (int i = 0; i < im.size(); ++i) im[i] = float(i) - 4.5f;
  write_mrc(dir.file("i.mrc"), im);
  const MrcHeader hi = read_mrc_header(dir.file("i.mrc"));
  EXPECT_TRUE(hi.is_stack());
  EXPECT_EQ(hi.pixel_size_A(), 0.0);
  const auto bi = read_mrc_image(dir.file("i.mrc"), 0);
  EXPECT_EQ(std::memcmp(bi.data(), im.data(), im.buffer().bytes()), 0);
}

TEST(MrcWrite, StackWriterStreamsBatchesAndCommits) {
  TempDir dir;
  const int nx = 8, ny = 6, n = 11;
  const auto all = thon::test::random_vector(std::int64_t(nx) * ny * n, 13);
  const std::string path = dir.file("stream.mrcs");
  {
    MrcStackWriter w(path, nx, ny, 1.5);
    int done = 0;
    for (int batch : {3, 0, 5, 3}) {
      w.append(all.data() + std::int64_t(done) * nx * ny, batch);
      done += batch;
    }
    EXPECT_EQ(w.count(), n);
    EXPECT_FALSE(fs::exists(path));  // nothing at the final path before commit()
    w.commit();
  }
  const MrcHeader h = read_mrc_header(path);
  EXPECT_EQ(h.nz, n); EXPECT_TRUE(h.is_stack());
  EXPECT_NEAR(h.pixel_size_A(), 1.5, 1e-6);
  expect_stats_near(h, direct_stats(all.data(), std::int64_t(all.size())), "streamed stack");
  const auto back = read_mrc_stack(path);
  EXPECT_EQ(std::memcmp(back.data(), all.data(), all.size() * 4), 0);

  {  // destroyed without commit(): nothing left behind
    MrcStackWriter w(dir.file("abandoned.mrcs"), nx, ny, 1.0);
    w.append(all.data(), 2);
  }
  EXPECT_EQ(dir_listing(dir.path()), std::vector<std::string>{"stream.mrcs"});
}

// ---------------------------------------------------------------------------------------------
// Every read mode, from files made by the independent writer above.

TEST(MrcRead, Mode0Int8) {
  TempDir dir;
  RawMrc m;
  m.nx = 5, m.mode = 0;
  for (int v : {-128, -1, 0, 1, 127}) append_bytes(m.data, std::uint8_t(std::int8_t(v)), 1, false);
  write_raw(dir.file("m0.mrc"), m);
  const auto v = read_mrc_volume(dir.file("m0.mrc"));
  EXPECT_EQ(std::vector<float>(v.begin(), v.end()), (std::vector<float>{-128, -1, 0, 1, 127}));
}

TEST(MrcRead, Mode1Int16BothByteOrders) {
  for (bool big : {false, true}) {
    TempDir dir;
    RawMrc m;
    m.nx = 5, m.mode = 1, m.big_endian = big;
    for (int v : {-32768, -300, 0, 258, 32767}) append_bytes(m.data, std::uint16_t(std::int16_t(v)), 2, big);
    write_raw(dir.file("m1.mrc"), m);
    const MrcHeader h = read_mrc_header(dir.file("m1.mrc"));
    EXPECT_EQ(h.big_endian, big);
    const auto v = read_mrc_volume(dir.file("m1.mrc"));
    EXPECT_EQ(std::vector<float>(v.begin(), v.end()), (std::vector<float>{-32768, -300, 0, 258, 32767})) << big;
  }
}

TEST(MrcRead, Mode2Float32BigEndian) {
  TempDir dir;
  RawMrc m;
  m.nx = 4, m.mode = 2, m.big_endian = true;
  const std::vector<float> want{-1.5f, 3.25f, 1e-20f, 6.5e7f};
  for (float f : want) append_float(m.data, f, true);
  write_raw(dir.file("be.mrc"), m);
  const auto v = read_mrc_volume(dir.file("be.mrc"));
  EXPECT_EQ(std::vector<float>(v.begin(), v.end()), want);
}

TEST(MrcRead, Mode6Uint16) {
  TempDir dir;
  RawMrc m;
  m.nx = 4, m.mode = 6;
  for (int v : {0, 1, 40000, 65535}) append_bytes(m.data, std::uint16_t(v), 2, false);
  write_raw(dir.file("m6.mrc"), m);
  const auto v = read_mrc_volume(dir.file("m6.mrc"));
  EXPECT_EQ(std::vector<float>(v.begin(), v.end()), (std::vector<float>{0, 1, 40000, 65535}));
}

TEST(MrcRead, Mode12Float16) {
  // IEEE 754 binary16 bit patterns (sign | 5-bit exponent, bias 15 | 10-bit fraction), each value
  // exactly representable: 0.5 = 2^-1, -2, 1024 = 2^10, 65504 = (2 - 2^-10) 2^15 (largest finite),
  // 1.5, 2^-14 (smallest normal), 2^-24 (smallest subnormal), 3 * 2^-24 (subnormal), -0.
  const std::vector<std::pair<std::uint16_t, float>> cases{
      {0x3800, 0.5f},  {0xC000, -2.0f}, {0x6400, 1024.0f}, {0x7BFF, 65504.0f}, {0x3E00, 1.5f},
      {0x0400, std::ldexp(1.0f, -14)}, {0x0001, std::ldexp(1.0f, -24)}, {0x0003, 3 * std::ldexp(1.0f, -24)},
      {0x8000, -0.0f}};
  for (bool big : {false, true}) {
    TempDir dir;
    RawMrc m;
    m.nx = int(cases.size()), m.mode = 12, m.big_endian = big;
    for (const auto& c : cases) append_bytes(m.data, c.first, 2, big);
    write_raw(dir.file("m12.mrc"), m);
    const auto v = read_mrc_volume(dir.file("m12.mrc"));
    for (std::size_t i = 0; i < cases.size(); ++i) {
      EXPECT_EQ(v[std::int64_t(i)], cases[i].second) << "half 0x" << std::hex << cases[i].first;
      EXPECT_EQ(std::signbit(v[std::int64_t(i)]), std::signbit(cases[i].second));
    }
  }
}

TEST(MrcRead, ExtendedHeaderIsSkippedAndPixelSizeFromCell) {
  TempDir dir;
  RawMrc m;
  m.nx = 3, m.ny = 2, m.nsymbt = 160, m.mx = 3, m.my = 4, m.mz = 1;
  m.cell[0] = 6, m.cell[1] = 2, m.cell[2] = 0.5f;
  for (int i = 0; i < 6; ++i) append_float(m.data, float(i + 1), false);
  write_raw(dir.file("ext.mrc"), m);
  const MrcHeader h = read_mrc_header(dir.file("ext.mrc"));
  EXPECT_EQ(h.nsymbt, 160); EXPECT_EQ(h.data_offset(), 1184);
  EXPECT_EQ(h.voxel_size_A(), (std::array<double, 3>{2.0, 0.5, 0.5}));
  const auto v = read_mrc_volume(dir.file("ext.mrc"));
  EXPECT_EQ(std::vector<float>(v.begin(), v.end()), (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

// Every permutation of (mapc, mapr, maps): stored voxel (column c, row r, section s) is placed
// along the axis its header field names, and the reader must return f(x, y, z) at [z][y][x].
TEST(MrcRead, AnyAxisOrderIsReturnedAsZYX) {
  const int perms[6][3] = {{1, 2, 3}, {1, 3, 2}, {2, 1, 3}, {2, 3, 1}, {3, 1, 2}, {3, 2, 1}};
  auto f = [](int x, int y, int z) { return float(100 * z + 10 * y + x); };
  const int ncrs[3] = {4, 3, 2};  // columns, rows, sections as stored
  for (const auto& p : perms) {
    TempDir dir;
    RawMrc m;
    m.nx = ncrs[0], m.ny = ncrs[1], m.nz = ncrs[2];
    m.mapc = p[0], m.mapr = p[1], m.maps = p[2];
    for (int s = 0; s < m.nz; ++s)
      for (int r = 0; r < m.ny; ++r)
        for (int c = 0; c < m.nx; ++c) {
          int xyz[3];
          xyz[p[0] - 1] = c, xyz[p[1] - 1] = r, xyz[p[2] - 1] = s;
          append_float(m.data, f(xyz[0], xyz[1], xyz[2]), false);
        }
    write_raw(dir.file("perm.mrc"), m);
    const auto v = read_mrc_volume(dir.file("perm.mrc"));
    int d[3];
    d[p[0] - 1] = ncrs[0], d[p[1] - 1] = ncrs[1], d[p[2] - 1] = ncrs[2];
    ASSERT_EQ(v.nx(), d[0]); ASSERT_EQ(v.ny(), d[1]); ASSERT_EQ(v.nz(), d[2]);
    for (int z = 0; z < v.nz(); ++z)
      for (int y = 0; y < v.ny(); ++y)
        for (int x = 0; x < v.nx(); ++x)
          ASSERT_EQ(v(z, y, x), f(x, y, z)) << "axes " << p[0] << p[1] << p[2] << " at " << x << "," << y << "," << z;
  }
}

TEST(MrcRead, StackVersusVolumeRules) {
  MrcHeader h;
  h.nx = h.ny = 8, h.nz = 5;
  h.ispg = 0, h.mz = 1;
  EXPECT_TRUE(h.is_stack());  // ISPG 0, mz 1
  h.ispg = 1, h.mz = 5;
  EXPECT_FALSE(h.is_stack());  // ISPG 1, mz = nz
  h.ispg = 0, h.mz = 5;
  EXPECT_FALSE(h.is_stack());  // ambiguous, no .mrcs
  h.stack_extension = true;
  EXPECT_TRUE(h.is_stack());  // ambiguous, .mrcs
}

TEST(MrcRead, OneImageBySeekingEqualsSliceOfTheStack) {
  TempDir dir;
  const int nx = 16, ny = 12, n = 40;
  thon::ImageStack<float> s(nx, ny, n, 1.0);
  const auto r = thon::test::random_vector(s.size(), 14);
  std::copy(r.begin(), r.end(), s.begin());
  write_mrc(dir.file("big.mrcs"), s);
  const MrcHeader h = read_mrc_header(dir.file("big.mrcs"));
  for (int k : {0, 17, n - 1}) {
    const auto im = read_mrc_image(dir.file("big.mrcs"), k);
    EXPECT_EQ(std::memcmp(im.data(), s.image(k).data, std::size_t(nx) * ny * 4), 0) << k;
  }
  std::vector<float> three(std::size_t(3) * nx * ny);
  read_mrc_images(dir.file("big.mrcs"), h, 20, 3, three.data());
  EXPECT_EQ(std::memcmp(three.data(), s.image(20).data, three.size() * 4), 0);
  EXPECT_THROW(read_mrc_images(dir.file("big.mrcs"), h, n - 1, 2, three.data()), Error);
  EXPECT_THROW(read_mrc_image(dir.file("big.mrcs"), -1), Error);
}

// ---------------------------------------------------------------------------------------------
// Real files of ../shared/data: header facts from PROVENANCE.md, statistics against their own
// header, voxels against python3-mrcfile.

bool have_mrcfile() {
  return thon::test::run_command("/usr/bin/python3 -c 'import mrcfile, numpy'") == 0;
}

/// mrcfile's array of `path`, transposed to [z][y][x] by the header's axis order, written as
/// float32 to `raw`; returns mrcfile's statistics line "min max mean std" (numpy, float64).
std::string mrcfile_dump(const std::string& path, const std::string& raw, const TempDir& dir) {
  const std::string script = dir.file("dump.py");
  std::ofstream(script) << R"(import sys, warnings, numpy as np, mrcfile
warnings.simplefilter('ignore')
with mrcfile.open(sys.argv[1], permissive=True) as m:
    h = m.header
    d = np.asarray(m.data, dtype=np.float32)
    axes = [int(h.maps), int(h.mapr), int(h.mapc)]   # spatial axis (1 = x) of numpy axes 0, 1, 2
    zyx = np.transpose(d, [axes.index(3), axes.index(2), axes.index(1)])
    np.ascontiguousarray(zyx).tofile(sys.argv[2])
    a = d.astype(np.float64)
    print(repr(a.min()), repr(a.max()), repr(a.mean()), repr(a.std()))
)";
  std::string out;
  EXPECT_EQ(thon::test::run_command("/usr/bin/python3 " + script + " " + path + " " + raw, &out), 0) << out;
  return out;
}

void check_real_file(const std::string& relative, bool header_stats_valid) {
  const std::string path = thon::test::data_path(relative);
  const MrcHeader h = read_mrc_header(path);
  const thon::Volume<float> v = read_mrc_volume(path);
  ASSERT_TRUE(thon::test::finite_and_nonzero(v));
  const DirectStats s = direct_stats(v.data(), v.size());
  if (header_stats_valid) expect_stats_near(h, s, relative.c_str());

  // Streaming statistics (thon info) equal the direct ones to double rounding.
  const MrcStats st = mrc_data_stats(path, h, 2);
  EXPECT_EQ(st.count, v.size());
  EXPECT_EQ(st.min, double(s.min));
  EXPECT_EQ(st.max, double(s.max));
  EXPECT_NEAR(st.mean, double(s.mean), 1e-12 * double(s.rms));
  EXPECT_NEAR(st.rms, double(s.rms), 1e-12 * double(s.rms));

  if (!have_mrcfile()) {
    std::printf("python3-mrcfile absent: %s not compared with mrcfile\n", relative.c_str());
    return;
  }
  TempDir dir;
  const std::string raw = dir.file("data.f32");
  std::istringstream stats(mrcfile_dump(path, raw, dir));
  double pmin, pmax, pmean, pstd;
  ASSERT_TRUE(stats >> pmin >> pmax >> pmean >> pstd);
  // numpy's pairwise float64 sums vs our long double: agree to ~1e-12 relative.
  EXPECT_EQ(pmin, double(s.min)); EXPECT_EQ(pmax, double(s.max));
  EXPECT_NEAR(pmean, double(s.mean), 1e-10 * pstd);
  EXPECT_NEAR(pstd, double(s.rms), 1e-10 * pstd);
  std::ifstream in(raw, std::ios::binary);
  std::vector<float> ref(std::size_t(v.size()));
  in.read(reinterpret_cast<char*>(ref.data()), std::streamsize(ref.size() * 4));
  ASSERT_EQ(in.gcount(), std::streamsize(ref.size() * 4));
  EXPECT_EQ(std::memcmp(ref.data(), v.data(), v.buffer().bytes()), 0) << relative << ": voxels differ from mrcfile's";
}

TEST(MrcRealData, Emd3197) {
  THON_REQUIRE_DATA("maps/EMD-3197.map");
  const MrcHeader h = read_mrc_header(thon::test::data_path("maps/EMD-3197.map"));
  EXPECT_EQ(h.nx, 20); EXPECT_EQ(h.ny, 20); EXPECT_EQ(h.nz, 20); EXPECT_EQ(h.mode, 2);
  EXPECT_NEAR(h.pixel_size_A(), 11.4, 1e-5);
  EXPECT_EQ(h.nxstart, -2); EXPECT_EQ(h.nystart, 0); EXPECT_EQ(h.nzstart, 0);
  EXPECT_EQ(h.ispg, 1); EXPECT_FALSE(h.is_stack()); EXPECT_TRUE(h.has_map_id);
  EXPECT_EQ(h.labels[0], "::::EMDATABANK.org::::EMD-3197::::");
  check_real_file("maps/EMD-3197.map", true);
}

TEST(MrcRealData, Emd3001AxisOrder312WithSymmetryBlock) {
  THON_REQUIRE_DATA("maps/EMD-3001.map");
  const std::string path = thon::test::data_path("maps/EMD-3001.map");
  const MrcHeader h = read_mrc_header(path);
  EXPECT_EQ(h.mapc, 3); EXPECT_EQ(h.mapr, 1); EXPECT_EQ(h.maps, 2);
  EXPECT_EQ(h.nx, 73); EXPECT_EQ(h.ny, 43); EXPECT_EQ(h.nz, 25);
  EXPECT_EQ(h.nsymbt, 160); EXPECT_EQ(h.ispg, 4);
  EXPECT_EQ(h.xyz_dims(), (std::array<int, 3>{43, 25, 73}));
  const auto p = h.voxel_size_A();  // 17.93/40, 4.71/12, 33.03/72 (PROVENANCE.md)
  EXPECT_NEAR(p[0], 0.44825, 1e-6); EXPECT_NEAR(p[1], 0.3925, 1e-6); EXPECT_NEAR(p[2], 0.45875, 1e-6);
  EXPECT_EQ(h.nxstart, 0); EXPECT_EQ(h.nystart, -21); EXPECT_EQ(h.nzstart, -12);
  const auto v = read_mrc_volume(path);
  EXPECT_EQ(v.nx(), 43); EXPECT_EQ(v.ny(), 25); EXPECT_EQ(v.nz(), 73);
  EXPECT_THROW(read_mrc_image(path, 0), Error);  // single images need axis order 1,2,3
  check_real_file("maps/EMD-3001.map", true);
}

TEST(MrcRealData, Empiar10076StackWithoutPixelSize) {
  THON_REQUIRE_DATA("particles/empiar_10076_7.mrc");
  const std::string path = thon::test::data_path("particles/empiar_10076_7.mrc");
  const MrcHeader h = read_mrc_header(path);
  EXPECT_EQ(h.nx, 320); EXPECT_EQ(h.ny, 320); EXPECT_EQ(h.nz, 7);
  EXPECT_EQ(h.pixel_size_A(), 0.0);
  EXPECT_EQ(h.nversion, 20141);
  check_real_file("particles/empiar_10076_7.mrc", true);
  const auto stack = read_mrc_stack(path);
  for (int k : {0, 3, 6}) {
    const auto im = read_mrc_image(path, k);
    EXPECT_EQ(std::memcmp(im.data(), stack.image(k).data, im.buffer().bytes()), 0) << k;
  }
}

TEST(MrcRealData, Relion31StackWithoutMapIdOrStatistics) {
  THON_REQUIRE_DATA("particles/relion31.mrcs");
  const std::string path = thon::test::data_path("particles/relion31.mrcs");
  const MrcHeader h = read_mrc_header(path);
  EXPECT_FALSE(h.has_map_id);
  EXPECT_FALSE(h.big_endian);  // machine stamp 0: byte order guessed from the mode word
  EXPECT_EQ(h.nx, 256); EXPECT_EQ(h.nz, 5);
  EXPECT_TRUE(h.is_stack());  // ISPG 0 with mz = nz = 5: the .mrcs extension decides
  EXPECT_NEAR(h.pixel_size_A(), 1.0, 1e-6);
  // Header dmin/dmax/dmean/rms are the -1/-2/-3/-1 "not computed" sentinels: compare with mrcfile.
  EXPECT_EQ(h.dmin, -1.f); EXPECT_EQ(h.dmax, -2.f); EXPECT_EQ(h.dmean, -3.f);
  check_real_file("particles/relion31.mrcs", false);
  const auto stack = read_mrc_stack(path);
  for (int k = 0; k < 5; ++k) {
    const auto im = read_mrc_image(path, k);
    EXPECT_EQ(std::memcmp(im.data(), stack.image(k).data, im.buffer().bytes()), 0) << k;
  }
}

// ---------------------------------------------------------------------------------------------
// Bad input: thon::Error naming the file and the field; nothing allocated from a bad header.

RawMrc valid_small() {
  RawMrc m;
  m.nx = 4, m.ny = 3, m.nz = 2;
  for (int i = 0; i < 24; ++i) append_float(m.data, float(i), false);
  return m;
}

void expect_error(const std::string& path, const RawMrc& m, const std::vector<std::string>& words) {
  write_raw(path, m);
  const std::string msg = error_of([&] { (void)read_mrc_volume(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  for (const auto& w : words) EXPECT_NE(msg.find(w), std::string::npos) << "'" << w << "' not in: " << msg;
}

TEST(MrcBadInput, DimensionsModeAxesAndExtendedHeader) {
  TempDir dir;
  const std::string path = dir.file("bad.mrc");
  {
    RawMrc m = valid_small();
    m.nx = 0;
    expect_error(path, m, {"nx = 0"});
  }
  {
    RawMrc m = valid_small();
    m.ny = -3;
    expect_error(path, m, {"ny = -3"});
  }
  {
    RawMrc m = valid_small();
    m.nz = -1;
    expect_error(path, m, {"nz = -1"});
  }
  {
    RawMrc m = valid_small();
    m.mode = 3;  // complex int16: not read
    expect_error(path, m, {"mode = 3"});
  }
  {
    RawMrc m = valid_small();
    m.mode = 99;
    expect_error(path, m, {"mode = 99"});
  }
  {
    RawMrc m = valid_small();
    m.mapc = 1, m.mapr = 1, m.maps = 3;
    expect_error(path, m, {"mapc", "permutation"});
  }
  {
    RawMrc m = valid_small();
    m.nx = m.ny = m.nz = 2000000000;  // 8e27 voxels: must fail on the size check, not allocate
    expect_error(path, m, {"nx * ny * nz", "file"});
  }
  {
    RawMrc m = valid_small();
    m.nx = 5;  // one column more than the data holds
    expect_error(path, m, {"truncated", "nx * ny * nz"});
  }
  {
    RawMrc m = valid_small();
    write_raw(path, m);
    std::vector<unsigned char> bytes(1024);
    std::ifstream(path, std::ios::binary).read(reinterpret_cast<char*>(bytes.data()), 1024);
    puti(bytes, 23, -8, false);  // nsymbt negative (the writer cannot write a negative block)
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.write(reinterpret_cast<const char*>(bytes.data()), 1024);
    f.close();
    const std::string msg = error_of([&] { (void)read_mrc_header(path); });
    EXPECT_NE(msg.find("nsymbt = -8"), std::string::npos) << msg;
    puti(bytes, 23, 1 << 30, false);  // beyond the end of the file
    std::fstream g(path, std::ios::binary | std::ios::in | std::ios::out);
    g.write(reinterpret_cast<const char*>(bytes.data()), 1024);
    g.close();
    const std::string msg2 = error_of([&] { (void)read_mrc_header(path); });
    EXPECT_NE(msg2.find("nsymbt"), std::string::npos) << msg2;
    EXPECT_NE(msg2.find("beyond the end"), std::string::npos) << msg2;
  }
}

TEST(MrcBadInput, TruncatedFiles) {
  TempDir dir;
  const RawMrc m = valid_small();
  write_raw(dir.file("full.mrc"), m);
  for (std::uintmax_t size : {0u, 100u, 1023u, 1024u, 1024u + 95u}) {
    const std::string path = dir.file("cut" + std::to_string(size) + ".mrc");
    fs::copy_file(dir.file("full.mrc"), path);
    fs::resize_file(path, size);
    const std::string msg = error_of([&] { (void)read_mrc_volume(path); });
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  }
  EXPECT_THROW(parse_mrc_header("", 0, 0, "empty"), Error);
}

TEST(MrcBadInput, NonFiniteDataNamesTheVoxel) {
  TempDir dir;
  {
    RawMrc m = valid_small();
    m.data.clear();
    for (int i = 0; i < 24; ++i) append_float(m.data, i == 17 ? std::numeric_limits<float>::quiet_NaN() : 1.f, false);
    // voxel 17 = column 1, row 1, section 1 of 4 x 3 x 2
    expect_error(dir.file("nan.mrc"), m, {"column 1, row 1, section 1", "nan"});
  }
  {
    RawMrc m;
    m.nx = 3, m.mode = 12;
    for (std::uint16_t bits : {0x3C00, 0x7C00, 0x3C00}) append_bytes(m.data, bits, 2, false);  // 1, +Inf, 1
    expect_error(dir.file("inf16.mrc"), m, {"column 1, row 0, section 0", "inf"});
  }
}

TEST(MrcBadInput, MissingPathAndDirectory) {
  TempDir dir;
  const std::string missing = dir.file("nothing_here.mrc");
  std::string msg = error_of([&] { (void)read_mrc_header(missing); });
  EXPECT_NE(msg.find(missing), std::string::npos) << msg;
  EXPECT_NE(msg.find("no such file"), std::string::npos) << msg;
  msg = error_of([&] { (void)read_mrc_volume(dir.path().string()); });
  EXPECT_NE(msg.find("is a directory"), std::string::npos) << msg;
}

TEST(MrcBadInput, WritingNonFiniteOrToABadPathLeavesNothing) {
  TempDir dir;
  thon::Volume<float> v(4, 4, 4, 1.0);
  v(2, 1, 3) = std::numeric_limits<float>::infinity();
  const std::string msg = error_of([&] { write_mrc(dir.file("inf.mrc"), v); });
  EXPECT_NE(msg.find("x 3, y 1, z 2"), std::string::npos) << msg;
  EXPECT_TRUE(dir_listing(dir.path()).empty());
  v(2, 1, 3) = 0;
  EXPECT_THROW(write_mrc(dir.file("no_such_dir/v.mrc"), v), Error);
  EXPECT_THROW(write_mrc(dir.path().string(), v), Error);  // a directory
  {
    MrcStackWriter w(dir.file("s.mrcs"), 4, 4, 1.0);
    std::vector<float> im(16, 1.f);
    w.append(im.data(), 1);
    im[5] = std::numeric_limits<float>::quiet_NaN();
    EXPECT_THROW(w.append(im.data(), 1), Error);
  }
  {
    MrcStackWriter w(dir.file("empty.mrcs"), 4, 4, 1.0);
    EXPECT_THROW(w.commit(), Error);  // no images
  }
  EXPECT_TRUE(dir_listing(dir.path()).empty());
}

}  // namespace

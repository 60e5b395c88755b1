// Peer check of the CTF against relion_project (RELION 3.1). The projector is another module, so this
// isolates the CTF: RELION projects a map twice, without and with --ctf; thon multiplies the FFT of
// RELION's CTF-free image by its own CTF (ops::apply_ctf) and must reproduce RELION's CTF-applied
// image, overall sign included (RELION applies the CTF on the unpadded image transform, so the two
// differ only by the CTF). The map is thon's potential of its built-in helix bundle.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "test_util.hpp"
#include "thon/ops/builtin_model.hpp"
#include "thon/ops/ctf.hpp"
#include "thon/ops/potential.hpp"

namespace {

// Minimal MRC2014 mode-2 writer/reader for this test (the project's MRC module is separate).
void write_mrc(const std::string& path, const float* data, int nx, int ny, int nz, double pixel_size_A) {
  std::vector<char> h(1024, 0);
  auto put_i = [&](int word, std::int32_t v) { std::memcpy(h.data() + 4 * word, &v, 4); };
  auto put_f = [&](int word, float v) { std::memcpy(h.data() + 4 * word, &v, 4); };
  put_i(0, nx); put_i(1, ny); put_i(2, nz); put_i(3, 2);
  put_i(7, nx); put_i(8, ny); put_i(9, nz);
  put_f(10, float(nx * pixel_size_A)); put_f(11, float(ny * pixel_size_A)); put_f(12, float(nz * pixel_size_A));
  put_f(13, 90); put_f(14, 90); put_f(15, 90);
  put_i(16, 1); put_i(17, 2); put_i(18, 3); put_i(22, 1);
  std::memcpy(h.data() + 208, "MAP ", 4);
  h[212] = 0x44; h[213] = 0x44;
  std::ofstream out(path, std::ios::binary);
  out.write(h.data(), 1024);
  out.write(reinterpret_cast<const char*>(data), std::streamsize(sizeof(float)) * nx * ny * nz);
}

std::vector<float> read_mrc(const std::string& path, int* nx, int* ny, int* nz) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> h(1024);
  in.read(h.data(), 1024);
  std::int32_t dims[4], next;
  std::memcpy(dims, h.data(), 16);
  std::memcpy(&next, h.data() + 92, 4);
  EXPECT_EQ(dims[3], 2);
  *nx = dims[0]; *ny = dims[1]; *nz = dims[2];
  in.seekg(1024 + next);
  std::vector<float> v(std::size_t(dims[0]) * dims[1] * dims[2]);
  in.read(reinterpret_cast<char*>(v.data()), std::streamsize(v.size() * sizeof(float)));
  return v;
}

struct Pose {
  double rot, tilt, psi, du, dv, ang;
};

}  // namespace

TEST(PeerRelion, CtfMatchesRelionProject) {
  if (!std::filesystem::exists("/usr/bin/relion_project")) GTEST_SKIP() << "relion_project not installed";
  thon::test::TempDir dir;
  const int n = 64;
  const double p = 1.5;
  thon::ops::BuiltinModelOptions mo;
  mo.n_outer = 3;
  mo.base_residues = 20;
  thon::ops::PotentialGrid g;
  g.nx = g.ny = g.nz = n;
  g.pixel_size_A = p;
  g.extra_b_A2 = 20;
  const auto map = thon::ops::atom_potential(thon::Device::cpu, thon::ops::builtin_helix_bundle(mo), g);
  write_mrc(dir.file("map.mrc"), map.data(), n, n, n, p);

  const std::vector<Pose> poses{{0, 0, 0, 15000, 15000, 0},
                                {30, 60, 100, 21000, 17000, 35},
                                {-120, 110, -40, 9000, 12000, 150},
                                {200, 20, 10, 30000, 26000, -70}};
  const double voltage = 300, cs = 2.7, q = 0.1;
  {
    std::ofstream s(dir.file("poses.star"));
    s << "\ndata_optics\n\nloop_\n_rlnOpticsGroup #1\n_rlnOpticsGroupName #2\n_rlnAmplitudeContrast #3\n"
         "_rlnSphericalAberration #4\n_rlnVoltage #5\n_rlnImagePixelSize #6\n_rlnImageSize #7\n"
         "_rlnImageDimensionality #8\n1 opticsGroup1 "
      << q << " " << cs << " " << voltage << " " << p << " " << n << " 2\n\n"
      << "data_particles\n\nloop_\n_rlnAngleRot #1\n_rlnAngleTilt #2\n_rlnAnglePsi #3\n_rlnDefocusU #4\n"
         "_rlnDefocusV #5\n_rlnDefocusAngle #6\n_rlnOpticsGroup #7\n_rlnImageName #8\n";
    for (std::size_t i = 0; i < poses.size(); ++i)
      s << poses[i].rot << " " << poses[i].tilt << " " << poses[i].psi << " " << poses[i].du << " " << poses[i].dv
        << " " << poses[i].ang << " 1 " << i + 1 << "@dummy.mrcs\n";
  }
  const std::string base = "cd " + dir.path().string() + " && /usr/bin/relion_project --i map.mrc --ang poses.star --angpix " +
                            std::to_string(p);
  std::string log;
  ASSERT_EQ(thon::test::run_command(base + " --o plain", &log), 0) << log;
  ASSERT_EQ(thon::test::run_command(base + " --o withctf --ctf", &log), 0) << log;
  int nx, ny, nz, nx2, ny2, nz2;
  auto plain = read_mrc(dir.file("plain.mrcs"), &nx, &ny, &nz);
  const auto with_ctf = read_mrc(dir.file("withctf.mrcs"), &nx2, &ny2, &nz2);
  ASSERT_EQ(nx, n);
  ASSERT_EQ(nz, int(poses.size()));
  ASSERT_EQ(nz2, nz);
  ASSERT_TRUE(thon::test::finite_and_nonzero(with_ctf));

  std::vector<thon::math::CtfParams> params;
  for (const Pose& ps : poses) {
    thon::math::CtfParams c;
    c.voltage_kV = voltage;
    c.cs_mm = cs;
    c.amplitude_contrast = q;
    c.defocus_u_A = ps.du;
    c.defocus_v_A = ps.dv;
    c.defocus_angle_deg = ps.ang;
    c.prepare();
    params.push_back(c);
  }
  auto ours = plain;
  thon::ops::apply_ctf(thon::Device::cpu, ours.data(), nz, n, n, p, params.data());
  const std::int64_t npix = std::int64_t(n) * n;
  for (int m = 0; m < nz; ++m) {
    const double l2 = thon::test::rel_l2(ours.data() + m * npix, with_ctf.data() + m * npix, npix);
    // With the sign flipped the error would be ~2: this pins RELION's sign (CTF(0) = +Q).
    std::vector<float> neg(ours.begin() + m * npix, ours.begin() + (m + 1) * npix);
    for (float& x : neg) x = -x;
    const double l2_neg = thon::test::rel_l2(neg.data(), with_ctf.data() + m * npix, npix);
    std::printf("image %d: rel L2 %.2e (negated CTF: %.2f)\n", m, l2, l2_neg);
    // Tolerance: RELION's rounded wavelength constant (0.0196876 vs 0.0196875 Å) shifts chi by
    // ~5e-6 relative (< 1e-3 rad at Nyquist here) plus float FFT rounding.
    EXPECT_LT(l2, 1e-3) << m;
    EXPECT_GT(l2_neg, 1.0) << m;
  }
}

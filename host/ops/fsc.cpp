// FSC / FRC: dispatcher, RELION's resolution rule and the STAR table writer.
#include "thon/ops/fsc.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include "cpu/filter.hpp"
#include "cuda/filter.hpp"
#include "io/atomic_file.hpp"
#include "reference/filter.hpp"
#include "thon/core/error.hpp"

namespace thon {
namespace ops {

FscCurve fsc(Device device, const float* a, const float* b, const Shape& s, double pixel_size_A) {
  THON_CHECK(s.batch == 1, "fsc: one pair of maps, got batch ", s.batch);
  THON_CHECK(s.nx > 1 && s.ny == s.nx && (s.nz == 1 || s.nz == s.nx),
             "fsc: maps must be square images or cubic volumes, got ", s.nx, " x ", s.ny, " x ", s.nz);
  THON_CHECK(pixel_size_A > 0 && std::isfinite(pixel_size_A), "fsc: pixel size must be positive, got ",
             pixel_size_A, " Å");
  std::vector<double> sums;
  FscCurve c;
  c.box = s.nx;
  c.pixel_size_A = pixel_size_A;
  switch (device) {
    case Device::reference: {
      const std::vector<double> da(a, a + s.total()), db(b, b + s.total());
      ref::fsc_sums(da.data(), db.data(), s, sums, c.count);
      break;
    }
    case Device::cpu: cpu::fsc_sums(a, b, s, sums, c.count); break;
    case Device::cuda: cuda::fsc_sums(a, b, s, sums, c.count); break;
  }
  c.fsc.assign(c.count.size(), 0.0);
  for (std::size_t r = 0; r < c.count.size(); ++r) {
    const double den = std::sqrt(sums[3 * r + 1] * sums[3 * r + 2]);
    c.fsc[r] = den > 0 ? sums[3 * r] / den : 0.0;
  }
  return c;
}

FscCurve fsc(Device device, const Volume<float>& a, const Volume<float>& b) {
  THON_CHECK(a.shape() == b.shape(), "fsc: map sizes differ: ", a.nx(), " x ", a.ny(), " x ", a.nz(), " and ",
             b.nx(), " x ", b.ny(), " x ", b.nz());
  return fsc(device, a.data(), b.data(), a.shape(), a.pixel_size_A());
}

FscCurve frc(Device device, const Image<float>& a, const Image<float>& b) {
  THON_CHECK(a.shape() == b.shape(), "frc: image sizes differ: ", a.nx(), " x ", a.ny(), " and ", b.nx(), " x ",
             b.ny());
  return fsc(device, a.data(), b.data(), a.shape(), a.pixel_size_A());
}

}  // namespace ops

FscResolution fsc_resolution(const std::vector<double>& fsc, double threshold, int box, double pixel_size_A) {
  THON_CHECK(!fsc.empty(), "fsc_resolution: empty curve");
  THON_CHECK(box > 0 && pixel_size_A > 0, "fsc_resolution: box ", box, " and pixel size ", pixel_size_A,
             " must be positive");
  FscResolution r;
  for (std::size_t i = 0; i < fsc.size(); ++i) {
    if (i > 0 && fsc[i] < threshold) break;
    r.shell = int(i);
  }
  r.resolution_A = r.shell > 0 ? double(box) * pixel_size_A / double(r.shell)
                               : std::numeric_limits<double>::infinity();
  return r;
}

std::string fsc_star_text(const FscCurve& c) {
  std::ostringstream s;
  const FscResolution r143 = fsc_resolution(c.fsc, 0.143, c.box, c.pixel_size_A);
  char line[160];
  s << "# thon fsc; box " << c.box << ", pixel size " << c.pixel_size_A << " A\n\n";
  s << "data_general\n\n";
  std::snprintf(line, sizeof line, "_rlnFinalResolution %12.6f\n\n\n", std::isfinite(r143.resolution_A) ? r143.resolution_A : 999.0);
  s << line;
  s << "data_fsc\n\nloop_\n_rlnSpectralIndex #1\n_rlnResolution #2\n_rlnAngstromResolution #3\n"
       "_rlnFourierShellCorrelation #4\n";
  for (std::size_t i = 0; i < c.fsc.size(); ++i) {
    // Shell 0 is written as 999 Å (1/999 per Å), as RELION does.
    const double res_A = i == 0 ? 999.0 : double(c.box) * c.pixel_size_A / double(i);
    std::snprintf(line, sizeof line, "%8d %12.6f %12.6f %12.6f\n", int(i), 1.0 / res_A, res_A, c.fsc[i]);
    s << line;
  }
  s << "\n";
  return s.str();
}

void write_fsc_star(const std::string& path, const FscCurve& curve) {
  const std::string text = fsc_star_text(curve);
  io::AtomicOutput out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    THON_CHECK_CODE(f.good(), io, path, ": cannot open for writing");
    f << text;
    f.flush();
    THON_CHECK_CODE(f.good(), io, path, ": write failed");
  }
  out.commit();
}

}  // namespace thon

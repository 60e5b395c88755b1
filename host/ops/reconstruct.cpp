// Dispatch of the reconstruct family (ops/reconstruct.hpp): geometry checks, the inserter and the
// inversion of each backend (host/reference/reconstruct.cpp, host/cpu/reconstruct.cpp,
// cuda/reconstruct.cu); the host loops every backend shares are in host/common/reconstruct.cpp.
#include "thon/ops/reconstruct.hpp"

#include <cmath>

#include "cpu/reconstruct.hpp"
#include "cuda/reconstruct.hpp"
#include "thon/core/error.hpp"
#include "thon/math/reconstruct.hpp"

namespace thon::ops {

int ReconstructGeometry::r_max() const {
  if (maxres_A <= 0) return box / 2;
  const int r = int(std::lround(box * pixel_size_A / maxres_A));
  return r < box / 2 ? r : box / 2;
}

math::InsertGeometry ReconstructGeometry::insert_geometry() const {
  THON_CHECK(box >= 4 && box % 2 == 0, "reconstruct: image size ", box, " must be even and at least 4");
  THON_CHECK(pad >= 1 && pad <= 3, "reconstruct: --pad ", pad, " must be 1, 2 or 3");
  THON_CHECK(pixel_size_A > 0, "reconstruct: pixel size ", pixel_size_A, " Å must be positive");
  THON_CHECK(maxres_A <= 0 || maxres_A >= 2 * pixel_size_A * (1 - 1e-9), "reconstruct: --maxres ", maxres_A,
             " Å is finer than Nyquist (", 2 * pixel_size_A, " Å at pixel size ", pixel_size_A, " Å)");
  THON_CHECK(pad_images || pad == 1 || (pad == 2 && kernel != Interp::cubic),
             "reconstruct: ", to_string(kernel), " insertion with --pad ", pad,
             " needs the images padded too (the Fourier samples would be spaced ", pad,
             " voxels apart): use --pad_images");
  math::InsertGeometry g;
  g.n = box;
  g.m = pad_images ? pad * box : box;
  g.pad = pad;
  g.r_max = r_max();
  THON_CHECK(g.r_max >= 1, "reconstruct: --maxres ", maxres_A, " Å keeps no Fourier shell (box ", box,
             ", pixel ", pixel_size_A, " Å)");
  g.kernel = kernel;
  return g;
}

bool default_pad_images(Interp kernel, int pad) {
  // Linear at pad <= 2 as RELION. Nearest at pad 2 would leave empty voxels between the samples
  // (12 % of the spectrum's amplitude lost in the point test) and cubic cancels its weights. Padded
  // images sample the CTF more finely than the box-sized data were recorded, which aliases at high
  // defocus in small boxes (docs/reconstruction.md): hence not the default for linear.
  return pad == 3 || (kernel != Interp::linear && pad > 1);
}

std::unique_ptr<FourierInserter> make_fourier_inserter(Device device, const ReconstructGeometry& g,
                                                       const std::vector<Mat3<double>>& symmetry,
                                                       std::size_t max_memory_bytes) {
  switch (device) {
    case Device::reference: return ref::make_fourier_inserter(g, symmetry);
    case Device::cpu: return cpu::make_fourier_inserter(g, symmetry, max_memory_bytes);
    case Device::cuda: return cuda::make_fourier_inserter(g, symmetry);
  }
  fail(ErrorCode::internal, "make_fourier_inserter: unknown device");
}

std::vector<double> inv_tau2_from_fsc(const std::vector<double>& fsc, const std::vector<double>& mean_weight,
                                      bool whole, double tau2_fudge, int minres_map) {
  THON_CHECK(tau2_fudge > 0, "reconstruct: tau2 fudge ", tau2_fudge, " must be positive");
  std::vector<double> inv(mean_weight.size(), 0.0);
  for (std::size_t s = 0; s < inv.size(); ++s) {
    if (int(s) < minres_map) continue;
    const double f = s < fsc.size() ? fsc[s] : 0.0;
    inv[s] = math::inv_tau2_from_ssnr(mean_weight[s], math::ssnr_from_fsc(f, whole), tau2_fudge);
  }
  return inv;
}

Volume<float> invert(Device device, const std::vector<const FourierAccumulator*>& accs,
                     const ReconstructGeometry& geometry, const std::vector<double>& inv_tau2) {
  THON_CHECK(!accs.empty(), "invert: no accumulator");
  if (device == Device::reference) return ref::invert(accs, geometry, inv_tau2);
  return cpu::invert(accs, geometry, inv_tau2);  // cuda: the inversion runs on the CPU
}

}  // namespace thon::ops

// Host-side setup of a classify2d iteration shared by the CPU and CUDA engines: the pixel list,
// the priors, and the last M-step step that turns the rotated-frame products into class-frame
// sums (rotation back by 2D Fourier insertion, residual power for sigma2).
#pragma once

#include <vector>

#include "thon/math/likelihood_kernels.hpp"
#include "thon/ops/classify2d.hpp"

namespace thon::ops::classify2d_detail {

/// Owner of the arrays behind a math::LikelihoodPixels view.
struct PixelList {
  std::vector<int> index, kx, ky, shell;
  std::vector<float> u;
  int n() const { return int(index.size()); }
  math::LikelihoodPixels view() const {
    return {index.data(), kx.data(), ky.data(), shell.data(), u.data(), n()};
  }
};

/// Stored half-complex pixels with kx^2 + ky^2 <= r_limit^2, row by row.
PixelList make_pixel_list(int box, int r_limit);

/// log class weight - log R per class; log of the offset prior per translation, normalised over the
/// grid; cos/sin of each psi; float copies of the translations.
struct PoseTables {
  std::vector<float> log_prior_class, log_prior_trans, cos_psi, sin_psi, tx, ty;
};
PoseTables make_pose_tables(const Classify2dModel& m, const Classify2dSampling& s);

/// shift_phase of every (translation, pixel), T * P.
std::vector<Complex<float>> make_phase_table(const Classify2dSampling& s, const PixelList& px);

/// 1 / sigma2 per group and shell, as float.
std::vector<float> inverse_sigma2(const Classify2dModel& m);

/// Turns the rotated-frame products into class-frame sums:
///   ny[g]   K*R x 2P  sum W y   (y carries u CTF / sigma2_g)
///   dq[g]   K*R x P   sum W q
///   x2[g]   P         sum u |X|^2 of the group's images
/// num/den: the rotated rows inserted at R^T p; resid per group and shell:
///   x2 + sigma2_g (dq |A|^2 - 2 Re(conj(A) ny)) summed over K*R (aref/anorm of this iteration).
void finish_sums(const Classify2dModel& m, const Classify2dSampling& s, const PixelList& px,
                 const PoseTables& pose, const std::vector<std::vector<double>>& ny,
                 const std::vector<std::vector<double>>& dq, const std::vector<std::vector<double>>& x2,
                 const std::vector<double>& n_per_group, const std::vector<float>& aref,
                 const std::vector<float>& anorm, Classify2dSums& out);

/// Zeroed sums of the model's shape.
Classify2dSums empty_sums(const Classify2dModel& m);

}  // namespace thon::ops::classify2d_detail

// 2D classification by maximum-likelihood EM (DESIGN.md section 4.7): the likelihood engine.
//
// The engine multiplies two sides: "references" (the K class averages rotated to R in-plane
// angles, K*R rows; for 3D refinement they would be projections of a map) and "images" (each image
// shifted to T translations, weighted by CTF / sigma2). One call to Classify2dEngine::process()
// runs the E-step of a batch (log-posteriors over every class x rotation x translation, no pruning)
// and accumulates its share of the M-step (the transposed products); sums() returns the
// accumulators, rotated back into the class frame, and maximise() turns them into the next model.
//
// Layouts: Fourier transforms are half-complex (r2c, unnormalised forward, DESIGN.md section 3)
// box x (box/2+1), DC at index 0, with the real-space origin moved to the box centre
// (classify2d_centre_transforms). Pixels used are those with kx^2 + ky^2 <= r_limit^2 (Fourier
// pixels), r_limit < box/2. Log-posteriors of a batch, when asked for, are [image][translation]
// [class * R + rotation], normalised (log-sum-exp over the image's poses is 0).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "thon/core/complex.hpp"
#include "thon/core/device.hpp"
#include "thon/math/interp.hpp"

namespace thon::ops {

/// Multiplies `count` half-complex box x box transforms by math::centre_phase (inverse: by its
/// conjugate). The engine takes and gives transforms with the origin at the box centre, so that
/// rotations in Fourier space turn about the particle centre: apply it after the r2c of an image,
/// and with inverse = true before the c2r of a class average.
void classify2d_centre_transforms(Complex<float>* ft, std::int64_t count, int box, bool inverse);

/// The pose grid and the pixels used in one iteration.
struct Classify2dSampling {
  int box = 0;                      ///< image side, px (square images)
  int r_limit = 0;                  ///< resolution limit, Fourier pixels (1 .. box/2 - 1)
  std::vector<double> psi_deg;      ///< in-plane angles, degrees (RELION's rlnAnglePsi)
  std::vector<double> shift_x_px, shift_y_px;  ///< translations t (origin = t), pixels
  math::Interp interp = math::Interp::linear;  ///< rotation of the references (gather and insert)

  int n_rotations() const { return int(psi_deg.size()); }
  int n_translations() const { return int(shift_x_px.size()); }
  /// psi = 0, step, 2 step, ... < 360; translations on the grid of `step_px` inside the disc of
  /// radius `range_px` (RELION's). Throws for step <= 0, range < 0, range >= box/2.
  static Classify2dSampling make(int box, int r_limit, double psi_step_deg, double range_px,
                                 double step_px);
};

/// The model: K class averages, the noise spectrum per optics group, the priors.
struct Classify2dModel {
  int n_classes = 0, box = 0, n_groups = 1;
  double pixel_size_A = 1;
  std::vector<Complex<float>> classes;   ///< n_classes * box * (box/2+1), class frame
  std::vector<double> sigma2;            ///< n_groups * (box/2+1): noise variance per component, per shell
  std::vector<double> class_weights;     ///< n_classes, sum 1
  double sigma_offset_px = 3;            ///< isotropic Gaussian prior on the translations
  /// Per class: tau2 per shell (prior power of the average), n_classes * (box/2+1).
  std::vector<double> tau2;

  int n_shells() const { return box / 2 + 1; }
  std::int64_t half_size() const { return std::int64_t(box) * (box / 2 + 1); }
};

/// One batch of images for process().
struct Classify2dBatch {
  int n = 0;
  const Complex<float>* ft = nullptr;  ///< n * box * (box/2+1), the images' transforms
  const float* ctf = nullptr;          ///< n * box * (box/2+1) CTF values; null: CTF 1
  const int* group = nullptr;          ///< n optics-group indices, 0-based; null: all 0
};

/// What the E-step says about one image.
struct Classify2dPose {
  int k = 0, r = 0, t = 0;        ///< maximum-posterior class, rotation, translation
  double max_probability = 0;     ///< posterior of that pose
  double log_likelihood = 0;      ///< log sum_poses prior * p(X | pose), with the pixel constants
  int n_significant = 0;          ///< poses with posterior >= 1e-3 * the maximum
};

/// The M-step sums over the images processed so far. Class-frame arrays are half-complex, one
/// per class, and hold sum_i,r,t W u CTF X_t / sigma2 (num) and sum W u CTF^2 / sigma2 (den)
/// inserted at R^T p (the same interpolation pairs as the gather).
struct Classify2dSums {
  int n_classes = 0, box = 0, n_groups = 1;
  std::vector<Complex<double>> num;   ///< n_classes * half
  std::vector<double> den;            ///< n_classes * half
  std::vector<double> resid;          ///< n_groups * shells: sum W u |X_t - CTF A|^2
  std::vector<double> resid_count;    ///< n_groups * shells: sum u (per image)
  std::vector<double> class_weight;   ///< n_classes: sum W
  double offset2 = 0;                 ///< sum W |t|^2 (px^2)
  double n_images = 0;
  double log_likelihood = 0;          ///< sum of Classify2dPose::log_likelihood
};

/// The E-step and M-step accumulation of one iteration on one backend.
class Classify2dEngine {
 public:
  virtual ~Classify2dEngine() = default;
  /// E-step of a batch and its M-step sums. Writes batch.n poses; when log_posteriors is not
  /// null, also batch.n * T * K * R normalised log-posteriors (layout above).
  virtual void process(const Classify2dBatch& batch, Classify2dPose* poses, float* log_posteriors) = 0;
  /// The sums of every batch so far, in the class frame.
  virtual Classify2dSums sums() = 0;
  /// Floating-point operations of the two E-step and two M-step matrix products so far, and the
  /// seconds spent in them (0 for the reference, which has no products).
  virtual double gemm_flops() const { return 0; }
  virtual double gemm_seconds() const { return 0; }
};

/// An engine for one iteration: `model` and `sampling` are copied. reference: double-precision
/// direct loops over every (image, class, rotation, translation, pixel); cpu: OpenBLAS products,
/// OpenMP; cuda: cuBLAS products, data on the device. max_memory_bytes bounds the batch buffers
/// (0: automatic, from free memory).
std::unique_ptr<Classify2dEngine> make_classify2d_engine(Device device, const Classify2dModel& model,
                                                         const Classify2dSampling& sampling,
                                                         std::size_t max_memory_bytes = 0);

/// Images per batch that fit in `max_memory_bytes` (0: a quarter of the free host memory, at most
/// 512 MiB) for this sampling: Y (T * 2P floats per image) and the posteriors (T * K * R).
int classify2d_batch_size(const Classify2dSampling& s, int n_classes, std::size_t max_memory_bytes);

/// Options of the M-step.
struct Classify2dMaximise {
  double tau2_fudge = 2;       ///< RELION's --tau2_fudge (2D default 2)
  bool update_sigma2 = true;
  double mask_radius_px = 0;   ///< soft circular mask of the class averages (0: none)
  double mask_edge_px = 5;
};

/// The next model from the sums: class averages A_k = num / (den + 1 / tau2) with tau2 the signal
/// power of the unregularised average num/den less its noise 1/den, times the fudge (per class and
/// shell, inside r_limit; 0 beyond), sigma2 per group and
/// shell (shells <= r_limit), class weights and the offset prior from the posteriors.
Classify2dModel maximise(const Classify2dSums& sums, const Classify2dModel& prev,
                         const Classify2dSampling& sampling, const Classify2dMaximise& opt);

/// Per class: the highest shell (<= r_limit) up to which the data outweigh the prior,
/// den-weighted SSNR = tau2 * mean(den) >= 1 (RELION's data_vs_prior), as a shell index.
std::vector<int> classify2d_resolution_shells(const Classify2dSums& sums, const Classify2dModel& next,
                                              int r_limit);

/// The starting model (RELION's): sigma2 per group and shell from the images' power,
/// 1/2 (mean |X|^2 - |mean X|^2); each class the CTF-weighted average of a random subset of the
/// images (seeded) at random in-plane angles, inside r_limit; equal class weights; tau2 from the
/// class power. ft/ctf: n half-complex transforms (ctf may be null), group: n indices (may be null).
Classify2dModel classify2d_initial_model(const Complex<float>* ft, const float* ctf, const int* group, int n,
                                         int box, int n_groups, int n_classes, double pixel_size_A,
                                         int r_limit, std::uint64_t seed, double tau2_fudge,
                                         double sigma_offset_px);

/// The tau2 per class and shell from the class power, fudge * 1/2 * mean |A|^2 (per component).
void update_tau2_from_classes(Classify2dModel& model, double fudge);

}  // namespace thon::ops

// 3D reconstruction by direct Fourier inversion (DESIGN.md section 4.6), backend-neutral API.
//
// 1. A FourierInserter (one per backend) takes batches of real-space particle images with their
//    poses, origin shifts, CTF and half-set, Fourier transforms them, and accumulates
//    sum(w CTF X) and sum(w CTF^2) of each half-set into a padded 3D half-complex accumulator
//    (w: the nearest/linear/cubic kernel weights; symmetry copies inserted at A S).
// 2. invert() turns accumulators into a real-space map: Hermitian completion of the x = 0 plane,
//    regularised division sum(CTF X) / (sum(CTF^2) + 1/tau^2(k)), inverse FFT of the padded box,
//    crop to the image box and gridding correction (division by the kernel's Fourier transform).
// 3. The SSNR/tau^2 of the regularisation comes from the FSC of the half maps, RELION's way
//    (math::ssnr_from_fsc, math::inv_tau2_from_ssnr), or is given as a constant.
//
// Units: image box n in pixels, pixel size in Å, origin shifts in pixels here (Å in STAR files),
// I(x) = P(x + o). Maps: [z][y][x], origin at index n/2, same density scale as the projections
// (P(x, y) = sum_z V).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "thon/core/array.hpp"
#include "thon/core/device.hpp"
#include "thon/core/vec.hpp"
#include "thon/math/ctf.hpp"
#include "thon/math/reconstruct_insert.hpp"
#include "thon/ops/project.hpp"

namespace thon::ops {


/// Size and sampling of a reconstruction.
struct ReconstructGeometry {
  int box = 0;                          ///< n: side of the (square) particle images, pixels
  int pad = 2;                          ///< padding factor of the 3D Fourier grid (1-3)
  Interp kernel = Interp::linear;     ///< insertion kernel (math/interp.hpp)
  double pixel_size_A = 1.0;
  double maxres_A = 0.0;                ///< highest resolution inserted; 0 = Nyquist
  /// Zero-pad each image to pad * box in real space before its FFT, so its Fourier samples are as
  /// dense as the 3D grid (pad^2 more samples to insert). Otherwise (RELION's way) the box-sized
  /// transform is inserted at pad times its frequency coordinates.
  bool pad_images = false;

  /// Unpadded images are accepted for pad 1, and for pad 2 with nearest or linear insertion (the
  /// cubic kernel's negative lobes make sum(w CTF^2) cancel between samples spaced 2 voxels apart).
  /// Largest image frequency radius inserted, in Fourier pixels: round(n p / maxres), at most n/2.
  int r_max() const;
  /// The per-sample geometry the insertion kernels use. Validates box, pad and maxres.
  math::InsertGeometry insert_geometry() const;
};

/// thon's default for ReconstructGeometry::pad_images: RELION's unpadded images for linear insertion
/// at pad <= 2 (and any kernel at pad 1); padded images for nearest and cubic at pad 2 and for pad 3.
bool default_pad_images(Interp kernel, int pad);

/// One image to insert: rotation A (map -> image, RELION Euler), origin shift in pixels, half-set.
struct InsertPose {
  Mat3<double> A = Mat3<double>::identity();
  double shift_x_px = 0.0, shift_y_px = 0.0;
  int half = 0;  ///< 0 or 1
};

/// The accumulated sums of one half-set, on the host, in the half-complex layout of the padded
/// np^3 transform (math/reconstruct_insert.hpp): data = sum(w CTF X), weight = sum(w CTF^2).
struct FourierAccumulator {
  math::InsertGeometry g;
  Buffer<Complex<float>> data;
  Buffer<float> weight;
  FourierAccumulator() = default;
  explicit FourierAccumulator(const math::InsertGeometry& geometry)
      : g(geometry), data(geometry.acc_voxels()), weight(geometry.acc_voxels()) {}
  /// Adds another accumulator of the same geometry.
  FourierAccumulator& operator+=(const FourierAccumulator& o);
  /// Number of images inserted (kept by the inserter; symmetry copies not counted).
  std::int64_t n_images = 0;
};

/// Back-projection of image batches into two half-set accumulators, on one backend.
class FourierInserter {
 public:
  virtual ~FourierInserter() = default;
  /// Inserts n images (n * box * box floats, host memory, [i][y][x], particle centred at index
  /// box/2 before the shift). `ctf`: n * insert_geometry().image_half_size() floats, the CTF at each
  /// r2c pixel of each image transform (m x (m/2 + 1), m = box, or pad * box with pad_images; RELION
  /// sign), or nullptr to reconstruct without CTF. Not thread-safe.
  virtual void insert(const float* images, const float* ctf, const InsertPose* poses, int n) = 0;
  /// Same with the CTF of image i given by its prepared parameters ctf[i] (math::CtfParams, host
  /// memory), evaluated at the r2c pixels of the m-box at geometry().pixel_size_A. The default
  /// tabulates math::ctf_value<float> per pixel (math::CtfImageKernel) and calls insert(); the CPU
  /// backend evaluates it inside its fused preparation pass, the CUDA inserter on the device.
  virtual void insert_ctf(const float* images, const math::CtfParams* ctf, const InsertPose* poses,
                          int n);
  /// Images per insert() call the backend prefers (the CUDA inserter's chunk that fits free device
  /// memory), or 0 for no preference.
  virtual int preferred_batch() const { return 0; }
  /// Hands over the accumulated sums of half-set h (0 or 1), Hermitian completion not yet applied.
  /// Call once per half, after the last insert (the backend may move its buffers out).
  virtual FourierAccumulator accumulator(int half) = 0;
  const ReconstructGeometry& geometry() const { return geometry_; }

 protected:
  explicit FourierInserter(const ReconstructGeometry& g) : geometry_(g) {}
  ReconstructGeometry geometry_;
};

/// Inserter on `device`. `symmetry` lists the point-group operators S (identity included; empty
/// means C1): every image is inserted at A S for each. `max_memory_bytes` bounds the accumulators
/// the CPU backend may allocate (per-thread private copies when they fit, shared atomics else);
/// 0 = decide from the available memory.
std::unique_ptr<FourierInserter> make_fourier_inserter(Device device, const ReconstructGeometry& g,
                                                       const std::vector<Mat3<double>>& symmetry = {},
                                                       std::size_t max_memory_bytes = 0);

/// Copies `count` n x n images into the centres of m x m zero images (centre n/2 -> m/2).
void pad_image_batch(const float* in, int n, int m, int count, float* out);

/// Adds the Friedel mates of the x = 0 plane (D(0,y,z) += conj D(0,-y,-z), W likewise), as RELION's
/// BackProjector::enforceHermitianSymmetry: the enumerator stores a sample's x = 0 kernel points
/// where they fall, while its Friedel mate's would land on the mirrored voxels. Call once per accumulator before shell_mean_weight/invert.
void complete_hermitian_plane(FourierAccumulator& acc);

/// <sum(w CTF^2)> over all voxels of each shell of the padded grid, shell = round(|q| / pad) in
/// image Fourier pixels (0 .. r_max), as RELION's sigma2 estimate. Sums the given accumulators.
std::vector<double> shell_mean_weight(const std::vector<const FourierAccumulator*>& accs);

/// How 1/tau^2 is chosen for the division.
enum class Regularisation {
  fsc,     ///< SSNR from the half-map FSC (RELION's tau^2 update), the default
  tau2,    ///< a constant tau^2 given by the user (weight units: 1/tau^2 added to sum(CTF^2))
  wiener,  ///< a constant Wiener term K added to sum(CTF^2)
  none     ///< plain division with a floor
};

/// Fraction of a shell's mean weight below which a voxel's denominator is floored.
inline constexpr double kWeightFloorFraction = 1e-3;
/// RELION's minres_map (ml_optimiser.cpp, --minres_map default 5): no regularisation below this shell.
inline constexpr int kMinresMap = 5;

/// 1/tau^2 of each shell from an FSC curve (RELION): shells < minres_map get 0.
std::vector<double> inv_tau2_from_fsc(const std::vector<double>& fsc, const std::vector<double>& mean_weight,
                                      bool whole, double tau2_fudge = 1.0, int minres_map = kMinresMap);

/// Real-space map from the sum of `accs` (each already Hermitian-completed): per voxel
/// sum(CTF X) / max(sum(CTF^2) + inv_tau2[shell], floor[shell]) with floor = kWeightFloorFraction *
/// <W>_shell, inverse FFT of the padded box, crop to box^3 centred at box/2, gridding correction.
/// `inv_tau2` per shell (0 .. r_max) or empty for none. Runs on the CPU (FFTW) or the reference
/// (double loops, direct sums) backend; cuda runs on the CPU.
Volume<float> invert(Device device, const std::vector<const FourierAccumulator*>& accs,
                     const ReconstructGeometry& g, const std::vector<double>& inv_tau2);

/// Multiplies a cubic map by a soft spherical mask centred at n/2: radius and edge in pixels.
void apply_soft_sphere_mask(Volume<float>& map, double radius_px, double edge_px);

/// RELION's softMaskOutsideMap (src/projector.cpp / backprojector.cpp, applied to every reconstructed
/// map): beyond radius + width the map is replaced by the mean background value (the raised-cosine
/// weighted mean outside `radius`), and between radius and radius + width it is blended towards it.
/// Removes the noise of the box corners, where a particle that fits the box cannot be.
inline constexpr double kEdgeMaskWidthPx = 3.0;
void soften_outside_sphere(Volume<float>& map, double radius_px, double width_px = kEdgeMaskWidthPx);

}  // namespace thon::ops

// Fourier projector (central slices of a padded 3D transform), its 2D in-plane counterpart, the
// real-space line-integral projector that serves as its reference, and the centring helpers
// between real-space images and the centred half-complex transforms the projector works with.
//
// Conventions (DESIGN.md section 3): arrays [z][y][x]; real-space origin of an n box at index n/2;
// pose A = Rz(psi) Ry(tilt) Rz(rot) (thon::math::euler_to_matrix); projection
// P(x, y) = sum_z V(A^T (x, y, z)) about the centre; central slice F_P(k) = F_V(A^T (kx, ky, 0)).
//
// "Centred half-complex" transform of an n x n image p (the layout of every slice here):
//   S(kx, ky) = sum_x p(x) exp(-2 pi i k.(x - n/2) / n),  (n/2+1) x n, row ky wrapped,
// i.e. the r2c FFT of p rolled by -n/2. It is unnormalised; centred_fourier_to_images inverts it
// (1/n^2). A projection of the volume has S(k) = F_V(A^T k) with the volume's centred transform, so
// slices need no phase fix: the projector's padding, centring and FFT are done once in the
// constructor (zero padding about the centre, origin shift, r2c of the np^3 array, np = round(pad n)).
//
// Gridding correction: interpolating the padded transform with kernel h multiplies the projected
// volume by H(x/np) H(y/np) H(z/np) (H the kernel's Fourier transform, math::interp_kernel_ft).
// With ProjectorOptions::gridding_correction (default on, as RELION's projector does for
// trilinear) the volume is divided by it before the FFT.
//
// All pointers in this API are host memory; with Device::cuda the transform lives on the GPU and
// slices are copied in and out (device-resident callers use cuda/project.hpp directly).
// Device::reference computes in double (plain loops) and converts.
#pragma once

#include <string>
#include <vector>

#include "thon/core/array.hpp"
#include "thon/core/complex.hpp"
#include "thon/core/device.hpp"
#include "thon/core/vec.hpp"
#include "thon/math/interp.hpp"

namespace thon {

using math::Interp;

/// Parses "nearest", "linear", "cubic" (throws thon::Error naming the value otherwise).
Interp parse_interp(const std::string& name);
const char* to_string(Interp k);

namespace ops {

inline constexpr double kDefaultPadding = 2.0;

/// Shared geometry of projector and back-projector.
struct SliceParams {
  int box = 0;             ///< n: images are n x n, slices (n/2+1) x n
  int padded_box = 0;      ///< np = round(padding * n), >= n
  double r_max = 0;        ///< radius limit in bins of the n box (pixels beyond are 0 / skipped)
  Interp interp = Interp::linear;

  double scale() const { return double(padded_box) / double(box); }
  index_t slice_size() const { return index_t(box) * (box / 2 + 1); }
  /// Half-complex elements of the padded 3D transform, (np/2+1) * np * np.
  index_t volume_half_size() const { return index_t(padded_box / 2 + 1) * padded_box * padded_box; }
  /// Half-complex elements of the padded 2D transform, (np/2+1) * np.
  index_t image_half_size() const { return index_t(padded_box / 2 + 1) * padded_box; }
  /// Builds and validates (padding >= 1 and finite, box > 0, r_max <= 0 means n/2).
  static SliceParams make(int box, double padding, Interp interp, double r_max = 0);
};

struct ProjectorOptions {
  double padding = kDefaultPadding;  ///< >= 1
  Interp interp = Interp::linear;
  double r_max = 0;                  ///< in bins of the n box; <= 0: n/2 (RELION's default)
  bool gridding_correction = true;
};

/// The padded, corrected, centred transform of one map (ndim 3) or image (ndim 2), held by one
/// backend (host/reference/project.cpp, host/cpu/project.cpp, the CUDA adapter in
/// host/ops/project.cpp). Poses and outputs are host memory; inputs are checked by the caller.
template <class T>
class PreparedTransform {
 public:
  virtual ~PreparedTransform() = default;
  /// count * p.slice_size() centred half-complex slices.
  virtual void extract(const Mat3<double>* poses, index_t count, Complex<T>* out,
                       const SliceParams& p) const = 0;
  /// Real-space projections (count x n x n) by the backend's fused path; false where it has none.
  virtual bool project_images(const Mat3<double>*, index_t, T*, const SliceParams&) const {
    return false;
  }
  /// The padded transform (p.volume_half_size() or p.image_half_size() values), rounded to T.
  virtual std::vector<Complex<T>> transform() const = 0;
};

/// A volume prepared once for central-slice extraction. T = float or double.
template <class T>
class FourierProjector {
 public:
  /// Pads, corrects, centres and transforms a cubic volume (throws for a non-cubic or empty one,
  /// for padding < 1 or non-finite, and for non-finite voxels).
  FourierProjector(Device device, const Volume<T>& volume, const ProjectorOptions& options = {});
  ~FourierProjector();
  FourierProjector(FourierProjector&&) noexcept;
  FourierProjector& operator=(FourierProjector&&) noexcept;

  /// Central slices for `count` poses: out holds count * params().slice_size() values, the centred
  /// half-complex transforms of the n x n projections (host memory).
  void project(const Mat3<double>* poses, index_t count, Complex<T>* out) const;
  void project(const std::vector<Mat3<double>>& poses, Complex<T>* out) const {
    project(poses.data(), index_t(poses.size()), out);
  }
  /// Device::cuda only: the same slices into device memory (d_out: count * slice_size() values),
  /// nothing copied to the host. Throws for other devices.
  void project_device(const Mat3<double>* poses, index_t count, Complex<T>* d_out) const;
  /// Real-space projections (count x n x n, origin at n/2): project + centred_fourier_to_images.
  ImageStack<T> project_images(const std::vector<Mat3<double>>& poses) const;
  /// Same into caller memory: images holds count * n * n values (host memory). On the CPU the
  /// two steps are fused per image (same values up to float rounding).
  void project_images(const Mat3<double>* poses, index_t count, T* images) const;

  const SliceParams& params() const { return params_; }
  Device device() const { return device_; }
  double pixel_size_A() const { return pixel_size_A_; }
  /// The padded centred half-complex transform (params().volume_half_size() values, host memory;
  /// for Device::reference a copy rounded to T).
  std::vector<Complex<T>> transform() const;

 private:
  struct Impl;
  Device device_;
  SliceParams params_;
  double pixel_size_A_ = 1;
  Impl* impl_ = nullptr;
};

/// The 2D counterpart: one n x n image padded and transformed once, then in-plane rotated copies
/// extracted: out_b(k) = F(s A2_b^T k) (A2 the upper-left 2x2 of pose b; for a rotation by psi use
/// math::euler_to_matrix(0, 0, psi)), i.e. out_b(x) = in(A2_b^T x) about the centre.
template <class T>
class FourierProjector2D {
 public:
  FourierProjector2D(Device device, const Image<T>& image, const ProjectorOptions& options = {});
  ~FourierProjector2D();
  FourierProjector2D(FourierProjector2D&&) noexcept;
  FourierProjector2D& operator=(FourierProjector2D&&) noexcept;

  void project(const Mat3<double>* poses, index_t count, Complex<T>* out) const;
  const SliceParams& params() const { return params_; }
  Device device() const { return device_; }

 private:
  struct Impl;
  Device device_;
  SliceParams params_;
  Impl* impl_ = nullptr;
};

/// Poses from RELION Euler angles in degrees (throws naming the index for a non-finite angle).
std::vector<Mat3<double>> poses_from_euler(const std::vector<double>& rot_deg,
                                           const std::vector<double>& tilt_deg,
                                           const std::vector<double>& psi_deg);
/// In-plane poses Rz(psi) for the 2D functions.
std::vector<Mat3<double>> poses_from_psi(const std::vector<double>& psi_deg);

/// Centred half-complex transforms ((n/2+1) x n each, unnormalised) of count real n x n images
/// with their origin at n/2: roll by -n/2, then r2c.
void images_to_centred_fourier(Device device, const float* images, int n, index_t count,
                               Complex<float>* out);
void images_to_centred_fourier(Device device, const double* images, int n, index_t count,
                               Complex<double>* out);
/// The inverse (normalised by 1/n^2): c2r, then roll by +n/2.
void centred_fourier_to_images(Device device, const Complex<float>* in, int n, index_t count,
                               float* images);
void centred_fourier_to_images(Device device, const Complex<double>* in, int n, index_t count,
                               double* images);

/// Real-space line-integral projections (the reference for the Fourier projector):
/// P_b(x, y) = sum_z V(A_b^T (x - c, y - c, z - c) + c), c = n/2, V sampled with `interp`
/// (linear: trilinear) and zero outside the box. volume n^3, out count x n x n.
void line_project(Device device, const float* volume, int n, const Mat3<double>* poses,
                  index_t count, float* out, Interp interp = Interp::linear);
void line_project(Device device, const double* volume, int n, const Mat3<double>* poses,
                  index_t count, double* out, Interp interp = Interp::linear);

/// Separable gridding correction table: c[x] = 1 / H((x - n/2) / np), x = 0..n-1, for kernel k
/// (all 1 when `enabled` is false). Used by the projectors before the FFT and by reconstruction
/// after the inverse FFT (divide the np box by H there, with np in place of n).
std::vector<double> gridding_correction_table(Interp k, int n, int np, bool enabled = true);

}  // namespace ops
}  // namespace thon

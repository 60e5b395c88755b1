// The per-sample work of Fourier insertion (back-projection of CTF-weighted images), shared by the
// CPU backend (plain or atomic adds) and the CUDA kernels (atomicAdd): one functor call handles one
// Fourier pixel of one image. The geometry is described in math/reconstruct.hpp.
//
// Accumulators: the half-complex (r2c) layout of the padded np^3 transform, np = pad * n:
// (np/2+1) x np x np, frequencies wrapped, data sum(w CTF X) (complex) and weight sum(w CTF^2)
// (real) in two arrays. The scatter walks math::visit_fourier_3d (math/interp.hpp), the same
// (index, weight, conj) enumerator the Fourier projector gathers with.
#pragma once

#include "thon/core/complex.hpp"
#include "thon/core/hd.hpp"
#include "thon/core/views.hpp"
#include "thon/math/ctf.hpp"
#include "thon/math/reconstruct.hpp"

namespace thon::math {

/// Sizes of one insertion problem (all in pixels/voxels).
struct InsertGeometry {
  int n = 0;            ///< image side (and side of the reconstructed map)
  int m = 0;            ///< side of the image Fourier transforms: n, or pad * n when the images are
                        ///< zero-padded in real space (oversampled in Fourier space)
  int pad = 2;          ///< padding factor of the 3D grid
  int r_max = 0;        ///< largest frequency radius inserted, in Fourier pixels of the n-box (<= n/2)
  Interp kernel = Interp::linear;

  THON_HD int hx() const { return m / 2 + 1; }                 ///< r2c columns of an image transform
  THON_HD index_t image_half_size() const { return index_t(hx()) * m; }
  THON_HD int r_max_image() const { return r_max * (m / n); }  ///< r_max in Fourier pixels of the m-box
  /// Grid voxels per image Fourier pixel: pad (images not padded) or 1 (images padded to pad * n).
  THON_HD int sample_scale() const { return pad * n / m; }
  THON_HD int np() const { return pad * n; }                   ///< side of the padded 3D grid
  THON_HD index_t acc_voxels() const { return index_t(np() / 2 + 1) * np() * np(); }
  /// Index of the stored voxel with frequency (x >= 0, y, z) (y, z signed, |y|, |z| < np/2).
  THON_HD index_t acc_index(int x, int y, int z) const {
    const int n3 = np();
    return (index_t(z < 0 ? z + n3 : z) * n3 + (y < 0 ? y + n3 : y)) * (n3 / 2 + 1) + x;
  }
};

/// Signed frequency of r2c row index iy of an n-pixel image.
THON_HD int signed_row_frequency(int iy, int n) { return iy < n - n / 2 ? iy : iy - n; }

/// Prepares one Fourier pixel of one image for insertion: centring + origin phase, times CTF.
/// The images (m x m, particle centre at index m/2) are transformed with an r2c FFT beforehand.
/// The phase exp(2 pi i k.(c - o) / m) is separable: `phase_x` holds exp(2 pi i kx (c - ox) / m) for
/// kx = 0 .. m/2 and `phase_y` exp(2 pi i ky (c - oy) / m) for the m rows (signed ky), per image
/// (math::centring_phase per axis, tabulated once per image on the host).
/// Writes (re, im, weight) = (CTF F_P, CTF^2) to `out` (3 floats per pixel, same r2c layout).
/// Pixels beyond r_max, and the redundant half of the kx = 0 column (ky < 0), get weight 0.
struct PrepareSample {
  InsertGeometry g;
  const Complex<float>* fft = nullptr;  ///< r2c transforms of the (uncentred) images
  const float* ctf = nullptr;           ///< CTF per r2c pixel, or nullptr for none
  const Complex<float>* phase_x = nullptr;  ///< hx values per image
  const Complex<float>* phase_y = nullptr;  ///< m values per image
  float* out = nullptr;

  THON_HD void operator()(index_t i) const {
    const index_t per = g.image_half_size();
    const index_t img = i / per;
    const index_t p = i - img * per;
    const int iy = int(p / g.hx());
    const int kx = int(p - index_t(iy) * g.hx());
    const int ky = signed_row_frequency(iy, g.m);
    float* o = out + 3 * i;
    const int rm = g.r_max_image();
    if (kx * kx + ky * ky > rm * rm || (kx == 0 && ky < 0)) {
      o[0] = o[1] = o[2] = 0.f;
      return;
    }
    const Complex<float> v = fft[i] * phase_x[img * g.hx() + kx] * phase_y[img * g.m + iy];
    const float c = ctf ? ctf[i] : 1.f;
    o[0] = c * v.re;
    o[1] = c * v.im;
    o[2] = c * c;
  }
};

/// The CTF of each r2c pixel of a batch of m-box image transforms (m x (m/2 + 1) per image):
/// out[i] = ctf_value<float>(params[image], kx, ky) at frequencies (ix, signed iy) / (m p), 0 beyond
/// r_max (Fourier pixels of the m-box), where the insertion skips the pixel anyway.
struct CtfImageKernel {
  const CtfParams* params;
  int m;
  double pixel_size_A;
  float* out;
  int r_max = 1 << 30;
  THON_HD void operator()(index_t i) const {
    const int hx = m / 2 + 1;
    const index_t per = index_t(m) * hx;
    const index_t img = i / per, p = i - img * per;
    const int iy = int(p / hx), ix = int(p - index_t(iy) * hx);
    const int fy = iy < m - m / 2 ? iy : iy - m;
    if (ix * ix + fy * fy > r_max * r_max) {
      out[i] = 0.f;
      return;
    }
    float kx, ky;  // float: chi < 1e3 rad here, float rounding < 1e-4 rad
    half_complex_frequency(ix, iy, m, m, float(pixel_size_A), &kx, &ky);
    out[i] = ctf_value(params[img], kx, ky);
  }
};

/// The per-axis phase tables of PrepareSample for one image with origin shift (ox, oy) pixels.
inline void centring_phase_tables(const InsertGeometry& g, float ox, float oy, Complex<float>* phase_x,
                                  Complex<float>* phase_y) {
  for (int kx = 0; kx < g.hx(); ++kx) phase_x[kx] = centring_phase<float>(kx, 0, g.m, ox, 0.f);
  for (int iy = 0; iy < g.m; ++iy) phase_y[iy] = centring_phase<float>(0, signed_row_frequency(iy, g.m), g.m, 0.f, oy);
}

/// Grid position q = kx * rows[0..2] + ky * rows[3..5] of image pixel (kx, ky) under one
/// orientation (rows as in InsertSample).
THON_HD void insert_position(int kx, int ky, const float* r, float& qx, float& qy, float& qz) {
  qx = kx * r[0] + ky * r[3];
  qy = kx * r[1] + ky * r[4];
  qz = kx * r[2] + ky * r[5];
}

/// Inserts one prepared pixel of one image under one orientation. `rows` holds, per (image,
/// orientation), the 6 floats sample_scale * (A row 0, A row 1): the sample (kx, ky) lands at
/// q = kx * rows[0..2] + ky * rows[3..5] (= scale * A^T (kx, ky, 0), grid voxels) and is scattered
/// with math::insert_fourier_3d. Add(float* p, float v) accumulates (plain or atomic).
template <class Add>
struct InsertSample {
  InsertGeometry g;
  const float* prepared = nullptr;  ///< from PrepareSample, 3 floats per r2c pixel
  const float* rows = nullptr;      ///< 6 floats per (image, orientation)
  int n_orient = 1;                 ///< orientations per image (symmetry copies)
  const int* half = nullptr;        ///< half-set (0 or 1) of each image
  Complex<float>* data0 = nullptr;  ///< accumulators of half-set 0
  float* weight0 = nullptr;
  Complex<float>* data1 = nullptr;  ///< accumulators of half-set 1
  float* weight1 = nullptr;
  Add add;

  /// i runs over pixel + per_image * (orientation + n_orient * image).
  THON_HD void operator()(index_t i) const {
    const index_t per = g.image_half_size();
    const index_t io = i / per;
    const index_t p = i - io * per;
    const index_t img = io / n_orient;
    const float* v = prepared + 3 * (img * per + p);
    if (v[2] == 0.f && v[0] == 0.f && v[1] == 0.f) return;
    const int iy = int(p / g.hx());
    const int kx = int(p - index_t(iy) * g.hx());
    const int ky = signed_row_frequency(iy, g.m);
    const float* r = rows + 6 * io;
    const int n3 = g.np();
    const bool h0 = half[img] == 0;
    Complex<float>* data = h0 ? data0 : data1;
    float* weight = h0 ? weight0 : weight1;
    float qx, qy, qz;
    insert_position(kx, ky, r, qx, qy, qz);
    insert_fourier_3d<float>(g.kernel, data, weight, n3, n3, n3, qx, qy, qz, 1e30f, Complex<float>(v[0], v[1]),
                             v[2], add);
  }
};

}  // namespace thon::math

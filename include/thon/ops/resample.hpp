// Real-space resampling of images and volumes about their centre (index n/2 per axis) with a
// chosen kernel (math/interp.hpp), zero outside the input:
//   out(x) = in(M (x - c) + c - t)
// rotate: M = A^T (content turned by A, the convention of projections: rotate_volume(V, A) sampled
// along z gives the projection of V at pose A); shift: content moved by +t pixels; rescale:
// magnified by f about the centre (M = I / f). Batches: count arrays of the same shape, contiguous.
// Host memory; Device::reference computes in double.
#pragma once

#include "thon/core/array.hpp"
#include "thon/core/device.hpp"
#include "thon/core/vec.hpp"
#include "thon/math/interp.hpp"

namespace thon::ops {

/// The general form: count arrays of nx x ny x nz (nz = 1: 2D, using the upper-left 2x2 of m and
/// t.x, t.y).
void resample(Device device, const float* in, float* out, int nx, int ny, int nz, index_t count,
              const Mat3<double>& m, const Vec3<double>& t, math::Interp interp);
void resample(Device device, const double* in, double* out, int nx, int ny, int nz, index_t count,
              const Mat3<double>& m, const Vec3<double>& t, math::Interp interp);

/// Image turned by psi degrees about the centre: out(x) = in(R^T x), R = Rz(psi) of
/// math::euler_to_matrix(0, 0, psi).
template <class T>
Image<T> rotate_image(Device device, const Image<T>& in, double psi_deg, math::Interp interp);
/// Content moved by (dx, dy) pixels.
template <class T>
Image<T> shift_image(Device device, const Image<T>& in, double dx, double dy, math::Interp interp);
/// Content magnified by `factor` about the centre (same box, same pixel size).
template <class T>
Image<T> rescale_image(Device device, const Image<T>& in, double factor, math::Interp interp);

/// Volume turned by pose A about the centre: out(x) = in(A^T x).
template <class T>
Volume<T> rotate_volume(Device device, const Volume<T>& in, const Mat3<double>& a,
                        math::Interp interp);
template <class T>
Volume<T> shift_volume(Device device, const Volume<T>& in, const Vec3<double>& shift,
                       math::Interp interp);
template <class T>
Volume<T> rescale_volume(Device device, const Volume<T>& in, double factor, math::Interp interp);

}  // namespace thon::ops

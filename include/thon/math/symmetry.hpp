// Per-voxel formula of map symmetrisation, shared by the reference (double) and CPU (float)
// backends: out(x) = (1/|G|) sum_k in(R_k x), coordinates x relative to the box centre (index n/2 on
// each axis, DESIGN.md section 3), in(.) sampled by trilinear interpolation with zero outside the box.
#pragma once

#include <cmath>

#include "thon/core/hd.hpp"
#include "thon/core/vec.hpp"
#include "thon/core/views.hpp"

namespace thon::math {

/// Trilinear sample of v at real voxel coordinates (x, y, z) (array indices, not centred);
/// neighbours outside the box count as 0.
template <class T, class V>
THON_HD T trilinear_zero_outside(const Span3D<const V>& v, T x, T y, T z) {
  const T fx = std::floor(x), fy = std::floor(y), fz = std::floor(z);
  const int x0 = int(fx), y0 = int(fy), z0 = int(fz);
  const T tx = x - fx, ty = y - fy, tz = z - fz;
  T acc = T(0);
  for (int dz = 0; dz < 2; ++dz) {
    const int zz = z0 + dz;
    if (zz < 0 || zz >= v.nz) continue;
    const T wz = dz ? tz : T(1) - tz;
    for (int dy = 0; dy < 2; ++dy) {
      const int yy = y0 + dy;
      if (yy < 0 || yy >= v.ny) continue;
      const T wy = dy ? ty : T(1) - ty;
      for (int dx = 0; dx < 2; ++dx) {
        const int xx = x0 + dx;
        if (xx < 0 || xx >= v.nx) continue;
        const T wx = dx ? tx : T(1) - tx;
        acc += wz * wy * wx * T(v(zz, yy, xx));
      }
    }
  }
  return acc;
}

/// Functor for parallel_for over the voxels of `out`: averages `in` over the n_ops operators.
template <class T>
struct SymmetriseVoxel {
  Span3D<const T> in;
  Span3D<T> out;
  const Mat3<T>* ops;
  int n_ops;

  THON_HD void operator()(index_t i) const {
    const int x = int(i % out.nx);
    const int y = int((i / out.nx) % out.ny);
    const int z = int(i / (index_t(out.nx) * out.ny));
    const T cx = T(out.nx / 2), cy = T(out.ny / 2), cz = T(out.nz / 2);
    const Vec3<T> p{T(x) - cx, T(y) - cy, T(z) - cz};
    T acc = T(0);
    for (int k = 0; k < n_ops; ++k) {
      const Vec3<T> q = ops[k] * p;
      acc += trilinear_zero_outside<T>(in, q.x + cx, q.y + cy, q.z + cz);
    }
    out.data[i] = acc / T(n_ops);
  }
};

}  // namespace thon::math

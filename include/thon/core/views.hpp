// Non-owning views of 2D and 3D arrays, [z][y][x] with x fastest.
// Real-space origin of an n-box is index n/2; half-complex Fourier arrays have nx/2+1 columns.
#pragma once

#include <cstddef>
#include <cstdint>

#include "thon/core/hd.hpp"

namespace thon {

using index_t = std::int64_t;

/// Real-space dimensions of a batch of 1D/2D/3D arrays: nx fastest, then ny, nz; `batch` arrays.
struct Shape {
  int nx = 1, ny = 1, nz = 1;
  int batch = 1;

  THON_HD index_t size() const { return index_t(nx) * ny * nz; }
  THON_HD index_t total() const { return size() * batch; }
  /// Elements of one half-complex (r2c) transform: (nx/2+1) * ny * nz.
  THON_HD index_t half_size() const { return index_t(nx / 2 + 1) * ny * nz; }
  THON_HD index_t half_total() const { return half_size() * batch; }
  THON_HD int ndim() const { return nz > 1 ? 3 : (ny > 1 ? 2 : 1); }
  bool operator==(const Shape& o) const {
    return nx == o.nx && ny == o.ny && nz == o.nz && batch == o.batch;
  }
  bool operator!=(const Shape& o) const { return !(*this == o); }
};

template <class T>
struct Span2D {
  T* data = nullptr;
  int nx = 0, ny = 0;

  THON_HD T& operator()(int y, int x) const { return data[index_t(y) * nx + x]; }
  THON_HD index_t size() const { return index_t(nx) * ny; }
};

template <class T>
struct Span3D {
  T* data = nullptr;
  int nx = 0, ny = 0, nz = 0;

  THON_HD T& operator()(int z, int y, int x) const { return data[(index_t(z) * ny + y) * nx + x]; }
  THON_HD index_t size() const { return index_t(nx) * ny * nz; }
  THON_HD Span2D<T> slice(int z) const { return {data + index_t(z) * nx * ny, nx, ny}; }
};

}  // namespace thon

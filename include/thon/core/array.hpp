// Owning containers: Buffer (RAII, host or device), and the shaped Image, Volume, ImageStack.
// Layout [z][y][x], x fastest; pixel size in Å travels with the data.
#pragma once

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <utility>

#include "thon/core/error.hpp"
#include "thon/core/memory.hpp"
#include "thon/core/views.hpp"

namespace thon {

/// A contiguous, move-only array of trivially copyable T in host or device memory.
/// Host buffers are zero-initialised; device buffers are not initialised.
template <class T, Memory M = Memory::host>
class Buffer {
  static_assert(std::is_trivially_copyable_v<T>, "Buffer holds trivially copyable elements");

 public:
  Buffer() = default;
  explicit Buffer(index_t n) : n_(n) {
    THON_CHECK(n >= 0, "Buffer: negative size ", n);
    if (n == 0) return;
    const std::size_t bytes = std::size_t(n) * sizeof(T);
    if constexpr (M == Memory::host) {
      data_ = static_cast<T*>(memory::host_malloc(bytes));
      std::memset(static_cast<void*>(data_), 0, bytes);
    } else {
      data_ = static_cast<T*>(memory::device_malloc(bytes));
    }
  }
  Buffer(const Buffer& o) : Buffer(o.n_) { copy_from(o); }
  Buffer& operator=(const Buffer& o) {
    if (this != &o) {
      Buffer tmp(o);
      swap(tmp);
    }
    return *this;
  }
  Buffer(Buffer&& o) noexcept { swap(o); }
  Buffer& operator=(Buffer&& o) noexcept {
    swap(o);
    return *this;
  }
  ~Buffer() { release(); }

  void swap(Buffer& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(n_, o.n_);
  }

  /// Copies the contents of another buffer of the same size, in any memory.
  template <Memory M2>
  void copy_from(const Buffer<T, M2>& src) {
    THON_CHECK(src.size() == n_, "Buffer::copy_from: size ", src.size(), " != ", n_);
    if (n_ > 0) memory::copy(data_, M, src.data(), M2, std::size_t(n_) * sizeof(T));
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  index_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  std::size_t bytes() const { return std::size_t(n_) * sizeof(T); }

  // Host-only element access.
  T& operator[](index_t i) { static_assert(M == Memory::host); return data_[i]; }
  const T& operator[](index_t i) const { static_assert(M == Memory::host); return data_[i]; }
  T* begin() { static_assert(M == Memory::host); return data_; }
  T* end() { static_assert(M == Memory::host); return data_ + n_; }
  const T* begin() const { static_assert(M == Memory::host); return data_; }
  const T* end() const { static_assert(M == Memory::host); return data_ + n_; }

 private:
  void release() noexcept {
    if (!data_) return;
    if constexpr (M == Memory::host) memory::host_free(data_);
    else memory::device_free(data_);
    data_ = nullptr;
    n_ = 0;
  }

  T* data_ = nullptr;
  index_t n_ = 0;
};

/// Common part of Image, Volume, ImageStack: nx*ny*nz elements and a pixel size in Å.
template <class T, Memory M>
class Grid {
 public:
  Grid() = default;
  Grid(int nx, int ny, int nz, double pixel_size_A)
      : nx_(nx), ny_(ny), nz_(nz), pixel_size_A_(pixel_size_A), buf_(checked_size(nx, ny, nz)) {}

  int nx() const { return nx_; }
  int ny() const { return ny_; }
  double pixel_size_A() const { return pixel_size_A_; }
  void set_pixel_size_A(double p) { pixel_size_A_ = p; }
  index_t size() const { return buf_.size(); }
  T* data() { return buf_.data(); }
  const T* data() const { return buf_.data(); }
  Buffer<T, M>& buffer() { return buf_; }
  const Buffer<T, M>& buffer() const { return buf_; }
  T* begin() { return buf_.begin(); }
  T* end() { return buf_.end(); }
  const T* begin() const { return buf_.begin(); }
  const T* end() const { return buf_.end(); }
  T& operator[](index_t i) { return buf_[i]; }
  const T& operator[](index_t i) const { return buf_[i]; }

 protected:
  static index_t checked_size(int nx, int ny, int nz) {
    THON_CHECK(nx > 0 && ny > 0 && nz > 0, "array dimensions must be positive, got ", nx, " x ", ny,
               " x ", nz);
    return index_t(nx) * ny * nz;
  }
  int nx_ = 0, ny_ = 0, nz_ = 0;
  double pixel_size_A_ = 1.0;
  Buffer<T, M> buf_;
};

/// One 2D image, ny rows of nx pixels.
template <class T, Memory M = Memory::host>
class Image : public Grid<T, M> {
 public:
  Image() = default;
  Image(int nx, int ny, double pixel_size_A = 1.0) : Grid<T, M>(nx, ny, 1, pixel_size_A) {}
  Span2D<T> view() { return {this->data(), this->nx_, this->ny_}; }
  Span2D<const T> view() const { return {this->data(), this->nx_, this->ny_}; }
  Shape shape() const { return {this->nx_, this->ny_, 1, 1}; }
  T& operator()(int y, int x) { return this->buf_[index_t(y) * this->nx_ + x]; }
  const T& operator()(int y, int x) const { return this->buf_[index_t(y) * this->nx_ + x]; }
};

/// A 3D volume, nz sections of ny rows of nx voxels.
template <class T, Memory M = Memory::host>
class Volume : public Grid<T, M> {
 public:
  Volume() = default;
  Volume(int nx, int ny, int nz, double pixel_size_A = 1.0) : Grid<T, M>(nx, ny, nz, pixel_size_A) {}
  /// Cubic volume of side n.
  static Volume cube(int n, double pixel_size_A = 1.0) { return Volume(n, n, n, pixel_size_A); }
  int nz() const { return this->nz_; }
  Span3D<T> view() { return {this->data(), this->nx_, this->ny_, this->nz_}; }
  Span3D<const T> view() const { return {this->data(), this->nx_, this->ny_, this->nz_}; }
  Shape shape() const { return {this->nx_, this->ny_, this->nz_, 1}; }
  T& operator()(int z, int y, int x) { return this->buf_[(index_t(z) * this->ny_ + y) * this->nx_ + x]; }
  const T& operator()(int z, int y, int x) const {
    return this->buf_[(index_t(z) * this->ny_ + y) * this->nx_ + x];
  }
};

/// n images of nx * ny pixels, stored contiguously (image i starts at i * nx * ny).
template <class T, Memory M = Memory::host>
class ImageStack : public Grid<T, M> {
 public:
  ImageStack() = default;
  ImageStack(int nx, int ny, int n, double pixel_size_A = 1.0) : Grid<T, M>(nx, ny, n, pixel_size_A) {}
  int n() const { return this->nz_; }
  Span2D<T> image(int i) { return {this->data() + index_t(i) * this->nx_ * this->ny_, this->nx_, this->ny_}; }
  Span2D<const T> image(int i) const {
    return {this->data() + index_t(i) * this->nx_ * this->ny_, this->nx_, this->ny_};
  }
  /// Shape of the batch of 2D images, as the batched FFT takes it.
  Shape shape() const { return {this->nx_, this->ny_, 1, this->nz_}; }
};

/// Copies a grid into the other memory (host <-> device), keeping shape and pixel size.
template <Memory To, template <class, Memory> class G, class T, Memory From>
G<T, To> to_memory(const G<T, From>& src) {
  G<T, To> dst;
  if constexpr (std::is_same_v<G<T, From>, Image<T, From>>) dst = G<T, To>(src.nx(), src.ny(), src.pixel_size_A());
  else if constexpr (std::is_same_v<G<T, From>, Volume<T, From>>) dst = G<T, To>(src.nx(), src.ny(), src.nz(), src.pixel_size_A());
  else dst = G<T, To>(src.nx(), src.ny(), src.n(), src.pixel_size_A());
  dst.buffer().copy_from(src.buffer());
  return dst;
}

}  // namespace thon

// Zero-initialised host array for large tables read at random (the padded Fourier volume of the
// projector): anonymous mmap, 2 MiB aligned, with transparent huge pages requested
// (madvise(MADV_HUGEPAGE)). Gathers that touch a few cache lines in each of many 4 KiB pages miss
// the TLB on nearly every pixel; 2 MiB pages cut that by 512. The kernel hands out zeroed pages,
// so no zeroing pass is needed either. Where huge pages are unavailable it is an ordinary
// zeroed mapping, and so are arrays under 8 MiB.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "thon/core/error.hpp"
#include "thon/core/views.hpp"

namespace thon::cpu {

template <class T>
class HugeBuffer {
  static_assert(std::is_trivially_copyable_v<T>, "HugeBuffer holds trivially copyable elements");

 public:
  static constexpr std::size_t kHugePage = std::size_t(2) << 20;
  static constexpr std::size_t kHugeMin = std::size_t(8) << 20;  ///< smaller: ordinary pages

  HugeBuffer() = default;
  explicit HugeBuffer(index_t n) : n_(n) {
    THON_CHECK(n >= 0, "HugeBuffer: negative size ", n);
    if (n == 0) return;
    const std::size_t bytes = std::size_t(n) * sizeof(T);
    // Over-allocate by one huge page so the start can be aligned to one.
    mapped_ = bytes + kHugePage;
    void* p = mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) fail(ErrorCode::out_of_memory, "cannot map ", bytes, " bytes");
    base_ = p;
    const auto a = (reinterpret_cast<std::uintptr_t>(p) + kHugePage - 1) & ~(kHugePage - 1);
    data_ = reinterpret_cast<T*>(a);
#ifdef MADV_HUGEPAGE
    // Small tables (2D projectors, small boxes) fit the TLB anyway; a huge page would only cost
    // RSS and the time to clear 2 MiB.
    if (bytes >= kHugeMin)
      madvise(reinterpret_cast<void*>(a), (bytes + kHugePage - 1) & ~(kHugePage - 1), MADV_HUGEPAGE);
#endif
  }
  HugeBuffer(const HugeBuffer&) = delete;
  HugeBuffer& operator=(const HugeBuffer&) = delete;
  HugeBuffer(HugeBuffer&& o) noexcept { swap(o); }
  HugeBuffer& operator=(HugeBuffer&& o) noexcept {
    swap(o);
    return *this;
  }
  ~HugeBuffer() {
    if (base_) munmap(base_, mapped_);
  }
  void swap(HugeBuffer& o) noexcept {
    std::swap(base_, o.base_);
    std::swap(mapped_, o.mapped_);
    std::swap(data_, o.data_);
    std::swap(n_, o.n_);
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  index_t size() const { return n_; }
  T* begin() { return data_; }
  T* end() { return data_ + n_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + n_; }

 private:
  void* base_ = nullptr;
  std::size_t mapped_ = 0;
  T* data_ = nullptr;
  index_t n_ = 0;
};

}  // namespace thon::cpu

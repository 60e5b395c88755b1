#include "thon/core/memory.hpp"

#include <cstdlib>
#include <cstring>

#include "cuda/runtime.hpp"
#include "thon/core/error.hpp"

namespace thon::memory {

namespace {
constexpr std::size_t kHostAlignment = 64;
}

void* host_malloc(std::size_t bytes) {
  const std::size_t rounded = (bytes + kHostAlignment - 1) / kHostAlignment * kHostAlignment;
  void* p = std::aligned_alloc(kHostAlignment, rounded == 0 ? kHostAlignment : rounded);
  if (!p) fail(ErrorCode::out_of_memory, "host allocation of ", bytes, " bytes failed");
  return p;
}

void host_free(void* p) noexcept { std::free(p); }

void* device_malloc(std::size_t bytes) { return cuda::device_malloc(bytes); }

void device_free(void* p) noexcept { cuda::device_free(p); }

void copy(void* dst, Memory dst_mem, const void* src, Memory src_mem, std::size_t bytes) {
  if (dst_mem == Memory::host && src_mem == Memory::host) {
    std::memcpy(dst, src, bytes);
    return;
  }
  cuda::copy(dst, dst_mem == Memory::device, src, src_mem == Memory::device, bytes);
}

}  // namespace thon::memory

// The thon::cuda entry points of a build without CUDA: no device, and every call that would need
// one throws "built without CUDA". Each family's stubs live in cuda/no_cuda_<family>.cpp.
#include "cuda/runtime.hpp"
#include "thon/core/error.hpp"

namespace thon::cuda {

void no_cuda(const char* what) {
  fail(ErrorCode::unsupported, what, ": thon was built without CUDA (configure with THON_CUDA=ON)");
}

int device_count() { return 0; }
std::string device_summary() { return "thon was built without CUDA"; }
void* device_malloc(std::size_t) { no_cuda("device_malloc"); }
void device_free(void*) noexcept {}
void copy(void*, bool, const void*, bool, std::size_t) { no_cuda("device copy"); }
void memory_info(std::size_t*, std::size_t*) { no_cuda("memory_info"); }
void synchronize() { no_cuda("synchronize"); }

}  // namespace thon::cuda

// Host-callable CUDA runtime entry points (no CUDA header here): defined in cuda/runtime.cu, or as
// throwing stubs in cuda/no_cuda_runtime.cpp when thon is built without CUDA.
#pragma once

#include <cstddef>
#include <string>

namespace thon::cuda {

/// Number of usable CUDA devices; 0 without a driver, without a device or without CUDA support.
int device_count();
/// One line: the device names, or the reason there is none.
std::string device_summary();
void* device_malloc(std::size_t bytes);
void device_free(void* p) noexcept;
/// Synchronous cudaMemcpy between host and device memory.
void copy(void* dst, bool dst_on_device, const void* src, bool src_on_device, std::size_t bytes);
/// Free and total memory of the current device, in bytes.
void memory_info(std::size_t* free_bytes, std::size_t* total_bytes);
void synchronize();

/// Throws thon::Error(unsupported): "<what>: thon was built without CUDA". For no_cuda_*.cpp stubs.
[[noreturn]] void no_cuda(const char* what);

}  // namespace thon::cuda

// Raw memory of the host and of the CUDA device. Device functions are defined in cuda/memory.cu
// (or throw "built without CUDA" from cuda/no_cuda.cpp); nothing here includes a CUDA header.
#pragma once

#include <cstddef>

namespace thon {

enum class Memory { host, device };

namespace memory {
/// 64-byte aligned host allocation (fits AVX-512 and FFTW's SIMD alignment). Throws out_of_memory.
void* host_malloc(std::size_t bytes);
void host_free(void* p) noexcept;
/// cudaMalloc; throws thon::Error(cuda) on failure or in a build without CUDA.
void* device_malloc(std::size_t bytes);
void device_free(void* p) noexcept;
/// Synchronous copy between any two memories.
void copy(void* dst, Memory dst_mem, const void* src, Memory src_mem, std::size_t bytes);
}  // namespace memory

}  // namespace thon

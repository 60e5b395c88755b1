// Host-callable CUDA multislice (no CUDA header here): cuda/multislice.cu, or the throwing stub
// cuda/no_cuda_multislice.cpp in a build without CUDA.
#pragma once

#include "thon/ops/multislice.hpp"

namespace thon::cuda {

/// Same contract as thon::cpu::multislice_images (host pointers in and out; synchronous). The waves
/// of the batch stay on the device for the whole stack; each slab's atoms are uploaded in turn.
std::int64_t multislice_images(const ops::SlabAtoms& atoms, const ops::MultisliceSetup& s, const math::ImageParticle* particles,
                       int n, float* intensity, Complex<float>* exit_waves, void (*progress)(void*, int),
                       void* progress_context);

}  // namespace thon::cuda

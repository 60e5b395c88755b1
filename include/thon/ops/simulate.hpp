// Image formation of `thon simulate` (projection method): from the central slices of a potential map
// to finished particle images, on every backend. The model, step by step, is in
// include/thon/math/simulate.hpp and docs/simulate.md; the driver (poses, batching, files) is
// host/pipeline/simulate.cpp.
#pragma once

#include <cstdint>

#include "thon/core/complex.hpp"
#include "thon/core/device.hpp"
#include "thon/core/vec.hpp"
#include "thon/math/simulate.hpp"

namespace thon::ops {

using math::ImageFormationSetup;
using math::ImageParticle;

/// Forms `n` images from their central slices.
///   slices   n half-complex transforms of box x box projections (box/2+1 columns, DC at index 0,
///            real-space origin at box/2), as the Fourier projector returns them: the unnormalised
///            FT of P(x) = sum_z V(A^T x), V in volts. Host memory.
///   images   n * box * box floats (host): the finished images, [n][y][x].
/// reference: double precision, plain loops; cpu: OpenMP + FFTW (float); cuda: the same functors on
/// the GPU with cuFFT (copies in and out, synchronous). All backends draw the same random numbers
/// (counter-based, keyed by seed, particle index and pixel), so their images agree to float rounding.
/// The particles of one call must have consecutive indices (particles[i].index = particles[0].index + i).
/// Tilted specimens: by strips (setup.strip_width_A > 0, the fused fast path), or exactly per pixel
/// (strip_width_A <= 0: ops::apply_ctf_tilted's per-pixel DFT, O(box^4) per image, small boxes only).
void form_images(Device device, const ImageFormationSetup& setup, const ImageParticle* particles,
                 std::int64_t n, const Complex<float>* slices, float* images);

/// Projection and image formation in one: the central slices of `projector` at `poses`, then
/// form_images. On Device::cuda (the projector's device) the slices stay in device memory and
/// only the images come back; elsewhere it is project() then form_images().
template <class T>
class FourierProjector;
void project_and_form_images(const FourierProjector<float>& projector, const ImageFormationSetup& setup,
                             const Mat3<double>* poses, const ImageParticle* particles, std::int64_t n,
                             Complex<float>* slices_scratch, float* images);

}  // namespace thon::ops

namespace thon::ref {
void form_images(const ops::ImageFormationSetup& setup, const ops::ImageParticle* particles,
                 std::int64_t n, const Complex<float>* slices, float* images);
}
namespace thon::cpu {
void form_images(const ops::ImageFormationSetup& setup, const ops::ImageParticle* particles,
                 std::int64_t n, const Complex<float>* slices, float* images);
}

// The thon::cuda entry points of a build without CUDA, generated from the lists each
// cuda/<family>.hpp declares its functions with (cuda/entry_points.hpp): every one throws
// "built without CUDA". The runtime's (no device, nothing to free) are in no_cuda_runtime.cpp and
// the projector family's templates in no_cuda_project.cpp (its explicit instantiation list).
#include "cuda/classify2d.hpp"
#include "cuda/ctf.hpp"
#include "cuda/fft.hpp"
#include "cuda/filter.hpp"
#include "cuda/multislice.hpp"
#include "cuda/noise.hpp"
#include "cuda/potential.hpp"
#include "cuda/reconstruct.hpp"
#include "cuda/runtime.hpp"
#include "cuda/simulate.hpp"
#include "cuda/symmetry.hpp"

// The stand-ins name their parameters (the lists are the declarations) and use none of them.
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif

#define THON_CUDA_STAND_IN(ret, name, params) \
  ret name params { no_cuda(#name); }

namespace thon::cuda {

THON_CUDA_CLASSIFY2D_FUNCTIONS(THON_CUDA_STAND_IN)
THON_CUDA_CTF_FUNCTIONS(THON_CUDA_STAND_IN)
THON_CUDA_FFT_FUNCTIONS(THON_CUDA_STAND_IN)
THON_CUDA_FILTER_FUNCTIONS(THON_CUDA_STAND_IN)
THON_CUDA_MULTISLICE_FUNCTIONS(THON_CUDA_STAND_IN)
THON_CUDA_NOISE_FUNCTIONS(THON_CUDA_STAND_IN)
THON_CUDA_POTENTIAL_FUNCTIONS(THON_CUDA_STAND_IN)
THON_CUDA_RECONSTRUCT_FUNCTIONS(THON_CUDA_STAND_IN)
THON_CUDA_SIMULATE_FUNCTIONS(THON_CUDA_STAND_IN)
THON_CUDA_SYMMETRY_FUNCTIONS(THON_CUDA_STAND_IN)

}  // namespace thon::cuda

// Fourier insertion entry points of a build without CUDA.
#include "cuda/reconstruct.hpp"
#include "cuda/runtime.hpp"

namespace thon::cuda {

std::unique_ptr<ops::FourierInserter> make_fourier_inserter(const ops::ReconstructGeometry&,
                                                            const std::vector<Mat3<double>>&) {
  no_cuda("reconstruct (CUDA Fourier insertion)");
}

}  // namespace thon::cuda

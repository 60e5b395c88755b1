// Fourier insertion entry points of a build without CUDA.
#include "cuda/reconstruct.hpp"
#include "cuda/runtime.hpp"

namespace thon::cuda {

std::unique_ptr<ops::FourierInserter> make_fourier_inserter(const ops::ReconstructGeometry&,
                                                            const std::vector<Mat3<double>>&) {
  no_cuda("reconstruct (CUDA Fourier insertion)");
}
std::unique_ptr<ops::MapMaker> make_map_maker(std::unique_ptr<ops::FourierInserter>) {
  no_cuda("reconstruct (CUDA inversion)");
}

}  // namespace thon::cuda

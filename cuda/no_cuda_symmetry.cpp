// thon::cuda::symmetrise of a build without CUDA: throws "built without CUDA".
#include "cuda/runtime.hpp"
#include "cuda/symmetry.hpp"

namespace thon::cuda {

void symmetrise(const Volume<float>&, Volume<float>&, const std::vector<Mat3<double>>&) {
  no_cuda("symmetrise");
}

}  // namespace thon::cuda

// classify2d entry point of a build without CUDA.
#include "cuda/classify2d.hpp"
#include "cuda/runtime.hpp"

namespace thon::cuda {

std::unique_ptr<ops::Classify2dEngine> make_classify2d_engine(const ops::Classify2dModel&,
                                                              const ops::Classify2dSampling&, std::size_t) {
  no_cuda("classify2d (CUDA engine)");
}

}  // namespace thon::cuda

#include "cuda/potential.hpp"
#include "cuda/runtime.hpp"

namespace thon::cuda {

void potential_rows(const math::GaussianAtom*, index_t, const float*, index_t, float, int, int, int, float, float*) {
  no_cuda("potential_rows");
}
void projected_rows(const math::GaussianAtom*, index_t, const float*, index_t, const index_t*, int, float, int, int,
                    float*) {
  no_cuda("projected_rows");
}

}  // namespace thon::cuda

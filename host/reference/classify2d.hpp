// Reference classify2d engine: direct loops in double over every image x class x rotation x
// translation x pixel (no matrix products, no expansion of the square), the oracle of the tests.
#pragma once

#include <memory>

#include "thon/ops/classify2d.hpp"

namespace thon::ref {

std::unique_ptr<ops::Classify2dEngine> make_classify2d_engine(const ops::Classify2dModel& model,
                                                              const ops::Classify2dSampling& sampling);

}  // namespace thon::ref

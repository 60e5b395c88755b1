// The reference backend of the back-projector (ops/backproject.hpp): double accumulators filled
// sequentially by ref::insert_slices_2d / _3d (host/reference/project.cpp).
#pragma once

#include <memory>

#include "thon/ops/backproject.hpp"

namespace thon::ref {

/// Accumulators of `half` elements for ndim 2 (an image) or 3 (a volume), T = float or double.
template <class T>
std::unique_ptr<ops::SliceAccumulator<T>> make_slice_accumulator(int ndim, index_t half);

}  // namespace thon::ref

// The CPU backend of the back-projector (ops/backproject.hpp): the scatter of
// cpu::insert_slices_2d / _3d (host/cpu/project.cpp) with per-thread accumulators or atomics.
#pragma once

#include <memory>

#include "thon/ops/backproject.hpp"

namespace thon::cpu {

/// Accumulators of `half` elements for ndim 2 or 3. `asked` automatic resolves to per_thread when
/// (threads - 1) extra accumulators fit in half of the host memory available now, else atomic;
/// one thread is always per_thread (no atomics).
template <class T>
std::unique_ptr<ops::SliceAccumulator<T>> make_slice_accumulator(int ndim, index_t half,
                                                                 ops::AccumulationStrategy asked);

}  // namespace thon::cpu

// CPU and reference back-ends of Fourier insertion (include/thon/ops/reconstruct.hpp).
#pragma once

#include <memory>
#include <vector>

#include "thon/ops/reconstruct.hpp"

namespace thon::cpu {

/// How the CPU inserter adds its samples into the two half-set accumulators.
enum class InsertStrategy {
  automatic,  ///< slab when it fits in the memory allowed, else atomic
  slab,       ///< samples sorted by half-set and z plane, threads own disjoint plane ranges
  atomic      ///< all threads add into one shared pair with OpenMP atomics
};

/// FFTW transforms of the batch, then the samples added by `strategy`. The slab path needs a
/// sorted copy of one batch's samples beside the two accumulators, within max_memory_bytes (0: half
/// of MemAvailable); automatic falls back to atomic when it does not fit.
std::unique_ptr<ops::FourierInserter> make_fourier_inserter(const ops::ReconstructGeometry& g,
                                                            const std::vector<Mat3<double>>& symmetry,
                                                            std::size_t max_memory_bytes,
                                                            InsertStrategy strategy = InsertStrategy::automatic);

/// The strategy the last inserter built resolved to (for tests and benchmarks).
InsertStrategy last_insert_strategy();

/// Whether the last inserter built adds without atomics (slab), for tests.
bool last_inserter_used_private_accumulators();

/// Bytes of host memory currently available (MemAvailable of /proc/meminfo; 4 GiB if unknown).
std::size_t available_host_memory();

/// ops::invert on the CPU: regularised division into the padded float spectrum, FFTW c2r, crop and
/// gridding correction.
Volume<float> invert(const std::vector<const ops::FourierAccumulator*>& accs,
                     const ops::ReconstructGeometry& geometry, const std::vector<double>& inv_tau2);

/// Bytes of host memory currently available (MemAvailable of /proc/meminfo; 4 GiB if unknown).
std::size_t available_host_memory();

}  // namespace thon::cpu

namespace thon::ref {

/// Plain double-precision loops: a direct (separable) DFT of each image, then every sample scattered
/// with the shared kernel weights into double accumulators. For tests and --device reference.
std::unique_ptr<ops::FourierInserter> make_fourier_inserter(const ops::ReconstructGeometry& g,
                                                            const std::vector<Mat3<double>>& symmetry);

/// ops::invert in double: the same division into a double spectrum, inverse DFT (idft3_c2r), crop
/// and gridding correction.
Volume<float> invert(const std::vector<const ops::FourierAccumulator*>& accs,
                     const ops::ReconstructGeometry& geometry, const std::vector<double>& inv_tau2);

/// Inverse 3D DFT of a half-complex n^3 spectrum (n * n * (n/2+1), [z][y][x]) by separable direct
/// sums in double, normalised by 1/n^3; imaginary parts of self-conjugate bins ignored.
void idft3_c2r(const Complex<double>* in, double* out, int n);

}  // namespace thon::ref
